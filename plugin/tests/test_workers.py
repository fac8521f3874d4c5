"""The worker pool: every page starts from a fresh worker's state, and a page that
exits, crashes or hangs fails alone, naming its fence, and leaves nothing behind."""

import os
import tempfile
from pathlib import Path

import pytest

from mkdocs_run_examples import worker
from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.pool import WorkerPool
from mkdocs_run_examples.worker import Job


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory):
    """The workers' temporary folder: their scratch folders go there."""
    return tmp_path_factory.mktemp("worker-tmp")


@pytest.fixture(scope="module")
def pool(scratch_root):
    """One worker, so that every page of a test runs after the one before in it."""
    workers = WorkerPool(1, ["keras", "matplotlib.pyplot"])
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(scratch_root)
    try:
        workers.start()
    finally:
        if saved is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved
    yield workers
    workers.close()


def run(pool, code, timeout=120):
    """The worker's Outcome of a page made of ``code``'s fences (one string per fence)."""
    page = "\n".join(f"```python\n{fence}\n```\n" for fence in code)
    return pool.submit(Job("page", "page.md", find_fences(page), timeout)).result()


def printed(outcome):
    assert outcome.result is not None and outcome.result.failure is None, outcome
    return [output.stdout for output in outcome.result.outputs]


# What each page prints of the state a page can change; each changing one follows.
LEAKS = {
    "keras config": (
        "import keras\n"
        "keras.config.set_floatx('float64')\n"
        "keras.config.set_image_data_format('channels_first')\n"
        "keras.config.set_epsilon(1.0)",
        "import keras\n"
        "print(keras.config.floatx(), keras.config.image_data_format(), keras.config.epsilon())",
    ),
    "keras backend": (
        "import os\nimport keras.src.backend.config as config\n"
        "os.environ['KERAS_BACKEND'] = config._BACKEND = 'jax'",
        "import keras\nprint(keras.config.backend())",
    ),
    "keras layer names": (
        "import keras\nkeras.layers.Dense(1)",
        "import keras\nprint(keras.layers.Dense(1).name)",
    ),
    "random seeds": (
        "import random, numpy, keras\n"
        "random.seed(0)\nnumpy.random.seed(0)\nkeras.utils.set_random_seed(0)",
        "import numpy\nprint(numpy.random.get_state()[1][:3])",
    ),
    "matplotlib rcParams": (
        "import matplotlib.pyplot as plt\nplt.rcParams['lines.linewidth'] = 7",
        "import matplotlib.pyplot as plt\nprint(plt.rcParams['lines.linewidth'])",
    ),
    "environment variables": (
        "import os\nos.environ['LEAKED'] = '1'\nos.environ['PATH'] = ''",
        "import os, shutil\nprint(os.environ.get('LEAKED'), shutil.which('dot') is not None)",
    ),
    "working directory": (
        "import os\nos.chdir('/')",
        "import os, tempfile\nprint(os.getcwd().startswith(tempfile.gettempdir()))",
    ),
    "modules imported or patched": (
        "import sys, types, json\n"
        "json.dumps = lambda *args, **kwargs: 'patched'\n"
        "sys.modules['leaked'] = types.ModuleType('leaked')",
        "import sys, json\nprint(json.dumps([1]), 'leaked' in sys.modules)",
    ),
}


@pytest.mark.parametrize("kind", LEAKS)
def test_a_page_sees_a_fresh_worker_whatever_ran_before(pool, kind):
    change, show = LEAKS[kind]
    fresh = printed(run(pool, [show]))
    assert printed(run(pool, [change])) == [""]
    assert printed(run(pool, [show])) == fresh


def test_python_random_is_seeded_anew_for_each_page(pool):
    code = "import random\nprint(random.random())"
    assert printed(run(pool, [code])) != printed(run(pool, [code]))


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("import os\nos._exit(0)", "ended the process: exit status 0"),
        ("import os\nos._exit(3)", "ended the process: exit status 3"),
        ("import ctypes\nctypes.string_at(0)", "ended the process: killed by SIGSEGV"),
        ("while True:\n    pass", "timed out: the page did not finish within 2 s"),
    ],
    ids=["exit-0", "exit-3", "crash", "timeout"],
)
def test_a_page_that_ends_its_process_fails_at_its_fence(pool, code, problem):
    outcome = run(pool, ["print('before')", code, "print('after')"], timeout=2)
    assert outcome.result is None and outcome.problem == problem
    assert outcome.fence == 2
    assert [output.stdout for output in outcome.outputs] == ["before\n"]
    assert printed(run(pool, ["print('next page')"])) == ["next page\n"]


