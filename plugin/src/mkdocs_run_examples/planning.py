"""A build's plan: every page and notebook keyed, those the cache lacks running.

``Planner.plan_site`` reads every page and notebook when the configuration is read,
keys each (``keys.page_key``) and hands each key the cache lacks to a pool of
``Pools``: one run per key, whichever language asks first. ``page_run`` and
``notebook_run`` then give a page its run, from the cache or its process, and cache a
run that did not fail and left no process running (the build ended it: the page must run
again, and say so, until it ends what it starts).
"""

import dataclasses
import gc
import os
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, get_files

from mkdocs_run_examples import figures, jupyter
from mkdocs_run_examples.environment import Environment
from mkdocs_run_examples.fences import FenceError, read_page
from mkdocs_run_examples.figures import Figure
from mkdocs_run_examples.keys import Key, Reason, page_key
from mkdocs_run_examples.notebooks import code_cells
from mkdocs_run_examples.options import RunExamplesConfig
from mkdocs_run_examples.page_files import data_files, protected_paths
from mkdocs_run_examples.records import Fence, Job, NotebookRun, Outcome, PageRun
from mkdocs_run_examples.report import RunFacts
from mkdocs_run_examples.snippets import SnippetExpander
from mkdocs_run_examples.store import RunCache
from mkdocs_run_examples.twins import CodeLine, cell_lines, fence_lines, first_difference

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from mkdocs_run_examples.pool import WorkerPool

log = get_plugin_logger(__name__)
Run = tuple[Future[Outcome], list[Reason]]  # the future of the job's Outcome, why it runs
ListingT = TypeVar("ListingT")
SourceT = TypeVar("SourceT")


@dataclasses.dataclass(frozen=True)
class CodeCell:
    """A notebook code cell seen as a fence, for the cache key and the report."""

    code: str
    skip: bool = False
    continues: bool = False
    expect_error: bool = False
    timeout: float | None = None


@dataclasses.dataclass
class Plan(Generic[ListingT, SourceT]):
    """A page's fences (or a notebook's code cells) and key, and its run if it needs one."""

    path: str  # docs/en/vgg.md: what errors name
    name: str  # vgg.md: the languages share their runs and the cache's explanations
    fences: list[ListingT]
    key: Key
    source: SourceT  # a page's Markdown, as on_page_markdown gets it, or the notebook
    language: str = ""  # en: its folder under docs/, "" without mkdocs-static-i18n
    run: Run | None = None
    figures: list[Figure] = dataclasses.field(default_factory=list)  # in its prose


PagePlan = Plan[Fence, str]
NotebookPlan: TypeAlias = Plan[CodeCell, "NotebookNode"]


class Pools:
    """The pages' pool, whose processes start from ``preload`` imported once; the
    notebooks' pool, which imports nothing: a notebook's kernel is a Python of its own.
    Each is made when first asked for, and kept (serve keeps them across rebuilds).

    A notebook is one long job, the longest of a cold build; pages are many short ones.
    Its kernel keeps a core busy from start to end, so a build that runs notebooks runs
    that many fewer pages at a time (at least one). The pages run at a lower CPU priority,
    so a notebook gets the cores first and the pages fill the time it leaves.
    """

    def __init__(self) -> None:
        self._pools: dict[str, WorkerPool] = {}  # "pages", "notebooks" -> its pool

    # pool.py and multiprocessing are imported when a pool is made: a build whose pages
    # are all in the cache does without them (8 ms).
    def pages(self, options: RunExamplesConfig, notebooks: int) -> "WorkerPool":
        """The pages' pool; ``notebooks``: how many notebooks the build runs."""
        from mkdocs_run_examples.pool import WorkerPool

        if "pages" not in self._pools:
            size = max(1, _size(options) - notebooks)
            pool = WorkerPool(size, options.preload, niceness=10, method=options.start_method)
            self._pools["pages"] = pool
        return self._pools["pages"]

    def notebooks(self, options: RunExamplesConfig) -> "WorkerPool":
        """The notebooks' pool: a notebook's kernel is a process of its own, so its job
        needs no warm fork."""
        from mkdocs_run_examples.pool import WorkerPool, start_method

        if "notebooks" not in self._pools:
            method = "fork" if start_method(options.start_method) == "fork" else "spawn"
            self._pools["notebooks"] = WorkerPool(_size(options), method=method, jobs="notebooks")
        return self._pools["notebooks"]

    def close(self) -> None:
        """Stop the pools: kill the jobs running (Ctrl-C, the end of serve)."""
        for pool in self._pools.values():
            pool.close()


def _size(options: RunExamplesConfig) -> int:
    """``workers``, or one per core."""
    return options.workers or os.cpu_count() or 1


