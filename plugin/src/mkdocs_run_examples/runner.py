"""Run a page's fences and capture what each prints and the images it writes.

This runs inside a job's process (see ``execution``), in a scratch directory,
so nothing a page does outlives it. The page's fences share one namespace; before
each fence that does not continue the one before, the Keras session is cleared, so
layer names are those a reader gets running that listing fresh.

A fence that raises ends the page: the run keeps the outputs of the fences before
it and a :class:`Failure` in fence coordinates (fence index, line in the fence's
code), which the plugin turns into file lines. A fence marked ``expect-error`` must
raise: its traceback is its output.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import linecache
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from mkdocs_run_examples import describe, display, figures
from mkdocs_run_examples.records import Failure, FailureKind, Fence, FenceOutput, Frame, PageRun

PACKAGE = Path(__file__).parent
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}  # files a fence writes that are shown


def run_page(
    fences: Iterable[Fence],
    output_limit: int = 100_000,
    started: Callable[[int], object] | None = None,
    finished: Callable[[FenceOutput], object] | None = None,
) -> PageRun:
    """Run ``fences`` (``fences.Fence``) in order in the current directory.

    ``started(index)`` is called before each fence runs and ``finished(output)`` after,
    so that a supervisor knows which fence was running, and what the fences before it
    showed, if the process dies.
    """
    start = time.perf_counter()
    namespace: dict[str, Any] = {"__name__": "__main__"}  # the page's globals
    run = PageRun(outputs=[], seconds=0.0, ran_at=time.strftime("%Y-%m-%d", time.gmtime()))
    workdir = Path.cwd()
    with describe.watch() as described:
        for fence in fences:
            if fence.skip:
                run.outputs.append(FenceOutput(skipped=True))
                continue
            if started:
                started(fence.index)
            if not fence.continues:
                _clear_keras_session()
            described.patch()  # what the fences before imported
            before = _image_digests(workdir)
            output, failure = _run_fence(fence, namespace, output_limit, run.warnings)
            output.images = _new_images(workdir, before)
            output.about = {
                name: described[name] for name, *_ in output.images if name in described
            }
            run.outputs.append(output)
            if finished:
                finished(output)
            if failure is None:
                failure = _evaluate_figures(fence, namespace, run.figures)
            if failure is not None:
                run.failure = failure
                break
    run.seconds = time.perf_counter() - start
    run.versions = describe.versions()
    return run


def _evaluate_figures(
    fence: Fence, namespace: dict[str, Any], values: list[object]
) -> Failure | None:
    """Append the values of the figures the prose shows after ``fence``; a Failure if one
    cannot be evaluated."""
    for expression in fence.figures:
        try:
            values.append(figures.plain(eval(expression, namespace)))
        except Exception as error:
            summary = f"the figure {{{{ {expression} }}}} after it: {_summary(error)}"
            return Failure(fence.index, FailureKind.RAISED, summary)
    return None


def _run_fence(
    fence: Fence, namespace: dict[str, Any], output_limit: int, messages: list[str]
) -> tuple[FenceOutput, Failure | None]:
    filename = fence_filename(fence.index)
    stdout, stderr = io.StringIO(), io.StringIO()
    raised: BaseException | None = None
    shown: tuple[str, str] | None = None  # the rich form of the value it shows, if any
    with (
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            lines = fence.code.splitlines(keepends=True)
            linecache.cache[filename] = (len(fence.code), None, lines, filename)  # for tracebacks
            value = display.execute(fence.code, filename, namespace, fence.show_value)
            shown = None if value is None else display.rich(value)
        except BaseException as error:  # SystemExit too: a page may not end the build
            raised = error
    for warning in caught:
        messages.append(f"fence {fence.index}: {warning.category.__name__}: {warning.message}")
    if stderr.getvalue().strip():
        messages.append(f"fence {fence.index} wrote to stderr:\n{stderr.getvalue()}")
    text = stdout.getvalue()
    output = FenceOutput(
        stdout=text[:output_limit],
        truncated=max(0, len(text) - output_limit),
        displays=[shown] if shown else [],
    )
    if fence.expect_error:
        if raised is None:
            return output, Failure(
                fence.index, FailureKind.DID_NOT_RAISE, "it is marked expect-error"
            )
        output.error = reader_traceback(raised)
        return output, None
    if raised is None:
        return output, None
    return output, raised_failure(fence.index, raised)


def fence_filename(index: int) -> str:
    return f"<fence {index}>"


def _summary(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(error)).strip()


def _frames(error: BaseException, *, leading: bool = False) -> list[Frame]:
    """The traceback's frames from the first one in a fence (with ``leading``, from the
    first one), without this package's: the runner's before it, and the wrappers
    ``describe`` puts around ``plot_model`` and ``savefig``, which a reader running the
    listing does not have."""
    frames: list[Frame] = []
    for summary in traceback.extract_tb(error.__traceback__):
        fence = _fence_index(summary.filename)
        skipped = (not frames and not leading) or Path(summary.filename).parent == PACKAGE
        if fence is None and skipped:
            continue
        line, source = summary.lineno or 0, summary.line or ""
        frames.append(Frame(fence, summary.filename, line, summary.name, source))
    return frames


CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"


def raised_failure(index: int, error: BaseException) -> Failure:
    """The failure of fence ``index`` that raised ``error``, as ``failures`` reads it: the
    frames of the exceptions ``error`` chains, each followed by a boundary (a Frame with
    no file: the exception's summary, and Python's sentence after it), then ``error``'s
    own; a SyntaxError's location is its last frame (with no function), not part of its
    summary."""
    frames: list[Frame] = []
    for chained, sentence in _chained(error):
        frames += _exception_frames(chained, leading=True)
        frames.append(Frame(None, "", 0, sentence, _failure_summary(chained)))
    frames += _exception_frames(error)
    return Failure(index, FailureKind.RAISED, _failure_summary(error), frames)


def _chained(error: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions ``error`` chains, earliest first, as Python prints them: each with
    the sentence printed after it (``CAUSE`` or ``CONTEXT``)."""
    chain: list[tuple[BaseException, str]] = []
    seen = {id(error)}
    while True:
        if error.__cause__ is not None:
            error, sentence = error.__cause__, CAUSE
        elif error.__context__ is not None and not error.__suppress_context__:
            error, sentence = error.__context__, CONTEXT
        else:
            break
        if id(error) in seen:  # a cycle
            break
        seen.add(id(error))
        chain.append((error, sentence))
    return chain[::-1]


