"""ConvBlocks and its plugin are typed: mypy --strict passes and the PEP 561 marker ships."""

import importlib.util
import subprocess
import sys
from pathlib import Path

# Found without being imported: the test needs no TensorFlow.
PACKAGE = Path(importlib.util.find_spec("convblocks").origin).resolve().parent
PLUGIN = Path(importlib.util.find_spec("mkdocs_run_examples").origin).resolve().parent
ROOT = Path(__file__).resolve().parents[1]

# mypy --strict, minus what Keras forces: Keras ships no type information (no py.typed, no
# stubs), so importing it is not an error and its names are typed as Any. Only that error
# code is disabled: a missing module is still an error. --python-version checks the oldest
# Python the package supports.
MYPY = [
    "--strict",
    "--disable-error-code=import-untyped",
    "--python-version=3.10",
    "--no-error-summary",
]


def test_mypy_strict_reports_nothing(tmp_path):
    """Fails on a public function without type hints, as --strict disallows untyped defs."""
    # By package name, as a user's mypy finds it: from a checkout's editable install, or
    # the installed wheel (from the release workflow) in site-packages.
    result = mypy(tmp_path, *MYPY, "-p", "convblocks")
    assert result.returncode == 0, result.stdout + result.stderr


def mypy(tmp_path, *arguments):
    """mypy run from an empty folder (no configuration but what ``arguments`` name)."""
    return subprocess.run(
        [sys.executable, "-m", "mypy", f"--cache-dir={tmp_path}", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )


def test_package_has_the_py_typed_marker():
    """Without it, mypy ignores the hints of the installed package (PEP 561)."""
    assert (PACKAGE / "py.typed").is_file()


def test_the_plugin_passes_mypy_strict(tmp_path):
    """The plugin with its third-party packages as pyproject.toml's [tool.mypy] says: Markdown,
    pymdownx and mkdocs-jupyter ship no type information, nbformat's functions no hints."""
    config = f"--config-file={ROOT / 'pyproject.toml'}"
    result = mypy(
        tmp_path,
        "--strict",
        "--python-version=3.10",
        "--no-error-summary",
        config,
        "-p",
        "mkdocs_run_examples",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_plugin_has_the_py_typed_marker():
    assert (PLUGIN / "py.typed").is_file()
