"""The pool, under every start method: each page runs in a fresh process, whatever ran
before it; a page that exits, crashes or hangs fails alone, at its fence; nothing is left
behind, and a build's scratch folders are never another build's to remove."""

import multiprocessing
import os
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from mkdocs_run_examples import scratch
from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.pool import WorkerPool, start_method
from mkdocs_run_examples.records import FailureKind, Job
from mkdocs_run_examples.scratch import ScratchRoot, remove_stale_scratch

METHODS = [
    m for m in ("forkserver", "fork", "spawn") if m in multiprocessing.get_all_start_methods()
]
# What the fork server imports, the same for every pool here: a process has one fork server,
# and whichever pool starts it first gives it its imports.
PRELOAD = ["keras", "matplotlib.pyplot"]
pytestmark = [
    # Under fork, a page is a fork of pytest's own process, which runs threads
    # (pytest-xdist's): Python 3.12 and later warn of it, as they would of MkDocs'. It is
    # why the default is the fork server; the pages here run all the same.
    pytest.mark.filterwarnings(
        "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
    ),
    # In one pytest-xdist worker: every worker would start a fork server of its own, and
    # import Keras into it.
    pytest.mark.xdist_group("pool"),
]


@pytest.fixture(scope="module", params=METHODS)
def pool(request):
    """One process at a time, so that every page of a test runs after the one before.
    Under fork, the pool would import ``preload`` into pytest's own process: none here."""
    workers = WorkerPool(1, PRELOAD if request.param == "forkserver" else [], method=request.param)
    yield workers
    workers.close()


@pytest.fixture(scope="module")
def keras_pool():
    """Pages that import Keras, warm: forks of the fork server, which imported it once."""
    workers = WorkerPool(1, PRELOAD, method="forkserver")
    yield workers
    workers.close()


def run(pool, code, timeout=120, output_limit=100_000):
    """The Outcome of a page made of ``code``'s fences (one string per fence)."""
    return submit(pool, code, timeout, output_limit).result()


def submit(pool, code, timeout=120, output_limit=100_000):
    """A future of that Outcome."""
    page = "\n".join(f"```python\n{fence}\n```\n" for fence in code)
    job = Job("page", "page.md", tuple(find_fences(page)), timeout, output_limit)
    return pool.submit(job)


def printed(outcome):
    assert outcome.run is not None and outcome.run.failure is None, outcome
    return [output.stdout for output in outcome.run.outputs]


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
        "import os, shutil\nprint(os.environ.get('LEAKED'), shutil.which('python') is not None)",
    ),
    "working directory": (
        "import os\nos.chdir('/')",
        "import os\nprint(os.path.basename(os.getcwd()).startswith('job-'))",
    ),
    "modules imported or patched": (
        "import sys, types, json\n"
        "json.dumps = lambda *args, **kwargs: 'patched'\n"
        "sys.modules['leaked'] = types.ModuleType('leaked')",
        "import sys, json\nprint(json.dumps([1]), 'leaked' in sys.modules)",
    ),
}
PROCESS_STATE = (
    "import json, os, sys, types\n"
    "os.environ['LEAKED'] = '1'\nos.environ['PATH'] = ''\nos.chdir('/')\n"
    "json.dumps = lambda *args, **kwargs: 'patched'\n"
    "sys.modules['leaked'] = types.ModuleType('leaked')",
    "import json, os, shutil, sys\n"
    "print(os.environ.get('LEAKED'), shutil.which('python') is not None,\n"
    "      os.path.basename(os.getcwd()).startswith('job-'), json.dumps([1]),\n"
    "      'leaked' in sys.modules)",
)


@pytest.mark.parametrize("kind", LEAKS)
def test_a_warm_page_sees_a_fresh_process_whatever_ran_before(keras_pool, kind):
    change, show = LEAKS[kind]
    fresh = printed(run(keras_pool, [show]))
    assert printed(run(keras_pool, [change])) == [""]
    assert printed(run(keras_pool, [show])) == fresh


