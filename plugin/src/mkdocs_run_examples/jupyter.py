"""Notebook pages: mkdocs-jupyter renders them, in each language of mkdocs-static-i18n.

The plugin runs a notebook once per build (in a process of its own) and hands mkdocs-jupyter a
copy with the outputs; this module is the glue with the two other plugins:

- ``claim``: i18n rebuilds every file as a plain File after mkdocs-jupyter's
  ``on_files``, which would copy notebooks as assets; they are made notebook pages
  again, with their language's URL and their alternates for the language switcher.
- ``remember_inclusion``: mkdocs-jupyter's ``should_include`` reads every Markdown
  file with jupytext, and is called for every file at several events (about a
  hundred reads a build); its answer is kept per file version.
- ``keep_rendering_cached``: its render cache gets one folder per language, since it
  evicts what a build did not use and the languages are built one after the other.
- ``tidy``: the rendered page's heading anchors, and their ¶ links, are the English
  twin's (it drops non-ASCII text from ids: the Chinese headings got ``id=""`` and ¶
  links to ``#``), and code cells wider than the column are focusable, as scrolling
  regions must be for keyboard users. Its ~600 KB of inline Jupyter CSS goes to a
  stylesheet of the rules that can apply to the finished page (``link_stylesheet``, at
  ``on_post_page``, when the page's whole HTML is known: ``used_css``), shared by the
  pages that use the same.

mkdocs_jupyter is imported only by a site that uses it. Importing it imports
nbconvert's command-line app, whose class body builds every installed exporter to
list the enabled ones in a help string (0.6-1 s of every build); this module is
imported with the plugin, before mkdocs-jupyter when the plugin is listed first, and
turns that listing off with nbconvert's own switch: the site uses the HTML exporter.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Protocol, cast

from markdown.extensions.toc import slugify
from mkdocs.utils import get_relative_url

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import File, Files
    from mkdocs.structure.pages import Page
    from mkdocs.structure.toc import AnchorLink

RENDERERS = ("mkdocs-jupyter", "nbconvert")  # they turn a notebook into its page
STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
HEADING = re.compile(r'<h([1-6]) id="[^"]*">(.*?)</h\1>', re.DOTALL)
ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*">')  # the heading's ¶
STYLESHEET_TO_COME = "notebook-stylesheet-to-come.css"  # linked at tidy, named at on_post_page
# Material's script wraps each table of a page in these when it loads: the notebook CSS
# has a rule for the first (``.jupyter-wrapper .md-typeset__scrollwrap``).
ADDED_BY_SCRIPTS = {("class", "md-typeset__scrollwrap"), ("class", "md-typeset__table")}

os.environ.setdefault("NBCONVERT_DISABLE_CONFIG_EXPORTERS", "1")


class JupyterPlugin(Protocol):
    """What this module uses of mkdocs-jupyter's plugin (which ships no type information)."""

    config: MutableMapping[str, Any]  # its options
    should_include: Callable[[File], bool]  # whether it renders a file as a page


def jupyter_plugin(config: MkDocsConfig) -> JupyterPlugin | None:
    return cast("JupyterPlugin | None", config.plugins.get("mkdocs-jupyter"))


def remember_inclusion(jupyter: JupyterPlugin) -> None:
    """Make ``jupyter.should_include`` read each version of a file once."""
    if not isinstance(jupyter.should_include, _RememberedInclusion):
        jupyter.should_include = _RememberedInclusion(jupyter.should_include)


class _RememberedInclusion:
    """mkdocs-jupyter's ``should_include``, asked once per version of a file."""

    def __init__(self, decide: Callable[[File], bool]) -> None:
        self.decide = decide
        self.answers: dict[tuple[str, int, int], bool] = {}  # (path, mtime, size) -> answer

    def __call__(self, file: File) -> bool:
        if file.abs_src_path is None:
            return False
        try:
            stat = os.stat(file.abs_src_path)
        except OSError:
            return self.decide(file)
        version = (file.abs_src_path, stat.st_mtime_ns, stat.st_size)
        if version not in self.answers:
            self.answers[version] = self.decide(file)
        return self.answers[version]


def notebook_files(files: Iterable[File], jupyter: JupyterPlugin) -> list[File]:
    """The files mkdocs-jupyter renders as pages."""
    return [
        file
        for file in files
        if file.src_uri.endswith(".ipynb")
        and file.inclusion.is_included()
        and jupyter.should_include(file)
    ]


