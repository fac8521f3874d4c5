"""MkDocs hook: tidy the notebook pages that mkdocs-jupyter renders.

- Heading anchors: mkdocs-jupyter drops non-ASCII text from its heading ids, so the
  Chinese notebook's headings get ``id=""`` while its table of contents points at
  ``#_1``…; every language gets the English notebook's anchors instead (headings in
  the same order), in the headings and the table of contents alike, so a link to an
  anchor works in either language.
- Styles: the ~600 KB of Jupyter CSS inlined in each notebook page goes to one shared
  stylesheet, fetched once and cached by the browser.
- Code cells wider than the column scroll sideways; such a box must be focusable for
  keyboard users (axe-core: scrollable-region-focusable).
"""

import hashlib
import re
from pathlib import Path

import nbformat
from markdown.extensions.toc import slugify
from mkdocs.utils import get_relative_url

STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
HEADING = re.compile(r'<h([1-6]) id="[^"]*">')
_stylesheets = {}  # file name -> CSS


def english_anchors(page, config):
    """Anchors of the English twin's Markdown headings, in order."""
    rest = page.file.src_uri.partition("/")[2]
    english = Path(config.docs_dir) / "en" / rest
    notebook = nbformat.read(english, as_version=4)
    anchors = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for title in re.findall(r"^#{1,6}\s+(.+?)\s*$", cell.source, re.MULTILINE):
                anchors.append(slugify(title, "-"))
    return anchors


def _toc_items(items):
    for item in items:
        yield item
        yield from _toc_items(item.children)


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    anchors = english_anchors(page, config)
    remaining = iter(anchors)
    html = HEADING.sub(lambda match: f'<h{match[1]} id="{next(remaining, "")}">', html)
    for item, anchor in zip(_toc_items(page.toc), anchors, strict=False):
        item.id = anchor
    css = "\n".join(STYLE.findall(html))
    name = f"notebook-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
    _stylesheets[name] = css
    link = f'<link rel="stylesheet" href="{get_relative_url(f"assets/{name}", page.url)}">'
    html = link + STYLE.sub("", html)
    return html.replace('<div class="highlight-ipynb', '<div tabindex="0" class="highlight-ipynb')


def on_post_build(config):
    for name, css in _stylesheets.items():
        (Path(config.site_dir) / "assets" / name).write_text(css, encoding="utf-8")
