"""What readers see around the content: the Chinese pages' interface is Chinese, every
page's title names the site once and its search one way, and every page's hreflang
alternates are absolute URLs of built pages.

Interface: the attributes read aloud or shown on hover (title, aria-label, alt,
placeholder) and the text of the chrome (all but the article; in it, buttons, labels
and hidden notices) hold no run of two English words, nor a usual one-word label.
Names are allowed; code, program output and the examples' images, the notebook's too
(whose alt text run-examples writes, quoting their labels), are not interface.

In the article, what tools write is interface too: mkdocstrings' section titles and the
cells of its tables (not the docstrings in them, nor code), and run-examples' download
links, provenance, "used on" lines and notes. It holds, besides, no English word of those
tools' own labels, and no space between two Chinese characters. What the authors write
(which quotes English: paper titles, the docstrings) is theirs.
"""

import html.parser
import re
from pathlib import Path

import mkdocstrings_handlers.python
from helpers import ROOT, page_path
from mkdocs.utils.yaml import yaml_load
from test_chinese import CJK, CJK_PUNCTUATION

from mkdocs_run_examples.labels import LABELS as PLUGIN_LABELS

CONFIG = yaml_load((ROOT / "mkdocs.yml").read_text("utf-8"))  # site_url as the build reads it
SITE_URL = CONFIG["site_url"]
I18N = next(p["i18n"] for p in CONFIG["plugins"] if isinstance(p, dict) and "i18n" in p)
LANGUAGES = {language["locale"]: language.get("default", False) for language in I18N["languages"]}
RUN_EXAMPLES = next(p["run-examples"] for p in CONFIG["plugins"] if "run-examples" in p)

ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
NOT_INTERFACE = {"code", "pre", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
NAMES = ["Material for MkDocs", "ConvBlocks", "GitHub", "Keras", "TensorFlow", "Colab"]
NAMES += ["Jupyter", "MkDocs", "VGG", "Inception", "ResNet", "Python"]
WORD = r"[A-Za-z]+(?:'[a-z]+)?"  # ASCII: a Chinese character next to it does not hide it
WORD_RUN = re.compile(rf"(?<![\w.-]){WORD}(?:\s+{WORD})+(?![\w.-])", re.ASCII)
LABELS = {"Copy", "Copied", "Search", "Share", "Clear", "Close", "Menu", "Previous", "Next"}
LABELS |= {"Back", "Top", "Skip", "Edit", "View", "Download", "Open", "Contents"}
SPACED = re.compile(f"[{CJK}{CJK_PUNCTUATION}]\\s+[{CJK}{CJK_PUNCTUATION}]")

# What tools write in the article: run-examples' paragraphs and mkdocstrings' section
# titles, by class; in mkdocstrings' objects (class "doc"), its tables' cells, less the
# docstrings' descriptions in them.
WRITTEN = {"cb-downloads", "cb-provenance", "cb-used-on", "cb-truncated", "doc-section-title"}
DOCSTRING = "doc-md-description"
MKDOCSTRINGS_LANGUAGES = Path(mkdocstrings_handlers.python.__file__).parent / "templates"
MKDOCSTRINGS_LANGUAGES /= "material/_base/languages"


def mkdocstrings_words(language):
    """{English label: its words in ``language``}, as mkdocstrings-python ships them."""
    text = (MKDOCSTRINGS_LANGUAGES / f"{language}.html.jinja").read_text("utf-8")
    return dict(re.findall(r'^\s*"([^"]+)"\s*:\s*"([^"]*)",$', text, re.MULTILINE))


def tools_english_words():
    """The English words of the labels of mkdocstrings-python and run-examples, names aside."""
    labels = [*mkdocstrings_words("en"), *PLUGIN_LABELS.values()]
    text = re.sub(r"{[^}]*}", " ", " ".join(labels))  # format fields: {count:,}
    for name in NAMES:
        text = text.replace(name, " ")
    return {word.casefold() for word in re.findall(r"[A-Za-z]{2,}", text)}


TOOLS_ENGLISH = tools_english_words()


class Page(html.parser.HTMLParser):
    """A built page's interface strings, what tools wrote in its article, its head's
    alternates, its header's language links, and the names its search goes by."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = [("", {})]  # open elements: (tag, what holds them)
        self.strings, self.alternates, self.switcher = [], [], []
        self.written = []  # [where, text] of each part of the article a tool wrote
        self.search = []  # the search dialog's, its options' and its field's names

    def handle_starttag(self, tag, attrs):
        holders = self._start(tag, dict(attrs))
        if tag not in VOID:
            self.stack.append((tag, holders))

    def handle_startendtag(self, tag, attrs):
        self._start(tag, dict(attrs))

    def _start(self, tag, attrs):
        holders = dict(self.stack[-1][1])
        classes = (attrs.get("class") or "").split()
        holders["code"] = holders.get("code") or tag in NOT_INTERFACE
        holders["article"] = holders.get("article") or tag == "article"
        # Figures the examples draw: their alt text quotes the figure's own labels.
        example = "cb-image" in classes or "jp-RenderedImage" in classes
        holders["example"] = holders.get("example") or example
        holders["control"] = holders.get("control") or tag in ("button", "label")
        holders["control"] |= "hidden" in attrs
        self._written(tag, classes, holders)
        if not (holders["code"] or holders["example"]):
            self.strings += [(f"{tag}[{a}]", attrs[a]) for a in ATTRIBUTES if attrs.get(a)]
        if tag == "link" and attrs.get("rel") == "alternate" and "hreflang" in attrs:
            self.alternates.append((attrs["hreflang"], attrs.get("href", "")))
        if tag == "a" and "md-select__link" in classes:
            self.switcher.append(attrs.get("href", ""))
        if {"md-search", "md-search__options"} & set(classes):
            self.search.append(attrs.get("aria-label"))
        if "md-search__input" in classes:
            self.search += [attrs.get("placeholder"), attrs.get("aria-label")]
        return holders

    def _written(self, tag, classes, holders):
        """Start a part of the article that a tool wrote, or mark code inside one."""
        holders["mkdocstrings"] = holders.get("mkdocstrings") or "doc" in classes
        holders["docstring"] = holders.get("docstring") or DOCSTRING in classes
        part = holders.get("written")
        if part is None and holders["article"]:
            kind = next((c for c in classes if c in WRITTEN), None)
            if kind or (holders["mkdocstrings"] and tag in ("th", "td")):
                self.written.append([f"{tag}.{kind}" if kind else tag, ""])
                holders["written"] = len(self.written) - 1
        elif part is not None and tag in NOT_INTERFACE and not holders["docstring"]:
            self.written[part][1] += "·"  # code stands in the text as a name does

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _ in self.stack[1:]):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        holders = self.stack[-1][1]
        interface = not holders.get("article") or holders.get("control")
        if data.strip() and interface and not holders.get("code"):
            self.strings.append(("text", data.strip()))
        part = holders.get("written")
        if part is not None and not (holders.get("code") or holders.get("docstring")):
            self.written[part][1] += data


def parse(text):
    page = Page()
    page.feed(text)
    page.written = [(where, " ".join(text.split())) for where, text in page.written]
    return page


def english(text):
    """The English words of ``text`` that read as interface (names aside), else None."""
    for name in NAMES:
        text = text.replace(name, "·")
    found = WORD_RUN.findall(text) + sorted(LABELS & set(re.findall(r"[A-Za-z]+", text)))
    return found or None


def not_chinese(text):
    """What in ``text``, written by a tool on a Chinese page, is not Chinese: English as
    in ``english``, the tools' own English words, a space between Chinese characters."""
    found = english(text) or []
    for name in NAMES:
        text = text.replace(name, "·")
    found += sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.casefold() in TOOLS_ENGLISH})
    return found + SPACED.findall(text) or None


