"""What a change does to the outputs: this build's runs against a reference build's.

Both builds are read from their example caches (the ``cache`` option's folder): for each
page, the cache keeps the manifest of the run the page shows (``manifests/``) and that run
(what each fence printed, the prose's figures, images by digest), one entry for both
languages. A page whose run has the same key is unchanged without a look at its outputs;
for the others each fence's output is compared: its text (a unified diff), its images (old
and new), the figures the prose shows (old and new value), or only its code.

``python -m mkdocs_run_examples.changes REFERENCE CURRENT --output DIR`` writes
``DIR/changes.md`` (for a CI job's summary) and ``DIR/changes.html`` (the images side by
side, copied into ``DIR/images/``); it prints the Markdown.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import difflib
import hashlib
import html
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mkdocs_run_examples.records import PageRun
from mkdocs_run_examples.report import REPORT_FOLDER, read_executions
from mkdocs_run_examples.store import read_notebook, read_run

TEXT_TYPES = ("text/plain", "text/markdown", "text/html")  # what a notebook cell shows as text
IMAGE_TYPES = {"image/png": ".png", "image/svg+xml": ".svg", "image/jpeg": ".jpg"}


@dataclasses.dataclass(frozen=True)
class Image:
    """An image an output shows: its name, and where its bytes are (or the bytes)."""

    name: str
    digest: str
    data: bytes


@dataclasses.dataclass(frozen=True)
class Output:
    """What one fence (or a notebook's code cell) showed."""

    code: str  # the digest of its code, as the manifest has it
    text: str
    images: tuple[Image, ...] = ()


@dataclasses.dataclass(frozen=True)
class Run:
    """The run a page shows, as its build's cache keeps it."""

    digest: str
    outputs: tuple[Output, ...]
    figures: tuple[Any, ...] = ()


@dataclasses.dataclass(frozen=True)
class FenceChange:
    fence: int  # 1-based, among the page's fences (a notebook's: its code cells)
    code_changed: bool
    diff: tuple[str, ...] = ()  # a unified diff of the text, when it changed
    images: tuple[tuple[Image | None, Image | None], ...] = ()  # (old, new), when they changed

    @property
    def output_changed(self) -> bool:
        return bool(self.diff or self.images)


@dataclasses.dataclass(frozen=True)
class PageChange:
    page: str  # as the cache names it: "vgg.md", "train.ipynb"
    status: str  # one of STATUSES
    fences: tuple[FenceChange, ...] = ()
    figures: tuple[tuple[int, Any, Any], ...] = ()  # (1-based index, old value, new value)


STATUSES = {
    "outputs": "outputs changed",
    "code": "ran again (its code or what it uses changed), outputs the same",
    "added": "page added",
    "removed": "page removed",
    "unchanged": "unchanged",
}


def read_runs(cache: Path) -> dict[str, Run]:
    """Every page's run in the cache folder ``cache``, by page."""
    runs = {}
    for manifest_path in sorted((cache / "manifests").glob("*.json")):
        record = json.loads(manifest_path.read_text(encoding="utf-8"))
        page, digest = record["page"], record["digest"]
        codes = [fence.get("code") or "" for fence in record["manifest"].get("fences", [])]
        if (page_run := read_run(cache, digest)) is not None:
            runs[page] = _page_run(digest, codes, page_run)
        elif (notebook := read_notebook(cache, digest)) is not None:
            runs[page] = _notebook_run(digest, codes, notebook)
        else:
            raise FileNotFoundError(f"{cache}: the run of {page} ({digest}) is missing")
    return runs


def _page_run(digest: str, codes: Sequence[str], run: PageRun) -> Run:
    outputs = []
    for code, output in zip(codes, run.outputs, strict=False):
        images = tuple(Image(name, image, data) for name, image, data in output.images)
        displays = "".join(data for kind, data in output.displays if kind in TEXT_TYPES)
        outputs.append(Output(code, output.stdout + output.error + displays, images))
    return Run(digest, tuple(outputs), tuple(run.figures))


def _notebook_run(digest: str, codes: Sequence[str], stored: Any) -> Run:
    outputs = []
    for number, (code, cell) in enumerate(zip(codes, stored["cells"], strict=False), 1):
        text: list[str] = []
        images: list[Image] = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text.append(_joined(output.get("text", "")))
            text.append("\n".join(output.get("traceback", [])))
            image_types = [kind for kind in IMAGE_TYPES if kind in data]
            for kind in image_types:
                raw = _joined(data[kind])
                image = raw.encode() if kind == "image/svg+xml" else base64.b64decode(raw)
                name = f"cell{number}-{len(images) + 1}{IMAGE_TYPES[kind]}"
                images.append(Image(name, hashlib.sha256(image).hexdigest(), image))
            if not image_types:  # a figure's text/plain is "<Figure size ...>": not its output
                text.extend(_joined(data[kind]) for kind in TEXT_TYPES if kind in data)
        outputs.append(Output(code, "".join(text), tuple(images)))
    return Run(digest, tuple(outputs))


def _joined(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def compare(reference: dict[str, Run], current: dict[str, Run]) -> list[PageChange]:
    """What changed, page by page, from ``reference``'s runs to ``current``'s."""
    changes = []
    for page in sorted(reference.keys() | current.keys()):
        old, new = reference.get(page), current.get(page)
        if old is None:
            changes.append(PageChange(page, "added"))
        elif new is None:
            changes.append(PageChange(page, "removed"))
        elif old.digest == new.digest:
            changes.append(PageChange(page, "unchanged"))
        else:
            changes.append(_page_change(page, old, new))
    return changes


def _page_change(page: str, old: Run, new: Run) -> PageChange:
    fences = []
    pairs = itertools.zip_longest(old.outputs, new.outputs, fillvalue=Output("", ""))
    for number, (before, after) in enumerate(pairs, 1):
        diff = tuple(
            difflib.unified_diff(
                before.text.splitlines(), after.text.splitlines(), "before", "after", lineterm=""
            )
        )
        fence = FenceChange(number, before.code != after.code, diff, _image_changes(before, after))
        if fence.code_changed or fence.output_changed:
            fences.append(fence)
    figures = tuple(
        (number, before, after)
        for number, (before, after) in enumerate(itertools.zip_longest(old.figures, new.figures), 1)
        if before != after
    )
    status = "outputs" if figures or any(fence.output_changed for fence in fences) else "code"
    return PageChange(page, status, tuple(fences), figures)


def _image_changes(before: Output, after: Output) -> tuple[tuple[Image | None, Image | None], ...]:
    old = {image.name: image for image in before.images}
    new = {image.name: image for image in after.images}
    pairs = ((old.get(name), new.get(name)) for name in sorted(old.keys() | new.keys()))
    return tuple((a, b) for a, b in pairs if (a and a.digest) != (b and b.digest))


def summary(changes: Sequence[PageChange], executed: int | None) -> str:
    """One line: how many pages changed what, and how many pages this build executed."""
    counts = {status: sum(c.status == status for c in changes) for status in STATUSES}
    parts = [f"{counts[status]} {STATUSES[status]}" for status in STATUSES if counts[status]]
    ran = "" if executed is None else f"; this build executed {_pages(executed)}"
    return f"{_pages(len(changes))}: " + ", ".join(parts) + ran + "."


def _pages(count: int) -> str:
    return "no page" if count == 0 else f"{count} page{'s' * (count != 1)}"


def markdown(changes: Sequence[PageChange], executed: int | None) -> str:
    """The report in Markdown, for a CI job's summary: images are named, not shown."""
    lines = ["# What this change does to the outputs", "", summary(changes, executed), ""]
    changed = [change for change in changes if change.status != "unchanged"]
    if changed:
        lines += ["| page | what changed |", "|---|---|"]
        lines += [f"| `{change.page}` | {_what(change)} |" for change in changed]
    for change in changed:
        if not change.fences and not change.figures:
            continue
        lines += ["", f"## `{change.page}`: {STATUSES[change.status]}"]
        for number, before, after in change.figures:
            lines.append(f"- figure {number} in the prose: `{before!r}` → `{after!r}`")
        for fence in change.fences:
            lines.append(f"- fence {fence.fence}: {_fence_line(fence)}")
            for old, new in fence.images:
                lines.append(f"  - image {_image_line(old, new)}")
            if fence.diff:
                lines += ["", "  ```diff", *(f"  {line}" for line in fence.diff), "  ```"]
    return "\n".join(lines) + "\n"


def _what(change: PageChange) -> str:
    if change.status in ("added", "removed"):
        return STATUSES[change.status]
    kinds = []
    if any(fence.diff for fence in change.fences):
        kinds.append("text")
    if change.figures:
        kinds.append("figures in the prose")
    if any(fence.images for fence in change.fences):
        kinds.append("images")
    fences = ", ".join(str(fence.fence) for fence in change.fences)
    what = ", ".join(kinds) if kinds else STATUSES[change.status]
    return f"{what} (fences {fences})" if fences else what


def _fence_line(fence: FenceChange) -> str:
    parts = ["code changed" if fence.code_changed else "same code"]
    if fence.diff:
        parts.append("output text changed")
    if fence.images:
        parts.append("images changed")
    if not fence.output_changed:
        parts.append("same output")
    return ", ".join(parts)


def _image_line(old: Image | None, new: Image | None) -> str:
    if old is None:
        return f"`{new.name}` added" if new else ""
    if new is None:
        return f"`{old.name}` removed"
    return f"`{new.name}` changed ({len(old.data):,} → {len(new.data):,} bytes)"


def write_html(changes: Sequence[PageChange], executed: int | None, folder: Path) -> Path:
    """The report as an HTML page in ``folder``, its images beside it: old and new side by
    side."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    title = "<h1>What this change does to the outputs</h1>"
    body = [f"{title}<p>{html.escape(summary(changes, executed))}</p>"]
    for change in changes:
        if change.status == "unchanged":
            continue
        body.append(f"<h2><code>{html.escape(change.page)}</code>: {STATUSES[change.status]}</h2>")
        if change.figures:
            items = "".join(
                f"<li>figure {n}: <del>{_escaped(a)}</del> → <ins>{_escaped(b)}</ins></li>"
                for n, a, b in change.figures
            )
            body.append(f"<ul>{items}</ul>")
        for fence in change.fences:
            body.append(f"<h3>Fence {fence.fence}: {_fence_line(fence)}</h3>")
            if fence.diff:
                body.append(f"<pre>{html.escape(chr(10).join(fence.diff))}</pre>")
            for old, new in fence.images:
                cells = "".join(
                    f"<figure><figcaption>{label}</figcaption>{_img(image, images)}</figure>"
                    for label, image in (("before", old), ("after", new))
                )
                body.append(f'<div class="pair">{cells}</div>')
    style = (
        "body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:auto;padding:1em}"
        ".pair{display:flex;gap:1em}.pair img{max-width:320px;max-height:480px;"
        "border:1px solid #ccc}pre{background:#f6f8fa;padding:.5em;overflow:auto}"
    )
    page = folder / "changes.html"
    page.write_text(
        f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Changes to the outputs'
        f"</title><style>{style}</style>{''.join(body)}</html>\n",
        encoding="utf-8",
    )
    return page


def _escaped(value: Any) -> str:
    return html.escape(repr(value))


def _img(image: Image | None, folder: Path) -> str:
    if image is None:
        return "<p>(none)</p>"
    name = f"{image.digest}{Path(image.name).suffix}"
    (folder / name).write_bytes(image.data)
    return f'<img src="images/{name}" alt="{html.escape(image.name)}">'


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mkdocs_run_examples.changes", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("reference", type=Path, help="the reference build's example cache")
    parser.add_argument("current", type=Path, help="this build's example cache")
    parser.add_argument("--output", type=Path, help="write changes.md and changes.html here")
    arguments = parser.parse_args(argv)
    for name in ("reference", "current"):
        if not (getattr(arguments, name) / "manifests").is_dir():
            parser.error(
                f"{name}: {getattr(arguments, name)} is not an example cache (no manifests/)"
            )
    changes = compare(read_runs(arguments.reference), read_runs(arguments.current))
    executed = read_executions(arguments.current / REPORT_FOLDER)
    text = markdown(changes, executed)
    if arguments.output:
        arguments.output.mkdir(parents=True, exist_ok=True)
        (arguments.output / "changes.md").write_text(text, encoding="utf-8")
        write_html(changes, executed, arguments.output)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
