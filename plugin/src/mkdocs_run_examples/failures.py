"""A failed run as a contributor reads it: the file line that raised, then the traceback.

The runner reports a failure in fence coordinates (fence index, line of the fence's code);
each fence knows the file line every line of its code came from (the page's, or an
included file's), so the report names the line to fix. The build and the docs tests
both report failures this way: the build logs :func:`describe_failure`; the docs tests
print it too, at the file line of :func:`failure_location`.

The frames of a failure are those of the exception that ended the run, after those of
the exceptions it chains (``raise ... from``, or raised while handling one), as Python
prints them: each chained exception's frames, then a boundary (:func:`is_chain_boundary`)
carrying its summary and Python's sentence between the two. A SyntaxError's location is a
frame of its own, the last of its exception's, with no function.

No path of the machine that built the site is shown (:func:`shown_path`): a file of the
project is named from the project's folder, a library's module from its import root
(``json/decoder.py``), as the reader's own traceback of an expected error names them.
"""

from __future__ import annotations

import site
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from mkdocs_run_examples.records import Failure, Fence, Frame, format_location

TRACEBACK = "Traceback (most recent call last):"


def describe_failure(failure: Failure, fences: Sequence[Fence], root: Path | None = None) -> str:
    """The failure as a contributor reads it: the file line that raised, then the traceback;
    ``root``: the project's folder (by default the current one), which paths start from.

    ``"docs/en/vgg.md:167: fence 3 raised: NameError: ...\\nTraceback ..."``
    """
    head = f"{format_location(*failure_location(failure, fences))}: {failure_headline(failure)}"
    if not failure.frames:
        return "\n".join([head, *failure.summary.strip().split("\n")[1:]])
    by_index = {fence.index: fence for fence in fences}
    root = root or Path.cwd()
    lines = [head]
    frames: list[Frame] = []  # those of the exception being read
    for frame in failure.frames:
        if is_chain_boundary(frame):
            lines += [
                *_exception_lines(frames, frame.source, by_index, root),
                "",
                frame.function,
                "",
            ]
            frames = []
        else:
            frames.append(frame)
    lines += _exception_lines(frames, failure.summary, by_index, root)
    return "\n".join(lines)


def failure_location(failure: Failure, fences: Sequence[Fence]) -> tuple[str, int]:
    """``(path, line)`` of the file line to fix: that of the innermost frame in a fence
    of the exception that ended the run (a SyntaxError's: the line it points at), else
    the opening line of the fence that failed."""
    by_index = {fence.index: fence for fence in fences}
    for frame in reversed(failure.frames):
        if is_chain_boundary(frame):
            break
        fence = _fence_of(frame, by_index)
        if fence is not None:
            return fence.origin(frame.line)
    path, _, line = by_index[failure.fence].location.rpartition(":")
    return path, int(line)


def failure_headline(failure: Failure) -> str:
    """What went wrong, on one line: ``fence 3 raised: NameError: name 'x' is not defined``."""
    first = failure.summary.strip().split("\n")[0]
    return f"fence {failure.fence} {failure.kind.value}: {first}"


def is_chain_boundary(frame: Frame) -> bool:
    """Whether ``frame`` is no frame but the boundary after a chained exception: its
    ``source`` is that exception's summary, its ``function`` the sentence Python prints
    before the next one ("The above exception was the direct cause of ...")."""
    return frame.fence is None and not frame.filename


def _exception_lines(
    frames: list[Frame], summary: str, by_index: dict[int, Fence], root: Path
) -> list[str]:
    """One exception as Python prints it: its traceback (if it has frames), its summary."""
    lines = [TRACEBACK] if frames else []
    for frame in frames:
        fence = _fence_of(frame, by_index)
        path, line = (
            fence.origin(frame.line) if fence else (shown_path(frame.filename, root), frame.line)
        )
        where = f'  File "{path}", line {line}'
        lines.append(f"{where}, in {frame.function}" if frame.function else where)
        if frame.source:
            lines.append(f"    {frame.source}")
    return [*lines, summary]


def _fence_of(frame: Frame, by_index: dict[int, Fence]) -> Fence | None:
    return None if frame.fence is None else by_index.get(frame.fence)


def shown_path(filename: str, root: Path) -> str:
    """``filename`` as a failure names it, in ``/`` form on every system: from ``root``
    if the project holds it (and no library folder in it does, as a ``.venv``), else from
    the deepest import root holding it (a folder of ``sys.path``, or a library folder:
    ``json/decoder.py``, ``keras/src/ops/core.py``), else its bare name. A name that is
    no path (``<string>``, ``<frozen runpy>``) is kept."""
    path = Path(filename)
    if not path.is_absolute():
        return filename
    path, root = path.resolve(), root.resolve()
    libraries = _library_folders()
    if path.is_relative_to(root) and not any(path.is_relative_to(lib) for lib in libraries):
        return path.relative_to(root).as_posix()
    roots = [folder for folder in {*libraries, *_path_folders()} if path.is_relative_to(folder)]
    deepest = max(roots, key=lambda folder: len(folder.parts), default=None)
    return path.relative_to(deepest).as_posix() if deepest else path.name


def _library_folders() -> set[Path]:
    """Where this Python's standard library and installed packages are: ``sysconfig``
    knows the interpreter's and the environment's folders, ``site`` the user's."""
    names = ("stdlib", "platstdlib", "purelib", "platlib")
    folders = [sysconfig.get_paths()[name] for name in names]
    folders += [*site.getsitepackages(), site.getusersitepackages()]
    return {Path(folder).resolve() for folder in folders}


def _path_folders() -> set[Path]:
    """The folders of ``sys.path`` (PYTHONPATH's among them): import roots."""
    return {Path(entry).resolve() for entry in sys.path if entry}
