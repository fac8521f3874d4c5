"""Notebooks: run a page's ``.ipynb`` once per build, and turn a Markdown page into one.

``run_notebook`` executes a notebook's code cells with nbclient (the real Jupyter
kernel); mkdocs-jupyter then only renders. Outputs are keyed on the code cells,
so the Chinese notebook, which has the same code, takes the English outputs.
What the kernel writes to stderr (TensorFlow's start-up lines) is left out of the
page, as for Markdown pages, and logged instead.

``page_notebook`` and ``page_script`` make the downloadable ``.ipynb`` and ``.py``
of a Markdown page from its prose and its (expanded) fences.
"""

import copy
import logging

import nbformat

log = logging.getLogger("mkdocs.plugins.run_examples")


class NotebookError(Exception):
    """A cell raised: the message names the notebook and the cell."""


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def run_notebook(name, notebook, timeout, workdir):
    """Execute a copy of ``notebook`` in ``workdir``; the outputs of each code cell, stderr
    left out. ``timeout``: seconds for one cell."""
    from nbclient import NotebookClient  # in the worker only: the build does not need it
    from nbclient.exceptions import CellExecutionError

    executed = copy.deepcopy(notebook)
    client = NotebookClient(
        executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": workdir}}
    )
    try:
        client.execute()
    except CellExecutionError as error:
        raise NotebookError(f"{name}: a cell raised:\n{error}") from None
    outputs = []
    for index, cell in enumerate(code_cells(executed), start=1):
        kept = []
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                log.info("%s, cell %d wrote to stderr (not shown):\n%s", name, index, output.text)
            else:
                kept.append(output)
        outputs.append({"outputs": kept, "execution_count": cell.execution_count})
    return outputs


def with_outputs(notebook, outputs):
    """A copy of ``notebook`` whose code cells carry ``outputs`` (from run_notebook)."""
    filled = copy.deepcopy(notebook)
    for cell, result in zip(code_cells(filled), outputs, strict=True):
        cell.outputs = [nbformat.from_dict(output) for output in result["outputs"]]
        cell.execution_count = result["execution_count"]
    return filled


def page_notebook(markdown, fences):
    """A notebook of a Markdown page: prose as Markdown cells, each fence a code cell."""
    lines = markdown.split("\n")
    cells, start = [], 0
    for fence in fences:
        prose = "\n".join(lines[start : fence.start_line]).strip()
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(prose))
        cells.append(nbformat.v4.new_code_cell(fence.code.rstrip("\n")))
        start = fence.end_line + 1
    rest = "\n".join(lines[start:]).strip()
    if rest:
        cells.append(nbformat.v4.new_markdown_cell(rest))
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number}"  # not nbformat's random ids: the same file every build
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nbformat.writes(notebook)


def page_script(title, fences):
    """The fences of a page as one Python script, each listing under a comment."""
    parts = [f"# {title}: the examples of the page, in order.\n"]
    for fence in fences:
        parts.append(f"\n# %% Example {fence.index}\n{fence.code}")
    return "".join(parts)
