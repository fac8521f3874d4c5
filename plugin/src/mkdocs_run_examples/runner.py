"""Run a page's fences and capture what each prints and the images it writes.

This runs inside a job's process (see ``execution``), in a scratch directory, so
nothing a page does outlives it. Each example (a fence and the ``cont`` fences after
it, see ``fences``) runs as ``python example.py`` would run its code: in a fresh
``__main__`` module whose ``__file__`` is that script (written beside it, so that
pickling what it defines and multiprocessing's spawned children work), with a fresh
Keras session (layer names are those a reader gets running that listing), and when
its last fence ends, the runner waits for the threads and multiprocessing children it
left running, as Python waits at exit; what it started and left running then (a
subprocess, in a session of its own too) is ended and named in ``PageRun.ended``
(``processes``): nothing a page starts outlives it.

A fence that raises ends the page: the run keeps the outputs of the fences before it
and a :class:`Failure` in fence coordinates (fence index, line in the fence's code),
which the plugin turns into file lines. The markers decide as pytest-codeblocks does:
a skipped example is shown, not run; an xfail example may raise (its traceback is its
output) and must raise with ``strict``; an expected output is compared with what the
example printed.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import io
import linecache
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from mkdocs_run_examples import describe, display, figures, processes
from mkdocs_run_examples.records import Failure, FailureKind, Fence, FenceOutput, Frame, PageRun

PACKAGE = Path(__file__).parent
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}  # files a fence writes that are shown


def run_page(
    fences: Iterable[Fence],
    output_limit: int = 100_000,
    started: Callable[[int], object] | None = None,
    finished: Callable[[FenceOutput], object] | None = None,
    waiting: Callable[[list[str]], object] | None = None,
) -> PageRun:
    """Run ``fences`` (``fences.Fence``) in order in the current directory.

    ``started(index)`` is called before each fence runs and ``finished(output)`` after,
    so that a supervisor knows which fence was running, and what the fences before it
    showed, if the process dies; ``waiting(names)`` before the end of an example waits
    for the threads and processes it names, so that a time limit can say so.
    """
    start = time.perf_counter()
    run = PageRun(outputs=[], seconds=0.0, ran_at=time.strftime("%Y-%m-%d", time.gmtime()))
    workdir = Path.cwd()

    def emit(output: FenceOutput) -> None:
        run.outputs.append(output)
        if finished:
            finished(output)

    reporting = _Reporting(started, emit, waiting)
    with describe.watch() as described:
        for example in examples(fences):
            _run_example(example, workdir, output_limit, run, described, reporting)
            if run.failure is not None:
                break
    run.seconds = time.perf_counter() - start
    run.versions = describe.versions()
    return run


def examples(fences: Iterable[Fence]) -> Iterator[list[Fence]]:
    """The page's examples: each fence with the ``cont`` fences after it."""
    example: list[Fence] = []
    for fence in fences:
        if example and not fence.continues:
            yield example
            example = []
        example.append(fence)
    if example:
        yield example


class _Reporting(NamedTuple):
    """Whom ``run_page`` tells as it goes (see there); ``emit`` takes each fence's output."""

    started: Callable[[int], object] | None
    emit: Callable[[FenceOutput], None]
    waiting: Callable[[list[str]], object] | None


