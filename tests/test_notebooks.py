"""The notebooks the site offers: committed in notebooks/ for Colab, as the build makes them.

"Open in Colab" opens ``notebooks/<language>/<page>.ipynb`` of the repository: the
notebooks of ``mkdocs_run_examples.offered``, the build's own functions, without
outputs. Each starts by installing the ConvBlocks that built the site, unless it is
there. ``make notebooks`` writes them again; ``make test-reader`` runs them.
"""

import importlib.metadata
import json
import re

import nbformat
from helpers import ROOT, source_version

from mkdocs_run_examples.figures import as_code
from mkdocs_run_examples.offered import offered_files, offered_notebooks

NOTEBOOKS = ROOT / "notebooks"
FIX = "run `make notebooks` (python -m mkdocs_run_examples.offered notebooks) and commit them"


def test_committed_notebooks_are_what_the_build_makes():
    wanted = offered_notebooks(ROOT / "mkdocs.yml")
    committed = {p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb")}
    assert committed == set(wanted), FIX
    differ = [
        path for path, text in wanted.items() if (NOTEBOOKS / path).read_text("utf-8") != text
    ]
    assert differ == [], f"{', '.join(differ)} differ from what the build makes: {FIX}"


def test_the_site_pins_the_version_of_the_sources():
    """The build pins the installed convblocks: stale, it would offer another version."""
    assert importlib.metadata.version("convblocks") == source_version(), (
        "the installed convblocks is not src/convblocks: run `uv sync --reinstall-package "
        "convblocks`"
    )


def test_every_offered_notebook_installs_this_convblocks_first_and_has_no_outputs():
    install = f'%pip install "convblocks[plot]=={source_version()}"'
    notebooks = sorted(NOTEBOOKS.rglob("*.ipynb"))
    languages = {p.parent.name for p in notebooks}
    assert {"en/train.ipynb", "zh/train.ipynb"} <= {f"{p.parent.name}/{p.name}" for p in notebooks}
    assert languages == {"en", "zh"}
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        first = code[0].source
        assert install in first and 'installed("convblocks") !=' in first, path
        assert all(not c.outputs and c.execution_count is None for c in code), path
        assert sum(install in cell.source for cell in code) == 1, path


def test_every_offered_script_names_the_install_command():
    scripts = {p: t for p, t in offered_files(ROOT / "mkdocs.yml").items() if p.endswith(".py")}
    assert len(scripts) >= 12
    for path, text in scripts.items():
        header = text.split("\n# %%", 1)[0]
        assert f"pip install 'convblocks[plot]=={source_version()}'" in header, path
        assert "%pip" not in text and "{#" not in header, path


def test_the_site_offers_the_committed_notebooks(site):
    """What a reader downloads from the site is what Colab opens, outputs aside."""
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        language, stem = path.parent.name, path.stem
        folder = site / ("" if language == "en" else language) / stem
        downloaded = nbformat.reads((folder / path.name).read_text("utf-8"), as_version=4)
        for cell in downloaded.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        committed = json.loads(path.read_text("utf-8"))
        assert json.loads(nbformat.writes(downloaded)) == committed, path
    train = (site / "train" / "index.html").read_text("utf-8")
    assert "%pip" in train and "convblocks[plot]==" in train  # shown on the page


def test_a_page_notebook_keeps_every_line_of_the_page_prose():
    """Every prose line of each offered page is in its notebook's Markdown cells, heading
    ids aside: none is lost or cut where a fence was."""
    offered = offered_files(ROOT / "mkdocs.yml")
    for path, text in offered.items():
        if not path.endswith(".ipynb") or path.endswith("train.ipynb"):
            continue
        page = (ROOT / "docs" / path).with_suffix(".md").read_text("utf-8")
        prose = re.sub(r"^(`{3,})python.*?^\1$", "", page, flags=re.MULTILINE | re.DOTALL)
        prose = re.sub(r"^<!--pytest.*?-->$", "", prose, flags=re.MULTILINE)
        prose = as_code(prose)  # a figure shows its expression
        cells = nbformat.reads(text, as_version=4).cells
        markdown = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
        for line in prose.split("\n"):
            line = re.sub(r"\s*\{#[^}]*\}\s*$", "", line).strip()
            assert line in markdown, f"{path}: {line!r} is not in the notebook"
