"""The records that cross between the build and the processes that run its pages.

The build sends a :class:`Job` (a page's fences, or a notebook); the page's process answers
with what each fence printed (:class:`FenceOutput`) as it goes, then the whole :class:`PageRun`
(or a notebook's :class:`NotebookRun`); the pool hands the build an :class:`Outcome`. Every
field is plain data, so the records pickle under every start method and store as JSON.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal


class FailureKind(enum.Enum):
    """Why a page's run stopped at a fence; the value is how the build says it."""

    RAISED = "raised"
    DID_NOT_RAISE = "did not raise"
    EXITED = "ended the process"
    TIMED_OUT = "timed out"
    OUTPUT_DIFFERS = "printed other output than expected"


def format_location(path: str, line: int) -> str:
    """``path:line``, the form editors and terminals open."""
    return f"{path}:{line}"


@dataclass(frozen=True)
class Fence:
    """A ```` ```python ```` fence: its code (expanded, dedented), where it is, how it runs.

    ``origins`` has one ``(path, line)`` per line of ``code`` (lines as split on
    ``"\\n"``): the 1-based line of the file that line came from. ``location`` is the
    file line of the opening ```` ``` ```` line, ``"docs/en/vgg.md:66"``.
    """

    index: int  # 1-based among the page's Python fences
    code: str
    indent: str
    start_line: int  # 0-based line of the opening fence, in the Markdown given
    end_line: int  # 0-based line of the closing fence, in the Markdown given
    continues: bool = False  # chained to the fence before it
    skip: bool = False  # shown, not run
    expect_error: bool = False  # pytest.mark.xfail: may raise; its traceback is its output
    timeout: float | None = None  # seconds it may take beyond the page's timeout
    # xfail(raises=...): the exceptions ("module.Name") that count as the expected failure
    raises: tuple[str, ...] = ()
    strict: bool = False  # xfail(strict=True): not raising fails
    importorskip: str = ""  # skip the example unless this module imports
    expected_output: str | None = None  # what the example must print (expected-output)
    ignore_whitespace: bool = False  # expected-output-ignore-whitespace
    shell: str = ""  # "sh" or "bash": a shell fence, run as pytest-codeblocks runs it
    show_value: bool = False  # <!--run-examples:show-value-->: its last expression is shown
    problem: str = ""  # why the build cannot run it ("path:line: ..."); not run, an error
    origins: tuple[tuple[str, int], ...] = ()  # (path, 1-based line) of each line of code
    path: str = "page.md"  # the page, relative to the project root
    line: int = 0  # 1-based file line of the opening fence (0: start_line + 1)
    figures: tuple[str, ...] = ()  # expressions the prose below it shows the values of (figures.py)

    def origin(self, line_number: int) -> tuple[str, int]:
        """``(path, line)`` in the file that the 1-based ``line_number`` of ``code`` came
        from (clamped to the code's lines: a SyntaxError may point past the end)."""
        if not self.origins:
            return (self.path, self._opening_line() + max(1, line_number))
        return self.origins[min(max(line_number, 1), len(self.origins)) - 1]

    @property
    def behaviour(self) -> tuple[object, ...]:
        """What decides how the fence runs and what it shows, beside its code."""
        return (
            self.continues,
            self.skip,
            self.expect_error,
            self.raises,
            self.strict,
            self.importorskip,
            self.expected_output,
            self.ignore_whitespace,
            self.shell,
            self.show_value,
            self.problem,
        )

    @property
    def location(self) -> str:
        """``path:line`` of the opening fence line in the page file."""
        return format_location(self.path, self._opening_line())

    def _opening_line(self) -> int:
        return self.line or self.start_line + 1


@dataclass
class FenceOutput:
    """What one fence printed, the images it wrote (file name relative to the folder it ran
    in, sha256, bytes), and the values it showed (``display.rich``: MIME type, data)."""

    stdout: str = ""
    images: list[tuple[str, str, bytes]] = field(default_factory=list)
    skipped: bool = False
    truncated: int = 0  # characters of stdout cut off at the output limit
    error: str = ""  # the traceback an expect-error fence raised, shown as its output
    about: dict[str, dict[str, Any]] = field(default_factory=dict)  # image name -> its facts
    displays: list[tuple[str, str]] = field(default_factory=list)  # (MIME type, data)


@dataclass
class Frame:
    """One traceback frame: in fence ``fence`` (line ``line`` of its code), or in a file."""

    fence: int | None
    filename: str
    line: int
    function: str
    source: str


@dataclass
class Failure:
    """Why a run stopped at fence ``fence`` (a notebook's: its code cell, from 1)."""

    fence: int
    kind: FailureKind
    summary: str  # "ZeroDivisionError: division by zero", "exit status 3", ...
    frames: list[Frame] = field(default_factory=list)  # outermost first


@dataclass
class PageRun:
    outputs: list[FenceOutput]  # one per fence run, up to the one that failed
    seconds: float
    failure: Failure | None = None
    warnings: list[str] = field(default_factory=list)  # what fences wrote to stderr or warned
    ran_at: str = ""  # the UTC day it ran, YYYY-MM-DD
    versions: dict[str, str] = field(default_factory=dict)  # Python, Keras, the backend
    figures: list[Any] = field(default_factory=list)  # the values of the prose's figures
    # (fence index, "pid 1234: sleep 771"): each process a fence's example left running,
    # which the runner ended at the example's end (``processes.ending_strays``)
    ended: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class NotebookRun:
    """A notebook's outputs: each code cell's ``{"outputs": [...], "execution_count": n}``."""

    cells: list[dict[str, Any]]
    versions: dict[str, str]
    ran_at: str
    seconds: float = 0.0


@dataclass(frozen=True)
class Protected:
    """A folder (or file) the build reads or publishes: a page's code may not write into it."""

    path: str  # absolute, its symbolic links resolved
    name: str  # as the page's writer knows it: "docs/", "mkdocs.yml"
    why: str  # "the build publishes and watches that folder"


@dataclass(frozen=True)
class Job:
    """One page's fences (``fences.Fence``), or one notebook, to run in a fresh process."""

    kind: Literal["page", "notebook"]
    name: str  # the page's path, for the log
    payload: Any  # the page's fences, or the notebook (nbformat.NotebookNode)
    timeout: float  # seconds for the whole job (a notebook's: for each cell)
    output_limit: int = 100_000
    # The data files the page's fences read: {path from the page's folder: bytes}, put
    # around its scratch folder as they lie around the page (see guard.enter_folder).
    files: dict[str, bytes] = field(default_factory=dict)
    folder: str = ""  # the page's folder from the docs folder, "en" ("": the docs folder)
    protected: tuple[Protected, ...] = ()  # what its code may not write into


@dataclass
class Outcome:
    """What came of a job: a page's run (failed or not: a process that ended or timed out
    is a failure at the fence it ran), or a notebook's run or its failure; and the
    processes the job left running when its process ended (or timed out), which the pool
    ended: (the fence, or notebook cell, that was running, "pid 1234: sleep 771")."""

    run: PageRun | NotebookRun | None
    failure: Failure | None
    seconds: float
    ended: list[tuple[int, str]] = field(default_factory=list)
