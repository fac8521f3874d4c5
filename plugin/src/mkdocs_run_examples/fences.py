"""Find the fences a page runs, with the markers that steer them, as pytest-codeblocks does.

The build and ``pytest --codeblocks`` must give one verdict on a page, so the markers
are pytest-codeblocks' own HTML comments, read as it reads them: each alone on a line,
before a fence; they wait for the next fence, whatever comes between (its
``extract_from_buffer`` keeps them across prose too), and a fence of another language
takes them and drops them. Each fence runs in a fresh namespace (an *example*) unless
marked ``cont``:

- ``<!--pytest-codeblocks:cont-->``: the fence continues the fence before it (one
  example: pytest-codeblocks joins their code), whatever its language (a bare
  ```` ``` ```` too);
- ``<!--pytest.mark.skip-->`` (``skip(reason=...)``, the deprecated
  ``pytest-codeblocks:skip``), ``<!--pytest.mark.skipif(condition, reason=...)-->``
  (conditions evaluated as pytest-codeblocks evaluates them, with ``sys`` and
  ``pytest``): the example is shown, not run;
- ``<!--pytest-codeblocks:importorskip(module)-->``: skipped unless ``module`` imports;
- ``<!--pytest.mark.xfail-->`` (``xfail(condition, reason=, raises=, strict=)``, the
  deprecated ``pytest-codeblocks:expect-error``): the example may raise, and its
  traceback is its output; with ``raises``, only the exception pytest would see counts
  (pytest-codeblocks wraps an ``Exception`` in a ``RuntimeError``);
- ``<!--pytest-codeblocks:expected-output-->`` (or ``expected-output-ignore-whitespace``)
  before a fence: that fence is what the example before it must print;
- ``<!--pytest-codeblocks:skipfile-->`` as the file's first line: nothing runs;
- ``<!--pytest.mark.timeout(600)-->``: the example may take that many seconds more than
  the plugin's page timeout allows; other ``pytest.mark`` marks are carried, not used;
- ``<!--run-examples:show-value-->`` (this plugin's, which pytest-codeblocks ignores):
  the value of the fence's last expression is shown, as Jupyter shows it.

Python fences are those Material's users write: ```` ```python ````, ``py``,
``python3``, ``py3``, with attributes (``title="x"``, ``linenums="1"``,
``hl_lines="2"``, ``{.python}``), with backticks or tildes; pytest-codeblocks collects
only the bare ```` ```python ````, the project's test collection (conftest.py) all of
them. ```` ```sh ```` and ```` ```bash ```` fences run in a shell, as
pytest-codeblocks runs them.

A problem with one fence (an unknown marker, a missing include, a condition that does
not evaluate) is that fence's: ``Fence.problem`` holds the message, ``path:line:
message`` naming the line to fix, and the fence does not run, the others do. A
problem with the page (a fence never closed) raises FenceError, whose ``errors`` are
such lines.

Each fence's code has its ``--8<--`` includes expanded (with a SnippetExpander), and
``Fence.origins`` says which file line each line of the code comes from: the page's
own lines map to the page file (``first_line`` accounts for front matter), included
lines to the included file (nested includes too; see snippets.py for the rare lines
that map to the page's include line instead).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from mkdocs_run_examples.markers import MARKER, SKIPFILE, MarkerError, Steering, steer
from mkdocs_run_examples.records import Fence, format_location
from mkdocs_run_examples.snippets import IncludeError, Origin, SnippetExpander

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})[ \t]*(?P<info>[^\n]*?)[ \t]*$")
# Pygments' names for Python source (not "pycon": a console session is not a script).
PYTHON = {"python", "py", "python3", "py3"}
SHELLS = {"sh", "bash"}  # the shells pytest-codeblocks runs (with the bare info string only)


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
    """The fences of ``markdown`` the build runs, in order; FenceError for a page-wide
    problem (a fence's own problem is its ``problem``).

    ``markdown``: the page as MkDocs hands it to ``on_page_markdown`` (front matter
    removed); ``path``: the page relative to the project root, as errors and origins
    name it; ``first_line``: the file line of ``markdown``'s first line (see
    body_first_line); ``expander``: a SnippetExpander for the ``--8<--`` includes, or
    None to leave them as they are.
    """
    lines = markdown.split("\n")
    if first_line == 1 and lines[0].strip() == SKIPFILE:
        return []
    fences: list[Fence] = []
    errors: list[str] = []

    def where(number: int) -> str:  # 0-based line of ``markdown`` -> "path:line"
        return format_location(path, first_line + number)

    previous_runs = False  # whether the block before this one is a fence the build runs
    example_runs = False  # whether the build runs the example a 'cont' block would join
    for block in _blocks(lines, where, errors):
        problems: list[str] = []
        try:
            steering = steer([text for _, text in block.markers])
        except MarkerError as error:
            steering = steer([])
            problems.append(f"{where(block.markers[error.index][0])}: {error}")
        start, end, indent = block.start, block.end, block.indent
        body = [_dedent(body_line, indent) for body_line in lines[start + 1 : end]]
        if steering.expected_output:  # this block is what the fence before it must print
            if previous_runs:
                expected = "".join(line + "\n" for line in body)
                whitespace = steering.expected_output.endswith("whitespace")
                fences[-1] = dataclasses.replace(
                    fences[-1], expected_output=expected, ignore_whitespace=whitespace
                )
            previous_runs = False
            continue
        shell = block.info if block.info in SHELLS and block.ticks[0] == "`" else ""
        runs = bool(shell) or _language(block.info) in PYTHON
        if steering.continues and example_runs:
            # pytest-codeblocks joins a 'cont' block's code to the example, whatever the
            # block's language (often a bare ```): the block runs as the example does
            shell, runs = fences[-1].shell, True
        elif not steering.continues:
            example_runs = runs
        previous_runs = runs
        if not runs:
            continue
        if steering.continues:
            problems += _cont_problems(steering, block, bool(fences), where)
        origins = [(path, first_line + n) for n in range(start + 1, end)]
        code, origins = _expanded(body, origins, (path, first_line + end), expander, problems)
        fields = steering.fence_fields()
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
                shell=shell,
                problem="\n".join(problems),
                **fields,
            )
        )
    if errors:
        raise FenceError(errors)
    return fences


def _cont_problems(
    steering: Steering, block: _Block, after_a_fence: bool, where: Callable[[int], str]
) -> list[str]:
    """What is wrong with a 'cont' fence's markers: nothing to continue, or markers that
    belong to the example's first fence."""
    if not after_a_fence:
        cont = next(line for line, text in block.markers if text.endswith("cont"))
        return [f"{where(cont)}: a 'cont' fence needs a fence before it"]
    if steering.skip or steering.expect_error or steering.importorskip:
        return [
            f"{where(block.start)}: a 'cont' fence is part of the example before it: "
            "put skip, skipif, xfail and importorskip before the example's first fence"
        ]
    return []


def _language(info: str) -> str:
    """The language an info string names: its first word (``python title="x"``), or the
    first class of an attribute list (``{.python linenums="1"}``), lower-cased."""
    if info.startswith("{"):
        found = re.search(r"\.([\w+-]+)", info)
        return found[1].lower() if found else ""
    return re.split(r"[\s{]", info, maxsplit=1)[0].lower()


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
    """The fenced blocks of ``lines``, in order, each with the markers since the block
    before it (prose between does not drop them, as in pytest-codeblocks); a block never
    closed is an error and ends the page (what follows it is its code)."""
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
        number += 1


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


def _closes(line: str, ticks: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(ticks) and set(stripped) == {ticks[0]}


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip()
