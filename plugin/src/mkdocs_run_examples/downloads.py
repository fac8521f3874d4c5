"""Downloads: a Markdown page offered as a Jupyter notebook and a Python script.

The files are made from the page's prose and its fences (includes expanded) when
the page is read, linked under its title, and written beside the page's HTML.
``page_downloads`` makes them, for the build and for ``offered`` (the same files
outside a build); the notebook starts with the cell that installs ``install``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs_run_examples.labels import word_space
from mkdocs_run_examples.notebooks import Pin, page_notebook, page_script
from mkdocs_run_examples.records import Fence

if TYPE_CHECKING:
    from mkdocs.structure.pages import Page


class Downloads:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, str]] = {}  # page URL -> {file name: text}

    def keep(
        self, markdown: str, fences: Sequence[Fence], page: Page, install: Sequence[Pin] = ()
    ) -> None:
        stem = Path(page.file.src_uri).stem
        self.files[page.url] = page_downloads(markdown, fences, stem, install)

    def link(self, markdown: str, page: Page, labels: Mapping[str, str]) -> str:
        """``markdown`` with links to the page's notebook and script under its title."""
        stem = Path(page.file.src_uri).stem
        notebook, script = labels["notebook"], labels["script"]
        links = (
            f'<p class="cb-downloads"><a href="{stem}.ipynb" download>{notebook}</a>'
            f'{word_space(notebook, script)}<a href="{stem}.py" download>{script}</a></p>'
        )
        lines = markdown.split("\n")
        title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
        lines[title + 1 : title + 1] = ["", links, ""]
        return "\n".join(lines)

    def write(self, site_dir: str | os.PathLike[str]) -> None:
        for url, files in self.files.items():
            folder = Path(site_dir) / url
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")


def page_downloads(
    markdown: str, fences: Sequence[Fence], stem: str, install: Sequence[Pin] = ()
) -> dict[str, str]:
    """{file name: text}: the notebook and the script of the page ``stem``.md, from its
    Markdown as MkDocs reads it (front matter removed) and its fences (``find_fences``);
    ``install``: pins from ``notebooks.pinned``."""
    markdown = _without_heading_ids(markdown)
    title = re.search(r"^# (.+?)\s*$", markdown, re.MULTILINE)
    return {
        f"{stem}.ipynb": page_notebook(markdown, fences, install),
        f"{stem}.py": page_script(title[1] if title else stem, fences, install),
    }


def _without_heading_ids(markdown: str) -> str:
    # [ \t]: a newline kept, so the fences' line numbers still hold
    return re.sub(r"^(#+ .*?)[ \t]*\{#[^}]*\}[ \t]*$", r"\1", markdown, flags=re.MULTILINE)
