"""Find the Python fences of a Markdown page, with the markers that steer them.

The markers are pytest-codeblocks' own, so the build and the tests agree:

- ``<!--pytest-codeblocks:cont-->`` before a fence: it continues the fence before
  it (same namespace, same Keras session), as pytest-codeblocks joins them;
- ``<!--pytest.mark.skip-->`` before a fence: it is shown but not run, here or in
  the tests.

Only fences whose info string is exactly ``python`` are examples, as only those are
collected by pytest-codeblocks; ``` ```python title="x" ``` or ``` ```py ``` would
be skipped by it without a word, so they are reported as errors.
"""

import re
from dataclasses import dataclass

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
MARKER = re.compile(
    r"^[ \t]*<!--[-\s]*(?P<marker>pytest-codeblocks:cont|pytest\.mark\.skip)[-\s]*-->"
)
PYTHONISH = re.compile(r"^(python|py|python3)\b|^\{?\s*\.?(python|py)\b")


@dataclass(frozen=True)
class Fence:
    """A ```` ```python ```` fence: its code (dedented), where it ends, how it runs."""

    index: int  # 1-based among the page's Python fences
    code: str
    indent: str
    start_line: int  # 0-based line of the opening fence
    end_line: int  # 0-based line of the closing fence
    continues: bool  # chained to the fence before it
    skip: bool  # shown, not run


class FenceError(ValueError):
    """A fence the build cannot run as the tests would."""


def find_fences(text):
    """The Python fences of ``text``, in order."""
    lines = text.split("\n")
    fences = []
    marker = None
    number = 0
    while number < len(lines):
        line = lines[number]
        found = MARKER.match(line)
        if found:
            marker = found["marker"]
            number += 1
            continue
        opening = FENCE_OPEN.match(line)
        if not opening:
            if line.strip():
                marker = None
            number += 1
            continue
        indent, ticks, info = opening["indent"], opening["ticks"], opening["info"]
        end = number + 1
        while end < len(lines) and not _closes(lines[end], ticks):
            end += 1
        if end == len(lines):
            raise FenceError(f"the fence opened on line {number + 1} is never closed")
        if info == "python" and ticks[0] == "`":
            if marker == "pytest-codeblocks:cont" and not fences:
                raise FenceError(f"line {number + 1}: a 'cont' fence needs a fence before it")
            body = [_dedent(body_line, indent) for body_line in lines[number + 1 : end]]
            fences.append(
                Fence(
                    index=len(fences) + 1,
                    code="\n".join(body) + "\n",
                    indent=indent,
                    start_line=number,
                    end_line=end,
                    continues=marker == "pytest-codeblocks:cont",
                    skip=marker == "pytest.mark.skip",
                )
            )
        elif PYTHONISH.match(info) or (ticks[0] == "~" and info == "python"):
            raise FenceError(
                f"line {number + 1}: fence {ticks}{info}: write exactly ```python "
                "(pytest-codeblocks skips anything else silently)"
            )
        marker = None
        number = end + 1
    return fences


def _closes(line, ticks):
    stripped = line.strip()
    return stripped.startswith(ticks) and set(stripped) == {ticks[0]}


def _dedent(line, indent):
    return line[len(indent) :] if line.startswith(indent) else line.lstrip()
