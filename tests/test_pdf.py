"""The site as one PDF per language (tests/site_pdf.py, `make pdf`), printed here from the
built site as `make pdf` prints it, then read as a reader's tools read it: its text with
Poppler's pdftotext, its fonts with pdffonts, its outline and links with pypdf. And every
page of the site links to its language's PDF."""

import html
import re
import subprocess
import sys
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from helpers import ROOT, page_path
from pypdf import PdfReader
from site_pdf import CONFIG, CONTENTS, FOLDER, I18N, languages, nav_pages, pdf_name

# One worker prints the PDFs, once (a session fixture is per pytest-xdist worker).
pytestmark = pytest.mark.xdist_group("pdf")

COUNTS = ["38,720", "2,325,568", "6,272", "513,120", "38,976"]  # the tutorial's, as pages show them
MAX_BYTES = 12_000_000  # each PDF
LINK_TITLE = "Download the site as a PDF"  # overrides/partials/actions.html
# The interface around the articles, in each language: none of it is printed.
CHROME = {
    "en": ["Skip to content", "Made with", "Material for MkDocs", LINK_TITLE],
    "zh": ["跳转至", "本站使用", "Material for MkDocs", "下载全站 PDF"],
}
H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
PDF_LINK = re.compile(r'<a href="([^"]+\.pdf)" title="([^"]+)" class="md-content__button')


@pytest.fixture(scope="session")
def pdfs(site, tmp_path_factory):
    """{language: its PDF}, printed from the built site by `make pdf`'s command."""
    out = tmp_path_factory.mktemp("pdf")
    command = [sys.executable, str(ROOT / "tests" / "site_pdf.py"), str(site), str(out)]
    printed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert printed.returncode == 0, printed.stderr[-5000:]
    return {language: out / pdf_name(language) for language in languages()}


def titles(site, language):
    """The h1 of each page of the navigation, in its order, as the built site shows it."""
    found = []
    for name in nav_pages():
        page = (site / page_path(language, name) / "index.html").read_text("utf-8")
        text = html.unescape(re.sub(r"<[^>]+>", "", H1.search(page)[1])).replace("¶", "")
        found.append(text.strip())
    return found


def pdf_text(path):
    """The PDF's text as pdftotext gives it, one string per page."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return text.stdout.split("\f")[:-1]


def squeezed(text):
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("language", languages())
def test_the_pdf_holds_every_page_title_and_the_tutorials_counts(site, pdfs, language):
    text = "\f".join(pdf_text(pdfs[language]))
    missing = [title for title in titles(site, language) if squeezed(title) not in squeezed(text)]
    assert missing == []
    assert [count for count in COUNTS if count not in text] == []
    assert [chrome for chrome in CHROME[language] if chrome in text] == []


@pytest.mark.parametrize("language", languages())
def test_what_screens_lay_out_only_near_view_is_printed_whole(site, pdfs, language):
    """The API's entries and the notebook's cells are laid out on screen only as they near
    it (content-visibility, assets/convblocks.css); the PDF holds them all."""
    text = squeezed("".join(pdf_text(pdfs[language])))
    skipped = []
    for name, selector in (("api", ".doc-contents > p"), ("train", ".jp-Cell pre")):
        page = (site / page_path(language, name) / "index.html").read_text("utf-8")
        found = BeautifulSoup(page, "html.parser").select(selector)
        assert len(found) >= 4, (name, selector)
        skipped += [element.get_text()[:60] for element in found]
    assert [part for part in skipped if squeezed(part) not in text] == []


@pytest.mark.parametrize("language", languages())
def test_the_outline_lists_the_contents_then_every_page_in_nav_order(site, pdfs, language):
    """The bookmarks: the contents, then each page's title, which its page shows; each
    page's headings below it."""
    reader = PdfReader(pdfs[language])
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == [CONTENTS[language], *titles(site, language)]
    assert sum(isinstance(item, list) for item in reader.outline) >= len(nav_pages())
    pages = pdf_text(pdfs[language])
    numbers = [reader.get_destination_page_number(item) for item in top]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    for item, number in zip(top, numbers, strict=True):
        assert squeezed(item.title) in squeezed(pages[number]), item.title


