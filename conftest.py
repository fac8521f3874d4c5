"""Run every Python fence of every page under docs/, as the reader sees it; and the
library's docstring examples.

pytest-codeblocks reads raw Markdown, where a fence holding ``--8<-- "file:section"``
is not yet the code the reader sees. So each page is read as MkDocs reads it (front
matter removed) and split into fences by the build's own ``find_fences``, which
expands the includes with the site's pymdownx.snippets settings and knows the file
line of every line of code. Each example is a fence with the ``cont`` fences after it
(pytest-codeblocks' ``example N`` blocks), run by its test item in a fresh Keras
session and a scratch directory, so plot_model's files do not land in the repository.

The markers are the build's (see mkdocs_run_examples/fences.py): ``pytest.mark.skip``
on the first fence skips the example (on a ``cont`` fence, that fence only);
``pytest-codeblocks:expect-error`` makes a fence fail the test unless it raises, and
the fences after it still run, as in the build; ``pytest.mark.timeout(N)`` is carried
as a mark (pytest-timeout, if installed, enforces it).

A failure is reported at the file line of the statement that raised, innermost first
among the example's own lines (``docs/en/vgg.md:167``, or
``src/convblocks/blocks/vgg.py:20`` for code included from the library), with the
exception and a traceback whose example frames name those file lines. A page whose
fences the build would reject fails to collect with the build's one-line messages.

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
import linecache
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import pytest
from _pytest._code.code import ExceptionChainRepr, ReprFileLocation, ReprTracebackNative
from _pytest.doctest import _get_checker, _get_continue_on_failure, _get_runner, get_optionflags

from mkdocs_run_examples.fences import FenceError, format_location, read_page
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
                item.add_marker(pytest.mark.skip(reason=f"{example[0].location}: marked skip"))
            timeouts = [fence.timeout for fence in example if fence.timeout is not None]
            if timeouts:
                item.add_marker(pytest.mark.timeout(sum(timeouts)))
            yield item


class ExampleFailed(Exception):
    """A fence of the example raised, or did not raise though marked expect-error:
    ``location`` = (path, line) to report, ``lines`` = the report."""

    def __init__(self, location, headline, lines):
        super().__init__(headline)
        self.location, self.headline, self.lines = location, headline, lines


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
        self.files = {}  # the name each fence's code is compiled under -> the fence
        self.language, *page = self.path.relative_to(DOCS).parts
        self.page = "/".join(page)
        self.signature = tuple(
            (f.code, f.continues, f.skip, f.expect_error, f.timeout) for f in fences
        )
        self.twins = []  # where the translations show this example

    def runtest(self):
        keras = sys.modules.get("keras")  # a block that has not imported it has no session
        if keras is not None:
            keras.utils.clear_session(free_memory=False)  # a full gc.collect() costs 0.2 s
        page = self.path.relative_to(DOCS).with_suffix("")
        workdir = SCRATCH / page / self.name.replace(" ", "-")
        workdir.mkdir(parents=True, exist_ok=True)
        namespace = {"__name__": "__main__"}
        with contextlib.chdir(workdir):
            for fence in self.fences:
                if fence.skip:
                    continue
                filename = f"<{fence.location}>"
                self.files[filename] = fence
                # So tracebacks, inspect.getsource and autograph see the code.
                linecache.cache[filename] = (
                    len(fence.code),
                    None,
                    fence.code.splitlines(keepends=True),
                    filename,
                )
                try:
                    exec(compile(fence.code, filename, "exec"), namespace)
                except Exception:
                    if fence.expect_error:
                        continue
                    raise  # reported by repr_failure; --pdb gets the example's frames
                if fence.expect_error:
                    headline = "the fence is marked expect-error but raised nothing"
                    path, line = fence.path, fence.line
                    lines = [f"{format_location(path, line)}: {headline}\n"]
                    raise ExampleFailed((path, line), headline, lines)

    def repr_failure(self, excinfo, style=None):
        failure = excinfo.value
        fulltrace = self.config.getoption("fulltrace", False)
        if not isinstance(failure, ExampleFailed) and self.files and not fulltrace:
            failure = _failure(failure, self.files)
        if isinstance(failure, ExampleFailed):
            crash = ReprFileLocation(*failure.location, failure.headline)
            # --tb=line prints the crash line alone
            lines = [] if self.config.getoption("tbstyle", "auto") == "line" else failure.lines
            if self.twins:
                lines = [*lines, f"The same example is on {', '.join(self.twins)}.\n"]
            return ExceptionChainRepr([(ReprTracebackNative(lines), crash, None)])
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        first = self.fences[0]
        locations = ", ".join([first.location, *self.twins])
        return self.path, first.line - 1, f"{self.name} ({locations})"


def _failure(error, files):
    """ExampleFailed for ``error``, its example frames at the file lines they came from."""
    report = traceback.TracebackException.from_exception(error)
    crash = _relocate(report, files)
    headline = _headline(error)
    if crash is None:  # a SyntaxError without a line, or no example frame at all
        crash = next(iter(files.values())).path, next(iter(files.values())).line
    lines = [f"{format_location(*crash)}: {headline}\n", *report.format()]
    return ExampleFailed(crash, headline, lines)


def _relocate(report, files, seen=None):
    """Point the frames (and a SyntaxError) of ``report`` and the exceptions it chains at
    the file lines of the example code; drop the frames before the first example frame
    (pytest's, this file's). The file line of the innermost example frame, or None."""
    seen = set() if seen is None else seen
    if id(report) in seen:
        return None
    seen.add(id(report))
    for chained in (report.__cause__, report.__context__):
        if chained is not None:
            _relocate(chained, files, seen)
    crash, frames = None, []
    for frame in report.stack:
        fence = files.get(frame.filename)
        if fence is None:
            if frames:
                frames.append(frame)
            continue
        path, line = fence.origin(frame.lineno)
        end = line + (frame.end_lineno - frame.lineno) if frame.end_lineno else None
        frames.append(
            traceback.FrameSummary(
                path,
                line,
                frame.name,
                lookup_line=False,
                line=_code_line(fence, frame.lineno),
                end_lineno=end,
                colno=frame.colno,
                end_colno=frame.end_colno,
            )
        )
        crash = (path, line)
    report.stack = traceback.StackSummary.from_list(frames)
    fence = files.get(getattr(report, "filename", None))
    if fence is not None and report.lineno is not None:  # a SyntaxError in the example
        crash = fence.origin(int(report.lineno))
        report.filename, report.lineno, report.end_lineno = crash[0], str(crash[1]), None
    return crash


def _code_line(fence, number):
    """The line as compiled (with its newline: traceback's carets count on it)."""
    lines = fence.code.split("\n")
    return lines[number - 1] + "\n" if 0 < number <= len(lines) else ""


def _headline(error):
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    message = message.strip().split("\n")[0]
    name = type(error).__qualname__
    return f"{name}: {message}" if message else name
