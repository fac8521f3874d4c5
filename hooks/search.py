"""MkDocs hook: a search index per language, without the examples' outputs; and jieba
given only the words the site's Chinese text contains.

An index per language: Material's search plugin writes one index, which
mkdocs-static-i18n fills with every language's pages, and every page loads it whole,
both languages (the browser parses it and hands it to the search worker). Here each
language's pages get their own: after i18n's last build, the entries of each language go to
``<its folder>/search/search_index.json`` (English, the default language, at the site's
root), their locations made relative to that folder, and each page's ``__config`` points
Material's scripts at its language's folder (``base``: Material fetches
``search/search_index.json`` from there, and resolves the results' locations against it).
lunr's pipeline is the language's and English's (the Chinese pages' names and code are in
English): English pages load none of lunr's other languages' scripts. Chinese text is
written as is, not as ``\\uXXXX`` escapes.

Outputs out: what the examples printed and drew (run-examples' outputs, a notebook's
output cells) and the copy of a notebook's code that its copy button reads are left out of
what Material's search indexes; the code itself stays. Material's own ``data-search-exclude``
cannot do it: its parser tracks excluded elements by tag name, so an excluded ``<div>``
stops being excluded at the first ``</div>`` nested in it. So the search plugin's index
reads each page's content without them (its method is wrapped at each build's on_config).

jieba: Material's search plugin cuts each run of Chinese characters of a page into words
with jieba. Loading jieba's dictionary (349,000 words) takes about 2 s of CPU, held
under Python's lock, so it slowed every build by as much, even in a thread. Cutting
a text only ever looks up the dictionary words that occur in it, with their
frequencies and the total of all frequencies; so a dictionary of the words that occur
in the site's sources (the Chinese pages and notebooks, mkdocs.yml for the labels),
plus one entry that carries the frequency of all the others, cuts them exactly as the
whole one does, and loads in milliseconds. It is made again when those sources change
(then the whole dictionary is read once), and kept in ``.cache/jieba/``.
"""

import hashlib
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

from backrefs import bre
from mkdocs.plugins import event_priority

HAN = bre.compile(r"\p{script: Han}+")  # what Material's search plugin hands to jieba
UNUSED = "\ue000"  # a private-use character, in no text: carries the other words' frequency
# Left out of the index: run-examples' outputs, a notebook's output cells, and the copy of
# a notebook cell's code that mkdocs-jupyter writes for its copy button (display: none).
NOT_INDEXED = {"cb-output", "jp-Cell-outputWrapper", "clipboard-copy-txt"}
CONFIG_BASE = re.compile(r'(<script id="__config" type="application/json">\{.*?"base": )("[^"]*")')


def on_config(config):
    search = search_plugin(config)
    if search is not None and hasattr(search, "search_index"):
        index = search.search_index
        index.add_entry_from_context = _indexing_without_outputs(index.add_entry_from_context)
    _use_site_dictionary(config)
    return config


def search_plugin(config):
    return config.plugins.get("material/search") or config.plugins.get("search")


def _indexing_without_outputs(add_entry):
    """Material's ``add_entry_from_context(page)``, reading the page without NOT_INDEXED."""

    def add_entry_without_outputs(page):
        content = page.content
        page.content = without_classes(content, NOT_INDEXED)
        try:
            add_entry(page)
        finally:
            page.content = content

    return add_entry_without_outputs


