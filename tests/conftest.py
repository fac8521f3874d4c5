import json
import os
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest
from helpers import ROOT, mkdocs_build

# Keras is imported where it is used: pytest-xdist's controller loads this file too,
# and has no use for TensorFlow's 3 s import.


@pytest.fixture
def shapes_only():
    """Models built in the test get weights with shapes but no values: enough to count, fast."""
    import keras

    with keras.StatelessScope(initialize_variables=False):
        yield


class SiteBuild:
    """The whole site, both languages, built once per test run, in the background.

    The first pytest-xdist worker to start claims the build (creating ``site.builder``
    can succeed only once) and runs it in a thread while its tests go on; whoever
    needs the site waits for ``site.status``, which the build writes when it ends.
    """

    def __init__(self, run_dir):
        self.site_dir, self.status = run_dir / "site", run_dir / "site.status"
        self.thread = None
        try:
            (run_dir / "site.builder").open("x").close()
        except FileExistsError:
            return
        self.thread = threading.Thread(target=self._build, daemon=True)
        self.thread.start()

    def _build(self):
        try:
            result = mkdocs_build(ROOT, "-d", str(self.site_dir))
            status = [result.returncode, result.stderr[-5000:]]
        except Exception as error:  # the workers waiting for the site must hear of it too
            status = [-1, repr(error)]
        written = self.status.with_suffix(".partial")
        written.write_text(json.dumps(status))
        written.replace(self.status)

    def result(self, timeout=900):
        deadline = time.monotonic() + timeout
        while not self.status.exists():
            assert time.monotonic() < deadline, f"the site build did not end in {timeout} s"
            time.sleep(0.2)
        returncode, stderr = json.loads(self.status.read_text())
        assert returncode == 0, stderr
        return self.site_dir


@pytest.fixture(scope="session", autouse=True)
def site_build(request, tmp_path_factory):
    """Starts the build with the session, if any test of the run needs the site."""
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


def pytest_collection_modifyitems(items):
    """The tests of the built site go last, so that the others run while it builds.

    Among them the browser's, the slowest, go first: the run ends on short tests,
    which keep every worker busy to the end.
    """
    items.sort(key=lambda item: (needs_site(item), item.path.name != "test_browser.py"))


def needs_site(item):
    return "site" in getattr(item, "fixturenames", ())  # docs examples are not Python functions
