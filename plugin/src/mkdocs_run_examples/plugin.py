"""The MkDocs plugin: run each page's Python fences and show their output below them.

``RunExamplesPlugin`` only wires MkDocs' events to the parts that do the work. How a
build goes:

1. ``on_config`` (once per build, not once per language): a new ``build.Build`` holds
   the build's state; its ``planning.Planner`` reads every page and notebook, finds its
   fences (``--8<--`` includes expanded), computes its cache key (``keys``) and hands
   each page the cache lacks to a pool (``planning.Pools``, ``pool``), which runs each
   page in a fresh process of its own (``execution``), several at a time, while MkDocs
   renders. Nothing to run, no process started. ``pages.used_on_index`` notes which
   pages use each definition of the ``sources``.
2. ``on_page_markdown`` (``pages``): take the page's run (from the cache or its
   process; the Chinese page has the English page's code, hence its run), log any
   failure with the file line of the statement that raised, and leave a placeholder
   after each fence; ``on_page_content`` puts each fence's output there (``render``),
   or the error box under the fence that failed. Notebook pages
   (``notebook_pages``, at ``on_pre_page``) get a copy of the notebook with its
   outputs and the cell that installs ``install`` (not run), which mkdocs-jupyter
   renders (``jupyter``) and offers for download.
   At ``on_page_context``, once every page has taken its run, the page the
   ``executions`` option names gets the table of the runs the pages show
   (``executions``).
3. ``on_post_build``, after the last language: images, downloads (``downloads``)
   and the execution report (``report``) are written; cache entries the build did
   not use are removed.

The outputs' stylesheet (``run-examples.css``, in the package) is a file of every site
(``on_files``), linked before the site's own stylesheets (``on_config``).

Failures (a fence raising, exiting the interpreter, outliving the time limit,
printing more than the output limit; a missing include) are logged as errors or
warnings naming ``file:line``, so ``mkdocs build --strict`` fails; they are never
cached.
"""

import gc
import importlib.resources
from pathlib import Path
from typing import Any, Literal

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.build import Build
from mkdocs_run_examples.executions import executions_table, in_order
from mkdocs_run_examples.notebook_pages import notebook_content, notebook_page
from mkdocs_run_examples.options import RunExamplesConfig
from mkdocs_run_examples.pages import page_content, page_markdown, used_on_index
from mkdocs_run_examples.planning import Pools

STYLESHEET = "assets/run-examples.css"  # in the site: the look of the outputs
log = get_plugin_logger(__name__)


# MkDocs' BasePlugin.__init_subclass__ is not annotated.
class RunExamplesPlugin(BasePlugin[RunExamplesConfig]):  # type: ignore[no-untyped-call]
    serving: bool  # mkdocs serve: the pages' pool starts at once
    pools: Pools  # from on_startup: kept across serve's rebuilds
    build: Build  # new at each on_config
    files: Files  # of the language being built, from on_files

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        # Kept across the language builds of mkdocs-static-i18n and serve's rebuilds.
        self.serving = command == "serve"
        self.pools = Pools()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if STYLESHEET not in config.extra_css:
            # First: the site's own stylesheets, after it, can change its rules.
            config.extra_css.insert(0, STYLESHEET)
        if _building_another_language(config):
            return config
        self.build = Build(config, self.config, self.pools)
        if self.serving:
            self.pools.pages(self.config, notebooks=0).start()
        jupyter_ = jupyter.jupyter_plugin(config)
        if jupyter_ is not None:
            jupyter.remember_inclusion(jupyter_)
        self.build.planner.plan_site(config, jupyter_)
        if self.config.same_code:  # a translation runs its original's code, or the build fails
            for difference in self.build.planner.translations_differing(self.build.original):
                log.error(difference)
        self.build.usage = used_on_index(self.build.planner, config.nav)
        return config

    @event_priority(-110)
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        """Add the outputs' stylesheet, and let mkdocs-jupyter claim the notebooks again,
        after mkdocs-static-i18n's on_files (which would remake the stylesheet's File
        from ``docs/``, where it is not)."""
        if files.get_file_from_path(STYLESHEET) is None:  # else the site's own replaces it
            stylesheet = importlib.resources.files("mkdocs_run_examples") / "run-examples.css"
            files.append(File.generated(config, STYLESHEET, content=stylesheet.read_bytes()))
        executions = self.config.executions
        if executions and not any(
            self.build.planner.language_and_name(file)[1] == executions
            for file in files.documentation_pages()
        ):
            log.warning("executions: no page %s among the site's pages", executions)
        jupyter_ = jupyter.jupyter_plugin(config)
        # This language's files: their pages are the executions page's rows.
        self.files = files if jupyter_ is None else jupyter.claim(files, config, jupyter_)
        return self.files

    def on_pre_page(self, page: Page, config: MkDocsConfig, files: Files) -> Page:
        """Give mkdocs-jupyter the notebook with its outputs, run once for both languages."""
        if page.file.src_uri.endswith(".ipynb"):
            notebook_page(self.build, page, config)
        return page

    def on_page_markdown(
        self, markdown: str, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        if page.file.src_uri.endswith(".ipynb"):  # run in on_pre_page, rendered by mkdocs-jupyter
            return markdown
        return page_markdown(self.build, markdown, page)

    def on_page_content(self, content: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri.endswith(".ipynb"):
            return notebook_content(self.build, content, page, config)
        return page_content(self.build, content, page)

    @event_priority(50)  # before the search plugin indexes the page
    def on_page_context(
        self, context: TemplateContext, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        """The executions page: the runs every page of its language shows, below its text."""
        executions = self.config.executions
        if executions and self.build.planner.language_and_name(page.file)[1] == executions:
            pages = in_order(nav, self.files)
            table = executions_table(pages, self.build.report, page, self.build.labels())
            page.content = (page.content or "") + table
        return context

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """A notebook page's stylesheet: the rules of its CSS the finished page can use."""
        return self.build.tidier.link_stylesheet(output, page)

    @event_priority(-200)  # after i18n's, which builds the other languages
    def on_post_build(self, config: MkDocsConfig) -> None:
        self.build.write(Path(config.site_dir))
        if not _building_another_language(config):
            self.build.planner.cache.evict()

    def on_serve(
        self, server: LiveReloadServer, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        """Rebuild when what the pages import changes, not only ``docs/``: the
        ``sources`` folders and the ``lock_file`` (both in the pages' cache keys, so that
        only the pages using what changed run again)."""
        root = Path(config.config_file_path).parent
        for path in [*self.config.sources.values(), self.config.lock_file]:
            if path and (root / path).exists():
                server.watch(str(root / path))
        return server

    def on_shutdown(self) -> None:
        self.pools.close()
        # Python's last collection at exit walks the whole heap for nothing.
        gc.freeze()


def _building_another_language(config: MkDocsConfig) -> bool:
    """True in the builds mkdocs-static-i18n makes of the other languages."""
    i18n: Any = config.plugins.get("i18n")
    return bool(getattr(i18n, "building", False))
