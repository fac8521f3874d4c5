"""Find the Python fences of a Markdown page, with the markers that steer them.

The markers are pytest-codeblocks' own HTML comments, each alone on a line, on the
lines right before a fence (blank lines may come between; several markers may mark one
fence, one per line; a line of prose in between drops them):

- ``<!--pytest-codeblocks:cont-->``: the fence continues the fence before it (same
  namespace, same Keras session), as pytest-codeblocks joins them;
- ``<!--pytest.mark.skip-->``: the fence is shown but not run, here or in the tests;
- ``<!--pytest-codeblocks:expect-error-->`` (or ``expect-exception``): the fence must
  raise; the page shows its traceback, and the fences after it still run;
- ``<!--pytest.mark.timeout(600)-->``: the fence may take that many seconds more than
  the plugin's page timeout allows (a pytest mark, so the test item carries it too).

Only fences whose info string is exactly ``python`` are examples, as only those are
collected by pytest-codeblocks; ``` ```python title="x" ``` or ``` ```py ``` would
be skipped by it without a word, so they are reported as errors.

Every problem of a page is reported at once, in one FenceError whose ``errors`` are
one-line messages ``path:line: message`` naming the line of the file to fix.

Each fence's code has its ``--8<--`` includes expanded (with a SnippetExpander), and
``Fence.origins`` says which file line each line of the code comes from: the page's
own lines map to the page file (``first_line`` accounts for front matter), included
lines to the included file (nested includes too; see snippets.py for the rare lines
that map to the page's include line instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, TypedDict

from mkdocs_run_examples.records import Fence, format_location
from mkdocs_run_examples.snippets import IncludeError, Origin, SnippetExpander

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
# pytest-codeblocks reads a comment alone on its line (stripped) as a marker.
MARKER = re.compile(r"^[ \t]*<!--[-\s]*(?P<marker>pytest-codeblocks:.*|pytest\.mark\..*)-->\s*$")
TIMEOUT = re.compile(
    r"pytest\.mark\.timeout\(\s*(?:timeout\s*=\s*)?(?P<seconds>\d+(?:\.\d*)?)\s*\)"
)
SKIP = re.compile(r"pytest\.mark\.skip(\(.*\))?")
PYTHONISH = re.compile(r"^(python|py|python3)\b|^\{?\s*\.?(python|py)\b")
KNOWN_MARKERS = (
    "<!--pytest-codeblocks:cont-->, <!--pytest-codeblocks:expect-error-->, "
    "<!--pytest.mark.skip--> and <!--pytest.mark.timeout(seconds)-->"
)


class FenceError(ValueError):
    """Fences the build cannot run as the tests would: ``errors``, one line each,
    ``path:line: message``; ``str()`` joins them with newlines."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


def body_first_line(file_text: str) -> int:
    """The 1-based line of ``file_text`` (a page file) on which MkDocs' Markdown starts.

    MkDocs 1.6 hands plugins the page without its front matter (YAML between ``---``
    lines, or MultiMarkdown ``key: value`` lines), as ``mkdocs.utils.meta.get_data``
    strips it, blank lines after it included; this counts what it strips.
    """
    from mkdocs.utils.meta import get_data

    body, _ = get_data(file_text)
    text, body = (_newlines(s) for s in (file_text, body))
    if not text.endswith(body):  # cannot happen with MkDocs 1.6: no offset then
        return 1
    return text[: len(text) - len(body)].count("\n") + 1


def read_page(
    file_text: str, *, path: str, expander: SnippetExpander | None
) -> tuple[str, list[Fence]]:
    """A page file's Markdown as MkDocs hands it to ``on_page_markdown`` (front matter
    removed) and its fences (``find_fences``, file lines counted from the file's top)."""
    from mkdocs.utils.meta import get_data

    markdown, _ = get_data(file_text)
    first_line = body_first_line(file_text)
    return markdown, find_fences(markdown, path=path, first_line=first_line, expander=expander)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_fences(
    markdown: str,
    *,
    path: str = "page.md",
    first_line: int = 1,
    expander: SnippetExpander | None = None,
) -> list[Fence]:
    """The Python fences of ``markdown``, in order; raise FenceError with every problem.

    ``markdown``: the page as MkDocs hands it to ``on_page_markdown`` (front matter
    removed); ``path``: the page relative to the project root, as errors and origins
    name it; ``first_line``: the file line of ``markdown``'s first line (see
    body_first_line); ``expander``: a SnippetExpander for the ``--8<--`` includes, or
    None to leave them as they are.
    """
    lines = markdown.split("\n")
    fences: list[Fence] = []
    errors: list[str] = []

    def where(number: int) -> str:  # 0-based line of ``markdown`` -> "path:line"
        return format_location(path, first_line + number)

    for block in _blocks(lines, where, errors):
        start, end, indent = block.start, block.end, block.indent
        if block.info == "python" and block.ticks[0] == "`":
            flags, cont_line = _flags(block.markers, where, errors)
            if cont_line is not None and not fences:
                errors.append(f"{where(cont_line)}: a 'cont' fence needs a fence before it")
            origins = [(path, first_line + n) for n in range(start + 1, end)]
            body = [_dedent(body_line, indent) for body_line in lines[start + 1 : end]]
            code, origins = _expanded(body, origins, (path, first_line + end), expander, errors)
            fences.append(
                Fence(
                    index=len(fences) + 1,
                    code=code,
                    indent=indent,
                    start_line=start,
                    end_line=end,
                    origins=tuple(origins),
                    path=path,
                    line=first_line + start,
                    **flags,
                )
            )
        elif PYTHONISH.match(block.info) or (block.ticks[0] == "~" and block.info == "python"):
            errors.append(f"{where(start)}: fence {block.ticks}{block.info}: {NOT_EXACTLY_PYTHON}")
        elif block.markers:
            fence = block.ticks + block.info
            errors.append(f"{where(block.markers[0][0])}: {MARKER_ON_OTHER_FENCE.format(fence)}")
    if errors:
        raise FenceError(errors)
    return fences


