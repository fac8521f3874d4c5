"""The words the plugin puts on pages: ``LABELS``, in English; the ``labels`` option gives
each language its own (``labels: {zh: {failed: ...}}``), keyed by the language code the
site is built in (``build_language``), with mkdocs-static-i18n or without."""

import re
from collections.abc import Mapping
from typing import Any

from mkdocs.config.defaults import MkDocsConfig

from mkdocs_run_examples.languages import language_code

LABELS = {
    "notebook": "Download this page as a Jupyter notebook",
    "script": "or as a Python script",
    "failed": "This example failed when the site was built",
    "truncated": "Output cut here: {count:,} more characters were printed.",
    "summary": "model summary",  # the name a screen reader gives a summary's table
    # An image's alt text: what a plot_model diagram or a chart shows, else its name.
    "model": "Diagram of the model: input {inputs}, output {outputs}; {layers}",
    "layers_in_order": "its layers in order: {layers}",
    "layers_by_kind": "{count} layers: {layers}",
    "chart": "Chart: {texts}",
    "image": "Image written by the example: {name}",
    "value": "Image of the value the example shows",
    "separator": ", ",
    # After an API entry, and after a listing that includes a definition's source.
    "used_on": "Used on these pages: {pages}.",
    "used_on_block": "`{name}` is also used on these pages: {pages}.",
    # Under a page's outputs: what produced them, from the run's record.
    "provenance": "The outputs on this page were produced on {date} by {versions}, "
    "in {seconds:.1f} s.",
    # The executions page (the ``executions`` option): the run each page shows.
    "executions_summary": "Of the {count} pages below, this build ran {ran}; the others "
    "show outputs from the cache, and the table gives the run that made them.",
    "executions_page": "Page",
    "executions_date": "Ran on",
    "executions_versions": "Versions",
    "executions_seconds": "Time",
    "executions_reasons": "Why it ran",
    "executions_build": "This build",
    "seconds": "{seconds:.1f} s",
    "ran": "ran it",
    "cached": "took it from the cache",
    # Why a page ran (``keys.explain``): the build's log says them in English.
    "reason_unknown": "not recorded",
    "reason_not_in_cache": "not in the cache",
    "reason_format": "the cache format changed",
    "reason_code_changed": "code of fence {fence} changed",
    "reason_now_skipped": "fence {fence} is now skipped",
    "reason_no_longer_skipped": "fence {fence} is no longer skipped",
    "reason_now_continues": "fence {fence} now continues the one before",
    "reason_no_longer_continues": "fence {fence} no longer continues",
    "reason_now_expects_error": "fence {fence} now expects an error",
    "reason_no_longer_expects_error": "fence {fence} no longer expects an error",
    "reason_markers_changed": "the markers of fence {fence} changed",
    "reason_fence_removed": "fence {fence} removed",
    "reason_fence_added": "fence {fence} added",
    "reason_changed": "{name} changed",
    "reason_added": "{name} added",
    "reason_removed": "{name} removed",
    "reason_file_changed": "data file {name} changed",
    "reason_file_added": "data file {name} added",
    "reason_file_removed": "data file {name} removed",
    "reason_version": "{name} {before} → {after}",
    "reason_dot": "Graphviz dot changed",
    "reason_runner": "the plugin's runner changed",
    "reason_lock": "the lock file changed",
    "reason_environment": "the environment changed",
}


# Han characters, kana, and CJK and full-width punctuation: Chinese and Japanese put no
# space between them.
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def word_space(before: str, after: str) -> str:
    """What goes between the texts ``before`` and ``after`` put side by side: a space, as
    between words, but none between two CJK characters ("笔记本或 Python 脚本")."""
    if before and after and CJK.match(before[-1]) and CJK.match(after[0]):
        return ""
    return " "


def build_language(config: MkDocsConfig) -> str:
    """The language MkDocs builds the site in: mkdocs-static-i18n's language of this build
    (it builds one language after the other), else the theme's: Material's ``language``,
    MkDocs' and Read the Docs' ``locale`` (a ``Locale``: ``zh_CN``); ``en`` if none."""
    i18n: Any = config.plugins.get("i18n")
    language = getattr(i18n, "current_language", None)
    if not language:
        language = config.theme.get("language") or config.theme.get("locale") or "en"
    return str(language)


def language_labels(language: str, configured: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """The words of ``language``: ``LABELS``, then the ``configured`` words (the ``labels``
    option) of its base language, then its own: ``pt-BR`` and ``pt_BR`` take ``pt``'s
    words where they have none of their own."""
    by_code = {language_code(code): words for code, words in configured.items()}
    code = language_code(language)
    return {**LABELS, **by_code.get(code.split("-")[0], {}), **by_code.get(code, {})}