def interface_not_chinese(page):
    """(where, text) of each interface string of ``page`` that is not Chinese."""
    chrome = [(where, text) for where, text in page.strings if english(text)]
    return chrome + [(where, text) for where, text in page.written if not_chinese(text)]


def test_the_interface_check_finds_english_labels_and_only_them():
    page = parse(
        "<html><head><title>VGG 块 - ConvBlocks</title></head><body><header>"
        '<label title="Switch to dark mode">切换</label><button>Copied!</button></header>'
        "<article><p>Going Deeper with Convolutions</p><span hidden>Copied!</span>"
        '<code title="keras.Model">Build the model</code><pre>Total params: 1</pre>'
        '<figure class="cb-image"><img alt="Image written by the example: vgg.png"></figure>'
        '<img alt="No description has been provided for this image"></article>'
        "<footer>本站使用 <a>Material for MkDocs</a> · Keras 3 · 回到Back to top</footer>"
        "</body></html>"
    )
    assert interface_not_chinese(page) == [
        ("label[title]", "Switch to dark mode"),
        ("text", "Copied!"),
        ("text", "Copied!"),
        ("img[alt]", "No description has been provided for this image"),
        ("text", "· Keras 3 · 回到Back to top"),
    ]


def test_the_interface_check_reads_what_tools_wrote_in_the_article():
    page = parse(
        "<article><p>论文 “Deep Residual Learning” 的 <code>he_normal</code></p>"
        '<p class="cb-downloads"><a>下载本页的 Jupyter 笔记本</a> <a>或 Python 脚本</a></p>'
        '<div class="doc doc-object"><p>Docstring prose: the block and its output.</p>'
        '<p><span class="doc-section-title">Parameters:</span></p><table><thead><tr>'
        "<th>名称</th><th>Type</th><th>描述</th><th>默认</th></tr></thead><tbody><tr>"
        "<td><code>filters</code></td><td><code>int</code></td>"
        '<td><div class="doc-md-description"><p>Number of filters, as in <code>Conv2D'
        "</code> (3a).</p></div></td><td>\n  <em>required</em>\n</td></tr></tbody></table>"
        '<p><span class="doc-section-title">返回：</span></p></div>'
        '<p class="cb-provenance">本页的输出由 Python 3.11.7、Keras 3.12.0 于 2026-12-07 生成，'
        "运行用时 1.5 秒。</p>"
        '<p class="cb-used-on">用到 <code>vgg_block</code> 的其他页面：<a>VGG 块</a>。</p>'
        '<p class="cb-used-on">Used on these pages: <a>VGG 块</a>.</p></article>'
    )
    assert interface_not_chinese(page) == [
        ("p.cb-downloads", "下载本页的 Jupyter 笔记本 或 Python 脚本"),
        ("span.doc-section-title", "Parameters:"),
        ("th", "Type"),
        ("td", "required"),
        ("p.cb-used-on", "Used on these pages: VGG 块."),
    ]
    assert ("p.cb-used-on", "用到 · 的其他页面：VGG 块。") in page.written
    assert ("td", "") in page.written  # the description's cell: a docstring, not read


