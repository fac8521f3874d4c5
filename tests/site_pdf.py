"""The built site as one PDF per language (`make pdf`), printed by Chromium.

    python tests/site_pdf.py [SITE_DIR [OUT_DIR]]   (default: site/ and SITE_DIR/pdf/)

Every page of the navigation, in its order, is loaded from the built site; its article
(what the build ran, tables, diagrams, charts and code included) is taken without the
interface around it and with its ids made unique (``vgg:projection-shortcut``). The
articles follow a cover and a table of contents in one document, with the site's own
stylesheets; links between its pages become links inside the PDF, other links of the
site lead to the published site (``site_url``). Chromium prints it with page numbers,
an outline of the headings (the PDF's bookmarks) and tagged structure, embedding the
subsets of the fonts it used: Noto Sans CJK SC for Chinese (as Type 3 fonts, the glyphs'
outlines: Skia, Chromium's PDF writer, embeds OpenType fonts with CFF outlines so). It
prints twice: the second time, the contents give the page numbers the first one found.
The builder fails, naming them, on images that do not load and on anything wider than
the page.

Chromium, not mkdocs-print-site-plugin: the plugin collects the default language's
pages only (mkdocs-static-i18n's other languages are an open issue of the plugin), and
a PDF from its print page is a browser's print all the same. Chromium and Playwright are
what the browser tests already use.
"""

import html
import sys
from pathlib import Path

from browser import launch, load_all_images, page_url, serve
from helpers import ROOT, page_path
from mkdocs.utils.yaml import yaml_load
from playwright.sync_api import Page, sync_playwright
from pypdf import PdfReader

CONFIG = yaml_load((ROOT / "mkdocs.yml").read_text("utf-8"))
I18N = next(p["i18n"] for p in CONFIG["plugins"] if isinstance(p, dict) and "i18n" in p)
FOLDER = "pdf"  # in the site: site/pdf/convblocks-en.pdf
CONTENTS = {"en": "Contents", "zh": "目录"}
# Interface inside an article: the page's actions (edit, PDF), permalinks and copy buttons
# (Material's and the notebook's), scripts.
CHROME = (
    ".md-content__button, .md-source-file, a.headerlink, a.anchor-link, button, "
    ".zeroclipboard-container, script"
)

# Runs in the loaded page: its article, ready for the combined document.
ARTICLE = """({name, pages, site, chrome}) => {
  const article = document.querySelector("article.md-content__inner").cloneNode(true);
  article.querySelectorAll(chrome).forEach((element) => element.remove());
  article.querySelectorAll("details").forEach((details) => details.setAttribute("open", ""));
  article.querySelectorAll("img").forEach((image) => {
    image.removeAttribute("loading");
    image.setAttribute("src", image.src);
  });
  article.querySelectorAll("[id]").forEach((element) => {
    if (!element.closest("svg")) element.id = `${name}:${element.id}`;
  });
  article.querySelectorAll("a[href]").forEach((link) => {
    const url = new URL(link.getAttribute("href"), location.href);
    const target = url.origin === location.origin ? pages[url.pathname] : undefined;
    const fragment = decodeURIComponent(url.hash.slice(1));
    if (target !== undefined) {
      link.setAttribute("href", "#" + (fragment ? `${target}:${fragment}` : target));
    } else if (url.origin === location.origin) {
      link.setAttribute("href", site + url.pathname.slice(1) + url.search + url.hash);
    } else {
      link.setAttribute("href", url.href);
    }
  });
  const title = article.querySelector("h1");
  return {
    title: title.textContent.trim(),
    headings: Array.from(article.querySelectorAll("h2"), (h) => [h.id, h.textContent.trim()]),
    html: article.outerHTML,
    styles: Array.from(document.head.querySelectorAll("link[rel=stylesheet], style"), (s) => {
      if (s.href) s.setAttribute("href", s.href);
      return s.outerHTML;
    }),
    canonical: document.querySelector("link[rel=canonical]")?.href,
    description: document.querySelector("meta[name=description]")?.content ?? "",
    body: Array.from(document.body.attributes, (a) => [a.name, a.value])
      .filter(([attribute]) => attribute.startsWith("data-md-color")),
  };
}"""

PRINT_CSS = Path(__file__).with_name("site_pdf.css")  # after the site's stylesheets
# Runs in the printed document: the elements that reach into the margin (past the padding
# of inline code, 3 px), and those that cut off what they hold (nothing scrolls on paper).
TOO_WIDE = """() => Array.from(document.body.querySelectorAll("*"))
  .filter((e) => e.getBoundingClientRect().right > document.body.clientWidth + 4
    || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible"))
  .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 80)}`)"""
