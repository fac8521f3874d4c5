"""Nothing a fence starts outlives its page.

``processes.ending_strays`` ends what was started inside it (a child, one in a session
of its own, a double-forked daemon, a multiprocessing child) and says what it ended,
and leaves alone what ran before and multiprocessing's own helpers. A real build ends
what its pages left running however they ended (at the end, by ``os._exit``, at their
time limit, a notebook's too), names the page and fence in a warning, and caches none of
them: the next build runs them again.
"""

import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import nbformat
import psutil
import pytest

from mkdocs_run_examples import processes
from mkdocs_run_examples.pool import WorkerPool
from mkdocs_run_examples.records import FailureKind, Job, NotebookRun

# A sleeper whose command line names what it is for (its last argument).
SLEEPER = "import sys, time; time.sleep(600)"
# A daemon: forks, starts a session, forks again and runs sleep; both parents exit, so
# the sleep is re-parented to init (or the nearest subreaper), no descendant of ours.
DAEMON = textwrap.dedent(
    """
    import os, sys
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", sys.argv[1]])
    """
)
POSIX = pytest.mark.skipif(os.name == "nt", reason="fork, sessions and sleep are POSIX's")


def marked(marker, program=None):
    """The running processes whose command line holds ``marker`` (and runs ``program``)."""
    found = []
    for process in psutil.process_iter():
        try:
            command = process.cmdline()
            running = marker in command and process.status() != psutil.STATUS_ZOMBIE
            if running and (program is None or command[0] == program):
                found.append(process)
        except psutil.Error:
            continue
    return found


def wait_for(marker, program=sys.executable, seconds=10):
    """The one process running ``program`` with ``marker``, once it has started (a fork
    that has not run it yet has its parent's command line)."""
    deadline = time.monotonic() + seconds
    while not (found := marked(marker, program)):
        assert time.monotonic() < deadline, f"no process {marker} started"
        time.sleep(0.02)
    [process] = found
    return process


@pytest.fixture
def markers():
    """A unique marker per call; any process still carrying one is killed at the end."""
    made = []

    def marker():
        made.append(f"771.{uuid.uuid4().int % 10**8}")
        return made[-1]

    yield marker
    for process in [p for m in made for p in marked(m)]:
        process.kill()


def gone(pid):
    """Ended: no process has the pid, or a zombie (ended, its exit status not yet read)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def described(pid, *command):
    """How ``processes`` describes the process ``pid`` running ``command``."""
    return f"pid {pid}: {textwrap.shorten(' '.join(command), processes.DESCRIPTION_WIDTH)}"


def assert_terminated(*popens):
    """Each ended by SIGTERM (where there are signals): it had a grace to end itself."""
    for popen in popens:
        code = popen.wait(5)
        assert os.name == "nt" or code == -signal.SIGTERM, code


def test_a_child_and_a_child_in_a_session_of_its_own_are_ended(markers):
    first, second = markers(), markers()
    with processes.ending_strays() as ended:
        child = subprocess.Popen([sys.executable, "-c", SLEEPER, first])
        alone = subprocess.Popen([sys.executable, "-c", SLEEPER, second], start_new_session=True)
        wait_for(first), wait_for(second)  # the programs run: no longer Python's forks
    assert ended == [
        described(child.pid, sys.executable, "-c", SLEEPER, first),
        described(alone.pid, sys.executable, "-c", SLEEPER, second),
    ]
    assert_terminated(child, alone)


def test_processes_that_ran_before_are_left_alone(markers):
    marker = markers()
    before = subprocess.Popen([sys.executable, "-c", SLEEPER, marker])
    wait_for(marker)
    with processes.ending_strays() as ended:
        pass
    assert ended == [] and before.poll() is None


@POSIX
def test_a_double_forked_daemon_is_ended_by_its_job_s_token(markers, monkeypatch):
    """Re-parented to init (or the nearest subreaper), it is no descendant: it carries
    the job's token, which its parents passed on."""
    monkeypatch.setenv(processes.JOB_VARIABLE, uuid.uuid4().hex)
    marker = markers()
    with processes.ending_strays() as ended:
        subprocess.run([sys.executable, "-c", DAEMON, marker], check=True)
        daemon = wait_for(marker, "sleep")
        assert psutil.Process() not in daemon.parents()
    assert ended == [described(daemon.pid, "sleep", marker)]
    assert gone(daemon.pid)