def test_a_page_sees_a_fresh_process_under_every_start_method(pool):
    """What Python itself holds, in one page: the environment, the working directory,
    patched and added modules (the pages that import Keras: the test above)."""
    change, show = PROCESS_STATE
    fresh = printed(run(pool, [show]))
    assert fresh == ["None True True [1] False\n"]
    assert printed(run(pool, [change])) == [""]
    assert printed(run(pool, [show])) == fresh


def test_python_random_is_seeded_anew_for_each_page(pool):
    code = "import random\nprint(random.random())"
    assert printed(run(pool, [code])) != printed(run(pool, [code]))


# How a page's second fence ends its process, and what the build is told.
ENDINGS = {
    "exit-0": ("import os\nos._exit(0)", FailureKind.EXITED, "exit status 0"),
    "exit-3": ("import os\nos._exit(3)", FailureKind.EXITED, "exit status 3"),
    "crash": ("import ctypes\nctypes.string_at(0)", FailureKind.EXITED, "killed by SIGSEGV"),
    "timeout": (  # asleep: it keeps no core busy while it waits
        "import time\ntime.sleep(600)",
        FailureKind.TIMED_OUT,
        "the page did not finish within 2 s",
    ),
}


@pytest.mark.waits
@pytest.mark.parametrize("method", METHODS)
def test_pages_that_end_their_process_fail_alone_at_their_fence(method, tmp_path):
    """Each ending in a page of its own, all at once (the time limit is waited out once):
    each fails at fence 2 and keeps fence 1's output; a child process that a page left
    running is killed with it at its time limit; no scratch folder is left; the next page
    runs."""
    pid_file = tmp_path / "child.pid"
    starts_a_child = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(600)"
    )
    pages = {name: code for name, (code, _, _) in ENDINGS.items()} | {"child": starts_a_child}
    pool = WorkerPool(len(pages), PRELOAD if method == "forkserver" else [], method=method)
    try:
        futures = {
            name: submit(pool, ["print('before')", code, "print('after')"], timeout=2)
            for name, code in pages.items()
        }
        for name, (_, kind, summary) in ENDINGS.items():
            ended = futures[name].result().run
            failure = ended.failure
            assert (failure.fence, failure.kind, failure.summary) == (2, kind, summary)
            assert [output.stdout for output in ended.outputs] == ["before\n"]
        assert futures["child"].result().run.failure.kind is FailureKind.TIMED_OUT
        _assert_ends(int(pid_file.read_text()))
        assert {path.name for path in pool._scratch.path.iterdir()} <= {".lock", "server.log"}
        assert printed(run(pool, ["print('next page')"])) == ["next page\n"]
    finally:
        pool.close()


@pytest.mark.waits
def test_a_page_s_time_limit_counts_from_its_process_s_start(tmp_path, monkeypatch):
    """A process slow to start (a fresh interpreter importing ``preload``, a busy machine)
    does not use up its page's time; a start-up has a limit of its own."""
    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(1.5)\n")
    (tmp_path / "never_imported.py").write_text("import time\ntime.sleep(600)\n")
    monkeypatch.syspath_prepend(str(tmp_path))  # a spawned process gets the same sys.path
    slow = WorkerPool(1, ["slow_to_import"], method="spawn")
    hanging = WorkerPool(1, ["never_imported"], method="spawn", start_timeout=1)
    try:
        page = ["import time\ntime.sleep(2)\nprint('ran')"]  # 1.5 + 2 s in all
        ran, never = submit(slow, page, timeout=3), submit(hanging, ["print('never')"])
        assert printed(ran.result()) == ["ran\n"]
        failure = never.result().run.failure
        assert (failure.fence, failure.kind, failure.summary) == (
            1,
            FailureKind.TIMED_OUT,
            "the page's process did not start within 1 s",
        )
    finally:
        slow.close()
        hanging.close()