MARGIN = {"top": "18mm", "bottom": "20mm", "left": "16mm", "right": "16mm"}
PRINTED_WIDTH = round((210 - 16 - 16) / 25.4 * 96)  # A4 less the margins, in CSS pixels
HEADER = '<div style="font-size:7pt;color:#666;width:100%;padding:0 16mm">{}</div>'
FOOTER = (
    '<div style="font-size:7pt;color:#666;width:100%;text-align:center">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def pdf_name(language: str) -> str:
    return f"convblocks-{language}.pdf"


def languages() -> list[str]:
    return [language["locale"] for language in I18N["languages"] if language.get("build", True)]


def nav_pages(nav: list | None = None) -> list[str]:
    """The pages of mkdocs.yml's nav, in its order: ``""`` for the home page, ``"vgg"``..."""
    names = []
    for entry in CONFIG["nav"] if nav is None else nav:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        if isinstance(value, list):
            names += nav_pages(value)
        else:
            stem = Path(value).with_suffix("").as_posix()
            names.append("" if stem == "index" else stem)
    return names


def articles(page: Page, server: str, language: str) -> list[dict]:
    """Each page's article, in nav order, its links made to fit the combined document."""
    names = nav_pages()
    ids = {f"/{page_path(language, name)}": name or "index" for name in names}
    found, site = [], None
    for name in names:
        page.goto(page_url(server, language, name), wait_until="load")
        if site is None:  # the site's address, from the home page's canonical URL
            home = page.evaluate("document.querySelector('link[rel=canonical]').href")
            site = home.removesuffix(page_path(language))
        arguments = {"name": name or "index", "pages": ids, "site": site, "chrome": CHROME}
        found.append({"name": name or "index", **page.evaluate(ARTICLE, arguments)})
    return found


def contents_entry(target: str, text: str, numbers: dict[str, int]) -> str:
    """A line of the contents: the link, and the number of the page it leads to (a
    placeholder as wide as any, in the first print)."""
    number = numbers.get(target, "000")
    return (
        f'<a href="#{html.escape(target)}"><span>{html.escape(text)}</span>'
        f'<span class="cb-pdf-number">{number}</span></a>'
    )


def document(language: str, pages: list[dict], numbers: dict[str, int]) -> str:
    """The combined document: cover, table of contents (its page ``numbers``), every article."""
    home = pages[0]
    styles = dict.fromkeys(style for page in pages for style in page["styles"])
    body = " ".join(f'{name}="{html.escape(value)}"' for name, value in home["body"])
    site = html.escape(home["canonical"] or "")
    contents = "".join(
        f"<li>{contents_entry(page['name'], page['title'], numbers)}<ol>"
        + "".join(
            f"<li>{contents_entry(id_, text, numbers)}</li>" for id_, text in page["headings"]
        )
        + "</ol></li>"
        for page in pages
    )
    sections = "".join(
        f'<section class="cb-pdf-page" id="{page["name"]}">{page["html"]}</section>'
        for page in pages
    )
    return f"""<!doctype html>
<html lang="{"zh-Hans" if language == "zh" else language}" dir="ltr"><head><meta charset="utf-8">
<title>{html.escape(CONFIG["site_name"])}</title>
{"".join(styles)}<style>{PRINT_CSS.read_text("utf-8")}</style></head>
<body {body}><div class="md-typeset">
<header class="cb-pdf-cover"><p class="cb-pdf-title">{html.escape(CONFIG["site_name"])}</p>
<p>{html.escape(home["description"])}</p><p><a href="{site}">{site}</a></p></header>
<nav class="cb-pdf-contents cb-pdf-page"><h1 id="contents">{CONTENTS[language]}</h1>
<ol>{contents}</ol></nav>
{sections}</div></body></html>"""


def page_numbers(path: Path) -> dict[str, int]:
    """{id: the number of the page it is on} for every link target of the PDF."""
    reader = PdfReader(path)
    return {
        name.removeprefix("/"): reader.get_destination_page_number(destination) + 1
        for name, destination in reader.named_destinations.items()
    }


def print_pdf(page: Page, language: str, pages: list[dict], path: Path) -> None:
    """Printed twice: the second time, the contents show the pages the first one found
    (the numbers take no more room than the first's placeholders, so no page moves)."""
    print_document(page, document(language, pages, {}), path)
    numbers = page_numbers(path)
    print_document(page, document(language, pages, numbers), path)
    if page_numbers(path) != numbers:
        raise SystemExit(f"{path.name}: the contents' page numbers moved the pages")


def print_document(page: Page, text: str, path: Path) -> None:
    """``text`` printed to ``path``; it fails, naming them, on images that do not load and
    on what the page would cut off."""
    page.set_content(text, wait_until="load")
    missing = load_all_images(page)
    if missing:
        raise SystemExit(f"{path.name}: images that did not load: {missing}")
    too_wide = page.evaluate(TOO_WIDE)
    if too_wide:
        raise SystemExit(f"{path.name}: wider than the page, or cut off: {too_wide}")
    page.pdf(
        path=path,
        format="A4",
        print_background=True,
        outline=True,
        tagged=True,
        display_header_footer=True,
        header_template=HEADER.format(html.escape(CONFIG["site_name"])),
        footer_template=FOOTER,
        margin=MARGIN,
    )


def build_pdfs(site: Path, out: Path) -> list[Path]:
    """``out/convblocks-<language>.pdf`` for each language of the site built in ``site``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve(site) as server, sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": PRINTED_WIDTH, "height": 1000})
        page.emulate_media(media="print")  # as the PDF lays the pages out
        for language in languages():
            path = out / pdf_name(language)
            print_pdf(page, language, articles(page, server, language), path)
            written.append(path)
        browser.close()
    return written


if __name__ == "__main__":
    site_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site"
    for pdf in build_pdfs(site_dir, Path(sys.argv[2]) if len(sys.argv) > 2 else site_dir / FOLDER):
        print(pdf)