class _Block(NamedTuple):
    """A fenced block of the page: its opening and closing lines (0-based), its indent,
    fence characters and info string, and the markers (0-based line, text) before it."""

    start: int
    end: int
    indent: str
    ticks: str
    info: str
    markers: list[tuple[int, str]]


def _blocks(lines: list[str], where: Callable[[int], str], errors: list[str]) -> Iterator[_Block]:
    """The fenced blocks of ``lines``, in order; a block never closed is an error and ends
    the page (what follows it is its code)."""
    markers: list[tuple[int, str]] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        found = MARKER.match(line)
        if found:
            markers.append((number, found["marker"].strip().rstrip("-").strip()))
        elif opening := FENCE_OPEN.match(line):
            ticks = opening["ticks"]
            closing = (n for n in range(number + 1, len(lines)) if _closes(lines[n], ticks))
            end = next(closing, None)
            if end is None:
                errors.append(f"{where(number)}: the fence opened here is never closed")
                return
            yield _Block(number, end, opening["indent"], ticks, opening["info"], markers)
            markers, number = [], end
        elif line.strip():
            markers = []  # a marker only marks the fence right after it
        number += 1


NOT_EXACTLY_PYTHON = "write exactly ```python (pytest-codeblocks skips anything else silently)"
MARKER_ON_OTHER_FENCE = (
    "a marker before a fence that is not run ({}): only a ```python fence can carry one"
)


def _expanded(
    body: list[str],
    origins: list[Origin],
    closing: Origin,
    expander: SnippetExpander | None,
    errors: list[str],
) -> tuple[str, list[Origin]]:
    """A fence's code, its includes expanded, and the origin of each line; what cannot be
    expanded goes to ``errors``. An empty fence is one empty line, at its ``closing`` line."""
    if expander is not None:
        try:
            expanded = expander.expand_lines(body, origins)
        except IncludeError as error:
            errors.extend(f"{format_location(*origin)}: {text}" for origin, text in error.problems)
            expanded = list(zip(body, origins, strict=True))
        body, origins = [text for text, _ in expanded], [origin for _, origin in expanded]
    if not body:
        body, origins = [""], [closing]
    return "\n".join(body) + "\n", origins


class _Flags(TypedDict):
    """The Fence fields its markers set."""

    continues: bool
    skip: bool
    expect_error: bool
    timeout: float | None


def _flags(
    markers: Iterable[tuple[int, str]], where: Callable[[int], str], errors: list[str]
) -> tuple[_Flags, int | None]:
    """The Fence fields set by ``markers`` [(0-based line, text)], and the line of the
    ``cont`` marker (None: the fence does not continue); unknown markers are errors."""
    flags: _Flags = {"continues": False, "skip": False, "expect_error": False, "timeout": None}
    cont_line = None
    for number, marker in markers:
        keyword = marker.partition("pytest-codeblocks:")[2].strip("- ")
        timeout = TIMEOUT.fullmatch(marker)
        if keyword == "cont":
            flags["continues"], cont_line = True, number
        elif keyword in ("expect-error", "expect-exception"):
            flags["expect_error"] = True
        elif keyword == "skip" or SKIP.fullmatch(marker):
            flags["skip"] = True
        elif timeout:
            flags["timeout"] = float(timeout["seconds"])
        else:
            errors.append(
                f"{where(number)}: marker <!--{marker}-->: the build does not understand it; "
                f"it knows {KNOWN_MARKERS}"
            )
    return flags, cont_line


def _closes(line: str, ticks: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(ticks) and set(stripped) == {ticks[0]}


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip()