@pytest.mark.parametrize("language", languages())
def test_the_contents_give_the_page_each_page_starts_on(site, pdfs, language):
    reader = PdfReader(pdfs[language])
    destinations = reader.named_destinations
    first = reader.get_destination_page_number(destinations["/index"])  # the pages before: contents
    layout = subprocess.run(
        ["pdftotext", "-layout", "-l", str(first), str(pdfs[language]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines = {squeezed(m[1]): int(m[2]) for m in re.finditer(r"^\s*(.+?)\s+(\d+)\s*$", layout, re.M)}
    for name, title in zip(nav_pages(), titles(site, language), strict=True):
        number = reader.get_destination_page_number(destinations[f"/{name or 'index'}"]) + 1
        assert lines.get(squeezed(title)) == number, title


def links(reader):
    """(page number, destination name or URI) of every link of the PDF."""
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") != "/Link":
                continue
            action = link.get("/A")
            action = action.get_object() if action is not None else {}
            found.append((number, link.get("/Dest") or action.get("/D") or action.get("/URI")))
    return found


@pytest.mark.parametrize("language", languages())
def test_internal_links_land_on_their_targets(site, pdfs, language):
    """Every link inside the PDF (the contents', the pages' links to one another) has its
    destination; a page's link lands on the PDF page that shows its title. The other links
    of the site lead to the published site, none to the local server the PDF was printed
    from."""
    reader = PdfReader(pdfs[language])
    destinations = reader.named_destinations
    targets = [str(target) for _, target in links(reader)]
    uris = [target for target in targets if target.startswith(("http:", "https:"))]
    internal = [target for target in targets if target not in uris]
    assert [target for target in internal if target not in destinations] == []
    assert len(internal) > 3 * len(nav_pages())
    pages = pdf_text(pdfs[language])
    for name, title in zip(nav_pages(), titles(site, language), strict=True):
        number = reader.get_destination_page_number(destinations[f"/{name or 'index'}"])
        assert f"/{name or 'index'}" in internal and squeezed(title) in squeezed(pages[number])
    local = [uri for uri in uris if re.match(r"https?://(127\.0\.0\.1|localhost)", uri)]
    assert [uri for uri in local if not uri.startswith(CONFIG["site_url"])] == []


def font_names(reader):
    """The name of every font the PDF's pages use: the font's own, or for Type 3 fonts
    (which pdffonts shows as [none]) its descriptor's."""
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get_object().get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            name = descriptor.get_object()["/FontName"] if descriptor else font["/BaseFont"]
            names.add(str(name))
    return names


@pytest.mark.parametrize("language", languages())
def test_fonts_are_embedded_with_noto_sans_cjk_sc_for_chinese(pdfs, language):
    """Every font is embedded (pdffonts). Chromium embeds Noto Sans CJK, an OpenType font
    with CFF outlines, as Type 3 fonts (the glyphs' outlines), named in their descriptors:
    the Chinese PDF's are the simplified Chinese (SC) cut."""
    listing = subprocess.run(
        ["pdffonts", str(pdfs[language])], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    columns = [match.span() for match in re.finditer(r"-+", listing[1])]
    fonts = [[line[start:end].strip() for start, end in columns] for line in listing[2:]]
    assert fonts and [font for font in fonts if font[3] != "yes"] == []
    names = font_names(PdfReader(pdfs[language]))
    if language == "zh":
        assert any("NotoSansCJKsc" in name for name in names), names
    assert not any(re.search("NotoSansCJK(jp|kr|tc|hk)", name) for name in names), names


@pytest.mark.parametrize("language", languages())
def test_the_pdf_size_is_bounded(pdfs, language):
    assert 100_000 < pdfs[language].stat().st_size < MAX_BYTES


def link_title(language):
    """The PDF link's title in ``language``: mkdocs.yml's word for it (hooks/interface.py)."""
    settings = next(entry for entry in I18N["languages"] if entry["locale"] == language)
    return settings.get("extra", {}).get("interface", {}).get(LINK_TITLE, LINK_TITLE)


def test_every_page_links_to_its_languages_pdf_in_its_language(site):
    assert link_title("zh") == CHROME["zh"][-1]
    wrong, checked = [], 0
    for language in languages():
        for name in nav_pages():
            where = page_path(language, name)
            page = (site / where / "index.html").read_text("utf-8")
            found = PDF_LINK.findall(page)
            target = f"/{FOLDER}/{pdf_name(language)}"
            if [(urljoin(f"/{where}", href), title) for href, title in found] != [
                (target, link_title(language))
            ]:
                wrong.append(f"{where}: {found}")
            checked += 1
    assert wrong == [] and checked == len(languages()) * len(nav_pages())
