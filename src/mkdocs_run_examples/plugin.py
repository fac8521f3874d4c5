"""The MkDocs plugin: run each page's Python fences and show their output below them.

Per page (``on_page_markdown``): find the ``python`` fences, expand the ``--8<--``
includes in each with the site's own pymdownx.snippets settings (the page itself
keeps them: the extension expands them when rendering), look the page up in the
cache or run it, and leave a placeholder after each fence; ``on_page_content``
swaps the placeholders for the rendered output. Notebook pages (``on_pre_page``)
are run with nbclient and handed to mkdocs-jupyter with their outputs. Images go to
``assets/examples/<sha256>.<ext>``. A failing fence is logged as an error naming
the page and the fence (so ``mkdocs build --strict`` fails) and is not cached.
The build log lists each page's run time; ``execution-report.json`` and
``execution-report.md`` in the site list them all.
"""

import concurrent.futures
import dataclasses
import gc
import hashlib
import html
import importlib.metadata
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import get_files
from mkdocs.utils import get_relative_url
from mkdocs_jupyter.plugin import NotebookFile

from mkdocs_run_examples.cache import RunCache, environment_digest, page_key, write_atomically
from mkdocs_run_examples.fences import FenceError, find_fences
from mkdocs_run_examples.notebooks import (
    NotebookError,
    code_cells,
    page_notebook,
    page_script,
    run_notebook,
    with_outputs,
)
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.runner import ExampleError, run_page
from mkdocs_run_examples.snippets import SnippetExpander

log = logging.getLogger("mkdocs.plugins.run_examples")
PLACEHOLDER = "RUNEXAMPLESOUTPUT{}X"
PLACEHOLDER_HTML = re.compile(r"<p>RUNEXAMPLESOUTPUT(\d+)X</p>")
IMAGE_DIR = "assets/examples"
RENDERERS = ("mkdocs-jupyter", "nbconvert")  # they turn a notebook into its page
DOWNLOAD_LABELS = {
    "en": ("Download this page as a Jupyter notebook", "or as a Python script"),
    "zh": ("下载本页的 Jupyter 笔记本", "或 Python 脚本"),
}


class RunExamplesConfig(base.Config):
    cache_dir = c.Type(str, default=".cache/run-examples")
    packages = c.ListOfItems(c.Type(str), default=[])  # their versions are in the cache key
    sources = c.Type(dict, default={})  # import name -> directory: code importing it depends on it
    downloads = c.ListOfItems(c.Type(str), default=[])  # pages (file stems) offered as .ipynb/.py


