"""The plugin on this site: every page's fences expand to their file lines, the pages use
only the definitions they reach, and the docs tests (the root conftest.py) report a
failing example at its file line; the root conftest.py finds a library's docstring
examples as doctest does, without importing the library.

The docs tests run on a small temporary project: no TensorFlow.
"""

import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT, site_expander

from mkdocs_run_examples.dependencies import reached_definitions
from mkdocs_run_examples.fences import find_fences

LIB = '''"""A small library with snippet sections."""

# --8<-- [start:imports]
import math

# --8<-- [end:imports]


# --8<-- [start:area]
def area(radius):
    return math.pi * radius**2
    # --8<-- [end:area]
'''


@pytest.fixture
def project(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shapes.py").write_text(LIB, encoding="utf-8")
    return tmp_path


def file_line(project, origin):
    """The text of the file line ``origin`` = (path, line) names."""
    return (project / origin[0]).read_text(encoding="utf-8").split("\n")[origin[1] - 1]


def test_the_sites_pages_expand_as_before():
    """Every fence of every page: the same code as expanding the fence text whole."""
    expander = site_expander()
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        path = page.relative_to(ROOT).as_posix()
        fences = find_fences(text, path=path, expander=expander)
        assert [f.code for f in fences] == [expander.expand(f.code) for f in find_fences(text)]
        for fence in fences:
            for number, line in enumerate(fence.code.split("\n")[:-1], start=1):
                origin = fence.origin(number)
                assert file_line(ROOT, origin).strip() == line.strip(), (page, origin)


def test_contributing_page_has_no_example_and_no_error():
    expander = site_expander()
    for language in ("en", "zh"):
        text = (ROOT / "docs" / language / "contributing.md").read_text(encoding="utf-8")
        assert find_fences(text, expander=expander) == []


# The docs tests (the root conftest.py), run by pytest on a temporary project


PAGE = """---
title: Errors
---

# Errors

```python
--8<-- "lib/shapes.py:imports"
--8<-- "lib/shapes.py:area"


print(area(1))
```

Prose.

<!--pytest-codeblocks:cont-->
```python
area(None)
```

<!--pytest-codeblocks:expect-error-->
<!--pytest.mark.timeout(600)-->
```python
value = 1
raise ValueError("expected")
```

<!--pytest-codeblocks:cont-->
```python
print("part of the example that raised: not run, value", value)
```

<!--pytest.mark.xfail(strict=True)-->
```python
print("raises nothing")
```

<!--pytest.mark.skip-->
```python
raise SystemExit("skipped")
```

```python
--8<-- "lib/shapes.py:imports"
--8<-- "lib/shapes.py:area"


try:
    area("r")
except TypeError as error:
    raise ValueError("not a radius") from error
```

```python
print("compiles")
total = (1 +
```
"""


def run_pytest(project, *args):
    shutil.copy(ROOT / "conftest.py", project / "conftest.py")
    (project / "mkdocs.yml").write_text(
        "site_name: x\nmarkdown_extensions:\n  - pymdownx.snippets:\n"
        '      base_path: ["."]\n      check_paths: true\n',
        encoding="utf-8",
    )
    (project / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers -ra\n", "utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_docs_tests_report_the_file_line_and_the_exception(project):
    for language in ("en", "zh"):  # the translation: the same examples, run once
        (project / "docs" / language).mkdir(parents=True)
        (project / "docs" / language / "page.md").write_text(PAGE, encoding="utf-8")
    result = run_pytest(project, "docs", "-rA")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert re.search(r"4 failed, 1 skipped, 6 deselected, 1 xfailed", out), out
    # Reported as the build logs it (failures.describe_failure): the file line that raised
    # (in the included library code), the exception, and a traceback through the page's
    # own line. The translation's file line is named too.
    assert "\nlib/shapes.py:11: fence 2 raised: TypeError: unsupported operand type(s)" in out
    assert 'File "docs/en/page.md", line 19, in <module>\n    area(None)' in out
    assert 'File "lib/shapes.py", line 11, in area\n    return math.pi * radius**2' in out
    assert "example 1 (docs/en/page.md:7, docs/zh/page.md:7)" in out
    assert "The same example is on docs/zh/page.md:7.\n" in out
    assert "FAILED docs/en/page.md::example 1 - fence 2 raised: TypeError: " in out
    # An expect-error (xfail) example that raises is xfailed (the fence continuing it is
    # part of it, as pytest-codeblocks joins them: not run); a strict one that does not
    # raise fails.
    assert "part of the example that raised" not in out
    assert "\ndocs/en/page.md:35: fence 5 did not raise: it is marked xfail(strict=True)\n" in out
    assert "FAILED docs/en/page.md::example 3 - fence 5 did not raise" in out
    # An exception raised from another: at the line that raised it, after the traceback
    # of the one it chains, through the included code.
    chained = (
        'File "lib/shapes.py", line 11, in area\n    return math.pi * radius**2\n'
        "TypeError: unsupported operand type(s) for ** or pow(): 'str' and 'int'\n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        'Traceback (most recent call last):\n  File "docs/en/page.md", line 52, in <module>\n'
    )
    assert "\ndocs/en/page.md:52: fence 7 raised: ValueError: not a radius\n" in out
    assert chained in out
    # A SyntaxError: at the line it points at.
    syntax = "docs/en/page.md:57: fence 8 raised: SyntaxError: '(' was never closed\n"
    assert f"\n{syntax}" in out
    assert 'File "docs/en/page.md", line 57\n    total = (1 +\n' in out
    failures = out.split("FAILURES")[1]
    assert "conftest.py" not in failures and "runner.py" not in failures  # no runner frame
    assert "<fence" not in failures  # every fence line is a file line
    # --tb=line: the file line that raised, alone.
    out = run_pytest(project, "docs", "--tb=line").stdout
    assert "\nlib/shapes.py:11: fence 2 raised: TypeError: unsupported operand" in out
    assert f"\n{syntax}" in out
    assert "Traceback" not in out


def test_docs_tests_run_every_fence_the_build_runs_and_fail_a_broken_one_alone(project):
    """```py, ```python title=..., ~~~python run in the tests as in the build (where
    pytest-codeblocks skips them), and a fence the build cannot run fails its own item."""
    (project / "docs" / "en").mkdir(parents=True)
    page = (
        '# Broken\n\n```python\n--8<-- "lib/nowhere.py"\n```\n\n'
        '```py title="x.py" linenums="1"\nraise ValueError("a py fence runs")\n```\n\n'
        '~~~python\nprint("tildes")\n~~~\n'
    )
    (project / "docs" / "en" / "broken.md").write_text(page, encoding="utf-8")
    result = run_pytest(project, "docs", "-rA")
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'docs/en/broken.md:4: include "lib/nowhere.py": file not found\n' in result.stdout
    assert "docs/en/broken.md:8: fence 2 raised: ValueError: a py fence runs" in result.stdout
    assert re.search(r"2 failed, 1 passed", result.stdout), result.stdout


CALC = '''"""Arithmetic.

>>> double(2)
4
"""

import os
import pathlib

pathlib.Path("imported").write_text(os.environ.get("PYTEST_CURRENT_TEST", "while collecting"))


def double(x):
    """Twice x.

    >>> double(3)
    7
    """
    return 2 * x


class Shape:
    """No example."""

    def area(self):
        """Nothing.

        >>> Shape().area()
        0
        """
        return 0
'''


def test_docstring_examples_are_found_as_doctest_finds_them_without_an_import(project, monkeypatch):
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "src" / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (project / "src" / "pkg" / "calc.py").write_text(CALC, encoding="utf-8")
    monkeypatch.syspath_prepend(project / "src")
    monkeypatch.chdir(project)
    found = doctest.DocTestFinder().find(importlib.import_module("pkg.calc"))
    expected = [test.name for test in sorted(found, key=lambda test: test.lineno) if test.examples]
    assert expected == ["pkg.calc", "pkg.calc.double", "pkg.calc.Shape.area"]
    (project / "imported").unlink()
    monkeypatch.setenv("PYTHONPATH", str(project / "src"))
    result = run_pytest(project, "src", "-v")
    ran = re.findall(r"^src/pkg/calc.py::(\S+) (?:PASSED|FAILED)", result.stdout, re.MULTILINE)
    assert ran == expected, result.stdout
    # Imported by the first example that runs, not while collecting.
    assert (project / "imported").read_text() == "src/pkg/calc.py::pkg.calc (setup)"
    assert re.search(r"1 failed, 2 passed", result.stdout), result.stdout
    assert "src/pkg/calc.py:16: DocTestFailure" in result.stdout  # the line of >>> double(3)


def test_residual_pages_do_not_depend_on_the_vgg_block():
    found = reached_definitions(
        ["from convblocks import resnet"], "convblocks", ROOT / "src" / "convblocks"
    )
    assert "convblocks.blocks.resnet.residual_module" in found
    assert "convblocks.checks.checked" in found
    assert "convblocks.blocks.vgg.vgg_block" not in found
