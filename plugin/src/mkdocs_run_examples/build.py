"""One build's state, new at each ``on_config`` (each of serve's rebuilds too) and shared
by the language builds of mkdocs-static-i18n: its plan and runs (``planning.Planner``),
what the pages showed (outputs, images, downloads, the report) and what is written
at its end."""

import shutil
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.downloads import Downloads
from mkdocs_run_examples.labels import build_language, language_labels
from mkdocs_run_examples.notebooks import pinned
from mkdocs_run_examples.options import RunExamplesConfig
from mkdocs_run_examples.planning import Planner, Pools
from mkdocs_run_examples.records import Fence, PageRun
from mkdocs_run_examples.report import REPORT_FOLDER, Report

IMAGE_DIR = "assets/examples"  # in the site: the images the examples wrote
# language -> qualified name -> [(file name, title)]: the pages using each definition
UsedOn = dict[str, dict[str, list[tuple[str, str]]]]
# A Markdown page's fences, its run and its failure's text, for on_page_content
PageOutputs = tuple[list[Fence], PageRun, str | None]


class Build:
    """One build: ``planner`` keys and runs its pages; the rest is what they showed."""

    def __init__(self, config: MkDocsConfig, options: RunExamplesConfig, pools: Pools) -> None:
        i18n: Any = config.plugins.get("i18n")
        languages = i18n.config.languages if i18n else []
        self.config, self.options = config, options  # the same config in every language build
        self.planner = Planner(config, options, pools, [language.locale for language in languages])
        self.usage: UsedOn = {}  # filled once every page is planned
        self.notebook_records: dict[str, dict[str, Any]] = {}  # page URL -> its notebook's run
        self.outputs: dict[str, PageOutputs] = {}  # page URL -> what on_page_content shows
        self.images: dict[str, tuple[str, str]] = {}  # file name -> (sha256, name)
        self.downloads = Downloads()
        try:
            self.install = pinned(options.install)  # read again by every build
        except ValueError as error:
            raise PluginError(f"run-examples: install: {error}") from None
        self.report = Report()
        # The language the others translate (mkdocs-static-i18n's default), "" without it
        self.original = next((language.locale for language in languages if language.default), "")
        self.tidier = jupyter.Tidier(self.original)

    def language(self) -> str:
        """The language of the site being built: with mkdocs-static-i18n, of this build."""
        return build_language(self.config)

    def labels(self) -> dict[str, str]:
        """The words the plugin puts on the pages being built, in their language."""
        return language_labels(self.language(), self.options.labels)

    def write(self, site_dir: Path) -> None:
        """Write into the site the images, downloads and notebooks' stylesheets; the report
        into the cache folder, and its JSON into the site if the ``report`` option asks."""
        target = site_dir / IMAGE_DIR
        target.mkdir(parents=True, exist_ok=True)
        for file_name, (digest, name) in self.images.items():
            shutil.copyfile(self.planner.cache.image_path(digest, name), target / file_name)
        self.downloads.write(site_dir)
        self.tidier.write(site_dir)
        self.report.write(self.planner.cache.directory / REPORT_FOLDER)
        self.report.log_executions()
        if self.options.report:
            self.report.write(site_dir, markdown=False)
