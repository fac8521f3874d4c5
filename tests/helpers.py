"""What several test files share: the repository root, Keras imported lazily and the mark
of the tests that use it, a model of one block, the whole models the tests count, and the
one way the tests run ``mkdocs build``. Imported by name (``from helpers import ...``);
the fixtures are in conftest.py, which no test imports."""

import contextlib
import functools
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parents[1]

# The tests that run Keras, in one pytest-xdist worker (`make test` runs --dist loadgroup):
# importing TensorFlow costs a process 8 s of CPU, and the other worker never pays it.
KERAS = pytest.mark.xdist_group("keras")


class LazyModule:
    """Module ``name``, imported when a test first uses one of its names, not when pytest
    collects the test file. (Collecting, pytest reads private and special attributes of
    every global of the file: a lazy module has none.)"""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return getattr(importlib.import_module(self._name), attribute)


def source_version():
    """``convblocks.__version__``, read without importing Keras."""
    text = (ROOT / "src" / "convblocks" / "__init__.py").read_text("utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)[1]


def page_path(language, name=""):
    """Where the site puts a page: ``""`` for the English home, ``"zh/vgg/"`` for the
    Chinese vgg.md (English, the default language, is at the root)."""
    prefix = "" if language == "en" else f"{language}/"
    return f"{prefix}{name}/" if name else prefix


@functools.cache
def site_expander():
    """The site's SnippetExpander: ``--8<--`` lines expanded as the build expands them."""
    return SnippetExpander.from_mkdocs_yml(ROOT / "mkdocs.yml")


def block_model(block, input_shape, *args, **kwargs):
    """A model of ``block`` alone on an input of ``input_shape``."""
    import keras  # here, not at the top: collecting the tests imports no Keras

    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, block(inputs, *args, **kwargs))


@contextlib.contextmanager
def weights_without_values():
    """Models built inside get weights with shapes but no values: enough to count, fast."""
    import keras

    with keras.StatelessScope(initialize_variables=False):
        yield


@functools.cache
def counted_model(builder, *args, **kwargs):
    """``builder(*args, **kwargs)``, one of convblocks' whole models, built once per process
    without weight values: for the tests that count them, in several files (a ResNet-152
    takes seconds to build). Tests only read it."""
    with weights_without_values():
        return builder(*args, **kwargs)


def mkdocs_build(project=ROOT, *options, **environment):
    """``mkdocs build --strict`` of ``project`` (the site by default, with its example
    cache), without the repository variable unless given; the CompletedProcess."""
    build = start_mkdocs_build(project, *options, **environment)
    stdout, stderr = build.communicate()
    return subprocess.CompletedProcess(build.args, build.returncode, stdout, stderr)


def start_mkdocs_build(project=ROOT, *options, **environment):
    """The same build, started: its Popen."""
    env = {name: value for name, value in os.environ.items() if name != "CONVBLOCKS_REPOSITORY"}
    env.update(NO_MKDOCS_2_WARNING="1", **environment)
    return subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *options],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@functools.cache
def glossary(language="zh"):
    """The rows of the glossary page's table in ``language``: (English, Chinese, the
    renderings not to use, usage). The Chinese page is the one the tests hold the pages to."""
    rows = []
    for line in (ROOT / "docs" / language / "glossary.md").read_text("utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and not set(cells[0]) <= set("-"):
            rows.append((*cells[:2], tuple(t for t in cells[2].split("、") if t), cells[3]))
    return rows[1:]  # the header row


def rejected_terms():
    """The glossary's "do not use" column: every rendering a Chinese page must not use."""
    return [term for _, _, rejected, _ in glossary() for term in rejected]


def copy_repository(copy, caches=True):
    """Copy the repository's files into ``copy``, with the example cache and the other
    caches its last build filled (a contributor's clone after a build), or without them
    (a fresh clone)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    for cache in ("run-examples", "jinja", "mkdocs-jupyter", "jieba") if caches else ():
        if (ROOT / ".cache" / cache).is_dir():
            shutil.copytree(ROOT / ".cache" / cache, copy / ".cache" / cache)
    return copy


def copy_environment(copy):
    """The environment of a copy's commands: its library and plugin first, as in its own
    virtualenv."""
    paths = [str(copy / "src"), str(copy / "plugin" / "src"), *sys.path]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def build_copy(copy):
    """``mkdocs build --strict`` in the copy: the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=copy,
        capture_output=True,
        text=True,
        env=copy_environment(copy),
        timeout=900,
    )
