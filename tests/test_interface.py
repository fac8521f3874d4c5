"""What readers see around the content: the Chinese pages' interface is Chinese, and
every page's hreflang alternates are absolute URLs of built pages.

Interface: the attributes read aloud or shown on hover (title, aria-label, alt,
placeholder) and the text of the chrome (all but the article; in it, buttons, labels
and hidden notices) hold no run of two English words, nor a usual one-word label.
Names are allowed; code, program output and the examples' images, the notebook's too
(whose alt text run-examples writes, quoting their labels), are not interface.
"""

import html.parser
import re

from helpers import ROOT
from mkdocs.utils.yaml import yaml_load

CONFIG = yaml_load((ROOT / "mkdocs.yml").read_text("utf-8"))  # site_url as the build reads it
SITE_URL = CONFIG["site_url"]
I18N = next(p["i18n"] for p in CONFIG["plugins"] if isinstance(p, dict) and "i18n" in p)
LANGUAGES = {language["locale"]: language.get("default", False) for language in I18N["languages"]}

ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
NOT_INTERFACE = {"code", "pre", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
NAMES = ["Material for MkDocs", "ConvBlocks", "GitHub", "Keras", "TensorFlow", "Colab"]
NAMES += ["Jupyter", "MkDocs", "VGG", "Inception", "ResNet"]
WORD = r"[A-Za-z]+(?:'[a-z]+)?"  # ASCII: a Chinese character next to it does not hide it
WORD_RUN = re.compile(rf"(?<![\w.-]){WORD}(?:\s+{WORD})+(?![\w.-])", re.ASCII)
LABELS = {"Copy", "Copied", "Search", "Share", "Clear", "Close", "Menu", "Previous", "Next"}
LABELS |= {"Back", "Top", "Skip", "Edit", "View", "Download", "Open", "Contents"}


class Page(html.parser.HTMLParser):
    """A built page's interface strings, its head's alternates, its header's language links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = [("", {})]  # open elements: (tag, what holds them)
        self.strings, self.alternates, self.switcher = [], [], []

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
        if not (holders["code"] or holders["example"]):
            self.strings += [(f"{tag}[{a}]", attrs[a]) for a in ATTRIBUTES if attrs.get(a)]
        if tag == "link" and attrs.get("rel") == "alternate" and "hreflang" in attrs:
            self.alternates.append((attrs["hreflang"], attrs.get("href", "")))
        if tag == "a" and "md-select__link" in classes:
            self.switcher.append(attrs.get("href", ""))
        return holders

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _ in self.stack[1:]):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        holders = self.stack[-1][1]
        interface = not holders.get("article") or holders.get("control")
        if data.strip() and interface and not holders.get("code"):
            self.strings.append(("text", data.strip()))


def parse(text):
    page = Page()
    page.feed(text)
    return page


def english(text):
    """The English words of ``text`` that read as interface (names aside), else None."""
    for name in NAMES:
        text = text.replace(name, "·")
    found = WORD_RUN.findall(text) + sorted(LABELS & set(re.findall(r"[A-Za-z]+", text)))
    return found or None


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
    found = [(where, text) for where, text in page.strings if english(text)]
    assert found == [
        ("label[title]", "Switch to dark mode"),
        ("text", "Copied!"),
        ("text", "Copied!"),
        ("img[alt]", "No description has been provided for this image"),
        ("text", "· Keras 3 · 回到Back to top"),
    ]


def test_chinese_pages_show_no_english_interface_text(site):
    pages = sorted((site / "zh").rglob("*.html"))
    assert len(pages) >= 10
    found = []
    for path in pages:
        for where, text in parse(path.read_text("utf-8")).strings:
            if english(text):
                found.append(f"{path.relative_to(site)}: {where} {text[:80]!r}")
    assert found == []


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
