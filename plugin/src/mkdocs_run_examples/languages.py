"""Images drawn for one language: ``costs.zh.svg`` is for the Chinese page only.

With mkdocs-static-i18n a page and its translation have the same code, which runs once
for both. For each language to get a chart in its own words, the code draws it once per
language and names each drawing after its language, before its suffix: a file it writes,
``costs.zh.svg``, or a figure it shows, labelled ``costs.zh``
(``plt.subplots(label="costs.zh")``: in a notebook, its output; in a Markdown page,
``plt.show()`` saves it as ``figure-1.zh.png``). A page shows the images named after its
own language and those named after none of the site's languages (``plot.v2.png`` too);
a site without mkdocs-static-i18n shows them all.

Imported in the pages' processes (by the matplotlib backend): nothing but the standard
library.
"""

import re
from collections.abc import Collection
from pathlib import PurePosixPath

# A language code as MkDocs' themes and mkdocs-static-i18n spell them: en, zh, zh-Hant, pt_BR
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")


def language_code(language: str) -> str:
    """One spelling of a language code: ``zh_CN``, ``zh-CN`` and ``zh-cn`` are ``zh-cn``."""
    return language.replace("_", "-").lower()


def named_language(label: str) -> str:
    """The language code a figure's label ends with (``zh`` of ``costs.zh``), else ""."""
    stem, dot, code = label.rpartition(".")
    return code if stem and dot and LANGUAGE_CODE.fullmatch(code) else ""


def file_language(name: str) -> str:
    """The language code before a file's suffix (``zh`` of ``plots/costs.zh.svg``), else ""."""
    return named_language(PurePosixPath(name).stem)


def shown(code: str, language: str, languages: Collection[str]) -> bool:
    """Whether a page in ``language`` shows an image named after ``code`` (``named_language``,
    ``file_language``): unless ``code`` is another of the site's ``languages``."""
    known = {language_code(other) for other in languages}
    return language_code(code) not in known or language_code(code) == language_code(language)