def test_sys_exit_is_an_exception_of_its_fence(keras_pool):
    outcome = run(keras_pool, ["import sys\nsys.exit(3)"])
    failure = outcome.run.failure
    assert (failure.fence, failure.kind, failure.summary) == (
        1,
        FailureKind.RAISED,
        "SystemExit: 3",
    )
    assert failure.frames[-1].line == 2 and failure.frames[-1].source == "sys.exit(3)"


def test_expected_errors_show_their_traceback_and_strict_ones_must_raise(keras_pool):
    marker = "<!--pytest-codeblocks:expect-error-->\n"
    page = (
        f"{marker}```python\nimport keras\nkeras.layers.Dense(0)\n```\n"
        f"{marker}```python\nprint('fine')\n```\n"  # pytest's XPASS: a pass
        "<!--pytest.mark.xfail(strict=True)-->\n```python\nprint('fine')\n```\n"
    )
    outcome = keras_pool.submit(Job("page", "page.md", tuple(find_fences(page)), 60)).result()
    first = outcome.run.outputs[0]
    assert first.error.startswith("Traceback (most recent call last):\n")
    assert 'File "example 1", line 2, in <module>' in first.error
    assert first.error.splitlines()[-1].startswith("ValueError: Received an invalid value")
    assert os.getcwd() not in first.error  # no path of the building machine
    assert outcome.run.outputs[1].stdout == "fine\n"
    failure = outcome.run.failure
    assert (failure.kind, failure.fence) == (FailureKind.DID_NOT_RAISE, 3)


def test_output_beyond_the_limit_is_cut(pool):
    outcome = run(pool, ["print('x' * 5000)"], output_limit=1000)
    output = outcome.run.outputs[0]
    assert len(output.stdout) == 1000 and output.truncated == 4001


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no CPU priorities without os.nice")
def test_a_pool_can_run_its_pages_at_a_lower_cpu_priority():
    """The pages' pool yields the cores to a notebook (the build's longest job).

    A page stays in the session of MkDocs: Linux weighs the CPU share of each session
    (autogroup) as a whole, so a page in a session of its own would ignore its niceness.
    """
    normal, lower = WorkerPool(1, PRELOAD), WorkerPool(1, PRELOAD, niceness=5)
    show = ["import os\nprint(os.nice(0), os.getsid(0))"]
    try:
        shown = [printed(run(each, show))[0].split() for each in (normal, lower)]
    finally:
        normal.close()
        lower.close()
    (normal_nice, normal_session), (lower_nice, lower_session) = shown
    assert int(lower_nice) == min(int(normal_nice) + 5, 19)
    assert normal_session == lower_session == str(os.getsid(0))


def test_the_start_method_is_picked_per_platform_and_checked(monkeypatch):
    assert start_method("spawn") == "spawn"
    assert start_method("auto") == "forkserver"  # this Python can fork
    monkeypatch.delattr(os, "fork")
    assert start_method("auto") == "spawn"
    with pytest.raises(ValueError, match="start_method: 'threads' is not one of"):
        start_method("threads")


