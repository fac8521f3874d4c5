"""The MkDocs plugin: run each page's Python fences and show their output below them.

How a build goes:

1. ``on_config`` (once per build, not once per language): read every page and
   notebook, find its fences (``--8<--`` includes expanded), compute its cache key
   (``cache``) and hand each page the cache lacks to the worker pool (``pool``),
   which runs pages in parallel in warm worker processes while MkDocs renders.
   Nothing to run, no worker started.
2. ``on_page_markdown``: take the page's run (from the cache or its worker; the
   Chinese page has the English page's code, hence its run), log any failure with
   the file line of the statement that raised, and leave a placeholder after each
   fence; ``on_page_content`` puts each fence's output there, or the error box
   under the fence that failed. Notebook pages (``on_pre_page``) get a copy of the
   notebook with its outputs and the cell that installs ``install`` (not run),
   which mkdocs-jupyter renders (``jupyter``) and offers for download.
3. ``on_post_build``, after the last language: images, downloads (``downloads``)
   and the execution report (``report``) are written; cache entries the build did
   not use are removed.

Failures (a fence raising, exiting the interpreter, outliving the time limit,
printing more than the output limit; a missing include) are logged as errors or
warnings naming ``file:line``, so ``mkdocs build --strict`` fails; they are never
cached.
"""

import dataclasses
import gc
import hashlib
import html
import os
import re
import shutil
from pathlib import Path

import nbformat
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import get_files
from mkdocs.utils import get_relative_url

from mkdocs_run_examples import figures, jupyter, usage
from mkdocs_run_examples.describe import alt_text
from mkdocs_run_examples.downloads import Downloads
from mkdocs_run_examples.environment import Environment
from mkdocs_run_examples.failures import describe_failure
from mkdocs_run_examples.fences import FenceError, body_first_line, find_fences, read_page
from mkdocs_run_examples.keys import page_key
from mkdocs_run_examples.notebooks import (
    code_cells,
    figure_facts,
    pinned,
    with_install_cell,
    with_outputs,
)
from mkdocs_run_examples.pool import START_METHODS, WorkerPool, start_method
from mkdocs_run_examples.records import Job, NotebookRun, PageRun
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.report import Report
from mkdocs_run_examples.snippets import SnippetExpander
from mkdocs_run_examples.store import RunCache, write_atomically

log = get_plugin_logger(__name__)
PLACEHOLDER = "RUNEXAMPLESOUTPUT{}X"
PLACEHOLDER_HTML = re.compile(r"<p>RUNEXAMPLESOUTPUT(\d+)X</p>")
IMAGE_DIR = "assets/examples"
# A notebook's figure, as nbconvert writes it: its alt text is that of an image nothing describes.
OUTPUT_IMAGE = re.compile(r'<img alt="([^"]*)"([^>]*? src="data:image/png;base64,)')
INCLUDE = re.compile(r"^([ \t]*)(-{1,}8<-{1,})", re.MULTILINE)
LABELS = {
    "notebook": "Download this page as a Jupyter notebook",
    "script": "or as a Python script",
    "failed": "This example failed when the site was built",
    "truncated": "Output cut here: {count:,} more characters were printed.",
    "summary": "model summary",  # the name a screen reader gives a summary's table
    # An image's alt text: what a plot_model diagram or a chart shows, else its name.
    "model": "Diagram of the model: input {inputs}, output {outputs}; {layers}",
    "layers_in_order": "its layers in order: {layers}",
    "layers_by_kind": "{count} layers: {layers}",
    "chart": "Chart: {texts}",
    "image": "Image written by the example: {name}",
    "separator": ", ",
    # After an API entry, and after a listing that includes a definition's source.
    "used_on": "Used on these pages: {pages}.",
    "used_on_block": "`{name}` is also used on these pages: {pages}.",
    # Under a page's outputs: what produced them, from the run's record.
    "provenance": "The outputs on this page were produced on {date} by {versions}, "
    "in {seconds:.1f} s.",
}


class RunExamplesConfig(base.Config):
    cache_dir = c.Type(str, default=".cache/run-examples")
    preload = c.ListOfItems(c.Type(str), default=[])  # imported once by each worker
    workers = c.Type(int, default=0)  # 0: one per core
    timeout = c.Type((int, float), default=300)  # seconds for one page's run
    output_limit = c.Type(int, default=100_000)  # characters one fence may print on the page
    sources = c.Type(dict, default={})  # import name -> directory: code importing it depends on it
    lock_file = c.Optional(c.Type(str))  # its bytes go in the cache key
    downloads = c.ListOfItems(c.Type(str), default=[])  # pages (file stems) offered as .ipynb/.py
    # Requirements ("convblocks[plot]") the offered notebooks install first, pinned to the
    # versions installed at build time; the scripts name them in a comment.
    install = c.ListOfItems(c.Type(str), default=[])
    labels = c.Type(dict, default={})  # language -> {LABELS key: text}
    # How each page's process starts: auto (forkserver where Python can fork, else
    # spawn), forkserver, fork or spawn (see pool.py).
    start_method = c.Choice(START_METHODS, default="auto")


