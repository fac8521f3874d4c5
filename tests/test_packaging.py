"""The two distributions as a user of PyPI gets them: the library's wheel holds the
library alone, typed, with no backend required; the plugin's declares the plugin and
every package it imports."""

import ast
import email
import importlib.metadata
import shutil
import subprocess
import sys
import zipfile

import pytest
from helpers import ROOT, source_version
from packaging.requirements import Requirement

PLUGIN = ROOT / "plugin"


def wheel(project, into):
    """Build ``project``'s wheel (as `pip wheel` would) from a copy of its package files,
    so that no build folder of an earlier build can slip into it; return its path."""
    copy = into / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(project / name, copy / name)
    shutil.copytree(project / "src", copy / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(into)],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    (built,) = into.glob("*.whl")
    return built


def metadata(built):
    with zipfile.ZipFile(built) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name)), archive.namelist()


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return metadata(wheel(ROOT, tmp_path_factory.mktemp("library")))


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    built = wheel(PLUGIN, tmp_path_factory.mktemp("plugin"))
    with zipfile.ZipFile(built) as archive:
        name = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
        entry_points = archive.read(name).decode()
    return (*metadata(built), entry_points)


def test_the_library_wheel_holds_convblocks_alone_and_typed(library):
    meta, files = library
    packages = {name.split("/")[0] for name in files}
    assert packages == {"convblocks", f"convblocks-{meta['Version']}.dist-info"}
    assert "convblocks/py.typed" in files
    assert meta["Version"] == source_version()


def test_the_library_needs_keras_only_and_offers_backends_as_extras(library):
    meta, _ = library
    requirements = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    unconditional = [r for r in requirements if r.marker is None]
    assert [r.name for r in unconditional] == ["keras"]
    assert "<4" in str(unconditional[0].specifier)  # a range, not a pin
    assert {"tensorflow", "jax", "plot"} <= set(meta.get_all("Provides-Extra"))
    assert meta["Requires-Python"] == ">=3.10"


def test_the_plugin_wheel_declares_the_plugin(plugin):
    meta, files, entry_points = plugin
    assert "[mkdocs.plugins]" in entry_points
    assert "run-examples = mkdocs_run_examples.plugin:RunExamplesPlugin" in entry_points
    assert {name.split("/")[0] for name in files} == {
        "mkdocs_run_examples",
        f"mkdocs_run_examples-{meta['Version']}.dist-info",
    }
    assert "mkdocs_run_examples/py.typed" in files  # its hints count for its users' mypy
    assert "mkdocs_run_examples/run-examples.css" in files  # the outputs' look, in every site
    package = PLUGIN / "src" / "mkdocs_run_examples"
    data = {p.name for p in package.iterdir() if p.is_file() and p.suffix != ".py"}
    assert {f"mkdocs_run_examples/{name}" for name in data} <= set(files)  # package-data


def imported_distributions(package_dir):
    """The distributions the plugin's modules import (the standard library left out)."""
    modules = set()
    for path in package_dir.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    modules -= set(sys.stdlib_module_names) | {"mkdocs_run_examples"}
    owners = importlib.metadata.packages_distributions()
    return {owners[module][0].lower().replace("_", "-") for module in modules}


def test_the_plugin_declares_every_package_it_imports(plugin):
    meta, _, _ = plugin
    declared = {Requirement(r).name.lower() for r in meta.get_all("Requires-Dist")}
    # mkdocs brings Markdown, which the plugin uses through it.
    declared |= {"markdown"}
    missing = imported_distributions(PLUGIN / "src" / "mkdocs_run_examples") - declared
    assert not missing, f"imported but not in plugin/pyproject.toml: {sorted(missing)}"
