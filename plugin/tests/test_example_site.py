"""The example site (plugin/tests/example) built for real, with every start method this
platform has, and in a Python that cannot fork: what CI runs on Linux, macOS and Windows;
and under Material for MkDocs as well as MkDocs' own theme, with the plugin's stylesheet.

Each build runs on a copy of the site in a temporary folder, so no cache is left here.
"""

import html
import importlib.resources
import multiprocessing
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).parent / "example"
# Where Python can fork; spawn is the build in a Python that cannot (below), as on Windows.
FORKING_METHODS = [
    method for method in multiprocessing.get_all_start_methods() if method in {"fork", "forkserver"}
]
# mkdocs' own command line, in a Python whose os module has no fork (as on Windows).
WITHOUT_FORK = (
    "import os, sys\n"
    "vars(os).pop('fork', None)\n"
    "from mkdocs.__main__ import cli\n"
    "sys.argv = ['mkdocs', 'build', '--strict', '-d', sys.argv[1]]\n"
    "cli()\n"
)
OUTPUT = re.compile(r'<div class="cb-output">\n(.*?)\n</div>', re.DOTALL)
PRINTED = re.compile(r'<pre class="cb-stdout[^"]*"><code>(.*?)</code></pre>', re.DOTALL)


def copy_example(tmp_path, **options):
    """A copy of the example site in ``tmp_path``, the plugin given ``options`` too."""
    project = tmp_path / "example"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".cache"))
    config_file = project / "mkdocs.yml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    [plugin] = [entry for entry in config["plugins"] if "run-examples" in entry]
    plugin["run-examples"].update(options)
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    return project


def run_python(project, *arguments, env=None):
    """``python <arguments>`` run in ``project`` (``env``: its environment, if not this
    process's), its output captured."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        env=env,
    )


def printed(site, page):
    """What each fence of ``page`` printed (or its traceback), as the built HTML shows it."""
    text = (site / page / "index.html").read_text(encoding="utf-8")
    outputs = OUTPUT.findall(text)
    return [html.unescape("\n".join(PRINTED.findall(output))) for output in outputs]


def assert_the_outputs_are_shown(site):
    """Each page's outputs, its image, and the plugin's stylesheet linked from every page."""
    stylesheet = importlib.resources.files("mkdocs_run_examples") / "run-examples.css"
    assert (site / "assets" / "run-examples.css").read_bytes() == stylesheet.read_bytes()
    for page, prefix in [(".", ""), ("chart", "../"), ("errors", "../")]:
        text = (site / page / "index.html").read_text(encoding="utf-8")
        assert re.search(rf'<link [^>]*href="{prefix}assets/run-examples.css"', text), page
    assert printed(site, ".") == ["area: 28.27", "twice the area: 56.55"]
    assert printed(site, "chart") == ["sum of squares: 55"]
    traceback, after = printed(site, "errors")
    assert traceback.startswith("Traceback (most recent call last):")
    assert traceback.rstrip().endswith("KeyError: 'b'")
    assert after == "still running after the error"
    chart = (site / "chart" / "index.html").read_text(encoding="utf-8")
    [image] = re.findall(r'<img src="\.\./(assets/examples/[^"]+\.png)"', chart)
    assert (site / image).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    idioms = (site / "idioms" / "index.html").read_text(encoding="utf-8")
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", idioms)
    assert captions == ["figure-1.png", "plots/growth.png"]  # plt.show(), a subfolder


@pytest.mark.parametrize("method", FORKING_METHODS)
def test_the_example_site_builds_with_each_start_method(tmp_path, method):
    project = copy_example(tmp_path, start_method=method)
    site = tmp_path / "site"
    result = run_python(project, "-m", "mkdocs", "build", "--strict", "-d", str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"running pages \d+ at a time by {method}\b", result.stderr), result.stderr
    assert_the_outputs_are_shown(site)


def test_the_example_site_builds_where_python_cannot_fork(tmp_path):
    """By spawn, which ``auto`` picks there: each page a fresh Python."""
    project = copy_example(tmp_path)  # start_method: auto
    site = tmp_path / "site"
    result = run_python(project, "-c", WITHOUT_FORK, str(site))
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"running pages \d+ at a time by spawn\b", result.stderr), result.stderr
    assert_the_outputs_are_shown(site)


def test_the_example_site_builds_under_material(tmp_path):
    """The same pages and outputs under Material (its mkdocs-material.yml inherits
    mkdocs.yml), the plugin's stylesheet linked after Material's own."""
    project = copy_example(tmp_path)
    site = tmp_path / "site"
    command = ["-m", "mkdocs", "build", "--strict", "-f", "mkdocs-material.yml", "-d", str(site)]
    result = run_python(project, *command)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_the_outputs_are_shown(site)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-md-color-scheme="default"' in index  # Material's page, light and dark
    *theme, plugin = re.findall(r'<link rel="stylesheet" href="([^"]+)"', index)
    assert plugin == "assets/run-examples.css"
    assert any(link.startswith("assets/stylesheets/main.") for link in theme)
