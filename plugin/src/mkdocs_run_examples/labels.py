"""The words the plugin puts on pages: ``LABELS``, in English; the ``labels`` option gives
each language its own (``labels: {zh: {failed: ...}}``), keyed by the language code the
site is built in (``build_language``), with mkdocs-static-i18n or without."""

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
}


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