# In a Python of its own, so that multiprocessing's helpers are started inside the block.
MULTIPROCESSING = textwrap.dedent(
    """
    import json, multiprocessing, sys, time
    import psutil
    from mkdocs_run_examples import processes

    if __name__ == "__main__":
        context = multiprocessing.get_context(sys.argv[1])
        with processes.ending_strays() as ended:
            child = context.Process(target=time.sleep, args=(600,))
            child.start()
        child.join(10)
        left = [" ".join(p.cmdline()) for p in psutil.Process().children(recursive=True)]
        print(json.dumps({"pid": child.pid, "exitcode": child.exitcode, "ended": ended,
                          "left": left}))
    """
)


@pytest.mark.parametrize("method", multiprocessing.get_all_start_methods())
def test_a_multiprocessing_child_is_ended_and_its_helpers_left_alone(method):
    """The child, not the fork server or resource tracker started for it: they end with
    the process that started them, and it may start another child."""
    ran = subprocess.run(
        [sys.executable, "-c", MULTIPROCESSING, method], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 0, ran.stderr
    shown = json.loads(ran.stdout)
    assert os.name == "nt" or shown["exitcode"] == -signal.SIGTERM
    [ended] = shown["ended"]
    assert ended.startswith(f"pid {shown['pid']}: ")
    tracker = set() if os.name == "nt" else {"resource_tracker"}  # POSIX's semaphores
    helpers = {"fork": set(), "spawn": tracker, "forkserver": {"forkserver", *tracker}}
    left = {re.search(r"multiprocessing\.(\w+)", line)[1] for line in shown["left"]}
    assert left == helpers[method]


# Pages that leave processes running, each its own way; each writes the pids it started
# and its job's token to RECORDS/<page>, so that the test can tell they are gone.
RECORD = (
    "import json, os\n"
    "with open(os.path.join({records!r}, {name!r}), 'w') as file:\n"
    "    json.dump({{'token': os.environ['RUN_EXAMPLES_JOB'], 'pids': pids}}, file)\n"
)
PAGES = {
    "child": "import subprocess\npids = [subprocess.Popen(['sleep', '{marker}']).pid]\n",
    "session": (
        "import subprocess\n"
        "pids = [subprocess.Popen(['sleep', '{marker}'], start_new_session=True).pid]\n"
    ),
    "daemon": (
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.execvp('sleep', ['sleep', '{marker}'])\n"
        "    os._exit(0)\n"
        "os.wait()\n"
        "pids = []\n"
    ),
    "multiprocessing": (
        "import multiprocessing, time\n"
        "child = multiprocessing.Process(target=time.sleep, args=(600,))\n"
        "child.start()\n"
        "pids = [child.pid]\n"
    ),
}
# Pages whose process does not end its run: the process they started is on the same line.
ENDING = {
    "exit": ("import os\nos._exit(0)", PAGES["child"]),
    "timeout": ("import time\ntime.sleep(600)", PAGES["session"]),
}
THREAD = (  # its example's end waits for the thread, as Python's exit does
    "import threading, time\n"
    "threading.Thread(target=time.sleep, args=(600,), name='forever').start()\n"
)
TIMEOUT = 5  # seconds


def page(code):
    """A page whose one fence, on line 3, runs ``code``: the last, so that what it left
    running is found at its example's end, or at the page's, whichever ends it."""
    return f"# A page\n\n```python\n{code.rstrip()}\n```\n"


def make_site(root, records, marker):
    """A site (MkDocs' own theme, no Keras) whose pages leave processes running, and a
    page that leaves none; ``marker(name)`` is the sleep of page ``name``."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(page("print('nothing left')\n"))
    for name, code in PAGES.items():
        record = RECORD.format(records=str(records), name=name)
        (docs / f"{name}.md").write_text(page(code.format(marker=marker(name)) + record))
    for name, (ending, code) in ENDING.items():
        record = RECORD.format(records=str(records), name=name)
        (docs / f"{name}.md").write_text(page(code.format(marker=marker(name)) + record + ending))
    (docs / "thread.md").write_text(page(THREAD))
    (root / "mkdocs.yml").write_text(
        "site_name: strays\ntheme:\n  name: mkdocs\nplugins:\n"
        f"  - run-examples:\n      timeout: {TIMEOUT}\n      workers: 10\n"
    )


def build(root):
    """``mkdocs build`` of the site at ``root`` (not strict: its pages fail), its log."""
    ran = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-d", str(root / "site")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return ran.stderr


def assert_nothing_left(records, markers):
    """No process runs with a sleep's marker, a recorded pid or a recorded job's token."""
    tokens, pids = set(), set()
    for path in records.iterdir():
        record = json.loads(path.read_text())
        tokens.add(record["token"])
        pids.update(record["pids"])
    assert not [p for marker in markers for p in marked(marker)]
    for process in psutil.process_iter():
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            assert process.pid not in pids, processes.describe(process)
            assert process.environ().get(processes.JOB_VARIABLE) not in tokens
        except psutil.Error:
            continue


@POSIX
@pytest.mark.waits
def test_a_build_ends_what_its_pages_left_running_names_them_and_runs_them_again(tmp_path, markers):
    root, records = tmp_path / "project", tmp_path / "records"
    records.mkdir()
    sleeps = {}
    make_site(root, records, lambda name: sleeps.setdefault(name, markers()))
    log = build(root)
    assert_nothing_left(records, sleeps.values())
    for name in ["child", "session", "daemon", "exit", "timeout"]:
        assert re.search(
            rf"WARNING .*docs/{name}\.md:3: a process that fence 1 started was still running "
            rf"at the end of its example: the build ended it \(pid \d+: sleep {sleeps[name]}\)",
            log,
        ), log
    assert re.search(
        r"WARNING .*docs/multiprocessing\.md:3: a process that fence 1 started .*\(pid \d+: ",
        log,
    ), log
    assert f"did not finish within {TIMEOUT} s, while processes it started ran" in log
    waited = f"did not finish within {TIMEOUT} s, waiting for what fence 1 started (thread forever"
    assert waited in log
    # The next build runs them again, and not the page that left nothing running.
    (root / "docs" / "timeout.md").unlink()
    (root / "docs" / "thread.md").unlink()
    shutil.rmtree(records)
    records.mkdir()
    log = build(root)
    assert_nothing_left(records, sleeps.values())
    ran = set(re.findall(r"running docs/(\w+)\.md", log))
    assert ran == {*PAGES, "exit"}, log


def notebook(*cells):
    """A notebook of ``cells`` (code), after a title."""
    made = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# A notebook")]
        + [nbformat.v4.new_code_cell(cell) for cell in cells]
    )
    made.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return made


@POSIX
@pytest.mark.waits
def test_a_notebook_s_kernel_and_what_it_started_end_with_its_job(markers):
    """What its cells left running is ended when it ends; at its time limit, its kernel
    (in a session of its own) too, and the failure names the cell and what ran."""
    finishing, hanging = markers(), markers()
    starts = "import subprocess\nsubprocess.Popen(['sleep', '{}'], start_new_session=True)"
    pool = WorkerPool(2, method="spawn", jobs="notebooks")  # as the build's (planning.Pools)
    try:
        done = pool.submit(Job("notebook", "done.ipynb", notebook(starts.format(finishing)), 60))
        cells = notebook(starts.format(hanging), "import time\ntime.sleep(600)")
        stuck = pool.submit(Job("notebook", "stuck.ipynb", cells, 8))
        outcome, timed_out = done.result(), stuck.result()
    finally:
        pool.close()
    assert isinstance(outcome.run, NotebookRun)
    [(cell, ended)] = outcome.ended
    assert cell == 0 and re.fullmatch(rf"pid \d+: sleep {finishing}", ended)
    failure = timed_out.failure
    assert (failure.fence, failure.kind) == (2, FailureKind.TIMED_OUT)
    assert failure.summary.startswith("the notebook did not finish within 8 s, while processes")
    assert {cell for cell, _ in timed_out.ended} == {2}
    ended = [description for _, description in timed_out.ended]
    assert all(description in failure.summary for description in ended)  # what it waited for
    [kernel] = [d for d in ended if "ipykernel_launcher" in d]
    assert any(re.fullmatch(rf"pid \d+: sleep {hanging}", d) for d in ended), ended
    assert gone(int(re.match(r"pid (\d+)", kernel)[1]))
    assert not marked(finishing) and not marked(hanging)