@dataclasses.dataclass
class Plan:
    """A page's or notebook's fences (or code cells) and key, and its run if it needs one."""

    path: str  # docs/en/vgg.md: what errors name
    name: str  # vgg.md: the languages share their runs and the cache's explanations
    fences: list
    key: object
    source: object = None  # a page's Markdown, as on_page_markdown gets it, or the notebook
    run: tuple | None = None  # (future of the worker's Outcome, why it runs)
    language: str = ""  # en: its folder under docs/, "" without mkdocs-static-i18n
    figures: list = dataclasses.field(default_factory=list)  # figures.Figure in its prose


class RunExamplesPlugin(BasePlugin[RunExamplesConfig]):
    def on_startup(self, command, dirty):
        # Kept across the language builds of mkdocs-static-i18n and serve's rebuilds.
        self.serving = command == "serve"
        self.pools = {}  # "pages" and "notebooks" -> WorkerPool

    def on_config(self, config):
        if _building_another_language(config):
            return config
        self._new_build(config)
        if self.serving:
            self._workers("pages").start()
        jupyter_ = jupyter.jupyter_plugin(config)
        if jupyter_ is not None:
            jupyter.remember_inclusion(jupyter_)
        self._plan(config, jupyter_)
        self.usage = self._usage(config)
        return config

    def _new_build(self, config):
        """Per-build state, new for every build (serve rebuilds too)."""
        self.root = Path(config.config_file_path).parent
        self.expander = SnippetExpander(config.mdx_configs.get("pymdownx.snippets"), self.root)
        self.cache = RunCache(self.root / self.config.cache_dir, grace=0)
        self.cache.begin()
        lock = self.config.lock_file and self.root / self.config.lock_file
        self.environment = Environment.current(lock)
        self.sources = {name: self.root / path for name, path in self.config.sources.items()}
        self.plans = {}  # page path (docs/...) -> Plan
        self.runs = {}  # key digest -> (future of the worker's Outcome, why it runs)
        self.notebook_runs = set()  # the digests of the notebooks this build runs
        self.notebook_records = {}  # page URL -> its notebook's record (cells, versions, ...)
        self.outputs = {}  # page URL -> (fences, PageRun, failure text) for on_page_content
        self.images = {}  # file name -> (sha256, name)
        self.downloads = Downloads()
        try:
            self.install = pinned(self.config.install)  # read again by every build
        except ValueError as error:
            raise PluginError(f"run-examples: install: {error}") from None
        self.report = Report()
        i18n = config.plugins.get("i18n")
        languages = i18n.config.languages if i18n else []
        self.languages = [language.locale for language in languages]
        default = next((language.locale for language in languages if language.default), "")
        self.tidier = jupyter.Tidier(default)

    def _workers(self, kind):
        """The pages' pool, whose workers import ``preload``; the notebooks' pool, whose
        workers import nothing: a notebook's kernel is a Python of its own.

        A notebook is one long job, the longest of a cold build; pages are many short ones.
        Its kernel keeps a core busy from start to end, so a build that runs notebooks
        starts that many fewer page workers (at least one): another worker would only
        spend a core's time importing TensorFlow. The pages' workers run at a lower CPU
        priority, so a notebook gets the cores first and the pages fill the time it leaves.
        """
        if kind not in self.pools:
            size = self.config.workers or os.cpu_count() or 1
            if kind == "pages":
                size = max(1, size - len(self.notebook_runs))
                pool = WorkerPool(size, self.config.preload, 10, self.config.start_method)
            else:  # a notebook's kernel is a process of its own: its job needs no warm fork
                method = "fork" if start_method(self.config.start_method) == "fork" else "spawn"
                pool = WorkerPool(size, method=method, jobs="notebooks")
            self.pools[kind] = pool
        return self.pools[kind]

    def _plan(self, config, jupyter_):
        """Key every page and notebook now, and start running those the cache lacks."""
        files = get_files(config)
        if jupyter_ is not None:  # first: the pages' pool is sized by the notebooks that run
            for file in jupyter.notebook_files(files, jupyter_):
                notebook = nbformat.read(file.abs_src_path, as_version=4)
                self._plan_notebook(file, notebook)
        for file in files:
            if file.src_uri.endswith(".md") and file.inclusion.is_included():
                try:
                    markdown, fences = read_page(
                        file.content_string, path=self._path(file), expander=self.expander
                    )
                except FenceError:
                    continue  # reported with the page
                if fences:
                    self._plan_page(file, markdown, fences)

    def _fences(self, markdown, file, first_line):
        path = self._path(file)
        return find_fences(markdown, path=path, first_line=first_line, expander=self.expander)

    def _path(self, file):
        return Path(os.path.relpath(file.abs_src_path, self.root)).as_posix()

    def _language_and_name(self, file):
        """``("en", "vgg.md")`` for ``en/vgg.md`` with mkdocs-static-i18n; ``("", "vgg.md")``
        without: the languages share their runs, the cache's explanations and their users."""
        language, _, rest = file.src_uri.partition("/")
        return (language, rest) if language in self.languages else ("", file.src_uri)

    def _new_plan(self, file, fences, source):
        language, name = self._language_and_name(file)
        key = page_key(fences, self.environment, self.sources)
        plan = Plan(self._path(file), name, fences, key, source, language=language)
        self.plans[plan.path] = plan
        return plan

    def _plan_page(self, file, markdown, fences):
        fences, found = figures.attach(markdown, fences)
        plan = self._new_plan(file, fences, markdown)
        plan.figures = found
        if self.cache.get(plan.key.digest) is None:
            timeout = self.config.timeout + sum(fence.timeout or 0 for fence in fences)
            job = Job("page", plan.path, fences, timeout, self.config.output_limit)
            plan.run = self._submit(plan, job)
        return plan

    def _plan_notebook(self, file, notebook):
        cells = [_CodeCell(cell.source) for cell in code_cells(notebook)]
        plan = self._new_plan(file, cells, notebook)
        if self.cache.get_notebook(plan.key.digest) is None:
            timeout = self.config.timeout
            job = Job("notebook", plan.path, notebook, timeout)
            plan.run = self._submit(plan, job)
        return plan

    def _submit(self, plan, job):
        """The run of ``plan``'s key: one per build, whichever language asks first."""
        digest = plan.key.digest
        if digest not in self.runs:
            reasons = self.cache.reasons(plan.name, plan.key)

            def started():
                log.info("running %s (%s)", job.name, "; ".join(reasons))

            if job.kind == "notebook":
                self.notebook_runs.add(digest)
            pool = self._workers("pages" if job.kind == "page" else "notebooks")
            self.runs[digest] = (pool.submit(job, started), reasons)
        return self.runs[digest]

    # Markdown pages

    def on_page_markdown(self, markdown, page, config, files):
        if page.file.src_uri.endswith(".ipynb"):  # run in on_pre_page, rendered by mkdocs-jupyter
            return markdown
        markdown = self._page_markdown(markdown, page)
        labels = self._labels(page)
        return usage.with_api_usage(markdown, lambda name: self._used_on(page, name, labels))

    def _used_on(self, page, qualified, labels, label="used_on"):
        """A paragraph linking the other pages of ``page``'s language that use ``qualified``."""
        language, this = self._language_and_name(page.file)
        pages = self.usage.get(language, {}).get(qualified, [])
        pages = [(name, title) for name, title in pages if name != this]
        if not pages:
            return ""
        text = labels[label].format(
            name=qualified.rpartition(".")[2], pages=usage.links(pages, labels["separator"])
        )
        return f"{text}\n{{: .cb-used-on }}"

    def _usage(self, config):
        """{language: {qualified name: [(file name, title)]}}: the pages using each
        definition of the sources, in the order of the navigation."""
        order = {name: index for index, name in enumerate(_nav_files(config.nav or []))}
        found = {}
        for plan in sorted(
            self.plans.values(), key=lambda p: (order.get(p.name, len(order)), p.name)
        ):
            if isinstance(plan.source, str):
                text = plan.source
            else:  # a notebook: its first Markdown cell has the title
                text = next((c.source for c in plan.source.cells if c.cell_type == "markdown"), "")
            entry = (plan.name, usage.title(text))
            for name in usage.used_definitions(plan.fences, self.sources, self.root):
                found.setdefault(plan.language, {}).setdefault(name, []).append(entry)
        return found

    def _page_markdown(self, markdown, page):
        path = self._path(page.file)
        plan = self.plans.get(path)
        # i18n's on_page_markdown drops the last newline; anything else: a plugin changed it.
        if plan is None or plan.source.rstrip("\n") != markdown.rstrip("\n"):
            try:
                first_line = body_first_line(page.file.content_string)
                fences = self._fences(markdown, page.file, first_line)
            except FenceError as error:
                for line in error.errors:
                    log.error(line)
                # Shown as written: pymdownx.snippets would stop the build on a missing include.
                return INCLUDE.sub(r"\1;\2", markdown)
            plan = self._plan_page(page.file, markdown, fences) if fences else None
        if plan is None:
            self.report.record(page.url, page.file.src_uri, [])
            return markdown
        fences = plan.fences
        run, seconds, reasons = self._run_of(plan)
        self.report.record(page.url, page.file.src_uri, fences, seconds, reasons)
        failure = run.failure and describe_failure(run.failure, fences)
        self.outputs[page.url] = (fences, run, failure)
        if failure:
            log.error(failure)
        for fence, output in zip(fences, run.outputs, strict=False):
            if output.truncated:
                log.warning(
                    "%s: fence %d printed %d characters more than output_limit (%d): "
                    "the page shows the first %d",
                    fence.location,
                    fence.index,
                    output.truncated,
                    self.config.output_limit,
                    self.config.output_limit,
                )
        if Path(path).stem in self.config.downloads:
            self.downloads.keep(markdown, fences, page, self.install)
        if plan.figures and not failure:
            first = body_first_line(page.file.content_string)
            markdown, errors = figures.substitute(
                markdown, plan.figures, run.figures, lambda line: f"{path}:{first + line}"
            )
            for error in errors:
                log.error(error)
        labels = self._labels(page)
        included = usage.first_inclusions(fences, self.sources, self.root)
        after = {  # under the first fence that includes a definition: the pages using it
            index: [self._used_on(page, name, labels, "used_on_block") for name in names]
            for index, names in included.items()
        }
        markdown = _insert_placeholders(markdown, fences, after)
        if page.url in self.downloads.files:
            markdown = self.downloads.link(markdown, page, labels)
        return markdown

    def _run_of(self, plan):
        """The page's PageRun (failed or not), its run time (None: cached), and why it ran."""
        cached = self.cache.get(plan.key.digest)
        if cached is not None:
            return cached, None, []
        future, reasons = plan.run
        outcome = future.result()
        run = outcome.run
        assert isinstance(run, PageRun)
        if run.failure is None and not self.cache.get(plan.key.digest):
            self.cache.put(plan.key, run, plan.name)
            log.info("ran %s: %d fences in %.2f s", plan.path, len(plan.fences), run.seconds)
        for message in run.warnings:  # not shown on the page
            log.info("%s: %s", plan.path, message)
        return run, outcome.seconds, reasons

    def on_page_content(self, content, page, config, files):
        if page.file.src_uri.endswith(".ipynb"):
            return self._notebook_content(content, page, config)
        if page.url not in self.outputs:
            return content
        fences, run, failure = self.outputs[page.url]

        def image_url(digest, name):
            file_name = f"{digest}{Path(name).suffix.lower()}"
            self.images[file_name] = digest, name
            return get_relative_url(f"{IMAGE_DIR}/{file_name}", page.url)

        labels = self._labels(page)
        rendered = {}
        for fence, output in zip(fences, run.outputs, strict=False):
            rendered[fence.index] = render_output(output, image_url, labels)
        if failure:
            box = (
                f'<div class="admonition failure"><p class="admonition-title">{labels["failed"]}'
                f"</p><pre><code>{html.escape(failure)}</code></pre></div>"
            )
            rendered[run.failure.fence] = rendered.get(run.failure.fence, "") + box
        content = PLACEHOLDER_HTML.sub(lambda match: rendered.get(int(match[1]), ""), content)
        return content + _provenance(run.versions, run.ran_at, run.seconds, labels)

    def _notebook_content(self, content, page, config):
        """A notebook page: its figures' alt text from the kernel's facts, and under its
        outputs, what produced them."""
        record = self.notebook_records.get(page.url, {"cells": []})
        labels = self._labels(page)
        facts = iter(figure_facts(record["cells"]))

        def described(match):
            found = next(facts, None)
            alt = alt_text("", found, labels) if found else html.unescape(match[1])
            return f'<img alt="{html.escape(alt)}"{match[2]}'

        content = OUTPUT_IMAGE.sub(described, content)
        provenance = _provenance(
            record.get("versions"), record.get("ran_at"), record.get("seconds"), labels
        )
        return self.tidier.tidy(content, page, config) + provenance

    def _labels(self, page):
        return {**LABELS, **self.config.labels.get(_language(page), {})}

    # Notebook pages

    @event_priority(-110)
    def on_files(self, files, config):
        """Let mkdocs-jupyter claim the notebooks again after mkdocs-static-i18n's on_files."""
        jupyter_ = jupyter.jupyter_plugin(config)
        return files if jupyter_ is None else jupyter.claim(files, config, jupyter_)

    def on_pre_page(self, page, config, files):
        """Give mkdocs-jupyter the notebook with its outputs, run once for both languages."""
        if not page.file.src_uri.endswith(".ipynb"):
            return page
        path = self._path(page.file)
        plan = self.plans.get(path)
        if plan is None:  # not planned at on_config
            notebook = nbformat.read(page.file.abs_src_path, as_version=4)
            plan = self._plan_notebook(page.file, notebook)
        notebook = plan.source
        outputs, seconds, reasons = self.cache.get_notebook(plan.key.digest), None, []
        if outputs is None:
            future, reasons = plan.run
            if not future.done():
                # A full collection walks MkDocs' heap: run the one the rest of the build
                # would trigger now, while this process waits.
                gc.collect()
            outcome = future.result()
            if not isinstance(outcome.run, NotebookRun):
                failure = outcome.failure
                log.error("%s: %s", path, failure and f"{failure.kind.value}: {failure.summary}")
                return page
            outputs = {**dataclasses.asdict(outcome.run), "seconds": outcome.seconds}
            seconds = outcome.seconds
            if self.cache.get_notebook(plan.key.digest) is None:
                self.cache.put_notebook(plan.key, outputs, plan.name)
                log.info("ran %s: %d cells in %.2f s", path, len(plan.fences), seconds)
        self.report.record(page.url, page.file.src_uri, plan.fences, seconds, reasons)
        jupyter_ = jupyter.jupyter_plugin(config)
        jupyter.keep_rendering_cached(jupyter_, self.cache.directory, _language(page))
        # The install cell is shown and offered, not run: the build has what it installs.
        self.notebook_records[page.url] = outputs
        executed = with_install_cell(with_outputs(notebook, outputs["cells"]), self.install)
        executed = nbformat.writes(executed)
        digest = hashlib.sha256(executed.encode()).hexdigest()[:16]
        folder = self.cache.directory / "notebooks" / digest
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / Path(path).name, executed.encode())
        self.cache.use_path(folder)
        page.file.abs_src_path = str(folder / Path(path).name)
        return page

    # The end of the build

    @event_priority(-200)  # after i18n's, which builds the other languages
    def on_post_build(self, config):
        site_dir = Path(config.site_dir)
        target = site_dir / IMAGE_DIR
        target.mkdir(parents=True, exist_ok=True)
        for file_name, (digest, name) in self.images.items():
            shutil.copyfile(self.cache.image_path(digest, name), target / file_name)
        self.downloads.write(site_dir)
        self.tidier.write(site_dir)
        self.report.write(site_dir)
        if not _building_another_language(config):
            self.cache.evict()

    def on_shutdown(self):
        for pool in self.pools.values():
            pool.close()
        # Python's last collection at exit walks the whole heap for nothing.
        gc.freeze()