def _run_example(
    example: list[Fence],
    workdir: Path,
    output_limit: int,
    run: PageRun,
    described: describe.Notes,
    reporting: _Reporting,
) -> None:
    """Run one example, emit each of its fences' outputs (a fence not run: shown skipped)
    as it ends; set ``run.failure`` if it failed."""
    first, (started, emit, waiting) = example[0], reporting
    if first.skip or any(fence.problem for fence in example) or _missing(first.importorskip):
        for _ in example:
            emit(FenceOutput(skipped=True))
        return
    _clear_keras_session()
    outputs: list[FenceOutput] = []
    raised = False
    with (
        processes.ending_strays() as ended,
        _main_module(example, workdir) as namespace,
        _waited_for_at_exit(waiting) as at_exit,
    ):
        for fence in example:
            if started:
                started(fence.index)
            described.patch()  # what the fences before imported
            before = _image_digests(workdir)
            last = fence is example[-1]
            if fence.shell:
                output, error = _run_shell(example, output_limit) if last else (FenceOutput(), None)
            else:
                wait = at_exit if last else None
                output, error = _run_fence(fence, namespace, output_limit, run.warnings, wait)
            output.images = _new_images(workdir, before)
            output.about = {
                name: described[name] for name, *_ in output.images if name in described
            }
            outputs.append(output)
            if error is not None:
                raised = True
                run.failure = _unexpected(first, fence, error, output)
            else:
                run.failure = _evaluate_figures(fence, namespace, run.figures)
            emit(output)
            if raised or run.failure is not None:
                break
    # What the example left running has been ended (a script's processes would outlive it).
    run.ended += [(example[len(outputs) - 1].index, process) for process in ended]
    if run.failure is None and raised:  # an expected error: the rest of the example is not run
        for _ in example[len(outputs) :]:
            emit(FenceOutput(skipped=True))
    elif run.failure is None:
        run.failure = _checked(example, outputs)


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
    fence: Fence,
    namespace: dict[str, Any],
    output_limit: int,
    messages: list[str],
    at_exit: Callable[[], None] | None,
) -> tuple[FenceOutput, BaseException | None]:
    """What ``fence`` printed, and what it raised (None: nothing); ``at_exit``, if given,
    runs after its code, its output captured too (the waits of a script's end)."""
    filename = fence_filename(fence.index)
    stderr = io.StringIO()
    raised: BaseException | None = None
    shown: tuple[str, str] | None = None  # the rich form of the value it shows, if any
    with (
        _captured_stdout() as printed,
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
        if at_exit is not None:
            at_exit()
    for warning in caught:
        messages.append(f"fence {fence.index}: {warning.category.__name__}: {warning.message}")
    if stderr.getvalue().strip():
        messages.append(f"fence {fence.index} wrote to stderr:\n{stderr.getvalue()}")
    text = printed[0]
    output = FenceOutput(
        stdout=text[:output_limit],
        truncated=max(0, len(text) - output_limit),
        displays=[shown] if shown else [],
    )
    return output, raised


@contextlib.contextmanager
def _captured_stdout() -> Iterator[list[str]]:
    """What the block prints, in the list yielded once it ends: from Python, and from the
    processes it starts (a subprocess, a multiprocessing child), which a terminal would
    show too. The process's standard output (descriptor 1) is a temporary file meanwhile,
    and ``sys.stdout`` writes through to it, so the two keep their order (as pytest's
    ``capfd`` captures)."""
    printed: list[str] = []
    with tempfile.TemporaryFile() as file:
        saved = os.dup(1)
        os.dup2(file.fileno(), 1)
        stream = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="replace", write_through=True
        )
        try:
            with contextlib.redirect_stdout(stream):
                yield printed
        finally:
            stream.flush()
            os.dup2(saved, 1)
            os.close(saved)
            file.seek(0)
            printed.append(file.read().decode("utf-8", errors="replace"))


def _run_shell(example: list[Fence], output_limit: int) -> tuple[FenceOutput, BaseException | None]:
    """A shell example's output and error, run as pytest-codeblocks runs it: its fences'
    code joined, in ``sh`` (the system's shell) or ``/bin/bash``, a failing status an error."""
    code = "".join(fence.code for fence in example)
    executable = "/bin/bash" if example[0].shell == "bash" else None
    result = subprocess.run(code, shell=True, capture_output=True, executable=executable)
    text = result.stdout.decode(errors="replace")
    output = FenceOutput(stdout=text[:output_limit], truncated=max(0, len(text) - output_limit))
    if result.returncode:
        error = subprocess.CalledProcessError(
            result.returncode, code.strip(), result.stdout, result.stderr
        )
        return output, error
    return output, None


@contextlib.contextmanager
def _main_module(example: list[Fence], workdir: Path) -> Iterator[dict[str, Any]]:
    """The namespace of a fresh ``__main__`` module, as ``python example_N.py`` has it:
    its ``__file__`` is that script (the example's code, written into ``workdir``), which
    is first on ``sys.path`` and ``sys.argv``; all restored afterwards."""
    script = workdir / f"example_{example[0].index}.py"
    if not example[0].shell:
        script.write_text("".join(fence.code for fence in example), encoding="utf-8")
    module = types.ModuleType("__main__")
    module.__file__ = str(script)
    saved = sys.modules.get("__main__"), sys.argv, list(sys.path)
    sys.modules["__main__"] = module
    sys.argv = [str(script)]
    sys.path.insert(0, str(workdir))
    try:
        yield module.__dict__
    finally:
        main, sys.argv, sys.path[:] = saved
        if main is not None:
            sys.modules["__main__"] = main


