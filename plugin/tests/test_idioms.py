"""The idioms of a page's code, shown as a reader expects (issue 26): ``plt.show()`` shows
the figures, an image saved in a subfolder is shown, and a fence marked
``<!--run-examples:show-value-->`` shows its last value as Jupyter does (rich
representations: HTML, Markdown, SVG, PNG; else text), one not marked shows nothing.

Most run in one real build of a small site (MkDocs' own theme, the plugin alone, no
Keras); the rest run a page's fences with the build's runner and render them.
"""

import base64
import dataclasses
import html
import os
import re
import shutil
import textwrap
import time

import nbformat
import pytest
import yaml
from test_example_site import run_python

from mkdocs_run_examples import environment
from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.labels import LABELS
from mkdocs_run_examples.pool import WorkerPool
from mkdocs_run_examples.records import Job, NotebookRun, PageRun
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.runner import run_page
from mkdocs_run_examples.store import RunCache

CHART = "Chart: Squares, n, n squared"  # the alt text of the charts below
PLOT = """\
import matplotlib.pyplot as plt

plt.plot([n * n for n in range(6)])
plt.title("Squares")
plt.xlabel("n")
plt.ylabel("n squared")
"""
# Values with rich representations, as libraries give them (pandas' DataFrame has
# _repr_html_; pandas is not installed here).
CLASSES = """\
import io
from matplotlib.figure import Figure


class Table:
    def _repr_html_(self):
        return "<table class='frame'><tr><th>a</th></tr><tr><td>1</td></tr></table>"

    def _repr_markdown_(self):
        return "| a |\\n|---|\\n| 1 |"


class Notes:
    def _repr_html_(self):
        return None  # none after all: the next representation is shown

    def _repr_markdown_(self):
        return "**bold** notes", {"isolated": True}  # (data, metadata), as IPython allows


class Circle:
    def _repr_svg_(self):
        prologue = '<?xml version="1.0"?>\\n'  # as matplotlib's SVG has: not for inline SVG
        return prologue + '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'


class Picture:
    def _repr_png_(self):
        buffer = io.BytesIO()
        Figure(figsize=(1, 1)).savefig(buffer, format="png", dpi=20)
        return buffer.getvalue()


class Point:
    def __repr__(self):
        return "Point(1, 2)"
"""
MARKER = "<!--run-examples:show-value-->"
CONT = "<!--pytest-codeblocks:cont-->"  # the fences after the first share its namespace
# The value each marked fence of the values page ends with, and what its output shows.
VALUES = {
    "3 * 2": '<pre class="cb-stdout"><code>6</code></pre>',
    "Point()": '<pre class="cb-stdout"><code>Point(1, 2)</code></pre>',
    "Table()": (
        "<div class=\"cb-display\"><table class='frame'><tr><th>a</th></tr><tr><td>1</td></tr>"
        "</table></div>"
    ),
    "Notes()": '<div class="cb-display"><p><strong>bold</strong> notes</p></div>',
    "Circle()": (
        '<div class="cb-display"><svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
        "</div>"
    ),
}
# A fence in the built page, and what follows it up to the next.
FENCE = re.compile(r'<pre><code class="language-python">.*?</code></pre>\s*', re.DOTALL)
OUTPUT = re.compile(r'\A<div class="cb-output">\n(.*?)\n</div>', re.DOTALL)
FIGURE = re.compile(r'<img src="([^"]+)" alt="([^"]*)"[^>]*></a><figcaption>([^<]*)</figcaption>')


def fence(code, marker=""):
    return f"{marker}\n```python\n{code.strip()}\n```\n\n"


PAGES = {
    "index.md": "# Idioms\n",
    "show.md": "# plt.show()\n\n"
    + fence(PLOT + 'plt.savefig("saved.png")\nplt.show()')
    + fence(PLOT, CONT)  # drawn, never shown: not shown
    + fence("print(len(plt.get_fignums()))", CONT),
    "subfolder.md": "# A subfolder\n\n"
    + fence(
        "import os\n\n"
        + PLOT
        + 'os.makedirs("plots/loss", exist_ok=True)\nplt.savefig("plots/loss/squares.png")\n'
        + 'with open("plots/notes.txt", "w") as file:\n    file.write("not an image")'
    ),
    # SVGs, which name their parts by random numbers or addresses unless told otherwise:
    # matplotlib's, and Graphviz's of nodes named by id() (as Keras names a model's layers).
    "svg.md": "# SVG files\n\n"
    + fence(
        PLOT
        + 'plt.savefig("chart.svg")\n'
        + "import os\n\nimport pydot\n\n"
        + 'graph = pydot.graph_from_dot_data(f"digraph {{ {id(plt)} -> {id(os)} }}")[0]\n'
        + 'graph.write_svg("graph.svg")\n'
        + 'print(os.environ["SOURCE_DATE_EPOCH"])'
    ),
    "values.md": "# Values\n\n"
    + fence(CLASSES)
    + "".join(fence(value, f"{CONT}\n{MARKER}") for value in VALUES)
    + fence("Picture()", f"{CONT}\n{MARKER}")
    + fence("print('printed')\nNone", MARKER)
    + fence("3 * 2;", MARKER)
    + fence("3 * 2"),
}