class RunExamplesPlugin(BasePlugin[RunExamplesConfig]):
    def on_startup(self, command, dirty):
        # Kept across the language builds of mkdocs-static-i18n and serve's rebuilds.
        self.report = {}  # page URL -> its last run
        self._images = {}
        self._outputs = {}
        self._downloads = {}  # page URL -> {file name: text}
        # Notebooks run in a kernel of their own: start them while the pages run.
        self._notebook_runs = {}  # cache key -> future of (outputs, seconds)
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)

    def on_config(self, config):
        root = Path(config.config_file_path).parent
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        self.expander = SnippetExpander(config.mdx_configs.get("pymdownx.snippets"), root)
        self.cache = RunCache(root / self.config.cache_dir)
        self.environment = environment_digest(self.config.packages)
        self.sources = {name: root / path for name, path in self.config.sources.items()}
        self._start_notebooks(config)
        return config

    def _start_notebooks(self, config):
        """Start running the site's notebooks now, before MkDocs reads any page."""
        jupyter = config.plugins.get("mkdocs-jupyter")
        if jupyter is None:
            return
        for file in get_files(config):
            if (
                file.src_uri.endswith(".ipynb")
                and file.inclusion.is_included()
                and jupyter.should_include(file)
            ):
                notebook, _, key = self._notebook_key(file.abs_src_path)
                self._start_notebook(file.src_uri, notebook, key)

    @event_priority(-110)
    def on_files(self, files, config):
        """Let mkdocs-jupyter claim the notebooks again after mkdocs-static-i18n's on_files.

        i18n (priority -100) rebuilds every file as a plain File, which turns a notebook
        back into an asset copied as is; mkdocs-jupyter's own on_files ran before it.
        """
        jupyter = config.plugins.get("mkdocs-jupyter")
        if jupyter is None:
            return files
        for file in [file for file in files if jupyter.should_include(file)]:
            notebook = NotebookFile(file, **config)
            # Keep the language's destination that i18n gave the file.
            notebook.dest_path, notebook.abs_dest_path = file.dest_path, file.abs_dest_path
            notebook.url = file.url
            notebook.alternates = _notebook_alternates(notebook.url, config)
            files.remove(file)
            files.append(notebook)
        return files

    def _notebook_key(self, path):
        notebook = nbformat.read(path, as_version=4)
        cells = [_CodeCell(cell.source) for cell in code_cells(notebook)]
        return notebook, cells, page_key(cells, self.environment, self.sources)

    def _start_notebook(self, name, notebook, key):
        """Run the notebook in the background unless its outputs are cached or on the way."""
        if key in self._notebook_runs or self.cache.get_notebook(key) is not None:
            return

        def run():
            start = time.perf_counter()
            return run_notebook(name, notebook), time.perf_counter() - start

        self._notebook_runs[key] = self._executor.submit(run)

    def on_page_markdown(self, markdown, page, config, files):
        name = page.file.src_uri
        if name.endswith(".ipynb"):  # run in on_pre_page, rendered by mkdocs-jupyter
            return markdown
        try:
            fences = [
                dataclasses.replace(fence, code=self.expander.expand(fence.code))
                for fence in find_fences(markdown)
            ]
        except FenceError as error:
            log.error("%s: %s", name, error)
            return markdown
        self._outputs[page.url] = None
        if not fences:
            self._record(page, name, fences, cached=True, seconds=0.0)
            return markdown
        if Path(name).stem in self.config.downloads:
            self._keep_downloads(markdown, fences, page)
        key = page_key(fences, self.environment, self.sources)
        run = self.cache.get(key)
        cached = run is not None
        if not cached:
            try:
                run = run_page(name, fences)
            except ExampleError as error:
                log.error("%s", error)
                self._outputs[page.url] = ("error", str(error))
                return _insert_placeholders(markdown, fences)
            self.cache.put(key, run)
            log.info("run-examples: ran %s: %d fences in %.2f s", name, len(fences), run.seconds)
        self._record(page, name, fences, cached, run.seconds)
        self._outputs[page.url] = ("run", run)
        markdown = _insert_placeholders(markdown, fences)
        return self._link_downloads(markdown, page) if page.url in self._downloads else markdown

    def _record(self, page, name, fences, cached, seconds):
        """The page's line of the execution report."""
        self.report[page.url] = {
            "page": name,
            "fences": len(fences),
            "skipped": sum(fence.skip for fence in fences),
            "executed": 0 if cached else sum(not fence.skip for fence in fences),
            "cached": cached,
            "seconds": 0.0 if cached else round(seconds, 3),
        }

    def _keep_downloads(self, markdown, fences, page):
        """The page as a notebook and a script, written into the site after the build."""
        stem = Path(page.file.src_uri).stem
        self._downloads[page.url] = {
            f"{stem}.ipynb": page_notebook(_without_heading_ids(markdown), fences),
            f"{stem}.py": page_script(page.title or stem, fences),
        }

    def _link_downloads(self, markdown, page):
        """Links to the page's notebook and script, under its title."""
        stem = Path(page.file.src_uri).stem
        notebook_label, script_label = DOWNLOAD_LABELS.get(_language(page), DOWNLOAD_LABELS["en"])
        links = (
            f'<p class="cb-downloads"><a href="{stem}.ipynb" download>{notebook_label}</a> '
            f'<a href="{stem}.py" download>{script_label}</a></p>'
        )
        lines = markdown.split("\n")
        title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
        lines[title + 1 : title + 1] = ["", links, ""]
        return "\n".join(lines)

    def on_pre_page(self, page, config, files):
        """Give mkdocs-jupyter the notebook with its outputs, run once for both languages."""
        if not page.file.src_uri.endswith(".ipynb"):
            return page
        name = page.file.src_uri
        notebook, fences, key = self._notebook_key(page.file.abs_src_path)
        outputs, seconds = self.cache.get_notebook(key), 0.0
        cached = outputs is not None
        if not cached:
            self._start_notebook(name, notebook, key)
            run = self._notebook_runs.pop(key)
            if not run.done():
                # A full collection walks TensorFlow's million objects (~0.7 s): run the
                # one the rest of the build would trigger now, while this process waits.
                gc.collect()
            try:
                outputs, seconds = run.result()
            except NotebookError as error:
                log.error("%s", error)
                return page
            self.cache.put_notebook(key, outputs)
            log.info("run-examples: ran %s: %d cells in %.2f s", name, len(fences), seconds)
        self._record(page, name, fences, cached, seconds)
        executed = nbformat.writes(with_outputs(notebook, outputs))
        digest = hashlib.sha256(executed.encode()).hexdigest()[:16]
        path = self.cache.directory / "notebooks" / digest / Path(name).name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, executed.encode())
        page.file.abs_src_path = str(path)
        self._keep_rendering_cached(config, _language(page))
        return page

    def _keep_rendering_cached(self, config, language):
        """Give mkdocs-jupyter's render cache one folder per language.

        It evicts, after each build, the entries that build did not use; with
        mkdocs-static-i18n building one language after the other, a shared folder lost
        every entry, and each rebuild converted both notebooks again.
        """
        jupyter = config.plugins.get("mkdocs-jupyter")
        if jupyter is not None and jupyter.config["cache"]:
            # Its key is the file and its options: the versions that render go in the path.
            versions = "-".join(importlib.metadata.version(p) for p in RENDERERS)
            folder = self.cache.directory / "rendered" / f"{language}-{versions}"
            jupyter.config["cache_dir"] = str(folder)

    def on_page_content(self, content, page, config, files):
        outcome = self._outputs.get(page.url)
        if outcome is None:
            return content
        kind, value = outcome
        if kind == "error":
            box = (
                '<div class="admonition failure"><p class="admonition-title">'
                "This example failed when the site was built</p><pre><code>"
                f"{html.escape(value)}</code></pre></div>"
            )
            return PLACEHOLDER_HTML.sub(lambda match: box if match[1] == "1" else "", content)

        def image_url(digest, name):
            file_name = f"{digest}{Path(name).suffix.lower()}"
            self._images[file_name] = digest, name
            return get_relative_url(f"{IMAGE_DIR}/{file_name}", page.url)

        def replace(match):
            output = value.outputs[int(match[1]) - 1]
            return render_output(output.stdout, output.images, image_url)

        return PLACEHOLDER_HTML.sub(replace, content)

    def on_post_build(self, config):
        target = Path(config.site_dir) / IMAGE_DIR
        target.mkdir(parents=True, exist_ok=True)
        for file_name, (digest, name) in self._images.items():
            shutil.copyfile(self.cache.image_path(digest, name), target / file_name)
        for url, downloads in self._downloads.items():
            folder = Path(config.site_dir) / url
            folder.mkdir(parents=True, exist_ok=True)
            for file_name, text in downloads.items():
                (folder / file_name).write_text(text, encoding="utf-8")
        self._write_report(Path(config.site_dir))

    def on_shutdown(self):
        # Python's last collection at exit walks the same heap for nothing.
        gc.freeze()

    def _write_report(self, site_dir):
        pages = [self.report[url] for url in sorted(self.report)]
        executions = sum(not page["cached"] for page in pages)
        (site_dir / "execution-report.json").write_text(
            json.dumps({"executions": executions, "pages": pages}, indent=2), encoding="utf-8"
        )
        rows = [
            f"| {p['page']} | {p['fences']} | {p['executed']} | "
            + ("cached" if p["cached"] else f"{p['seconds']:.2f} s")
            + " |"
            for p in sorted(pages, key=lambda p: -p["seconds"])
        ]
        table = "\n".join(["| page | fences | executed | time |", "|---|---:|---:|---:|", *rows])
        total = sum(p["seconds"] for p in pages)
        text = (
            f"# Execution times\n\n{executions} pages executed, {total:.2f} s in all.\n\n{table}\n"
        )
        (site_dir / "execution-report.md").write_text(text, encoding="utf-8")


class _CodeCell:
    """A notebook code cell seen as a fence, for the cache key and the report."""

    skip = continues = False

    def __init__(self, code):
        self.code = code


def _notebook_alternates(url, config):
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


def _language(page):
    return page.file.src_uri.split("/", 1)[0]


def _without_heading_ids(markdown):
    return re.sub(r"^(#+ .*?)\s*\{#[^}]*\}\s*$", r"\1", markdown, flags=re.MULTILINE)


def _insert_placeholders(markdown, fences):
    lines = markdown.split("\n")
    for fence in reversed(fences):
        placeholder = fence.indent + PLACEHOLDER.format(fence.index)
        lines[fence.end_line + 1 : fence.end_line + 1] = ["", placeholder, ""]
    return "\n".join(lines)
