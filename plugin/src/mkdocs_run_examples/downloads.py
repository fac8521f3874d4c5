"""Downloads: a Markdown page offered as a Jupyter notebook and a Python script.

The files are made from the page's prose and its fences (includes expanded) when
the page is read, linked under its title, and written beside the page's HTML.
``page_downloads`` makes them, for the build and for ``offered`` (the same files
outside a build); the notebook starts with the cell that installs ``install``.
"""

import re
from pathlib import Path

from mkdocs_run_examples.notebooks import page_notebook, page_script


class Downloads:
    def __init__(self):
        self.files = {}  # page URL -> {file name: text}

    def keep(self, markdown, fences, page, install=()):
        stem = Path(page.file.src_uri).stem
        self.files[page.url] = page_downloads(markdown, fences, stem, install)

    def link(self, markdown, page, labels):
        """``markdown`` with links to the page's notebook and script under its title."""
        stem = Path(page.file.src_uri).stem
        links = (
            f'<p class="cb-downloads"><a href="{stem}.ipynb" download>{labels["notebook"]}</a> '
            f'<a href="{stem}.py" download>{labels["script"]}</a></p>'
        )
        lines = markdown.split("\n")
        title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
        lines[title + 1 : title + 1] = ["", links, ""]
        return "\n".join(lines)

    def write(self, site_dir):
        for url, files in self.files.items():
            folder = Path(site_dir) / url
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")


def page_downloads(markdown, fences, stem, install=()):
    """{file name: text}: the notebook and the script of the page ``stem``.md, from its
    Markdown as MkDocs reads it (front matter removed) and its fences (``find_fences``);
    ``install``: pins from ``notebooks.pinned``."""
    markdown = _without_heading_ids(markdown)
    title = re.search(r"^# (.+?)\s*$", markdown, re.MULTILINE)
    return {
        f"{stem}.ipynb": page_notebook(markdown, fences, install),
        f"{stem}.py": page_script(title[1] if title else stem, fences, install),
    }


def _without_heading_ids(markdown):
    # [ \t]: a newline kept, so the fences' line numbers still hold
    return re.sub(r"^(#+ .*?)[ \t]*\{#[^}]*\}[ \t]*$", r"\1", markdown, flags=re.MULTILINE)