class Planner:
    """One build's plans (``pages``, ``notebooks``: page path -> its plan) and runs.

    ``languages``: mkdocs-static-i18n's folders under ``docs/`` (none without it).
    """

    def __init__(
        self, config: MkDocsConfig, options: RunExamplesConfig, pools: Pools, languages: list[str]
    ) -> None:
        self.options, self.pools, self.languages = options, pools, languages
        self.root = Path(config.config_file_path).parent
        self.expander = SnippetExpander(config.mdx_configs.get("pymdownx.snippets"), self.root)
        self.cache = RunCache(self.root / options.cache_dir, grace=0)
        self.cache.begin()
        lock = self.root / options.lock_file if options.lock_file else None
        self.environment = Environment.current(
            lock, self.cache.directory / "environment" / "plugin.json"
        )
        self.sources = {name: self.root / path for name, path in options.sources.items()}
        self.docs_dir = Path(config.docs_dir)
        self.protected = protected_paths(config)  # what the pages' code may not write into
        self.pages: dict[str, PagePlan] = {}
        self.notebooks: dict[str, NotebookPlan] = {}
        self.runs: dict[str, Run] = {}  # key digest -> its run
        # name -> {language: path} of every page and notebook, with code or without
        self.translations: dict[str, dict[str, str]] = {}
        self.notebook_runs: set[str] = set()  # the digests of the notebooks this build runs

    def plan_site(self, config: MkDocsConfig, jupyter_: jupyter.JupyterPlugin | None) -> None:
        """Key every page and notebook now, and start running those the cache lacks;
        ``jupyter_``: mkdocs-jupyter's plugin, or None."""
        files = get_files(config)
        if jupyter_ is not None:  # first: the pages' pool is sized by the notebooks that run
            for file in jupyter.notebook_files(files, jupyter_):
                self.plan_notebook(file)
        for file in files:
            if file.src_uri.endswith(".md") and file.inclusion.is_included():
                language, name = self.language_and_name(file)
                self.translations.setdefault(name, {})[language] = self.path(file)
                try:
                    markdown, fences = read_page(
                        file.content_string, path=self.path(file), expander=self.expander
                    )
                except FenceError:
                    continue  # reported with the page
                if fences:
                    self.plan_page(file, markdown, fences)

    def translations_differing(self, original: str) -> list[str]:
        """For each page and notebook translated from the ``original`` language whose
        code is not its original's, one line naming where it first differs (``twins``)."""
        differing = []
        for paths in self.translations.values():
            if original not in paths:
                continue
            source = self._code_lines(paths[original])
            for language, path in sorted(paths.items()):
                if language != original:
                    found = first_difference(source, self._code_lines(path))
                    differing += [found] if found else []
        return differing

    def _code_lines(self, path: str) -> tuple[str, list[CodeLine]]:
        if path in self.notebooks:
            return path, cell_lines(path, [cell.code for cell in self.notebooks[path].fences])
        page = self.pages.get(path)  # none: a page without code
        return path, fence_lines(page.fences if page else [])

    def path(self, file: File) -> str:
        """The file's path from the project's root: ``docs/en/vgg.md``."""
        assert file.abs_src_path is not None, file.src_uri  # a file of docs/
        return Path(os.path.relpath(file.abs_src_path, self.root)).as_posix()

    def language_and_name(self, file: File) -> tuple[str, str]:
        """``("en", "vgg.md")`` for ``en/vgg.md`` with mkdocs-static-i18n; ``("", "vgg.md")``
        without: the languages share their runs, the cache's explanations and their users."""
        language, _, rest = file.src_uri.partition("/")
        return (language, rest) if language in self.languages else ("", file.src_uri)

    def plan_page(self, file: File, markdown: str, fences: list[Fence]) -> PagePlan:
        """The page's plan, its run started if the cache lacks it."""
        fences, found = figures.attach(markdown, fences)
        language, name = self.language_and_name(file)
        assert file.abs_src_path is not None, file.src_uri  # a file of docs/
        page_path = Path(file.abs_src_path)
        files = data_files(fences, page_path, self.docs_dir)
        key = page_key(fences, self.environment, self.sources, files)
        plan = Plan(self.path(file), name, fences, key, markdown, language, figures=found)
        self.pages[plan.path] = plan
        if self.cache.get(plan.key.digest) is None:
            timeout = self.options.timeout + sum(fence.timeout or 0 for fence in fences)
            folder = page_path.parent.relative_to(self.docs_dir).as_posix()
            job = Job(
                "page",
                plan.path,
                fences,
                timeout,
                self.options.output_limit,
                files=files,
                folder=folder,
                protected=self.protected,
            )
            plan.run = self._submit(plan, job)
        return plan

    def plan_notebook(self, file: File) -> NotebookPlan:
        """The notebook's plan, made now unless made before; its run started if the
        cache lacks it."""
        plan = self.notebooks.get(self.path(file))
        if plan is not None:
            return plan
        import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

        notebook = nbformat.read(file.abs_src_path, as_version=4)
        cells = [CodeCell(cell.source) for cell in code_cells(notebook)]
        language, name = self.language_and_name(file)
        self.translations.setdefault(name, {})[language] = self.path(file)
        key = page_key(cells, self.environment, self.sources)
        plan = Plan(self.path(file), name, cells, key, notebook, language)
        self.notebooks[plan.path] = plan
        if self.cache.get_notebook(plan.key.digest) is None:
            job = Job("notebook", plan.path, notebook, self.options.timeout)
            plan.run = self._submit(plan, job)
        return plan

    def _submit(self, plan: Plan[Any, Any], job: Job) -> Run:
        """The run of ``plan``'s key: one per build, whichever language asks first."""
        digest = plan.key.digest
        if digest not in self.runs:
            reasons = self.cache.reasons(plan.name, plan.key)

            def started() -> None:
                log.info("running %s (%s)", job.name, "; ".join(reasons))

            if job.kind == "notebook":
                self.notebook_runs.add(digest)
                pool = self.pools.notebooks(self.options)
            else:
                pool = self.pools.pages(self.options, len(self.notebook_runs))
            self.runs[digest] = (pool.submit(job, started), reasons)
        return self.runs[digest]

    def page_run(self, plan: PagePlan) -> tuple[PageRun, float | None, list[Reason]]:
        """The page's PageRun (failed or not), its run time (None: cached), and why it ran."""
        cached = self.cache.get(plan.key.digest)
        if cached is not None:
            return cached, None, []
        future, reasons = _started(plan)
        outcome = future.result()
        assert isinstance(outcome.run, PageRun)
        # A copy: both languages take the one outcome.
        run = dataclasses.replace(outcome.run, ended=outcome.run.ended + outcome.ended)
        if run.failure is None and not run.ended and not self.cache.get(plan.key.digest):
            self.cache.put(plan.key, run, plan.name)
            log.info("ran %s: %d fences in %.2f s", plan.path, len(plan.fences), run.seconds)
        for message in run.warnings:  # not shown on the page
            log.info("%s: %s", plan.path, message)
        return run, outcome.seconds, reasons

    def notebook_run(
        self, plan: NotebookPlan
    ) -> tuple[dict[str, Any], float | None, list[Reason]] | None:
        """The notebook's outputs (its NotebookRun as a dict, with its run time), its run
        time (None: cached), and why it ran; None if it failed (logged)."""
        outputs = self.cache.get_notebook(plan.key.digest)
        if outputs is not None:
            return outputs, None, []
        future, reasons = _started(plan)
        if not future.done():
            # A full collection walks MkDocs' heap: run the one the rest of the build
            # would trigger now, while this process waits.
            gc.collect()
        outcome = future.result()
        for cell, process in outcome.ended:
            log.warning(
                "%s: a process that %s started was still running at the notebook's end: "
                "the build ended it (%s)",
                plan.path,
                f"cell {cell}" if cell else "the notebook",
                process,
            )
        if not isinstance(outcome.run, NotebookRun):
            failure = outcome.failure
            at = f", cell {failure.fence}" if failure and failure.fence else ""
            kind = failure and f"{failure.kind.value}: {failure.summary}"
            log.error("%s%s: %s", plan.path, at, kind)
            return None
        outputs = {**dataclasses.asdict(outcome.run), "seconds": outcome.seconds}
        if not outcome.ended and self.cache.get_notebook(plan.key.digest) is None:
            self.cache.put_notebook(plan.key, outputs, plan.name)
            log.info("ran %s: %d cells in %.2f s", plan.path, len(plan.fences), outcome.seconds)
        return outputs, outcome.seconds, reasons

    def shown_run(
        self, plan: Plan[Any, Any], record: PageRun | dict[str, Any], reasons: list[Reason]
    ) -> RunFacts:
        """The facts of the run whose outputs ``plan``'s page shows, from its ``record``
        (a PageRun, or a NotebookRun as a dict): why it ran is ``reasons`` where the page
        took it from its process, else what the cache keeps."""
        if isinstance(record, PageRun):
            date, versions, seconds = record.ran_at, record.versions, record.seconds
        else:
            date, versions, seconds = record["ran_at"], record["versions"], record["seconds"]
        return {
            "date": date,
            "versions": dict(versions),
            "seconds": seconds,  # as the page's provenance line has it, not rounded
            "reasons": reasons or self.cache.ran_because(plan.name, plan.key) or [],
            "this_build": plan.run is not None,
        }


def _started(plan: Plan[Any, Any]) -> Run:
    """The run started for ``plan``: the cache lacked its key when it was planned."""
    assert plan.run is not None, f"{plan.path}: not in the cache, and not run"
    return plan.run
