"""Notebooks: run a page's ``.ipynb`` once per build, and turn a Markdown page into one.

``run_notebook`` executes a notebook's code cells with nbclient (the real Jupyter
kernel); mkdocs-jupyter then only renders. Outputs are keyed on the code cells,
so the Chinese notebook, which has the same code, takes the English outputs.
What the kernel writes to stderr (TensorFlow's start-up lines) is left out of the
page, as for Markdown pages. ``run_notebook`` runs in a worker (see ``worker``).

``page_notebook`` and ``page_script`` make the downloadable ``.ipynb`` and ``.py``
of a Markdown page from its prose and its (expanded) fences.
"""

import copy
import textwrap

import nbformat


class NotebookError(Exception):
    """A cell raised: the message shows the cell and the traceback."""


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def run_notebook(notebook, timeout, workdir):
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
        raise NotebookError(f"a cell raised:\n{error}") from None
    outputs = []
    for cell in code_cells(executed):
        # What the kernel writes to stderr is TensorFlow's start-up lines: not shown.
        kept = [
            output
            for output in cell.outputs
            if not (output.get("output_type") == "stream" and output.get("name") == "stderr")
        ]
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
        cell = nbformat.v4.new_code_cell(fence.code.rstrip("\n"))
        if fence.expect_error:  # Jupyter's tag: "Run all" goes on after its error
            cell.metadata["tags"] = ["raises-exception"]
        cells.append(cell)
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
    """The fences of a page as one Python script, each listing under a comment; a listing
    that shows an error prints its traceback and the script goes on."""
    parts = [f"# {title}: the examples of the page, in order.\n"]
    if any(fence.expect_error for fence in fences):
        parts.append("import traceback\n")
    for fence in fences:
        code = fence.code
        if fence.expect_error:
            code = f"try:\n{textwrap.indent(code, '    ')}except Exception:\n"
            code += "    traceback.print_exc()  # the error this example shows\n"
        parts.append(f"\n# %% Example {fence.index}\n{code}")
    return "".join(parts)