@contextlib.contextmanager
def _waited_for_at_exit(
    waiting: Callable[[list[str]], object] | None,
) -> Iterator[Callable[[], None]]:
    """A function that waits, as Python does at exit, for what the block started: its
    non-daemon threads, then its multiprocessing children (daemonic ones terminated,
    as multiprocessing's exit handler does); it names them to ``waiting`` first."""
    threads = set(threading.enumerate())
    multiprocessing = sys.modules.get("multiprocessing")
    children = set(multiprocessing.active_children()) if multiprocessing else set()

    def wait() -> None:
        new_threads = [t for t in threading.enumerate() if t not in threads and not t.daemon]
        multiprocessing = sys.modules.get("multiprocessing")
        running = multiprocessing.active_children() if multiprocessing else []
        new_children = [child for child in running if child not in children]
        names = [f"thread {t.name}" for t in new_threads if t.is_alive()]
        names += [f"multiprocessing child {c.name}" for c in new_children if not c.daemon]
        if names and waiting is not None:
            waiting(names)
        for thread in new_threads:
            thread.join()
        for child in new_children:
            if child.daemon:
                child.terminate()
            child.join()

    yield wait


def _missing(module: str) -> bool:
    """Whether ``importorskip``'s module fails to import (pytest-codeblocks' test)."""
    if not module:
        return False
    try:
        __import__(module)
    except ImportError:
        return True
    return False


def _unexpected(
    first: Fence, fence: Fence, error: BaseException, output: FenceOutput
) -> Failure | None:
    """The failure of ``fence``, which raised ``error``; None where its example (whose
    first fence is ``first``) is marked xfail and pytest would count it xfailed: then
    the traceback is the fence's output."""
    if not first.expect_error or isinstance(error, KeyboardInterrupt):
        failure = raised_failure(fence.index, error)
        if isinstance(error, subprocess.CalledProcessError) and error.stderr:
            failure.summary += "\n" + error.stderr.decode(errors="replace").rstrip()
        return failure
    # pytest-codeblocks re-raises a Python fence's Exception as a RuntimeError: raises= sees that.
    seen = RuntimeError if isinstance(error, Exception) and not fence.shell else type(error)
    expected = tuple(_exception_class(name) for name in first.raises)
    if expected and not issubclass(seen, expected):
        failure = raised_failure(fence.index, error)
        failure.summary += (
            f"\n(marked xfail(raises={', '.join(first.raises)}), which pytest-codeblocks "
            f"checks against the {seen.__name__} it raises for the fence's error: "
            "mark it xfail without raises=)"
        )
        return failure
    output.error = reader_traceback(error)
    return None


def _exception_class(name: str) -> type[BaseException]:
    """The exception class ``module.Name`` names (as markers give it)."""
    module, _, qualname = name.rpartition(".")
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found  # type: ignore[no-any-return]


def _checked(example: list[Fence], outputs: list[FenceOutput]) -> Failure | None:
    """The failure of an example that raised nothing: it was marked xfail(strict=True),
    or printed other output than its expected output."""
    first, last = example[0], example[-1]
    if first.expect_error and first.strict:
        return Failure(last.index, FailureKind.DID_NOT_RAISE, "it is marked xfail(strict=True)")
    expected = next((f for f in reversed(example) if f.expected_output is not None), None)
    if expected is None or expected.expected_output is None:
        return None
    printed = "".join(output.stdout for output in outputs)
    want = expected.expected_output
    if expected.ignore_whitespace:
        same = re.sub(r"\s+", "", want) == re.sub(r"\s+", "", printed)
    else:
        same = want == printed
    if same:
        return None
    diff = difflib.unified_diff(
        want.splitlines(), printed.splitlines(), "expected", "printed", lineterm=""
    )
    return Failure(
        last.index, FailureKind.OUTPUT_DIFFERS, "\n".join(["the expected output differs", *diff])
    )


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
            data = _compressed(_stable_node_names((workdir / name).read_bytes()))
            images.append((name, hashlib.sha256(data).hexdigest(), data))
    return images


GRAPHVIZ_NODE = re.compile(rb"<title>(\d{6,})</title>")  # a node named by a number


def _stable_node_names(data: bytes) -> bytes:
    """A Graphviz SVG whose nodes Keras named by ``id(layer)`` (an address, other in each
    run), written into its titles and comments: the nodes numbered in order instead, so
    that a run draws the same bytes."""
    if b"<!-- Generated by graphviz" not in data[:1000]:
        return data
    for number, name in enumerate(dict.fromkeys(GRAPHVIZ_NODE.findall(data)), 1):
        data = re.sub(rb"(?<!\d)" + name + rb"(?!\d)", b"node%d" % number, data)
    return data


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
