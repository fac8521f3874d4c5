"""The execution layer (mkdocs_run_examples): fences, rendering, cache keys, a real build."""

import json
import struct
import subprocess
import sys
import zlib

import nbformat
import pytest

from conftest import build
from convblocks import residual_module
from mkdocs_run_examples.cache import RunCache, environment_digest, page_key
from mkdocs_run_examples.fences import FenceError, find_fences
from mkdocs_run_examples.notebooks import page_notebook
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.runner import ExampleError, run_page

PAGE = """# Title

```python
x = 1
```

!!! note

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
    assert [f.continues for f in fences] == [False, False, True, False]
    assert [f.skip for f in fences] == [False, False, False, True]
    assert [f.index for f in fences] == [1, 2, 3, 4]


def test_a_page_notebook_is_valid_and_the_same_every_build():
    text = page_notebook(PAGE, find_fences(PAGE))
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert [cell.cell_type for cell in notebook.cells][:3] == ["markdown", "code", "markdown"]
    assert text == page_notebook(PAGE, find_fences(PAGE))


def test_a_marker_only_applies_to_the_fence_right_after_it():
    text = "<!--pytest-codeblocks:cont-->\n\nSome prose.\n\n```python\npass\n```\n"
    assert not find_fences(text)[0].continues


@pytest.mark.parametrize(
    "text",
    [
        '```python title="x.py"\npass\n```\n',
        "```py\npass\n```\n",
        "~~~python\npass\n~~~\n",
        "```python\npass\n",
        "<!--pytest-codeblocks:cont-->\n```python\npass\n```\n",
    ],
    ids=["title", "py", "tildes", "unclosed", "cont-first"],
)
def test_fences_pytest_codeblocks_would_not_run_alike_are_errors(text):
    with pytest.raises(FenceError, match=r"line [12]"):
        find_fences(text)


def test_run_page_namespaces_markers_and_errors():
    run = run_page("page.md", find_fences(PAGE))
    assert [o.stdout for o in run.outputs] == ["", "1\n", "2\n", ""]
    assert run.outputs[3].skipped
    failing = find_fences("```python\nx = 1\n```\n\n```python\n1 / 0\n```\n")
    with pytest.raises(ExampleError, match=r"page\.md, fence 2 raised ZeroDivisionError"):
        run_page("page.md", failing)


def test_each_listing_gets_fresh_keras_layer_names():
    listing = (
        "```python\nimport keras\nx = keras.Input((4, 4, 3))\n"
        "print(keras.layers.Conv2D(2, 1)(x)._keras_history.operation.name)\n```\n"
    )
    run = run_page("page.md", find_fences(listing * 2))
    assert [o.stdout for o in run.outputs] == ["conv2d\n", "conv2d\n"]


def test_images_written_by_a_fence_are_collected_and_nothing_leaks_to_stderr():
    code = (
        "```python\nimport sys\nprint('to stderr', file=sys.stderr)\n"
        "open('a.png', 'wb').write(b'png')\n```\n\n```python\nprint('none')\n```\n"
    )
    run = run_page("page.md", find_fences(code))
    assert [name for name, _, _ in run.outputs[0].images] == ["a.png"]
    assert run.outputs[0].stdout == "" and run.outputs[1].images == []


def summary_text(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def test_summary_becomes_a_table_with_everything_it_printed(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    text = summary_text(build(residual_module, (256, 256, 3), 64))
    page = render_output(f"before\n{text}\nafter\n", [], None)
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
    html = render_output("", [("d.png", "abc", png(400, 200, 7874))], lambda d, n: f"img/{d}.png")
    assert 'src="img/abc.png"' in html and 'width="192" height="96"' in html  # 200 dpi


def test_cache_key_is_what_changes_the_output(tmp_path):
    source = tmp_path / "pkg"
    source.mkdir()
    (source / "mod.py").write_text("A = 1\n")
    plain = find_fences("```python\nprint(1)\n```\n")
    importing = find_fences("```python\nimport pkg\n```\n")
    sources = {"pkg": source}
    env = environment_digest(["keras"])
    keys = (page_key(plain, env, sources), page_key(importing, env, sources))
    assert (
        page_key(find_fences("Prose changed.\n\n```python\nprint(1)\n```\n"), env, sources)
        == keys[0]
    )
    (source / "mod.py").write_text("A = 2\n")
    assert page_key(plain, env, sources) == keys[0]  # does not import pkg
    assert page_key(importing, env, sources) != keys[1]
    assert page_key(find_fences("```python\nprint(2)\n```\n"), env, sources) != keys[0]
    assert environment_digest(["keras", "numpy"]) != env


def test_cache_round_trip(tmp_path):
    run = run_page(
        "p.md", find_fences("```python\nopen('x.png','wb').write(b'1')\nprint(3)\n```\n")
    )
    RunCache(tmp_path).put("k", run)
    again = RunCache(tmp_path).get("k")
    assert again.outputs[0].stdout == "3\n" and again.outputs[0].images == run.outputs[0].images
    assert RunCache(tmp_path).get("other") is None


SITE = """site_name: t
docs_dir: docs
plugins:
  - run-examples:
      cache_dir: cache
markdown_extensions:
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: ["."]
      check_paths: true
"""


def mkdocs_build(project):
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=project,
        capture_output=True,
        text=True,
    )


def test_a_real_build_runs_caches_and_fails_loudly(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(SITE)
    (tmp_path / "lib.py").write_text(
        "# --8<-- [start:f]\ndef f():\n    return 42\n# --8<-- [end:f]\n"
    )
    page = tmp_path / "docs" / "index.md"
    page.write_text('# Page\n\n```python\n--8<-- "lib.py:f"\nprint(f())\n```\n')
    assert mkdocs_build(tmp_path).returncode == 0
    html = (tmp_path / "site/index.html").read_text()
    assert '<pre class="cb-stdout"><code>42</code></pre>' in html
    report = json.loads((tmp_path / "site/execution-report.json").read_text())
    assert report["executions"] == 1 and report["pages"][0]["fences"] == 1
    assert mkdocs_build(tmp_path).returncode == 0
    report = json.loads((tmp_path / "site/execution-report.json").read_text())
    assert report["executions"] == 0 and report["pages"][0]["cached"]

    page.write_text("# Page\n\n```python\nprint('ok')\n```\n\n```python\nundefined_name\n```\n")
    failed = mkdocs_build(tmp_path)
    assert failed.returncode != 0
    assert "index.md, fence 2 raised NameError" in failed.stderr
    assert "runner.py" not in failed.stderr
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1  # the failure was not cached


def test_a_missing_include_fails_the_build(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text(SITE)
    (tmp_path / "docs/index.md").write_text('```python\n--8<-- "nowhere.py:f"\n```\n')
    failed = mkdocs_build(tmp_path)
    assert failed.returncode != 0 and "nowhere.py" in failed.stderr