def test_chinese_pages_show_no_english_interface_text(site):
    pages = sorted((site / "zh").rglob("*.html"))
    assert len(pages) >= 10
    found, written = [], set()
    for path in pages:
        page = parse(path.read_text("utf-8"))
        found += [
            f"{path.relative_to(site)}: {w} {t[:80]!r}" for w, t in interface_not_chinese(page)
        ]
        written |= {where for where, text in page.written if text}
    assert found == []
    # What it read: each tool's words, the download links, mkdocstrings' tables.
    assert {f"p.{kind}" for kind in WRITTEN - {"cb-truncated", "doc-section-title"}} <= written
    assert {"span.doc-section-title", "th", "td"} <= written


MKDOCSTRINGS_PARTS = {"span.doc-section-title", "th", "td"}


def mkdocstrings_labels(site, language):
    """mkdocstrings' section titles, table headers and words in table cells (code aside) on
    the API page of ``language``, in order."""
    page = parse((site / page_path(language, "api") / "index.html").read_text("utf-8"))
    return [
        text for where, text in page.written if where in MKDOCSTRINGS_PARTS and text.strip("· ")
    ]


def test_the_chinese_api_page_has_mkdocstrings_own_chinese_labels(site):
    """Fails while mkdocstrings renders the Chinese build in the theme's first language."""
    english_labels = mkdocstrings_labels(site, "en")
    chinese = mkdocstrings_words("zh")
    assert {"Parameters:", "Returns:", "Name", "required"} <= set(english_labels)
    assert mkdocstrings_labels(site, "zh") == [chinese[label] for label in english_labels]


