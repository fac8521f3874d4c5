"""What a phone loads with each page (issue 27, section 6): its language's search index
only, without the examples' outputs or a second copy of a notebook's code, and on the
notebook page, the rules of the notebook stylesheet that page can use. (The figures,
Lighthouse's, are `make bench`'s; search itself, and the stylesheet's rules against the
whole, are tested in a browser: tests/test_browser.py.)
"""

import json
import re
from html import escape
from pathlib import Path
from urllib.parse import urljoin

import mkdocs_jupyter
import nbformat
import pytest
from helpers import ROOT, page_path

LANGUAGES = {"en": ["en"], "zh": ["en", "zh"]}  # lunr's pipelines of each language's index
PAGES = sorted({p.stem if p.stem != "index" else "" for p in (ROOT / "docs" / "en").iterdir()})
CONFIG_BASE = re.compile(r'<script id="__config" type="application/json">\{.*?"base": "([^"]*)"')
NOTEBOOK_CSS = re.compile(r'<link rel="stylesheet" href="((?:\.\./)*assets/notebook-[^"]+\.css)">')
SUMMARY_TOTALS = ("Total params", "Trainable params")  # in every model summary's output
SITE = "http://example.org/"


def index(site, language):
    return json.loads((site / page_path(language) / "search" / "search_index.json").read_bytes())


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_an_index_of_its_own_pages(site, language):
    """Fails if the index holds both languages (i18n's), or another language's pages, or
    lacks one of its own, or takes lunr's Chinese pipeline into the English pages."""
    search = index(site, language)
    pages = {doc["location"].partition("#")[0] for doc in search["docs"]}
    assert pages == {f"{name}/" if name else "" for name in PAGES}
    assert search["config"]["lang"] == LANGUAGES[language]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_searches_its_language_s_index(site, language, name):
    """Fails if a Chinese page's scripts look for the index (and resolve results) at the
    site's root, where the English index is."""
    path = page_path(language, name)
    html = (site / path / "index.html").read_text("utf-8")
    base = CONFIG_BASE.search(html)[1]
    assert urljoin(urljoin(SITE, path), base) == urljoin(SITE, page_path(language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_output_in_the_index(site, language):
    """Fails if run-examples' outputs (the model summaries) or a notebook's output cells
    are indexed."""
    text = "\n".join(doc["text"] for doc in index(site, language)["docs"])
    for printed in SUMMARY_TOTALS:
        assert printed not in text
    notebook = nbformat.read(ROOT / "docs" / language / "train.ipynb", as_version=4)
    train = "\n".join(d["text"] for d in index(site, language)["docs"] if d["location"] == "train/")
    html = (site / page_path(language, "train") / "index.html").read_text("utf-8")
    printed = re.findall(r'<div class="jp-RenderedText[^>]*>\s*<pre>([^<\n]{20,})', html)
    assert printed, "the notebook page shows no printed line to look for"
    assert not any(line.strip() in train for line in printed)
    # Each code cell's code once: not again from the copy its copy button reads.
    for cell in notebook.cells:
        if cell.cell_type == "code":
            line = max(cell.source.splitlines(), key=len)
            assert train.count(escape(line, quote=False)) == 1, line


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notebook_page_links_the_rules_it_can_use(site, language):
    """Fails if the notebook page links mkdocs-jupyter's whole stylesheet (about 600 KB)."""
    page = site / page_path(language, "train")
    [link] = NOTEBOOK_CSS.findall((page / "index.html").read_text("utf-8"))
    used = (page / link).resolve().read_bytes()
    assets = Path(mkdocs_jupyter.__file__).parent / "templates" / "mkdocs_html" / "assets"
    assert 0 < len(used) < (assets / "index.css").stat().st_size / 10
    assert b".jupyter-wrapper .jp-Cell" in used
