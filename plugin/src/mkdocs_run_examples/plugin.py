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
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.build import Build
from mkdocs_run_examples.notebook_pages import notebook_content, notebook_page
from mkdocs_run_examples.options import RunExamplesConfig
from mkdocs_run_examples.pages import page_content, page_markdown, used_on_index
from mkdocs_run_examples.planning import Pools

STYLESHEET = "assets/run-examples.css"  # in the site: the look of the outputs


# MkDocs' BasePlugin.__init_subclass__ is not annotated.
class RunExamplesPlugin(BasePlugin[RunExamplesConfig]):  # type: ignore[no-untyped-call]
    serving: bool  # mkdocs serve: the pages' pool starts at once
    pools: Pools  # from on_startup: kept across serve's rebuilds
    build: Build  # new at each on_config

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
        jupyter_ = jupyter.jupyter_plugin(config)
        return files if jupyter_ is None else jupyter.claim(files, config, jupyter_)

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

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        """A notebook page's stylesheet: the rules of its CSS the finished page can use."""
        return self.build.tidier.link_stylesheet(output, page)

    @event_priority(-200)  # after i18n's, which builds the other languages
    def on_post_build(self, config: MkDocsConfig) -> None:
        self.build.write(Path(config.site_dir))
        if not _building_another_language(config):
            self.build.planner.cache.evict()

    def on_shutdown(self) -> None:
        self.pools.close()
        # Python's last collection at exit walks the whole heap for nothing.
        gc.freeze()


def _building_another_language(config: MkDocsConfig) -> bool:
    """True in the builds mkdocs-static-i18n makes of the other languages."""
    i18n: Any = config.plugins.get("i18n")
    return bool(getattr(i18n, "building", False))