def test_sys_exit_is_an_exception_of_its_fence(pool):
    outcome = run(pool, ["import sys\nsys.exit(3)"])
    failure = outcome.result.failure
    assert (failure.fence, failure.kind, failure.summary) == (1, "raised", "SystemExit: 3")
    assert failure.frames[-1].line == 2 and failure.frames[-1].source == "sys.exit(3)"


def test_no_scratch_folder_is_left_even_by_a_killed_worker(pool, scratch_root):
    run(pool, ["open('x.png', 'wb').write(b'1')"])
    run(pool, ["while True:\n    pass"], timeout=1)
    assert list(scratch_root.iterdir()) == []
    stale = Path(tempfile.mkdtemp(prefix=f"{worker.SCRATCH_PREFIX}999999999-", dir=scratch_root))
    (stale / "left.png").write_bytes(b"x")
    worker.remove_stale_scratch(scratch_root)
    assert list(scratch_root.iterdir()) == []


def test_expected_errors_show_their_traceback_and_must_raise(pool):
    marker = "<!--pytest-codeblocks:expect-error-->\n"
    page = (
        f"{marker}```python\nimport keras\nkeras.layers.Dense(0)\n```\n"
        f"{marker}```python\nprint('fine')\n```\n"
    )
    outcome = pool.submit(Job("page", "page.md", find_fences(page), 60)).result()
    first = outcome.result.outputs[0]
    assert first.error.startswith("Traceback (most recent call last):\n")
    assert 'File "example 1", line 2, in <module>' in first.error
    assert first.error.splitlines()[-1].startswith("ValueError: Received an invalid value")
    assert str(Path.cwd()) not in first.error  # no path of the building machine
    assert outcome.result.failure.kind == "did not raise" and outcome.result.failure.fence == 2


def test_output_beyond_the_limit_is_cut(pool):
    fences = find_fences("```python\nprint('x' * 5000)\n```\n")
    outcome = pool.submit(Job("page", "page.md", fences, 60, output_limit=1000)).result()
    output = outcome.result.outputs[0]
    assert len(output.stdout) == 1000 and output.truncated == 4001


def test_a_pool_can_run_its_pages_at_a_lower_cpu_priority():
    """The pages' pool yields the cores to a notebook (the build's longest job).

    A page stays in the session of MkDocs: Linux weighs the CPU share of each session
    (autogroup) as a whole, so a page in a session of its own would ignore its niceness.
    """
    normal, lower = WorkerPool(1), WorkerPool(1, niceness=5)
    show = ["import os\nprint(os.nice(0), os.getsid(0))"]
    try:
        shown = [printed(run(each, show))[0].split() for each in (normal, lower)]
    finally:
        normal.close()
        lower.close()
    (normal_nice, normal_session), (lower_nice, lower_session) = shown
    assert int(lower_nice) == min(int(normal_nice) + 5, 19)
    assert normal_session == lower_session == str(os.getsid(0))


@pytest.mark.parametrize(
    ("serving", "notebooks", "expected"),
    [(False, 0, 3), (False, 1, 2), (False, 5, 1), (True, 1, 3)],
)
def test_a_notebook_that_runs_takes_a_page_worker_s_core(serving, notebooks, expected):
    """Its kernel keeps a core busy all along: a build starts one page worker fewer."""
    from mkdocs_run_examples.plugin import RunExamplesPlugin

    plugin = RunExamplesPlugin()
    plugin.load_config({"workers": 3})
    plugin.on_startup(command="serve" if serving else "build", dirty=False)
    plugin.notebook_runs = set()
    if serving:  # serve starts the pages' workers before it knows what runs
        plugin._workers("pages")
    plugin.notebook_runs = {f"notebook {n}" for n in range(notebooks)}
    pages = plugin._workers("pages")
    assert (pages.size, plugin._workers("notebooks").size) == (expected, 3)