def build_site(tmp_path, name="project", env=None):
    """The site of ``PAGES`` built in ``tmp_path`` with ``--strict``: its folder."""
    project = tmp_path / name
    (project / "docs").mkdir(parents=True)
    for page, text in PAGES.items():
        (project / "docs" / page).write_text(text, encoding="utf-8")
    config = {
        "site_name": "idioms",
        "theme": {"name": "mkdocs"},
        # matplotlib imported before the pages run (as a site's preload does), so that the
        # first fence that draws has its charts described too (see describe.watch).
        "plugins": [{"run-examples": {"preload": ["matplotlib.pyplot"]}}],
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    site = project / "site"
    result = run_python(project, "-m", "mkdocs", "build", "--strict", "-d", str(site), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("idioms"))


def outputs(site, page):
    """The output of each fence of ``page`` as the built HTML has it ("" for none)."""
    text = (site / page / "index.html").read_text(encoding="utf-8")
    after_each = FENCE.split(text)[1:]
    return [match[1] if (match := OUTPUT.match(after)) else "" for after in after_each]


def figures(output):
    """(image file, alt text, caption) of each image in a fence's output."""
    return [(src, html.unescape(alt), caption) for src, alt, caption in FIGURE.findall(output)]


def test_plt_show_shows_the_figure_as_a_saved_one_is_shown(site):
    shown, never_shown, printed = outputs(site, "show")
    assert never_shown == ""
    [(image, alt, caption), (_, saved_alt, saved_caption)] = figures(shown)
    assert (caption, saved_caption) == ("figure-1.png", "saved.png")
    assert alt == saved_alt == CHART
    data = (site / "show" / image).resolve().read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Software" not in data and b"tIME" not in data  # no note of what or when made it
    # plt.show() closed the figures it showed; the one never shown is still open.
    assert "<code>1</code>" in printed


def test_a_shown_figure_is_the_same_file_in_another_build(site, tmp_path):
    [(image, _, _), _] = figures(outputs(site, "show")[0])
    # Another cache, so the page runs again.
    [(again, _, _), _] = figures(outputs(build_site(tmp_path), "show")[0])
    assert again == image  # named by its digest: the same bytes


def svg_files(site):
    """The SVG files the svg page shows, by caption, and what it printed."""
    [output] = outputs(site, "svg")
    shown = {caption: (site / "svg" / image).resolve() for image, _, caption in figures(output)}
    return shown, re.search(r"<code>(\d+)</code>", output)[1]


def test_svg_files_are_the_same_bytes_in_another_build(site, tmp_path):
    shown, _ = svg_files(site)
    again, _ = svg_files(build_site(tmp_path))
    assert sorted(shown) == sorted(again) == ["chart.svg", "graph.svg"]
    assert [shown[name].read_bytes() == again[name].read_bytes() for name in shown] == [True] * 2
    graph = shown["graph.svg"].read_text("utf-8")
    assert "<title>node1</title>" in graph and "<title>node1&#45;&gt;node2</title>" in graph


def test_dates_written_into_files_are_the_run_s_day_unless_the_build_sets_one(site, tmp_path):
    shown, epoch = svg_files(site)
    day = time.strftime("%Y-%m-%d", time.gmtime(int(epoch)))
    assert int(epoch) % 86400 == 0 and abs(time.time() - int(epoch)) < 2 * 86400
    assert f"<dc:date>{day}T00:00:00" in shown["chart.svg"].read_text("utf-8")
    environment = {**os.environ, "SOURCE_DATE_EPOCH": "1000000000"}
    shown, epoch = svg_files(build_site(tmp_path, env=environment))
    assert epoch == "1000000000"
    assert "<dc:date>2001-09-09T01:46:40" in shown["chart.svg"].read_text("utf-8")


def test_an_image_saved_in_a_subfolder_is_shown_with_its_path(site):
    [output] = outputs(site, "subfolder")
    [(image, alt, caption)] = figures(output)  # notes.txt beside it: not an image
    assert caption == "plots/loss/squares.png"
    assert alt == CHART
    assert (site / "subfolder" / image).resolve().read_bytes().startswith(b"\x89PNG")


def test_a_marked_fence_shows_its_last_value_as_jupyter_does(site):
    classes, *shown, picture, printed, quiet, _ = outputs(site, "values")
    assert classes == ""  # definitions: nothing printed, no value
    assert shown == list(VALUES.values())
    assert picture.startswith('<div class="cb-display"><img src="data:image/png;base64,')
    # 20 pixels at 20 dpi: an inch, at its resolution (96 CSS pixels).
    assert f'alt="{html.escape(LABELS["value"])}" width="96" height="96"' in picture
    assert printed == '<pre class="cb-stdout"><code>printed</code></pre>'  # None: no value
    assert quiet == ""  # a ";" after it hides it, as in Jupyter


def test_a_fence_not_marked_shows_no_value(site):
    assert outputs(site, "values")[-1] == ""


def run_marked(tmp_path, monkeypatch, page):
    """``page``'s fences run as marked ``show-value``, as the build runs them."""
    monkeypatch.chdir(tmp_path)
    fences = [dataclasses.replace(found, show_value=True) for found in find_fences(page)]
    return run_page(fences)


def test_each_kind_of_value_is_rendered_as_such(tmp_path, monkeypatch):
    values = "".join(fence(value, CONT) for value in ["Table()", "Notes()", "Circle()", "Point()"])
    run = run_marked(tmp_path, monkeypatch, fence(CLASSES) + values + fence("Picture()", CONT))
    assert run.failure is None and run.warnings == []
    shown = [output.displays for output in run.outputs]
    assert [[mime for mime, _ in displays] for displays in shown] == [
        [],
        ["text/html"],
        ["text/markdown"],
        ["image/svg+xml"],
        ["text/plain"],
        ["image/png"],
    ]
    [(_, png)] = shown[-1]
    assert base64.b64decode(png).startswith(b"\x89PNG")
    rendered = [render_output(output, lambda *_: "", LABELS) for output in run.outputs[1:5]]
    expected = [VALUES[value] for value in ["Table()", "Notes()", "Circle()", "Point()"]]
    assert rendered == [f'<div class="cb-output">\n{value}\n</div>' for value in expected]


def test_a_markdown_value_gets_tables_and_fenced_code(tmp_path, monkeypatch):
    code = textwrap.dedent("""\
        class Report:
            def _repr_markdown_(self):
                return "| a | b |\\n|---|---|\\n| 1 | 2 |\\n\\n~~~python\\nx = 1\\n~~~"

        Report()
    """)
    [output] = run_marked(tmp_path, monkeypatch, fence(code)).outputs
    rendered = render_output(output, lambda *_: "", LABELS)
    assert "<th>a</th>" in rendered and "<td>2</td>" in rendered
    assert '<code class="language-python">x = 1' in rendered


def test_a_value_that_raises_fails_at_its_line(tmp_path, monkeypatch):
    run = run_marked(tmp_path, monkeypatch, fence("x = 1\ny = 0\n\nx / y"))
    assert run.failure is not None and run.failure.summary.startswith("ZeroDivisionError")
    assert [(frame.fence, frame.line) for frame in run.failure.frames] == [(1, 4)]


def test_a_representation_that_raises_is_a_warning_and_the_text_is_shown(tmp_path, monkeypatch):
    code = textwrap.dedent("""\
        class Broken:
            def _repr_html_(self):
                raise ValueError("no table today")

            def __repr__(self):
                return "Broken()"

        Broken()
    """)
    run = run_marked(tmp_path, monkeypatch, fence(code))
    assert run.failure is None
    assert run.outputs[0].displays == [("text/plain", "Broken()")]
    [warning] = run.warnings  # a --strict build fails on it
    assert "ValueError: no table today" in warning


def test_the_values_are_kept_in_the_cache(tmp_path, monkeypatch):
    run = run_marked(
        tmp_path, monkeypatch, fence(CLASSES) + fence("Table()", CONT) + fence("6", CONT)
    )
    cache = RunCache(tmp_path / "cache")
    assert cache.put("key", run)
    again = RunCache(tmp_path / "cache").get("key")
    assert isinstance(again, PageRun)
    rendered = [render_output(output, lambda *_: "", LABELS) for output in run.outputs]
    assert [render_output(output, lambda *_: "", LABELS) for output in again.outputs] == rendered


def test_the_plugin_digest_covers_the_matplotlib_backend(tmp_path):
    """matplotlib loads it by name (execution.ENVIRONMENT): no module of the job imports it."""
    package = tmp_path / "mkdocs_run_examples"
    shutil.copytree(environment.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = environment.plugin_digest(package)
    with (package / "matplotlib_backend.py").open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    assert environment.plugin_digest(package) != before


def test_a_notebook_s_figures_show_inline_without_a_magic():
    """A notebook's kernel draws with Jupyter's inline backend, not the pages' one: its
    figures are outputs of their cell even without ``%matplotlib inline``."""
    cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    pool = WorkerPool(1, method="spawn", jobs="notebooks")
    try:
        outcome = pool.submit(Job("notebook", "figure.ipynb", notebook, 120)).result()
    finally:
        pool.close()
    assert outcome.failure is None and isinstance(outcome.run, NotebookRun)
    [cell] = outcome.run.cells
    assert any("image/png" in output.get("data", {}) for output in cell["outputs"]), cell
