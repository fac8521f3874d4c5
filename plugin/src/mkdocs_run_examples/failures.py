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
"""

from __future__ import annotations

from collections.abc import Sequence

from mkdocs_run_examples.records import Failure, Fence, Frame, format_location

TRACEBACK = "Traceback (most recent call last):"


def describe_failure(failure: Failure, fences: Sequence[Fence]) -> str:
    """The failure as a contributor reads it: the file line that raised, then the traceback.

    ``"docs/en/vgg.md:167: fence 3 raised: NameError: ...\\nTraceback ..."``
    """
    head = f"{format_location(*failure_location(failure, fences))}: {failure_headline(failure)}"
    if not failure.frames:
        return "\n".join([head, *failure.summary.strip().split("\n")[1:]])
    by_index = {fence.index: fence for fence in fences}
    lines = [head]
    frames: list[Frame] = []  # those of the exception being read
    for frame in failure.frames:
        if is_chain_boundary(frame):
            lines += [*_exception_lines(frames, frame.source, by_index), "", frame.function, ""]
            frames = []
        else:
            frames.append(frame)
    lines += _exception_lines(frames, failure.summary, by_index)
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


def _exception_lines(frames: list[Frame], summary: str, by_index: dict[int, Fence]) -> list[str]:
    """One exception as Python prints it: its traceback (if it has frames), its summary."""
    lines = [TRACEBACK] if frames else []
    for frame in frames:
        fence = _fence_of(frame, by_index)
        path, line = fence.origin(frame.line) if fence else (frame.filename, frame.line)
        where = f'  File "{path}", line {line}'
        lines.append(f"{where}, in {frame.function}" if frame.function else where)
        if frame.source:
            lines.append(f"    {frame.source}")
    return [*lines, summary]


def _fence_of(frame: Frame, by_index: dict[int, Fence]) -> Fence | None:
    return None if frame.fence is None else by_index.get(frame.fence)
