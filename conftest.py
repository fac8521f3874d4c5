"""Run every Python fence of every page under docs/, as the reader sees it; and the
library's docstring examples.

pytest-codeblocks reads raw Markdown, where a fence holding ``--8<-- "file:section"``
is not yet the code the reader sees. So each page is read as MkDocs reads it (front
matter removed) and split into fences by the build's own ``find_fences``, which
expands the includes with the site's pymdownx.snippets settings and knows the file
line of every line of code. Each example is a fence with the ``cont`` fences after it
(pytest-codeblocks' ``example N`` blocks), run by its test item with the build's own
runner (``runner.run_page``: a fresh ``__main__`` module and Keras session) in a scratch
directory, so plot_model's files do not land in the repository; what it prints is shown
as a test's output.

The markers are the build's, which are pytest-codeblocks' (see
mkdocs_run_examples/fences.py and markers.py), and so is how an example runs, in a
scratch folder holding the files beside the page that its code names, as the build lays
them out: a skipped example is skipped, one whose ``importorskip`` module is missing
too; an xfail example that raises is reported xfailed; ``pytest.mark.timeout(N)`` is
carried as a mark (pytest-timeout, if installed, enforces it). A fence the build cannot
run (``Fence.problem``) fails its example's item with the build's message. Unlike
pytest-codeblocks, every fence the build runs is collected: ```` ```py ````,
```` ```python title="x" ````, ``~~~python``...

A failure is reported as the build logs it (``failures.describe_failure``): at the file
line of the statement that raised, the innermost of the example's own lines
(``docs/en/vgg.md:167``, or ``src/convblocks/blocks/vgg.py:20`` for code included from
the library), with the exception and a traceback whose example frames name those file
lines. A page whose fences the build would reject fails to collect with the build's
one-line messages.

The Chinese pages hold the English pages' examples: where an example is the English
page's fence for fence, it runs once, under the English page, whose item names both
file lines (the translation's is deselected); an example that differs runs on its own.

The examples of src/convblocks' docstrings are found in its source, without importing it
(as ``--doctest-modules`` would, with Keras): each runs in its module's namespace, imported
when it runs. Both kinds run Keras, so they are marked for the worker that runs Keras
(``xdist_group("keras")``, see tests/helpers.py).
"""

import ast
import contextlib
import doctest
import importlib
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from _pytest._code.code import ExceptionChainRepr, ReprFileLocation, ReprTracebackNative
from _pytest.doctest import _get_checker, _get_continue_on_failure, _get_runner, get_optionflags

from mkdocs_run_examples.failures import describe_failure, failure_headline, failure_location
from mkdocs_run_examples.fences import FenceError, read_page
from mkdocs_run_examples.guard import place_files
from mkdocs_run_examples.page_files import data_files
from mkdocs_run_examples.runner import run_page
from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parent
DOCS = ROOT / "docs"
LIBRARY = ROOT / "src"
KERAS = pytest.mark.xdist_group("keras")
SCRATCH = Path(tempfile.mkdtemp(prefix="convblocks-docs-"))
_EXPANDER = []  # the site's SnippetExpander, made on first use


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "timeout(seconds): a docs example that may run longer than the build's page "
        "timeout (<!--pytest.mark.timeout(600)--> before its fence)",
    )
    # tests/conftest.py runs these first, beside the site build: they leave it a core.
    config.addinivalue_line(
        "markers", "waits: the test mostly waits (on pages asleep until their time limit)"
    )
    # pytest-xdist's own mark, known here too: a run without it (-p no:xdist) still collects
    # the tests that carry it.
    config.addinivalue_line(
        "markers", "xdist_group(name): the group's tests run in one pytest-xdist worker"
    )


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".md" and DOCS in file_path.parents:
        return ExpandedPage.from_parent(parent, path=file_path)
    if file_path.suffix == ".py" and LIBRARY in file_path.parents:
        return LibraryModule.from_parent(parent, path=file_path)
    return None


class LibraryModule(pytest.File):
    """A module of the library: one item per docstring with examples, named as
    ``--doctest-modules`` names it (``convblocks.cost.block_cost``)."""

    @property
    def module_name(self):
        return ".".join(self.path.relative_to(LIBRARY).with_suffix("").parts).removesuffix(
            ".__init__"
        )

    def collect(self):
        runner = _get_runner(
            verbose=False,  # else doctest's: whether sys.argv holds -v
            checker=_get_checker(),
            optionflags=get_optionflags(self.config),
            continue_on_failure=_get_continue_on_failure(self.config),
        )
        tree = ast.parse(self.path.read_text(encoding="utf-8"))
        for name, docstring, line in _docstrings(tree, self.module_name):
            # line: the docstring's first line, so that a failure names the example's line
            test = doctest.DocTestParser().get_doctest(docstring, {}, name, str(self.path), line)
            if test.examples:
                item = LibraryExample.from_parent(self, name=name, runner=runner, dtest=test)
                item.add_marker(KERAS)
                yield item


def _docstrings(node, name):
    """(qualified name, docstring, its 0-based line) of ``node`` and of the classes and
    functions it defines, as doctest's finder walks a module and its classes."""
    docstring = ast.get_docstring(node, clean=False)
    if docstring is not None:
        yield name, docstring, node.body[0].lineno - 1
    if isinstance(node, ast.Module | ast.ClassDef):
        for child in node.body:
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                yield from _docstrings(child, f"{name}.{child.name}")


