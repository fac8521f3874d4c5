"""The execution layer (mkdocs_run_examples): fences, rendering, cache keys, a real build."""

import importlib.metadata
import json
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from unittest import mock

import nbformat
import pytest
from helpers import KERAS, LazyModule, block_model, mkdocs_build, start_mkdocs_build

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.labels import LABELS
from mkdocs_run_examples.notebooks import install_cell, page_notebook, page_script
from mkdocs_run_examples.records import FailureKind
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.runner import FenceOutput, run_page
from mkdocs_run_examples.store import RunCache

keras, convblocks = LazyModule("keras"), LazyModule("convblocks")

PAGE = """# Title

```python
x = 1
```

!!! note

    <!--pytest-codeblocks:cont-->
    ```python
    print(x)
    ```

<!--pytest-codeblocks:cont-->
```python
print(x + 1)
```

<!--pytest.mark.skip-->
```python
raise SystemExit
```

```console
$ make test
```
"""


def test_find_fences_with_markers_and_indentation():
    fences = find_fences(PAGE)
    assert [f.code for f in fences] == [
        "x = 1\n",
        "print(x)\n",
        "print(x + 1)\n",
        "raise SystemExit\n",
    ]
    assert [f.indent for f in fences] == ["", "    ", "", ""]
    assert [f.continues for f in fences] == [False, True, True, False]
    assert [f.skip for f in fences] == [False, False, False, True]
    assert [f.index for f in fences] == [1, 2, 3, 4]


def test_a_page_notebook_is_valid_and_the_same_every_build():
    text = page_notebook(PAGE, find_fences(PAGE))
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert [cell.cell_type for cell in notebook.cells][:3] == ["markdown", "code", "markdown"]
    assert text == page_notebook(PAGE, find_fences(PAGE))


def test_a_marker_waits_for_the_next_fence_as_in_pytest_codeblocks():
    text = "<!--pytest.mark.skip-->\n\nSome prose.\n\n```python\npass\n```\n"
    assert find_fences(text)[0].skip