def claim(files: Files, config: MkDocsConfig, jupyter: JupyterPlugin) -> Files:
    """Turn the notebooks back into mkdocs-jupyter pages after i18n's ``on_files``."""
    from mkdocs_jupyter.plugin import NotebookFile

    # Without i18n, mkdocs-jupyter's own on_files has claimed them already.
    claimed = [f for f in files if not isinstance(f, NotebookFile) and jupyter.should_include(f)]
    for file in claimed:
        notebook = NotebookFile(file, **config)
        # Keep the language's destination that i18n gave the file.
        notebook.dest_path, notebook.abs_dest_path = file.dest_path, file.abs_dest_path
        notebook.url = file.url
        notebook.alternates = _alternates(notebook.url, config)
        files.remove(file)
        files.append(notebook)
    return files


def _alternates(url: str, config: MkDocsConfig) -> dict[str, SimpleNamespace]:
    """The notebook's page in each language, for i18n's language switcher.

    i18n files a notebook as an asset, so it finds no alternates for it; the same
    path under each language's folder is the notebook in that language.
    """
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return {}
    languages = i18n.config.languages
    prefixes = [f"{language.locale}/" for language in languages if not language.default]
    path = next((url[len(p) :] for p in prefixes if url.startswith(p)), url)
    return {
        language.locale: SimpleNamespace(
            url=path if language.default else f"{language.locale}/{path}"
        )
        for language in languages
    }


def keep_rendering_cached(
    jupyter: JupyterPlugin, cache_dir: str | os.PathLike[str], language: str
) -> None:
    """Give mkdocs-jupyter's render cache one folder per language and renderer version."""
    if jupyter.config["cache"]:
        versions = "-".join(importlib.metadata.version(p) for p in RENDERERS)
        jupyter.config["cache_dir"] = str(Path(cache_dir) / "rendered" / f"{language}-{versions}")


class Tidier:
    """Heading anchors, the stylesheet and focusable code cells of notebook pages.

    ``default_language``: the folder of the pages whose anchors every language takes
    ("": no languages, each notebook keeps its own).
    """

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language
        self.page_css: dict[str, str] = {}  # page URL -> its inline CSS, until on_post_page
        self.stylesheets: dict[str, str] = {}  # file name -> CSS

    def tidy(self, html: str, page: Page, config: MkDocsConfig) -> str:
        anchors = _default_anchors(page, config, self.default_language)
        remaining = iter(anchors)

        def heading(match: re.Match[str]) -> str:
            anchor = next(remaining, "")
            link = f'<a class="anchor-link" href="#{anchor}">'
            inner = ANCHOR_LINK.sub(lambda _: link, match[2])
            return f'<h{match[1]} id="{anchor}">{inner}</h{match[1]}>'

        html = HEADING.sub(heading, html)
        for item, anchor in zip(_toc_items(page.toc), anchors, strict=False):
            item.id = anchor
        self.page_css[page.url] = "\n".join(STYLE.findall(html))
        html = _stylesheet_link(STYLESHEET_TO_COME, page) + STYLE.sub("", html)
        focusable = '<div tabindex="0" class="highlight-ipynb'
        return html.replace('<div class="highlight-ipynb', focusable)

    def link_stylesheet(self, output: str, page: Page) -> str:
        """The finished page of a tidied notebook, linked to the rules of its CSS that can
        apply to it (and the classes Material's script adds); other pages as they are."""
        css = self.page_css.pop(page.url, None)
        if css is None:
            return output
        from mkdocs_run_examples import used_css  # tinycss2: with mkdocs-jupyter, the extra

        used = used_css.used_css(css, used_css.page_names(output) | ADDED_BY_SCRIPTS)
        name = f"notebook-{hashlib.sha256(used.encode()).hexdigest()[:12]}.css"
        self.stylesheets[name] = used
        to_come = _stylesheet_link(STYLESHEET_TO_COME, page)
        return output.replace(to_come, _stylesheet_link(name, page), 1)

    def write(self, site_dir: str | os.PathLike[str]) -> None:
        for name, css in self.stylesheets.items():
            (Path(site_dir) / "assets" / name).write_text(css, encoding="utf-8")


def _stylesheet_link(name: str, page: Page) -> str:
    return f'<link rel="stylesheet" href="{get_relative_url(f"assets/{name}", page.url)}">'


def _default_anchors(page: Page, config: MkDocsConfig, language: str) -> list[str]:
    """Anchors of the default language's twin's Markdown headings, in order."""
    import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

    twin = page.file.src_uri
    if language:
        twin = f"{language}/{twin.partition('/')[2]}"
    notebook = nbformat.read(Path(config.docs_dir) / twin, as_version=4)
    anchors: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for title in re.findall(r"^#{1,6}\s+(.+?)\s*$", cell.source, re.MULTILINE):
                anchors.append(slugify(title, "-"))
    return anchors


def _toc_items(items: Iterable[AnchorLink]) -> Iterator[AnchorLink]:
    for item in items:
        yield item
        yield from _toc_items(item.children)
