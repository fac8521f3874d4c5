"""The execution report: what each page ran, why and how long, in the site.

``execution-report.json`` and ``execution-report.md`` list every page with fences
or cells: how many, how many ran in this build (0 when served from the cache), the
seconds, and why it ran ("code of fence 3 changed", "not in the cache", ...).
"""

import json
from pathlib import Path


class Report:
    def __init__(self):
        self.pages = {}  # page URL -> its line

    def record(self, url, name, fences, run_seconds=None, reasons=()):
        """A page's line; ``run_seconds`` None: served from the cache."""
        cached = run_seconds is None
        self.pages[url] = {
            "page": name,
            "fences": len(fences),
            "skipped": sum(getattr(fence, "skip", False) for fence in fences),
            "executed": 0 if cached else sum(not getattr(f, "skip", False) for f in fences),
            "cached": cached,
            "seconds": 0.0 if cached else round(run_seconds, 3),
            "reasons": list(reasons),
        }

    def write(self, site_dir):
        site_dir = Path(site_dir)
        pages = [self.pages[url] for url in sorted(self.pages)]
        executions = sum(not page["cached"] for page in pages)
        (site_dir / "execution-report.json").write_text(
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
        (site_dir / "execution-report.md").write_text(text, encoding="utf-8")