class _CodeCell:
    """A notebook code cell seen as a fence, for the cache key and the report."""

    skip = continues = expect_error = False
    timeout = None

    def __init__(self, code):
        self.code = code


def _building_another_language(config):
    """True in the builds mkdocs-static-i18n makes of the other languages."""
    i18n = config.plugins.get("i18n")
    return bool(getattr(i18n, "building", False))


def _provenance(versions, ran_at, seconds, labels):
    """A line under the page's outputs: when they were made, by what, in how long."""
    if not versions:
        return ""
    versions = labels["separator"].join(f"{name} {version}" for name, version in versions.items())
    text = labels["provenance"].format(date=ran_at, versions=versions, seconds=seconds)
    return f'\n<p class="cb-provenance">{html.escape(text)}</p>'


def _language(page):
    return page.file.src_uri.split("/", 1)[0]


def _insert_placeholders(markdown, fences, after=None):
    """A placeholder for each fence's outputs after it, then the paragraphs ``after``
    gives the fence's index."""
    lines = markdown.split("\n")
    for fence in reversed(fences):
        placeholder = fence.indent + PLACEHOLDER.format(fence.index)
        paragraphs = [p for p in (after or {}).get(fence.index, []) if p]
        added = [line for p in paragraphs for line in ["", *p.split("\n")]]
        lines[fence.end_line + 1 : fence.end_line + 1] = ["", placeholder, *added, ""]
    return "\n".join(lines)


def _nav_files(nav):
    """The file names of a ``nav`` config, in order."""
    for item in nav:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                yield from _nav_files(value if isinstance(value, list) else [value])
