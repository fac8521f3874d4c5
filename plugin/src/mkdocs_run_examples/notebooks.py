"""Notebooks: run a page's ``.ipynb`` once per build, and turn a Markdown page into one.

``run_notebook`` executes a notebook's code cells with nbclient (the real Jupyter
kernel); mkdocs-jupyter then only renders. Outputs are keyed on the code cells,
so the Chinese notebook, which has the same code, takes the English outputs.
What the kernel writes to stderr (TensorFlow's start-up lines) is left out of the
page, as for Markdown pages. ``run_notebook`` runs in a job's process (see ``execution``).

``page_notebook`` and ``page_script`` make the downloadable ``.ipynb`` and ``.py``
of a Markdown page from its prose and its (expanded) fences.

``pinned`` pins the packages a reader must install (the ``install`` option) to the
versions installed where the site is built; every notebook the site offers gets an
``install_cell`` (``with_install_cell``) that installs them unless they are there
already, as in Colab; a script gets the ``pip install`` command as a comment.
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import re
import textwrap
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from mkdocs_run_examples import figures
from mkdocs_run_examples.languages import named_language, shown
from mkdocs_run_examples.records import Fence

if TYPE_CHECKING:
    from nbformat import NotebookNode

# A requirement pinned to the version installed here (``pinned``): (name, version,
# "name[extra]==version").
Pin = tuple[str, str, str]


class NotebookError(Exception):
    """A cell raised: the message shows the cell and the traceback."""


class NotebookResult(TypedDict):
    """What ``run_notebook`` gives: the fields of a ``records.NotebookRun`` but its time."""

    cells: list[dict[str, Any]]  # each code cell's {"outputs": [...], "execution_count": n}
    versions: dict[str, str]
    ran_at: str


def code_cells(notebook: NotebookNode) -> list[NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def run_notebook(
    notebook: NotebookNode,
    timeout: float,
    workdir: str,
    started: Callable[[int], object] | None = None,
) -> NotebookResult:
    """Execute a copy of ``notebook`` in ``workdir``: ``{"cells": the outputs of each code
    cell (stderr left out), "versions": what ran it, "ran_at": the UTC day}``. ``timeout``:
    seconds for one cell. ``started(number)`` is called as each code cell starts (its
    number from 1), so that a supervisor knows which cell ran if the process dies or
    times out."""
    import nbformat
    from nbclient import NotebookClient  # in the job's process only: the build does not need it
    from nbclient.exceptions import CellExecutionError

    executed = copy.deepcopy(notebook)
    executed.cells.append(nbformat.v4.new_code_cell(VERSIONS_CELL))  # removed after the run
    client = NotebookClient(
        executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )

    def describe_figures(**_: object) -> None:
        # Before the first cell, silently (no execution count): figures say what they show.
        assert client.kc is not None  # the kernel's client: set before this hook is called
        client.kc.execute(DESCRIBE_FIGURES, silent=True, store_history=False)

    client.on_notebook_start = describe_figures
    # The number of each code cell of the notebook, by its index among all its cells.
    numbers = {
        index: number
        for number, index in enumerate(
            (index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"), 1
        )
    }

    def cell_started(cell_index: int, **_: object) -> None:
        if started is not None and cell_index in numbers:  # not VERSIONS_CELL
            started(numbers[cell_index])

    client.on_cell_execute = cell_started
    # The kernel's matplotlib backend is its own (matplotlib-inline's, as in Jupyter), not
    # the one the page's process sets for plt.show() in fences.
    environment = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    try:
        client.execute(env=environment)
    except CellExecutionError as error:
        raise NotebookError(f"a cell raised:\n{error}") from None
    versions: dict[str, str] = json.loads(executed.cells.pop().outputs[0]["text"])
    outputs: list[dict[str, Any]] = []
    for cell in code_cells(executed):
        # What the kernel writes to stderr is TensorFlow's start-up lines: not shown.
        kept = [
            output
            for output in cell.outputs
            if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
        ]
        outputs.append({"outputs": kept, "execution_count": cell.execution_count})
    return {
        "cells": outputs,
        "versions": versions,
        "ran_at": time.strftime("%Y-%m-%d", time.gmtime()),
    }


DESCRIBE_FIGURES = (
    "import mkdocs_run_examples.describe as _describe\n"
    "_describe.describe_inline_figures()\ndel _describe"
)
# The kernel's Python, Keras and backend, printed after the notebook's own cells.
VERSIONS_CELL = (
    "import json\nfrom mkdocs_run_examples.describe import versions\nprint(json.dumps(versions()))"
)


def with_outputs(notebook: NotebookNode, outputs: Iterable[Mapping[str, Any]]) -> NotebookNode:
    """A copy of ``notebook`` whose code cells carry ``outputs`` (run_notebook's cells),
    without the figures' facts (see :func:`figure_facts`)."""
    import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

    filled = copy.deepcopy(notebook)
    for cell, result in zip(code_cells(filled), outputs, strict=True):
        cell.outputs = [nbformat.from_dict(output) for output in result["outputs"]]
        cell.execution_count = result["execution_count"]
        for output in cell.outputs:
            output.get("metadata", {}).get("image/png", {}).pop("run-examples", None)
    return filled


def figure_facts(outputs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The facts of each PNG that ``outputs`` (run_notebook's cells) show, in order
    ({} for one that was not described)."""
    return [
        _facts(output)
        for result in outputs
        for output in result["outputs"]
        if "image/png" in output.get("data", {})
    ]


def for_language(
    outputs: Iterable[Mapping[str, Any]], language: str, languages: Collection[str]
) -> list[dict[str, Any]]:
    """``outputs`` (run_notebook's cells) without the figures drawn for another of the
    site's ``languages`` than ``language``: labelled ``costs.zh`` (see ``languages``)."""
    return [
        {
            **result,
            "outputs": [
                output
                for output in result["outputs"]
                if shown(named_language(_facts(output).get("label", "")), language, languages)
            ],
        }
        for result in outputs
    ]


def _facts(output: Mapping[str, Any]) -> dict[str, Any]:
    """What the kernel noted of the figure an output shows (``describe``), else {}."""
    facts: dict[str, Any] = output.get("metadata", {}).get("image/png", {}).get("run-examples", {})
    return facts


def pinned(requirements: Iterable[str]) -> list[Pin]:
    """``requirements`` (``"convblocks[plot]"``) pinned to the versions installed here:
    ``[("convblocks", "0.2.0", "convblocks[plot]==0.2.0")]``."""
    pins: list[Pin] = []
    for requirement in requirements:
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if found is None:
            raise ValueError(f"{requirement!r} names no package")
        name = found[1]
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise ValueError(f"{name} is not installed: no version to pin") from None
        pins.append((name, version, f"{requirement.strip()}=={version}"))
    return pins


def install_cell(pins: Sequence[Pin]) -> str | None:
    """The code that installs ``pins`` (from ``pinned``) unless those versions are there."""
    if not pins:
        return None
    missing = " or ".join(f'installed("{name}") != "{version}"' for name, version, _ in pins)
    specifiers = " ".join(f'"{spec}"' for _, _, spec in pins)
    return (
        "# What this notebook imports and Colab lacks, at the versions the site was built\n"
        "# with: installed unless they are here already.\n"
        "import importlib.metadata\n\n\n"
        "def installed(name):\n"
        "    try:\n"
        "        return importlib.metadata.version(name)\n"
        "    except importlib.metadata.PackageNotFoundError:\n"
        "        return None\n\n\n"
        f"if {missing}:\n"
        f"    %pip install {specifiers}"
    )


def with_install_cell(
    notebook: NotebookNode, pins: Sequence[Pin], cell_id: str = "install"
) -> NotebookNode:
    """A copy of ``notebook`` whose first code cell installs ``pins``: after the Markdown
    cell that opens it (its title), else first."""
    source = install_cell(pins)
    filled = copy.deepcopy(notebook)
    if source is None:
        return filled
    import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

    cell: NotebookNode = nbformat.v4.new_code_cell(source)
    cell.id = cell_id
    cells = filled.cells
    cells.insert(1 if cells and cells[0].cell_type == "markdown" else 0, cell)
    return filled


def without_outputs(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` with no outputs and no execution counts."""
    clean = copy.deepcopy(notebook)
    for cell in code_cells(clean):
        cell.outputs, cell.execution_count = [], None
    return clean


def page_notebook(markdown: str, fences: Iterable[Fence], install: Sequence[Pin] = ()) -> str:
    """A notebook of a Markdown page: prose as Markdown cells, each fence a code cell;
    the first code cell installs ``install`` (pins from ``pinned``)."""
    import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

    lines = markdown.split("\n")
    cells: list[NotebookNode] = []
    start = 0
    for fence in fences:
        prose = figures.as_code("\n".join(lines[start : fence.start_line]).strip())
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(prose))
        cell = nbformat.v4.new_code_cell(fence.code.rstrip("\n"))
        if fence.expect_error:  # Jupyter's tag: "Run all" goes on after its error
            cell.metadata["tags"] = ["raises-exception"]
        cells.append(cell)
        start = fence.end_line + 1
    rest = figures.as_code("\n".join(lines[start:]).strip())
    if rest:
        cells.append(nbformat.v4.new_markdown_cell(rest))
    notebook = with_install_cell(nbformat.v4.new_notebook(cells=cells), install)
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"  # not nbformat's random ids: the same file every build
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    text: str = nbformat.writes(notebook)
    return text


def page_script(title: str, fences: Sequence[Fence], install: Sequence[Pin] = ()) -> str:
    """The fences of a page as one Python script, each listing under a comment; a listing
    that shows an error prints its traceback and the script goes on. ``install`` (pins
    from ``pinned``): the command that installs what it needs, as a comment."""
    parts = [f"# {title}: the examples of the page, in order.\n"]
    if install:
        specifiers = " ".join(f"'{spec}'" for _, _, spec in install)
        parts.append(f"# First install what they import: pip install {specifiers}\n")
    if any(fence.expect_error for fence in fences):
        parts.append("import traceback\n")
    for fence in fences:
        code = fence.code
        if fence.expect_error:
            code = f"try:\n{textwrap.indent(code, '    ')}except Exception:\n"
            code += "    traceback.print_exc()  # the error this example shows\n"
        parts.append(f"\n# %% Example {fence.index}\n{code}")
    return "".join(parts)
