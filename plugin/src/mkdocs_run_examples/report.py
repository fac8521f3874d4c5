"""The execution report: what each page ran, why and how long.

``execution-report.json`` and ``execution-report.md`` list every page with fences
or cells: how many, how many ran in this build (0 when served from the cache), the
seconds, and why it ran ("code of fence 3 changed", "not in the cache", ...); and the
run whose outputs the page shows (``run``): its day, versions, seconds and reasons, the
same whether this build ran it or took it from the cache. Every build writes them into
the cache folder (``.cache/run-examples/report/``); the JSON into the site too when
the ``report`` option asks. The site's readers see the runs on the ``executions`` page
(``executions``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from mkdocs.plugins import get_plugin_logger

if TYPE_CHECKING:
    from mkdocs_run_examples.keys import Listing, Reason

log = get_plugin_logger(__name__)
REPORT_FOLDER = "report"  # in the cache folder: the last build's execution report
REPORT_JSON = "execution-report.json"


class RunFacts(TypedDict):
    """The run whose outputs a page shows (``planning.Planner.shown_run``)."""

    date: str  # the UTC day it ran, YYYY-MM-DD
    versions: dict[str, str]  # Python, Keras, the backend
    seconds: float  # what it took
    reasons: list[Reason]  # why it ran; [] if the cache has not kept them
    this_build: bool  # this build ran it (False: the cache had it)


class PageLine(TypedDict):
    """A page's line of the report."""

    page: str
    fences: int
    skipped: int
    executed: int  # 0 when served from the cache
    cached: bool
    seconds: float
    reasons: list[Reason]  # why it ran in this build
    run: RunFacts | None  # the run the page shows (None: the page has none)


class Report:
    def __init__(self) -> None:
        self.pages: dict[str, PageLine] = {}  # page URL -> its line

    def record(
        self,
        url: str,
        name: str,
        fences: Sequence[Listing],
        run_seconds: float | None = None,
        reasons: Iterable[Reason] = (),
        run: RunFacts | None = None,
    ) -> None:
        """A page's line: its fences, or its notebook's code cells; ``run_seconds`` None:
        served from the cache; ``run``: the run the page shows."""
        self.pages[url] = {
            "page": name,
            "fences": len(fences),
            "skipped": sum(fence.skip for fence in fences),
            "executed": 0 if run_seconds is None else sum(not f.skip for f in fences),
            "cached": run_seconds is None,
            "seconds": 0.0 if run_seconds is None else round(run_seconds, 3),
            "reasons": list(reasons),
            "run": run,
        }

    @property
    def executions(self) -> int:
        """How many pages this build executed (the others took their run from the cache)."""
        return sum(not page["cached"] for page in self.pages.values())

    def log_executions(self) -> None:
        """Say in the build's log how many pages it executed (none: all from the cache)."""
        if self.executions:
            log.info("executed %d of %d pages with examples", self.executions, len(self.pages))
        else:
            log.info("executed no page: every page's run came from the cache")

    def write(self, folder: str | os.PathLike[str], markdown: bool = True) -> None:
        """Write the JSON into ``folder``, made if missing, and the Markdown if ``markdown``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        pages = [self.pages[url] for url in sorted(self.pages)]
        executions = self.executions
        (folder / REPORT_JSON).write_text(
            json.dumps({"executions": executions, "pages": pages}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
        if not markdown:
            return
        rows = [
            f"| {p['page']} | {p['fences']} | {p['executed']} | {_time(p)} | "
            + (f"{p['run']['date']} | {_why(p['run'])} |" if p["run"] else "| |")
            for p in sorted(pages, key=lambda p: -p["seconds"])
        ]
        header = [
            "| page | fences | executed | time | ran on | why it ran |",
            "|---|---:|---:|---:|---|---|",
        ]
        total = sum(p["seconds"] for p in pages)
        text = (
            f"# Execution times\n\n{executions} pages executed, {total:.2f} s in all.\n\n"
            + "\n".join([*header, *rows])
            + "\n"
        )
        (folder / "execution-report.md").write_text(text, encoding="utf-8")


def read_executions(folder: Path) -> int | None:
    """How many pages the build whose report is in ``folder`` executed; None if it wrote
    none there."""
    try:
        report = json.loads((folder / REPORT_JSON).read_text("utf-8"))
    except FileNotFoundError:
        return None
    return int(report["executions"])


def _time(line: PageLine) -> str:
    """This build's seconds for the page, or the cache's run's."""
    if not line["cached"]:
        return f"{line['seconds']:.2f} s"
    return f"cached ({line['run']['seconds']:.2f} s)" if line["run"] else "cached"


def _why(run: RunFacts) -> str:
    """Why the run ran, or that the cache did not keep it."""
    return "; ".join(run["reasons"]) or "not recorded"