def _exception_frames(error: BaseException, *, leading: bool = False) -> list[Frame]:
    """``_frames(error)``, then a SyntaxError's location: the line it points at."""
    frames = _frames(error, leading=leading)
    if isinstance(error, SyntaxError) and error.lineno is not None:
        filename = error.filename or "<string>"
        source = (error.text or "").strip()
        frames.append(Frame(_fence_index(filename), filename, error.lineno, "", source))
    return frames


def _failure_summary(error: BaseException) -> str:
    """``_summary``, without a SyntaxError's location (see ``_exception_frames``)."""
    lines = traceback.format_exception_only(error)
    if isinstance(error, SyntaxError) and error.lineno is not None:
        lines = [line for line in lines if not line.startswith("  ")]
    return "".join(lines).strip()


def _fence_index(filename: str) -> int | None:
    if filename.startswith("<fence ") and filename.endswith(">"):
        return int(filename[7:-1])
    return None


def reader_traceback(error: BaseException) -> str:
    """The traceback as a reader of the page sees it: fences as "example N", and files
    relative to the folder they were imported from, so the output names no path of the
    machine that built the site."""
    lines = ["Traceback (most recent call last):"]
    for frame in _frames(error):
        where = f"example {frame.fence}" if frame.fence else _import_path(frame.filename)
        lines.append(f'  File "{where}", line {frame.line}, in {frame.function}')
        if frame.source:
            lines.append(f"    {frame.source}")
    lines.append(_summary(error))
    return "\n".join(lines) + "\n"


def _import_path(filename: str) -> str:
    """``filename`` relative to the deepest folder of ``sys.path`` holding it, in ``/`` form
    on every system; its bare name if none does."""
    roots = sorted((Path(p).resolve() for p in sys.path if p), key=lambda r: len(r.parts))
    resolved = Path(filename).resolve()
    for root in reversed(roots):
        if resolved.is_relative_to(root) and resolved != root:
            return resolved.relative_to(root).as_posix()
    return resolved.name


def _clear_keras_session() -> None:
    """Reset Keras' layer names, as a fresh Python would have them.

    Without Python's full garbage collection, which costs 0.2 s per call once
    TensorFlow is loaded: the page's process ends soon anyway.
    """
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.utils.clear_session(free_memory=False)


def _image_digests(workdir: Path) -> dict[str, str]:
    """``{name: sha256}`` of the images in ``workdir`` and its subfolders, each named by its
    path relative to ``workdir`` in ``/`` form (``plots/loss.png``) on every system."""
    return {
        path.relative_to(workdir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(workdir.rglob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    }


def _new_images(workdir: Path, before: Mapping[str, str]) -> list[tuple[str, str, bytes]]:
    """Images written or rewritten by the last fence, as (name, sha256, bytes); the name
    as :func:`_image_digests` gives it."""
    images: list[tuple[str, str, bytes]] = []
    for name, digest in _image_digests(workdir).items():
        if before.get(name) != digest:
            data = _compressed((workdir / name).read_bytes())
            images.append((name, hashlib.sha256(data).hexdigest(), data))
    return images


def _compressed(data: bytes) -> bytes:
    """A large PNG recompressed without loss (the same pixels): Graphviz's compress poorly.

    plot_model's diagrams at its default 200 dpi weigh 150-500 KB; oxipng's fastest
    level with no row filter (flat diagrams gain nothing from one) and libdeflate's
    level 9 about halves that in half a second, so only PNGs over 100 KB get it.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 100_000:
        return data
    import oxipng

    return oxipng.optimize_from_memory(
        data, level=0, filter=[oxipng.RowFilter.NoOp], deflate=oxipng.Deflaters.libdeflater(9)
    )
