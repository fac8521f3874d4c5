"""The plugin's options, as ``mkdocs.yml`` sets them (the README's table says what each does)."""

import string

from mkdocs.config import base
from mkdocs.config import config_options as c

from mkdocs_run_examples.labels import LABELS
from mkdocs_run_examples.languages import LANGUAGE_CODE

# Here, not in pool.py, which a build imports only when a page must run.
START_METHODS = ("auto", "forkserver", "fork", "spawn")

LanguageLabels = dict[str, dict[str, str]]  # language code -> {LABELS key: text}


class Labels(base.BaseConfigOption[LanguageLabels]):
    """``labels``: per language code, the plugin's words in it. A code that is none, a
    word the plugin has no use for, or a text naming a field its English does not (a
    typo in ``{count:,}``), is an error naming it, before anything runs."""

    def __init__(self) -> None:
        super().__init__()
        self.default: LanguageLabels = {}

    def run_validation(self, value: object) -> LanguageLabels:
        if not isinstance(value, dict):
            raise base.ValidationError(f"expected a mapping of language codes, not {value!r}")
        for language, words in value.items():
            if not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language):
                raise base.ValidationError(f"{language!r} is not a language code (en, zh, pt-BR)")
            if not isinstance(words, dict):
                raise base.ValidationError(f"{language}: expected a mapping of labels to texts")
            for name, text in words.items():
                if name not in LABELS:
                    known = ", ".join(LABELS)
                    raise base.ValidationError(f"{language}: unknown label {name!r} ({known})")
                if not isinstance(text, str):
                    raise base.ValidationError(f"{language}.{name}: expected a text")
                try:
                    unknown = _fields(text) - _fields(LABELS[name])
                except ValueError as error:  # an unmatched brace
                    raise base.ValidationError(f"{language}.{name}: {error}") from None
                if unknown:
                    raise base.ValidationError(
                        f"{language}.{name}: no field {', '.join(sorted(unknown))} "
                        f"(the English has: {LABELS[name]!r})"
                    )
        return value


def _fields(text: str) -> set[str]:
    """The fields a format string names: ``{"count"}`` for ``"{count:,} more"``."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# MkDocs' Config.__init_subclass__ is not annotated.
class RunExamplesConfig(base.Config):  # type: ignore[no-untyped-call]
    cache_dir = c.Type(str, default=".cache/run-examples")
    preload = c.ListOfItems(c.Type(str), default=[])  # imported once, before any page runs
    workers = c.Type(int, default=0)  # 0: one per core
    timeout = c.Type((int, float), default=300)  # seconds for one page's run
    output_limit = c.Type(int, default=100_000)  # characters one fence may print on the page
    sources = c.Type(dict, default={})  # import name -> directory: code importing it depends on it
    lock_file = c.Optional(c.Type(str))  # its bytes go in the cache key
    # With mkdocs-static-i18n: a translation whose code is not its original's is an error.
    same_code = c.Type(bool, default=False)
    downloads = c.ListOfItems(c.Type(str), default=[])  # pages (file stems) offered as .ipynb/.py
    # Requirements ("convblocks[plot]") the offered notebooks install first, pinned to the
    # versions installed at build time; the scripts name them in a comment.
    install = c.ListOfItems(c.Type(str), default=[])
    labels = Labels()  # language code -> {LABELS key: text}
    # The execution report (report.py): always in the cache folder; its JSON in the site
    # too if true.
    report = c.Type(bool, default=False)
    # The page (its file name; in each language's folder with mkdocs-static-i18n) that
    # lists the run every page shows (executions.py).
    executions = c.Optional(c.Type(str))
    # How each page's process starts: auto (forkserver where Python can fork, else
    # spawn), forkserver, fork or spawn (see pool.py).
    start_method = c.Choice(START_METHODS, default="auto")
