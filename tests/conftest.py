import gc
import json
import os
import sys
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest
from helpers import KERAS, ROOT, copy_repository, start_mkdocs_build, weights_without_values
from xdist.scheduler import LoadScopeScheduling

# Keras is imported where it is used: pytest-xdist's controller loads this file too,
# and has no use for TensorFlow's 3 s import.


@pytest.fixture(autouse=True)
def keras_only_where_marked(request):
    """A test that imports Keras is marked ``helpers.KERAS``: in `make test`, the worker
    that runs the other tests never imports TensorFlow. What the first Keras test imported
    (TensorFlow and Keras: over 400,000 objects) stays for the run: frozen, Python's cyclic
    garbage collector no longer goes through it each time a test that builds models sets
    it off."""
    imported = "keras" in sys.modules
    yield
    if not imported and "keras" in sys.modules:
        gc.freeze()
        group = request.node.get_closest_marker("xdist_group")
        assert group is not None and group.args == KERAS.args, (
            "this test imports Keras: mark it helpers.KERAS"
        )


@pytest.fixture
def shapes_only():
    """Models built in the test get weights with shapes but no values: enough to count, fast."""
    with weights_without_values():
        yield


class SiteBuild:
    """The whole site, both languages, built once per test run, in the background.

    Whoever comes first claims the build (creating ``site.builder`` can succeed only
    once): pytest's main process at the start of a whole-suite run, else the first
    pytest-xdist worker with a test that needs the site. A thread waits for ``mkdocs
    build`` while the tests go on; whoever needs the site waits for ``site.status``,
    which the thread writes when the build ends.
    """

    def __init__(self, run_dir):
        self.site_dir, self.status = run_dir / "site", run_dir / "site.status"
        self.thread = self.process = None
        try:
            (run_dir / "site.builder").open("x").close()
        except FileExistsError:
            return
        try:
            self.process = start_mkdocs_build(ROOT, "-d", str(self.site_dir))
        except OSError as error:  # whoever waits for the site must hear of it too
            self._write([-1, repr(error)])
            raise
        self.thread = threading.Thread(target=self._wait, daemon=True)
        self.thread.start()

    def _wait(self):
        _, stderr = self.process.communicate()
        self._write([self.process.returncode, stderr[-5000:]])

    def _write(self, status):
        written = self.status.with_suffix(".partial")
        written.write_text(json.dumps(status))
        written.replace(self.status)

    def stop(self):
        """End the build if it still runs (the run no longer needs it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.thread is not None:
            self.thread.join()

    def result(self, timeout=900):
        deadline = time.monotonic() + timeout
        while not self.status.exists():
            assert time.monotonic() < deadline, f"the site build did not end in {timeout} s"
            time.sleep(0.2)
        returncode, stderr = json.loads(self.status.read_text())
        assert returncode == 0, stderr
        return self.site_dir


EARLY_BUILD = pytest.StashKey[SiteBuild]()


def pytest_sessionstart(session):
    """The whole suite: the site build starts before the tests are collected, and goes
    first. It is the run's longest path (the build, then the tests of the built site),
    so the tests, started after this, run at a lower CPU priority than its pages: they
    take what the build leaves (its pages run at niceness 10, the tests at 15)."""
    config = session.config
    whole_suite = config.args_source == config.ArgsSource.TESTPATHS and not (
        config.option.keyword or config.option.markexpr
    )
    if whole_suite and not os.environ.get("PYTEST_XDIST_WORKER"):
        config.stash[EARLY_BUILD] = SiteBuild(config._tmp_path_factory.getbasetemp())
        os.nice(max(0, 15 - os.nice(0)))


def pytest_sessionfinish(session):
    build = session.config.stash.get(EARLY_BUILD, None)
    if build is not None:
        build.stop()


@pytest.fixture(scope="session", autouse=True)
def site_build(request, tmp_path_factory):
    """Starts the build with the session, if any test of the run needs the site and
    the run has not started it already."""
    if not any(needs_site(item) for item in request.session.items):
        yield None
        return
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # the workers' directories sit side by side in the run's
    build = SiteBuild(run_dir)
    yield build
    if build.thread is not None:
        build.thread.join()  # another worker may still need it


@pytest.fixture(scope="session")
def site(site_build):
    """The built site (waits for the background build)."""
    return site_build.result()


@pytest.fixture
def repository(site, tmp_path):
    """A copy of the repository's files, with the example cache the site's build filled."""
    return copy_repository(tmp_path / "repository")


GROUPS = "xdist-groups.json"  # in the run's folder: {node id: group} of the marked tests


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which -p no:xdist leaves out
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return GroupScheduling(config, log)
    return None


class GroupScheduling(LoadScopeScheduling):
    """``--dist loadgroup`` as pytest-xdist means it: the tests of one ``xdist_group`` go
    to one worker, the others one at a time. pytest-xdist 3.8 writes the group into each
    test's node id, which pytest 9 no longer lets it change: the workers write the groups
    to a file of the run's folder instead, read once every worker has collected."""

    def _split_scope(self, nodeid):
        if not hasattr(self, "groups"):
            run_dir = self.config._tmp_path_factory.getbasetemp()
            self.groups = json.loads((run_dir / GROUPS).read_text())
        return self.groups.get(nodeid, nodeid)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist tells the controller it has collected
def pytest_collection_finish(session):
    """A worker of ``--dist loadgroup`` writes the tests' groups. What collection imported
    stays for the run, frozen (see keras_only_where_marked)."""
    if session.config.getoption("loadgroup", False):  # set in pytest-xdist's workers only
        groups = {}
        for item in session.items:
            mark = item.get_closest_marker("xdist_group")
            if mark is not None:
                groups[item.nodeid] = mark.args[0]
        run_dir = session.config._tmp_path_factory.getbasetemp().parent
        written = run_dir / f"{GROUPS}.{os.getpid()}"
        written.write_text(json.dumps(groups))
        written.replace(run_dir / GROUPS)
    gc.freeze()


def pytest_unconfigure(config):
    """The run is over: what it leaves (the models, the browser's objects) goes with the
    process. Collected on the way out, it would hold up a worker's exit for seconds."""
    gc.freeze()


def pytest_collection_modifyitems(items):
    """The tests of the built site go last, so that the others run while it builds.

    The tests that mostly wait go first: while the build runs, it takes the core a
    waiting worker leaves. Among the site's tests the browser's, the slowest, go first:
    the run ends on short tests, which keep every worker busy to the end. (The tests that
    run Keras keep this order among themselves, in the worker that runs them.)
    """
    items.sort(
        key=lambda item: (
            needs_site(item),
            item.get_closest_marker("waits") is None,
            item.path.name != "test_browser.py",
        )
    )


def needs_site(item):
    return "site" in getattr(item, "fixturenames", ())  # docs examples are not Python functions