class LibraryExample(pytest.DoctestItem):
    """A docstring's examples, run in its module's namespace."""

    def setup(self):
        module = importlib.import_module(self.parent.module_name)
        self.dtest.globs.update(vars(module))
        super().setup()


def pytest_unconfigure(config):
    shutil.rmtree(SCRATCH, ignore_errors=True)


def expander():
    if not _EXPANDER:
        _EXPANDER.append(SnippetExpander.from_mkdocs_yml(ROOT / "mkdocs.yml"))
    return _EXPANDER[0]


class ExpandedPage(pytest.File):
    """A docs page, its ``--8<--`` includes expanded, one item per example."""

    def collect(self):
        text = self.path.read_text(encoding="utf-8-sig")  # as MkDocs reads a page
        try:
            _, fences = read_page(
                text, path=self.path.relative_to(ROOT).as_posix(), expander=expander()
            )
        except FenceError as error:
            raise self.CollectError(str(error)) from None
        examples = []
        for fence in fences:
            if fence.continues:
                examples[-1].append(fence)
            else:
                examples.append([fence])
        for number, example in enumerate(examples, start=1):
            item = ExampleBlock.from_parent(self, name=f"example {number}", fences=example)
            item.add_marker(KERAS)
            if example[0].skip:
                item.add_marker(pytest.mark.skip(reason=f"{example[0].location}: skipped"))
            timeouts = [fence.timeout for fence in example if fence.timeout is not None]
            if timeouts:
                item.add_marker(pytest.mark.timeout(sum(timeouts)))
            yield item


class ExampleFailed(Exception):
    """A fence of the example raised, or did not raise though marked expect-error:
    ``failure`` is the runner's ``records.Failure``."""

    def __init__(self, failure):
        super().__init__(failure_headline(failure))
        self.failure = failure


def pytest_collection_modifyitems(config, items):
    """An example of a translated page that is its English page's, fence for fence (code
    and markers), runs once, as in the build: its item is deselected and the English
    one's report names it too. One that differs runs on its own."""
    english = {
        (item.page, item.signature): item
        for item in items
        if isinstance(item, ExampleBlock) and item.language == "en"
    }
    twins = []
    for item in items:
        if isinstance(item, ExampleBlock) and item.language != "en":
            original = english.get((item.page, item.signature))
            if original is not None:
                original.twins.append(item.fences[0].location)
                twins.append(item)
    if twins:
        config.hook.pytest_deselected(items=twins)
        deselected = set(twins)
        items[:] = [item for item in items if item not in deselected]


class ExampleBlock(pytest.Item):
    """One example (a fence and the fences continuing it), run as a reader would run it."""

    def __init__(self, *, fences, **kwargs):
        super().__init__(**kwargs)
        self.fences = fences
        self.language, *page = self.path.relative_to(DOCS).parts
        self.page = "/".join(page)
        self.signature = tuple((f.code, f.behaviour, f.timeout) for f in fences)
        self.twins = []  # where the translations show this example

    def runtest(self):
        problems = [fence.problem for fence in self.fences if fence.problem]
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)
        page = self.path.relative_to(DOCS).with_suffix("")
        # The files beside the page its code names, laid out as the build lays them out.
        files = data_files(self.fences, self.path, DOCS)
        folder = self.path.parent.relative_to(DOCS).as_posix()
        workdir = place_files(files, folder, SCRATCH / page / self.name.replace(" ", "-"))
        with contextlib.chdir(workdir):
            # The build's runner: it captures what the fences print; pytest shows it.
            run = run_page(self.fences, sys.maxsize, finished=_show)
        for message in run.warnings:
            print(message, file=sys.stderr)
        if run.failure is not None:
            if run.failure.summary == "KeyboardInterrupt":  # Ctrl-C stops pytest, as before
                raise KeyboardInterrupt
            raise ExampleFailed(run.failure)
        if run.ended:  # the build warns of them, so --strict fails: so does the test
            ended = "; ".join(f"fence {fence}: {process}" for fence, process in run.ended)
            pytest.fail(f"processes still running at the end of the example, ended: {ended}")
        if all(output.skipped for output in run.outputs):
            pytest.skip(f"{self.fences[0].location}: {self.fences[0].importorskip} is missing")
        if any(output.error for output in run.outputs):
            pytest.xfail(f"{self.fences[0].location}: raised, as its xfail mark expects")

    def repr_failure(self, excinfo, style=None):
        """The build's report: the file line that raised (pytest's crash location, which
        --tb=line prints alone), then the traceback, its example frames at file lines."""
        if not isinstance(excinfo.value, ExampleFailed):
            return super().repr_failure(excinfo, style=style)
        failure = excinfo.value.failure
        crash = ReprFileLocation(*failure_location(failure, self.fences), str(excinfo.value))
        lines = []
        if self.config.getoption("tbstyle", "auto") != "line":
            lines.append(describe_failure(failure, self.fences) + "\n")
        if self.twins:
            lines.append(f"The same example is on {', '.join(self.twins)}.\n")
        return ExceptionChainRepr([(ReprTracebackNative(lines), crash, None)])

    def reportinfo(self):
        first = self.fences[0]
        locations = ", ".join([first.location, *self.twins])
        return self.path, first.line - 1, f"{self.name} ({locations})"


def _show(output):
    """Print what a fence printed, for pytest to capture and show."""
    sys.stdout.write(output.stdout)