def run_here(tmp_path, monkeypatch, text):
    """The PageRun of ``text``'s fences, run in this process in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    return run_page(find_fences(text))


def test_run_page_namespaces_markers_and_errors(tmp_path, monkeypatch):
    run = run_here(tmp_path, monkeypatch, PAGE)
    assert [o.stdout for o in run.outputs] == ["", "1\n", "2\n", ""]
    assert run.outputs[3].skipped and run.failure is None
    run = run_here(tmp_path, monkeypatch, "```python\nprint(1)\n```\n\n```python\n1 / 0\n```\n")
    assert [o.stdout for o in run.outputs] == ["1\n", ""]  # the fences before stay
    assert (run.failure.fence, run.failure.kind) == (2, FailureKind.RAISED)
    assert run.failure.summary == "ZeroDivisionError: division by zero"


@KERAS
def test_each_listing_gets_fresh_keras_layer_names(tmp_path, monkeypatch):
    listing = (
        "```python\nimport keras\nx = keras.Input((4, 4, 3))\n"
        "print(keras.layers.Conv2D(2, 1)(x)._keras_history.operation.name)\n```\n"
    )
    run = run_here(tmp_path, monkeypatch, listing * 2)
    assert [o.stdout for o in run.outputs] == ["conv2d\n", "conv2d\n"]


def test_images_written_by_a_fence_are_collected_and_stderr_is_not_shown(tmp_path, monkeypatch):
    code = (
        "```python\nimport sys\nprint('to stderr', file=sys.stderr)\n"
        "open('a.png', 'wb').write(b'png')\n```\n\n```python\nprint('none')\n```\n"
    )
    run = run_here(tmp_path, monkeypatch, code)
    assert [name for name, _, _ in run.outputs[0].images] == ["a.png"]
    assert run.outputs[0].stdout == "" and run.outputs[1].images == []
    assert "fence 1 wrote to stderr:\nto stderr\n" in run.warnings


ZH_ALT = {  # mkdocs.yml's Chinese labels for alt text
    "model": "模型结构图：输入 {inputs}，输出 {outputs}；{layers}",
    "layers_in_order": "各层依次为 {layers}",
    "chart": "图表：{texts}",
    "separator": "、",
}


@KERAS
def test_an_image_s_alt_text_says_what_it_shows_from_the_model_or_chart(tmp_path, monkeypatch):
    original = keras.utils.plot_model
    code = (
        "```python\nimport keras\nfrom keras import layers\n"
        "inputs = keras.Input((32, 32, 3))\nx = layers.Conv2D(8, 3)(inputs)\n"
        "x = layers.Conv2D(8, 3)(x)\noutputs = layers.MaxPooling2D()(x)\n"
        "keras.utils.plot_model(keras.Model(inputs, outputs), to_file='m.png')\n"
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
        "ax.set_title('loss'); ax.set_xlabel('epoch')\nplt.savefig('c.png')\n"
        "open('other.png', 'wb').write(b'png')\n```\n"
    )
    output = run_here(tmp_path, monkeypatch, code).outputs[0]
    assert keras.utils.plot_model is original  # the page's wrappers are gone with it
    alts = re.findall(r'alt="([^"]*)"', render_output(output, lambda d, n: n, LABELS))
    assert sorted(alts) == [
        "Chart: loss, epoch",
        "Diagram of the model: input 32×32×3, output 14×14×8; its layers in order: "
        "InputLayer, Conv2D × 2, MaxPooling2D",
        "Image written by the example: other.png",  # written otherwise: only its name known
    ]
    zh = re.findall(r'alt="([^"]*)"', render_output(output, lambda d, n: n, {**LABELS, **ZH_ALT}))
    assert (
        "模型结构图：输入 32×32×3，输出 14×14×8；各层依次为 InputLayer、Conv2D × 2、MaxPooling2D"
        in zh
    )


@KERAS
def test_a_run_records_what_ran_it(tmp_path, monkeypatch):
    run = run_here(tmp_path, monkeypatch, "```python\nprint(1)\n```\n")
    assert run.versions["Keras"] == keras.version() and run.versions["Python"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", run.ran_at)


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


@KERAS
def test_summary_becomes_a_table_with_everything_it_printed(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    keras.utils.clear_session(free_memory=False)  # the layer names below are a fresh session's
    text = summary_text(block_model(convblocks.residual_module, (256, 256, 3), 64))
    page = render_output(FenceOutput(stdout=f"before\n{text}\nafter\n"), None, LABELS)
    assert page.count('<table class="cb-table">') == 1 and "<pre" in page
    assert "<th>Layer (type)</th><th>Output Shape</th><th>Param #</th><th>Connected to</th>" in page
    assert "<td>conv2d_2 (Conv2D)</td><td>(None, 256, 256, 64)</td>" in page
    assert "<td>conv2d_2[0][0], conv2d[0][0]</td>" in page
    assert "<li>Total params: 38,976 (152.25 KB)</li>" in page
    assert page.count("<tr>") == 1 + 7  # header and one row per layer
    for token in text.replace("│", " ").replace("┃", " ").split():
        if not set(token) <= set("┏┓┗┛━┳┻╇┡┩└┘├┤┼─┴┬"):
            assert token.replace('"', "&quot;") in page.replace("<", " <"), token


def png(width, height, dots_per_metre):
    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    phys = struct.pack(">IIB", dots_per_metre, dots_per_metre, 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"pHYs", phys)


def test_images_are_shown_at_their_resolution():
    output = FenceOutput(images=[("d.png", "abc", png(400, 200, 7874))])
    html = render_output(output, lambda digest, name: f"img/{digest}.png", LABELS)
    assert 'src="img/abc.png"' in html and 'width="192" height="96"' in html  # 200 dpi


def test_cache_round_trip(tmp_path, monkeypatch):
    page = "```python\nopen('x.png','wb').write(b'1')\nprint(3)\n```\n"
    run = run_here(tmp_path, monkeypatch, page)
    RunCache(tmp_path / "cache").put("k", run)
    again = RunCache(tmp_path / "cache").get("k")
    assert again.outputs[0].stdout == "3\n" and again.outputs[0].images == run.outputs[0].images
    assert RunCache(tmp_path / "cache").get("other") is None


SITE = """site_name: t
docs_dir: docs
plugins:
  - run-examples:
      cache_dir: cache
      workers: 2
      timeout: 5
      output_limit: 1000
markdown_extensions:
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: ["."]
      check_paths: true