class _Spans(HTMLParser):
    """The (start, end) offsets of the elements with one of ``classes``, outermost only."""

    def __init__(self, text, classes):
        super().__init__(convert_charrefs=False)
        self.text, self.classes, self.spans = text, classes, []
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.open = None  # [tag, depth, start] of the element being left out

    def position(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.open is not None:
            self.open[1] += tag == self.open[0]
            return
        classes = (dict(attrs).get("class") or "").split()
        if self.classes.intersection(classes):
            self.open = [tag, 1, self.position()]

    def handle_endtag(self, tag):
        if self.open is None or tag != self.open[0]:
            return
        self.open[1] -= 1
        if self.open[1] == 0:
            end = self.text.index(">", self.position()) + 1
            self.spans.append((self.open[2], end))
            self.open = None


def without_classes(html, classes):
    """``html`` without the elements that have one of ``classes``, and what they hold."""
    if not any(name in html for name in classes):
        return html
    parser = _Spans(html, set(classes))
    parser.feed(html)
    parser.close()
    kept, last = [], 0
    for start, end in parser.spans:
        kept.append(html[last:start])
        last = end
    kept.append(html[last:])
    return "".join(kept)


def language_folders(config):
    """{language: its pages' folder ("" for the default language)}, or {} without i18n."""
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return {}
    return {
        language.locale: "" if language.default else f"{language.locale}/"
        for language in i18n.config.languages
        if language.build
    }


def folder_of(url, folders):
    """The language folder ``url`` (a page's, or an index entry's location) is in."""
    return max((f for f in folders.values() if url.startswith(f)), key=len, default="")


def on_post_page(output, page, config):
    """A page of a language's folder searches that folder's index: its ``base`` (the
    site's root, relative to the page, or absolute on the 404 page) goes into the folder."""
    folder = folder_of(page.url, language_folders(config))
    if not folder:
        return output

    def rebase(match):
        base = json.loads(match[2])
        return match[1] + json.dumps(f"{base.rstrip('/')}/{folder}")

    return CONFIG_BASE.sub(rebase, output, count=1)


@event_priority(-150)  # after mkdocs-static-i18n's (-100), which writes the index of all
def on_post_build(config):
    """Once the last language is built, each language's index in its folder, from the
    index of all (which i18n must not dedupe: ``reconfigure_search: false``)."""
    search, folders = search_plugin(config), language_folders(config)
    if search is None or not folders or config.plugins["i18n"].building:
        return  # no index to split, or a build of another language, within the first
    index = search.search_index
    settings = {key: index.config[key] for key in ("separator", "pipeline", "fields")}
    for language, folder in folders.items():
        entries = [
            {**entry, "location": entry["location"][len(folder) :]}
            for entry in index.entries
            if folder_of(entry["location"], folders) == folder
        ]
        lunr = [name for name in index.config["lang"] if name in ("en", language)]
        data = {"config": {"lang": lunr, **settings}, "docs": entries}
        path = Path(config.site_dir) / folder / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
        path.write_text(text, encoding="utf-8")


def _use_site_dictionary(config):
    try:
        import jieba
    except ImportError:
        return
    root = Path(config.config_file_path).parent
    sources = [root / "mkdocs.yml", *sorted((Path(config.docs_dir)).rglob("*"))]
    runs = set()
    for path in sources:
        if path.suffix in {".md", ".ipynb", ".yml"}:
            runs.update(HAN.findall(path.read_text(encoding="utf-8")))
    full = Path(jieba.__file__).parent / "dict.txt"
    digest = hashlib.sha256("\n".join([str(full.stat().st_size), *sorted(runs)]).encode())
    path = root / ".cache" / "jieba" / f"dict-{digest.hexdigest()[:16]}.txt"
    if not path.exists():
        _write_dictionary(full, runs, path)
    jieba.set_dictionary(str(path))
    threading.Thread(target=jieba.initialize, daemon=True).start()


def _write_dictionary(full, runs, path):
    """The entries of ``full`` that occur in ``runs``, and one for the rest's frequency."""
    entries = [line.split(" ") for line in full.read_text(encoding="utf-8").splitlines()]
    longest = max(len(entry[0]) for entry in entries)
    substrings = {
        run[start:end]
        for run in runs
        for start in range(len(run))
        for end in range(start + 1, min(len(run), start + longest) + 1)
    }
    kept = [entry for entry in entries if entry[0] in substrings]
    rest = sum(int(entry[1]) for entry in entries) - sum(int(entry[1]) for entry in kept)
    lines = [" ".join(entry) for entry in kept] + [f"{UNUSED} {rest} x"]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)
