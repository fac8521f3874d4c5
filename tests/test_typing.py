"""ConvBlocks is a typed library: mypy --strict passes and the PEP 561 marker ships."""

import importlib.util
import subprocess
import sys
from pathlib import Path

# Found without being imported: the test needs no TensorFlow.
PACKAGE = Path(importlib.util.find_spec("convblocks").origin).resolve().parent

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
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY, f"--cache-dir={tmp_path}", "-p", "convblocks"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_has_the_py_typed_marker():
    """Without it, mypy ignores the hints of the installed package (PEP 561)."""
    assert (PACKAGE / "py.typed").is_file()
