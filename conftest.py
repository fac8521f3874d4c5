"""Run every Python fence of every page under docs/, as the reader sees it.

pytest-codeblocks reads raw Markdown, where a fence holding ``--8<-- "file:section"``
is not yet the code the reader sees. So each page is first expanded with the
site's own pymdownx.snippets settings, then split into blocks by pytest-codeblocks'
extractor (``cont`` fences joined to the one before, ``pytest.mark`` markers
honoured) and each block is run by its test item, in a fresh Keras session and a
scratch directory, so plot_model's files do not land in the repository.
"""

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from pytest_codeblocks.main import extract_from_buffer
from pytest_codeblocks.plugin import TestBlock

from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parent
DOCS = ROOT / "docs"
SCRATCH = Path(tempfile.mkdtemp(prefix="convblocks-docs-"))


class ExpandedPage(pytest.File):
    """A docs page, its ``--8<--`` includes expanded, one item per example."""

    def collect(self):
        expander = SnippetExpander.from_mkdocs_yml(ROOT / "mkdocs.yml")
        text = expander.expand(self.path.read_text(encoding="utf-8"))
        blocks = [b for b in extract_from_buffer(io.StringIO(text)) if b.syntax == "python"]
        for number, block in enumerate(blocks, start=1):
            item = ExampleBlock.from_parent(self, name=f"example {number}", obj=block)
            for mark in block.marks:
                item.add_marker(eval(mark, {"sys": sys, "pytest": pytest}))
            yield item


class ExampleBlock(TestBlock):
    """One example (with the fences continuing it), run as a reader would run it."""

    def runtest(self):
        import keras

        keras.utils.clear_session(free_memory=False)  # a full gc.collect() costs 0.2 s
        page = self.path.relative_to(DOCS).with_suffix("")
        workdir = SCRATCH / page / self.name.replace(" ", "-")
        workdir.mkdir(parents=True, exist_ok=True)
        with contextlib.chdir(workdir):
            super().runtest()


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".md" and DOCS in file_path.parents:
        return ExpandedPage.from_parent(parent, path=file_path)
    return None


def pytest_unconfigure(config):
    shutil.rmtree(SCRATCH, ignore_errors=True)