@pytest.mark.waits
@pytest.mark.parametrize("method", METHODS)
def test_a_page_ends_when_its_build_is_killed(tmp_path, method):
    """No page outlives its build, however the build ends (here: killed outright)."""
    pid_file = tmp_path / "page.pid"
    build = subprocess.Popen(
        [sys.executable, "-c", _HANGING_BUILD.format(method=method, pid_file=str(pid_file))],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not pid_file.exists() or not pid_file.read_text():
            assert build.poll() is None, build.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        build.kill()
        build.wait()
    _assert_ends(int(pid_file.read_text()))


@pytest.mark.skipif("forkserver" not in METHODS, reason="no fork server here")
def test_the_fork_server_starts_under_a_long_tmpdir(tmp_path):
    """A socket's path holds 104 bytes at most, and Python before 3.14 puts the fork
    server's under TMPDIR: macOS's is long, and a test's can be longer."""
    long_tmpdir = tmp_path / ("t" * (100 - len(str(tmp_path))))
    long_tmpdir.mkdir()
    ran = subprocess.run(
        [sys.executable, "-c", _ONE_PAGE_BY_FORK_SERVER],
        capture_output=True,
        text=True,
        env={**os.environ, "TMPDIR": str(long_tmpdir)},
    )
    assert ran.returncode == 0 and ran.stdout == "ran\n", ran.stderr
    assert list(long_tmpdir.iterdir()) == []


_ONE_PAGE_BY_FORK_SERVER = textwrap.dedent(
    """
    from mkdocs_run_examples.fences import find_fences
    from mkdocs_run_examples.pool import WorkerPool
    from mkdocs_run_examples.records import Job

    if __name__ == "__main__":
        pool = WorkerPool(1, method="forkserver")
        job = Job("page", "p.md", tuple(find_fences("```python\\nprint('ran')\\n```\\n")), 60)
        outcome = pool.submit(job).result()
        pool.close()
        print(outcome.run.outputs[0].stdout if outcome.run.failure is None else outcome, end="")
    """
)


@pytest.mark.skipif("forkserver" not in METHODS, reason="no fork server here")
@pytest.mark.parametrize("run_as", ["script", "module"])
def test_jobs_do_not_import_again_what_the_build_s_main_module_imports(tmp_path, run_as):
    """multiprocessing runs the main module again in every child (``mkdocs`` imports
    MkDocs there: 0.1-0.3 s a job). Whether the build runs as ``mkdocs`` (a script) or
    ``python -m mkdocs``, what its main module imports is imported once, by the fork
    server: not by each of three jobs."""
    imports = tmp_path / "imports.txt"
    (tmp_path / "heavy.py").write_text(
        f"with open({str(imports)!r}, 'a') as log:\n    log.write('imported\\n')\n"
    )
    (tmp_path / "build.py").write_text("import heavy\n" + _THREE_PAGES_BY_FORK_SERVER)
    command = [str(tmp_path / "build.py")] if run_as == "script" else ["-m", "build"]
    ran = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=tmp_path)
    assert ran.returncode == 0 and ran.stdout == "ran\n" * 3, ran.stderr
    # by the build, then by the fork server (which its jobs are forks of)
    assert imports.read_text() == "imported\n" * 2


_THREE_PAGES_BY_FORK_SERVER = textwrap.dedent(
    """
    from mkdocs_run_examples.fences import find_fences
    from mkdocs_run_examples.pool import WorkerPool
    from mkdocs_run_examples.records import Job

    if __name__ == "__main__":
        pool = WorkerPool(1, method="forkserver")
        job = Job("page", "p.md", tuple(find_fences("```python\\nprint('ran')\\n```\\n")), 60)
        for _ in range(3):
            outcome = pool.submit(job).result()
            print(outcome.run.outputs[0].stdout if outcome.run.failure is None else outcome, end="")
        pool.close()
    """
)


@pytest.mark.skipif("forkserver" not in METHODS, reason="no fork server here")
def test_a_build_stopped_while_its_page_awaits_the_fork_server_names_the_page(tmp_path):
    """The log said the page was running once it was handed to a worker: Ctrl-C while
    the fork server still imports ``preload`` names that page too."""
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(5)\n")
    ran = subprocess.run(
        [sys.executable, "-c", _STOPPED_WHILE_THE_SERVER_STARTS],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])},
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert "stopped while running p.md" in ran.stderr


_STOPPED_WHILE_THE_SERVER_STARTS = textwrap.dedent(
    """
    import logging, time
    from mkdocs_run_examples.fences import find_fences
    from mkdocs_run_examples.pool import WorkerPool
    from mkdocs_run_examples.records import Job

    if __name__ == "__main__":
        logging.basicConfig()
        pool = WorkerPool(1, ["slow"], method="forkserver")
        job = Job("page", "p.md", tuple(find_fences("```python\\nprint('ran')\\n```\\n")), 60)
        pool.submit(job)
        time.sleep(1)  # the fork server imports slow (5 s)
        pool.close()
    """
)


