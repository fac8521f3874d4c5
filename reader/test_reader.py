"""A reader's machine: what the site offers, run outside the repository (`make test-reader`).

Colab has Keras, TensorFlow, pydot, matplotlib and scikit-learn, and pip; not
ConvBlocks. This makes such a machine: a fresh virtualenv (uv's, seeded with pip) with
those packages at the versions of uv.lock, nbclient and ipykernel, no convblocks, and
nothing of the checkout on sys.path (everything runs in a scratch folder). ConvBlocks
is a wheel built from the checkout, in a folder pip searches by name (PIP_FIND_LINKS,
with PIP_NO_INDEX: it cannot come from anywhere else), where a reader gets it from PyPI.

- every notebook of notebooks/ (what "Open in Colab" opens), convblocks uninstalled
  first: its first cell must install it; then every cell runs (nbclient);
- every script the site offers (made as the build makes it): the ``pip install`` its
  header names, then python;
- the README's first example, with the wheel installed.

Minutes of work, so not collected by `make test` (testpaths leave reader/ out).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib

from mkdocs_run_examples.offered import offered_files

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.relative_to(ROOT / "notebooks") for p in (ROOT / "notebooks").rglob("*.ipynb"))
# What Colab has that the offered files import, and what runs a notebook.
PACKAGES = ["keras", "tensorflow", "pydot", "matplotlib", "scikit-learn", "nbclient", "ipykernel"]
WORKSPACE = {"convblocks", "mkdocs-run-examples"}  # built from the checkout, not pinned
RUN_NOTEBOOK = """
import sys

import nbformat
from nbclient import NotebookClient

notebook = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
finally:
    nbformat.write(notebook, sys.argv[2])
"""
INSTALLED = "import importlib.metadata as m; print(m.version('convblocks'))"


def uv():
    """The uv that `make` installs (it exports its path as UV), else one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "no uv: run `make test-reader`"
    return found


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    output = f"$ {shlex.join(map(str, command))}\n{result.stdout[-8000:]}{result.stderr[-8000:]}"
    assert result.returncode == 0, output
    return result


def version():
    text = (ROOT / "src" / "convblocks" / "__init__.py").read_text("utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)[1]


def locked_versions():
    """{name: version} of uv.lock's packages that have one version (not the workspace's)."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text("utf-8"))
    versions = {}
    for package in lock["package"]:
        if package["name"] not in WORKSPACE and "version" in package:
            versions.setdefault(package["name"], set()).add(package["version"])
    return {name: found.pop() for name, found in versions.items() if len(found) == 1}


class Reader:
    """The reader's virtualenv, the wheel folder, a scratch folder, and their environment."""

    def __init__(self, folder):
        self.folder = folder
        self.wheels = folder / "wheels"
        self.python = folder / "venv" / "bin" / "python"
        env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
        env.update(
            PIP_FIND_LINKS=str(self.wheels),  # convblocks by name, from the wheel folder only
            PIP_NO_INDEX="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            JUPYTER_DATA_DIR=str(folder / "jupyter"),  # the venv's kernel, no user's kernelspec
            JUPYTER_CONFIG_DIR=str(folder / "jupyter"),
            MPLBACKEND="Agg",
            TF_CPP_MIN_LOG_LEVEL="3",
        )
        env.pop("JUPYTER_PATH", None)
        self.env = env

    def scratch(self, name):
        folder = self.folder / "scratch" / name
        folder.mkdir(parents=True)
        return folder

    def uninstall_convblocks(self):
        run([uv(), "pip", "uninstall", "--python", self.python, "convblocks"], cwd=self.folder)
        assert subprocess.run([self.python, "-c", INSTALLED], cwd=self.folder).returncode != 0

    def installed_convblocks(self):
        return run([self.python, "-c", INSTALLED], cwd=self.folder, env=self.env).stdout.strip()


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    reader = Reader(tmp_path_factory.mktemp("reader"))
    # The wheel, built from a copy of what it is made of: the checkout gets no build/.
    source = reader.folder / "source"
    (source / "src").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src" / "convblocks", source / "src" / "convblocks", ignore=ignore)
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation"]
    run([*build, "--outdir", reader.wheels, source], cwd=reader.folder)
    assert [p.name for p in reader.wheels.iterdir()] == [f"convblocks-{version()}-py3-none-any.whl"]
    # The machine's Python (the one of .venv), with pip, as Colab has it.
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    run([uv(), "venv", "--seed", "--python", python, reader.folder / "venv"], cwd=reader.folder)
    locked = locked_versions()
    constraints = reader.folder / "constraints.txt"  # every other package as uv.lock has it
    constraints.write_text("".join(f"{name}=={v}\n" for name, v in sorted(locked.items())))
    pins = [f"{name}=={locked[name]}" for name in PACKAGES]
    install = [uv(), "pip", "install", "--python", reader.python, "-c", constraints, *pins]
    run(install, cwd=reader.folder, env=env)
    return reader


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.as_posix())
def test_offered_notebook_installs_convblocks_and_runs(reader, notebook):
    reader.uninstall_convblocks()  # a fresh Colab runtime
    folder = reader.scratch(f"notebook-{notebook.parent.name}-{notebook.stem}")
    executed = folder / notebook.name
    command = [reader.python, "-c", RUN_NOTEBOOK, ROOT / "notebooks" / notebook, executed]
    run(command, cwd=folder, env=reader.env)
    assert reader.installed_convblocks() == version()
    first = next(c for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code")
    printed = "".join(output.get("text", "") for output in first.outputs)
    assert f"Successfully installed convblocks-{version()}" in printed, printed


OFFERED = offered_files(ROOT / "mkdocs.yml")  # as the build makes them
SCRIPTS = sorted(path for path in OFFERED if path.endswith(".py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_offered_script_runs_after_the_install_its_header_names(reader, script):
    text = OFFERED[script]
    command = re.search(r"^# .*?: pip install (.+)$", text, re.MULTILINE)
    assert command, "the script names no install command"
    reader.uninstall_convblocks()
    pip = [reader.python, "-m", "pip", "install", *shlex.split(command[1])]
    run(pip, cwd=reader.folder, env=reader.env)
    assert reader.installed_convblocks() == version()
    folder = reader.scratch(f"script-{script.replace('/', '-')}")
    (folder / Path(script).name).write_text(text, encoding="utf-8")
    run([reader.python, Path(script).name], cwd=folder, env=reader.env)


def test_readme_quick_example_runs_with_the_wheel_installed(reader):
    readme = (ROOT / "README.md").read_text("utf-8")
    example = re.search(r"^```python\n(.*?)^```", readme, re.MULTILINE | re.DOTALL)[1]
    wheel = next(reader.wheels.glob("convblocks-*.whl"))
    run([uv(), "pip", "install", "--python", reader.python, wheel], cwd=reader.folder)
    folder = reader.scratch("readme")
    (folder / "quick_example.py").write_text(example, encoding="utf-8")
    ran = run([reader.python, "quick_example.py"], cwd=folder, env=reader.env)
    assert "Total params" in ran.stdout
