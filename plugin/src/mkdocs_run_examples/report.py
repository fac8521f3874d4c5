"""The execution report: what each page ran, why and how long.

``execution-report.json`` and ``execution-report.md`` list every page with fences
or cells: how many, how many ran in this build (0 when served from the cache), the
seconds, and why it ran ("code of fence 3 changed", "not in the cache", ...). Every
build writes them into the cache folder (``.cache/run-examples/report/``); into the
site only when the ``report`` option asks: a site's readers have no use for them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from mkdocs_run_examples.keys import Listing


class PageLine(TypedDict):
    """A page's line of the report."""

    page: str
    fences: int
    skipped: int
    executed: int  # 0 when served from the cache
    cached: bool
    seconds: float
    reasons: list[str]


class Report:
    def __init__(self) -> None:
        self.pages: dict[str, PageLine] = {}  # page URL -> its line

    def record(
        self,
        url: str,
        name: str,
        fences: Sequence[Listing],
        run_seconds: float | None = None,
        reasons: Iterable[str] = (),
    ) -> None:
        """A page's line: its fences, or its notebook's code cells; ``run_seconds`` None:
        served from the cache."""
        self.pages[url] = {
            "page": name,
            "fences": len(fences),
            "skipped": sum(fence.skip for fence in fences),
            "executed": 0 if run_seconds is None else sum(not f.skip for f in fences),
            "cached": run_seconds is None,
            "seconds": 0.0 if run_seconds is None else round(run_seconds, 3),
            "reasons": list(reasons),
        }

    def write(self, folder: str | os.PathLike[str]) -> None:
        """Write both files into ``folder``, made if missing."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        pages = [self.pages[url] for url in sorted(self.pages)]
        executions = sum(not page["cached"] for page in pages)
        (folder / "execution-report.json").write_text(
            json.dumps({"executions": executions, "pages": pages}, indent=2), encoding="utf-8"
        )
        rows = [
            f"| {p['page']} | {p['fences']} | {p['executed']} | "
            + ("cached" if p["cached"] else f"{p['seconds']:.2f} s")
            + f" | {'; '.join(p['reasons'])} |"
            for p in sorted(pages, key=lambda p: -p["seconds"])
        ]
        header = ["| page | fences | executed | time | why it ran |", "|---|---:|---:|---:|---|"]
        total = sum(p["seconds"] for p in pages)
        text = (
            f"# Execution times\n\n{executions} pages executed, {total:.2f} s in all.\n\n"
            + "\n".join([*header, *rows])
            + "\n"
        )
        (folder / "execution-report.md").write_text(text, encoding="utf-8")
