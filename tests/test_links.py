"""Every internal link and anchor of the built site resolves; anchors match across languages."""

import html.parser
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from site_pdf import FOLDER as PDF_FOLDER

SKIPPED_SCHEMES = ("http:", "https:", "mailto:", "javascript:", "data:")


class Links(html.parser.HTMLParser):
    """The href/src values and the element ids of one HTML page."""

    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        for name in ("href", "src"):
            value = attributes.get(name)
            if value and not (tag == "link" and attributes.get("rel") in ("canonical",)):
                self.links.append(value)


def parse(path):
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def target_file(site, page, link):
    url = urlparse(urljoin(f"http://site/{page.relative_to(site).as_posix()}", link))
    path = site / unquote(url.path).lstrip("/")
    if url.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(url.fragment)


def test_every_internal_link_and_anchor_resolves(site):
    pages = sorted(site.rglob("*.html"))
    parsed = {page: parse(page) for page in pages}
    broken, checked = [], 0
    for page, links in parsed.items():
        for link in links.links:
            if link.startswith(SKIPPED_SCHEMES) or link == "#":
                continue
            checked += 1
            path, fragment = target_file(site, page, link)
            if path.parent == site / PDF_FOLDER and path.suffix == ".pdf":
                continue  # `make pdf` writes them after the build: test_pdf.py checks them
            if not path.exists():
                broken.append(f"{page.relative_to(site)}: {link} (no file)")
            elif fragment and path.suffix == ".html":
                ids = parsed[path].ids if path in parsed else parse(path).ids
                if fragment not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no anchor)")
    assert len(pages) > 20 and checked > 50 * len(pages)
    assert broken == []


def heading_ids(page):
    return re.findall(r'<h[1-6] id="([^"]+)"', page.read_text("utf-8"))


@pytest.mark.parametrize(
    "name",
    sorted(p.stem for p in (Path(__file__).parents[1] / "docs" / "en").iterdir() if p.is_file()),
)
def test_headings_have_the_same_anchors_in_both_languages(site, name):
    folder = "" if name == "index" else f"{name}/"
    english = heading_ids(site / folder / "index.html")
    chinese = heading_ids(site / "zh" / folder / "index.html")
    assert english and english == chinese