def test_every_label_of_run_examples_has_chinese_words():
    assert set(RUN_EXAMPLES["labels"]["zh"]) == set(PLUGIN_LABELS)


def test_every_page_is_titled_with_the_site_name_once(site):
    """Material titles a page "its title - site name"; the Chinese home page's title already
    starts with the name, and says it once."""
    site_name = CONFIG["site_name"]
    pages = sorted(site.rglob("*.html"))
    titles = {
        path.relative_to(site).as_posix(): html.unescape(
            re.search(r"<title>(.*?)</title>", path.read_text("utf-8"), re.DOTALL)[1]
        )
        for path in pages
    }
    assert [(page, title) for page, title in titles.items() if title.count(site_name) != 1] == []
    home = (ROOT / "docs" / "zh" / "index.md").read_text("utf-8").split("\n")[0]
    assert titles["zh/index.html"] == re.match(r"# (.*?)(?: \{#[\w-]+\})?$", home)[1]


def test_the_search_dialog_its_options_and_its_field_name_search_alike(site):
    """Material's Chinese calls the dialog 查找 and its field 搜索: the site says 搜索."""
    names = {}
    for path in sorted(site.rglob("*.html")):
        text = path.read_text("utf-8")
        search = parse(text).search
        assert len(search) == 4 and len(set(search)) == 1, (path, search)
        language = re.search(r'<html lang="([^"]+)"', text)[1]
        names.setdefault(language, set()).update(search)
    assert names == {"en": {"Search"}, "zh": {"搜索"}}


def built_page(site, url):
    """The file ``url`` (an absolute URL of the site) is served from, or None."""
    path = site / url.removeprefix(SITE_URL).split("#")[0]
    return path / "index.html" if path.is_dir() else path if path.is_file() else None


def test_hreflang_alternates_are_absolute_and_lead_to_built_pages(site):
    default = next(locale for locale, is_default in LANGUAGES.items() if is_default)
    pages = sorted(site.rglob("index.html"))
    assert len(pages) >= 20
    wrong = []
    for path in pages:
        page = parse(path.read_text("utf-8"))
        where = path.parent.relative_to(site).as_posix()
        language = where.split("/")[0] if where.split("/")[0] in LANGUAGES else default
        own_url = SITE_URL + ("" if where == "." else f"{where}/")
        alternates = dict(page.alternates)
        if sorted(lang for lang, _ in page.alternates) != sorted([*LANGUAGES, "x-default"]):
            wrong.append(f"{where}: alternates {page.alternates}")
            continue
        for lang, url in page.alternates:
            if not url.startswith(SITE_URL) or built_page(site, url) is None:
                wrong.append(f"{where}: {lang} -> {url}")
        if alternates[language] != own_url or alternates["x-default"] != alternates[default]:
            wrong.append(f"{where}: not itself in {language}, or x-default: {alternates}")
        # Material's language switcher: relative, so it works wherever the site is served.
        if any(re.match(r"\w+:", link) for link in page.switcher) or not page.switcher:
            wrong.append(f"{where}: header links {page.switcher}")
    assert wrong == []