_HANGING_BUILD = textwrap.dedent(
    """
    from mkdocs_run_examples.fences import find_fences
    from mkdocs_run_examples.pool import WorkerPool
    from mkdocs_run_examples.records import Job

    if __name__ == "__main__":
        code = "import os, time\\nopen({pid_file!r}, 'w').write(str(os.getpid()))\\ntime.sleep(600)"
        fences = tuple(find_fences(f"```python\\n{{code}}\\n```\\n"))
        WorkerPool(1, method={method!r}).submit(Job("page", "hangs.md", fences, 600)).result()
    """
)


def _assert_ends(pid, seconds=10):
    deadline = time.monotonic() + seconds
    while _alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(0.1)


def _alive(pid):
    """Running: a zombie has ended, only its exit status is left to collect."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_live_build_s_scratch_folder_is_never_removed(tmp_path):
    """Only a folder whose lock is free (its build ended, however) is stale."""
    live = ScratchRoot(str(tmp_path))
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER.format(parent=str(tmp_path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    other = tmp_path / holder.stdout.readline().strip()  # another process's live folder
    try:
        assert remove_stale_scratch(str(tmp_path)) == []
        assert live.path.is_dir() and other.is_dir()
    finally:
        holder.kill()  # its lock goes with it, however it ends
        holder.wait()
    assert remove_stale_scratch(str(tmp_path)) == [other]
    assert live.path.is_dir() and not other.exists()
    live.close()
    assert not live.path.exists()


_HOLDER = textwrap.dedent(
    """
    import time
    from mkdocs_run_examples.scratch import ScratchRoot

    root = ScratchRoot({parent!r})
    print(root.path.name, flush=True)
    time.sleep(600)
    """
)


def test_a_folder_being_made_is_left_alone_until_it_is_old(tmp_path, monkeypatch):
    """mkdtemp, then the lock: a folder without its lock file is another build's, starting;
    an old empty one, a build's that stopped in between. Other folders are not the pool's."""
    starting = tmp_path / f"{scratch.SCRATCH_PREFIX}abcd1234"  # as mkdtemp names them
    starting.mkdir()
    others = [tmp_path / f"{scratch.SCRATCH_PREFIX}{name}" for name in ("backup", "x1234567")]
    others[0].mkdir()
    others[1].mkdir()
    (others[1] / "notes.txt").write_text("someone's")
    assert remove_stale_scratch(str(tmp_path)) == []
    monkeypatch.setattr(scratch, "UNLOCKED_GRACE_SECONDS", -1.0)
    assert remove_stale_scratch(str(tmp_path)) == [starting]
    assert all(other.is_dir() for other in others)


@pytest.mark.parametrize(
    ("serving", "notebooks", "expected"),
    [(False, 0, 3), (False, 1, 2), (False, 5, 1), (True, 1, 3)],
)
def test_a_notebook_that_runs_takes_a_page_worker_s_core(serving, notebooks, expected):
    """Its kernel keeps a core busy all along: a build runs one page fewer at a time."""
    from mkdocs_run_examples.plugin import RunExamplesPlugin

    plugin = RunExamplesPlugin()
    plugin.load_config({"workers": 3})
    plugin.on_startup(command="serve" if serving else "build", dirty=False)
    if serving:  # serve starts the pages' pool before it knows what runs
        plugin.pools.pages(plugin.config, notebooks=0)
    pages = plugin.pools.pages(plugin.config, notebooks=notebooks)
    assert (pages.size, plugin.pools.notebooks(plugin.config).size) == (expected, 3)


def test_the_build_imports_nothing_that_only_a_page_s_process_runs():
    """The runner and nbclient are imported in the job's process, never by the build (which
    imports ``execution`` only to name its target: its own imports are the records)."""
    code = (
        "import sys\nimport mkdocs_run_examples.plugin\n"
        "print(sorted(name for name in ('mkdocs_run_examples.runner', 'nbclient')"
        " if name in sys.modules))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout == "[]\n"