"""

# A page that never ends by itself (asleep: it keeps no core busy while the build waits).
HANGS = "```python\nimport time\ntime.sleep(600)\n```\n"


def site(tmp_path, pages, config=SITE):
    """A project in ``tmp_path`` with ``pages`` ({name: Markdown}) under docs/."""
    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "mkdocs.yml").write_text(config)
    for name, text in pages.items():
        (tmp_path / "docs" / name).write_text(text)
    return tmp_path


def test_a_real_build_runs_caches_says_why_and_fails_loudly(tmp_path):
    project = site(
        tmp_path, {"index.md": '# Page\n\n```python\n--8<-- "lib.py:f"\nprint(f())\n```\n'}
    )
    (tmp_path / "lib.py").write_text(
        "# --8<-- [start:f]\ndef f():\n    return 42\n# --8<-- [end:f]\n"
    )
    first = mkdocs_build(project)
    assert first.returncode == 0, first.stderr
    assert "running docs/index.md (not in the cache)" in first.stderr
    assert "running pages 2 at a time by forkserver" in first.stderr
    html = (tmp_path / "site/index.html").read_text()
    assert '<pre class="cb-stdout"><code>42</code></pre>' in html
    report = json.loads((tmp_path / "cache/report/execution-report.json").read_text())
    assert report["executions"] == 1 and report["pages"][0]["fences"] == 1
    again = mkdocs_build(project)
    assert again.returncode == 0 and "running" not in again.stderr
    assert "at a time" not in again.stderr  # nothing to run: no process started
    report = json.loads((tmp_path / "cache/report/execution-report.json").read_text())
    assert report["executions"] == 0 and report["pages"][0]["cached"]

    (tmp_path / "lib.py").write_text(
        "# --8<-- [start:f]\ndef f():\n    return 43\n# --8<-- [end:f]\n"
    )
    assert "running docs/index.md (code of fence 1 changed)" in mkdocs_build(project).stderr
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1  # the old run is gone

    (tmp_path / "docs/index.md").write_text(
        "# Page\n\n```python\nprint('ok')\n```\n\n```python\nx = 1\nundefined_name\n```\n"
    )
    failed = mkdocs_build(project)
    assert failed.returncode != 0
    assert "docs/index.md:9: fence 2 raised: NameError: name 'undefined_name'" in failed.stderr
    assert 'File "docs/index.md", line 9, in <module>' in failed.stderr
    assert "runner.py" not in failed.stderr
    html = (tmp_path / "site/index.html").read_text()
    assert html.index("<code>ok</code>") < html.index("admonition failure")  # under fence 2


def test_the_prose_shows_its_figures_and_a_claim_that_no_longer_holds_fails_the_build(tmp_path):
    page = (
        "# Page\n\n```python\ntotal = 38720\n```\n\n"
        "The total is {{ total }}{{ total % 2 == 0 :: check }}, an even number.\n"
    )
    project = site(tmp_path, {"index.md": page})
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    assert "The total is 38,720, an even number." in (tmp_path / "site/index.html").read_text()
    (tmp_path / "docs/index.md").write_text(page.replace("38720", "38721"))
    failed = mkdocs_build(project)
    assert failed.returncode != 0
    assert (
        "docs/index.md:7: {{ total % 2 == 0 }}: the claim beside it does not hold" in failed.stderr
    )


@pytest.mark.waits
def test_pages_that_exit_hang_or_flood_fail_the_build_alone(tmp_path):
    pages = {
        "good.md": "```python\nprint('hello')\n```\n",
        "exits.md": "```python\nprint('before')\n```\n\n```python\nimport os\nos._exit(0)\n```\n",
        "hangs.md": "# Hangs\n\n" + HANGS,
        "slow.md": "<!--pytest.mark.timeout(10)-->\n```python\nimport time\ntime.sleep(3)\n```\n",
        "floods.md": "```python\nprint('x' * 5000)\n```\n",
        "broken.md": '```python\n--8<-- "nowhere.py:f"\n```\n\n<!--pytest-codeblocks:x-->\n```py\n'
        "pass\n```\n\n```py\nprint('runs alone')\n```\n",
    }
    result = mkdocs_build(site(tmp_path, pages, SITE.replace("timeout: 5", "timeout: 2")))
    assert result.returncode != 0
    for line in [
        "docs/exits.md:5: fence 2 ended the process: exit status 0",
        "docs/hangs.md:3: fence 1 timed out: the page did not finish within 2 s",
        "docs/floods.md:1: fence 1 printed 4001 characters more than output_limit (1000)",
        'docs/broken.md:2: include "nowhere.py:f"',
        'docs/broken.md:5: unknown pytest-codeblocks keyword "x"',
    ]:
        assert line in result.stderr, line
    broken = (tmp_path / "site" / "broken" / "index.html").read_text("utf-8")
    assert "runs alone" in broken  # a fence the build cannot run is an error on that fence alone
    assert "Traceback" not in result.stderr
    assert "<code>hello</code>" in (tmp_path / "site/good/index.html").read_text()
    assert "ran docs/slow.md" in result.stderr  # its marker gives it 2 + 10 s
    exits = (tmp_path / "site/exits/index.html").read_text()
    assert exits.index("<code>before</code>") < exits.index("admonition failure")
    floods = (tmp_path / "site/floods/index.html").read_text()
    assert "Output cut here: 4,001 more characters were printed." in floods
    # good, slow, floods and broken's fences that ran (its key holds its problems), no more
    assert len(list(tmp_path.glob("cache/*.json"))) == 4
    again = mkdocs_build(tmp_path)  # the cut output warns again when served from the cache
    assert "docs/floods.md:1: fence 1 printed 4001 characters" in again.stderr
    assert 'docs/broken.md:5: unknown pytest-codeblocks keyword "x"' in again.stderr


# The state a page can leave in its worker (Keras' config among it: plugin/tests/test_workers.py)
ISOLATION_SITE = SITE.replace("timeout: 5", "timeout: 60\n      workers: 1\n      preload: [json]")
LEAKY = """```python
import json, os, sys, types
json.dumps = lambda *args, **kwargs: "patched"
os.environ["PATH"] = ""
sys.modules["leaked"] = types.ModuleType("leaked")
os.chdir("/")
```
"""
SHOWS = """```python
import json, os, shutil, sys
print(json.dumps([1]), shutil.which("dot") is not None, "leaked" in sys.modules)
print(os.getcwd() == os.path.realpath("."))
```
"""


def test_pages_are_the_same_whatever_ran_before_them(tmp_path):
    """The same listing run first by a fresh pool of one worker and again after a page
    that patches a preloaded module and changes the environment, the imported modules
    and the working directory (pages run in the order of their names): the same outputs."""
    again = SHOWS.replace('realpath("."))', 'realpath("."))  # after b-leaky.md')
    pages = {"a-first.md": SHOWS, "b-leaky.md": LEAKY, "c-after.md": again}
    result = mkdocs_build(site(tmp_path, pages, ISOLATION_SITE))
    assert result.returncode == 0, result.stderr
    first, after = (
        _outputs((tmp_path / "site" / name / "index.html").read_text())
        for name in ("a-first", "c-after")
    )
    assert first == after
    assert "[1] True False" in first and "True" in first.split("[1] True False")[1]


def _outputs(html):
    """What a page's listings showed, without the line that gives the run's day and time."""
    shown = "".join(re.findall(r'<div class="cb-output">.*?\n</div>', html, re.DOTALL))
    return re.sub(r'<p class="cb-provenance">.*?</p>', "", shown)


def test_downloads_of_a_page_with_an_expected_error_run_to_the_end(tmp_path):
    page = (
        "<!--pytest-codeblocks:expect-error-->\n```python\nint('x')\n```\n\n"
        "```python\nprint('after')\n```\n"
    )
    fences = find_fences(page)
    script = tmp_path / "page.py"
    script.write_text(page_script("Page", fences))
    ran = subprocess.run([sys.executable, script], capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout == "after\n"
    assert "ValueError: invalid literal for int()" in ran.stderr
    notebook = nbformat.reads(page_notebook(page, fences), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.metadata.get("tags") for cell in code] == [["raises-exception"], None]


def test_downloads_install_what_they_need_first_and_only_when_missing():
    from IPython.core.inputtransformer2 import TransformerManager

    pins = [("convblocks", "9.9", "convblocks[plot]==9.9")]
    fences = find_fences(PAGE)
    notebook = nbformat.reads(page_notebook(PAGE, fences, pins), as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert notebook.cells[0].cell_type == "markdown" and code[0] is notebook.cells[1]
    assert code[0].source == install_cell(pins) and len(code) == len(fences) + 1
    assert "pip install 'convblocks[plot]==9.9'" in page_script("Title", fences, pins)
    # The cell as IPython runs it: %pip only when the version installed is another, or none.
    python = TransformerManager().transform_cell(install_cell(pins))
    for installed, runs_pip in [("9.9", False), ("1.0", True), (None, True)]:
        shell = mock.Mock()

        def version(name, installed=installed):
            if installed is None:
                raise importlib.metadata.PackageNotFoundError(name)
            return installed

        with mock.patch("importlib.metadata.version", version):
            exec(python, {"get_ipython": lambda shell=shell: shell})
        pip = [mock.call("pip", 'install "convblocks[plot]==9.9"')] if runs_pip else []
        assert shell.run_line_magic.call_args_list == pip


@pytest.mark.waits
def test_ctrl_c_names_the_running_page_and_leaves_no_scratch_folder(tmp_path):
    # A time limit Ctrl-C comes well before, however busy the machine.
    config = SITE.replace("timeout: 5", "timeout: 300")
    project = site(tmp_path / "project", {"hangs.md": HANGS}, config)
    (tmp_path / "tmp").mkdir()
    # The build hears Ctrl-C even when this run does not (started in the background, it
    # ignores SIGINT, and a child would inherit that).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        build = start_mkdocs_build(project, TMPDIR=str(tmp_path / "tmp"))
    finally:
        signal.signal(signal.SIGINT, previous)
    for line in build.stderr:
        if "running docs/hangs.md" in line:
            break
    time.sleep(0.5)
    build.send_signal(signal.SIGINT)
    rest = build.stderr.read()
    assert build.wait(timeout=30) != 0
    assert "stopped while running docs/hangs.md" in rest
    assert list((tmp_path / "tmp").iterdir()) == []
