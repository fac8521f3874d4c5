"""Nothing a fence starts outlives its page: the processes a page left running, ended.

Every job's process carries a token in its environment (``JOB_VARIABLE``, set by
:func:`mark_job`), and every process it starts inherits it: in a session of its own
too, or re-parented to init after a double fork. It is the technique of Jenkins'
ProcessTreeKiller, whose token is ``BUILD_ID``
(https://wiki.jenkins.io/display/JENKINS/ProcessTreeKiller). The system shows the
environment a process was started with, so a process forked without an exec (a
``multiprocessing`` child under fork) shows its page's process's, without the token:
it is found as a descendant while the page's process lives, and in the page's process
group (``execution`` makes one per job where there are process groups) after that.

- :func:`ending_strays`, around an example's code: ends what was started inside it
  and is still running; the list it yields says what it ended.
- :func:`end_tree`, when a job's time is up: the job's process and all it started,
  ended at once (a notebook's kernel too, which jupyter_client starts in a session of
  its own).
- :func:`end_job`, once a job's process has ended however it did (an end, a crash,
  ``os._exit``, a kill): what carries its token or is in its group.

Each process is ended with its whole tree: SIGTERM, ``GRACE`` seconds, then SIGKILL.
``multiprocessing``'s own helpers of a process (its fork server, its resource tracker)
are not the page's: they end with the process that started them.

psutil, because it lists a process's descendants, command line and environment on
Linux, macOS and Windows alike: the standard library lists no processes.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
import time
from collections.abc import Iterable, Iterator

import psutil

JOB_VARIABLE = "RUN_EXAMPLES_JOB"
GRACE = 1.0  # seconds a process has to end after SIGTERM, before SIGKILL
# Seconds the helpers of a job's process have to end by themselves once it has ended:
# they read a pipe from it, and end at its end of file.
HELPER_GRACE = 2.0
# How multiprocessing starts its helpers: ``python -c "<this>; main(...)"`` (forkserver.py,
# resource_tracker.py, the same from Python 3.8 to 3.14).
HELPERS = (
    "from multiprocessing.forkserver import main",
    "from multiprocessing.resource_tracker import main",
)
DESCRIPTION_WIDTH = 120  # characters of a command line a description keeps


def mark_job(token: str) -> None:
    """Mark this process as job ``token``'s: every process it starts from now on
    inherits the mark. Called in the job's process, before anything runs."""
    os.environ[JOB_VARIABLE] = token


@contextlib.contextmanager
def ending_strays() -> Iterator[list[str]]:
    """On leaving the block, end every process started inside it that still runs: the
    descendants of this process and, if it carries a job's token, the processes carrying
    the same; each with its tree. The list yielded then holds one description per
    process ended (``"pid 1234: sleep 771"``).

    Not this process, nor its ``multiprocessing`` helpers. Cheap when nothing was
    started: the processes present on entering are known by their pids alone. (A
    process whose pid was reused from one that ended inside the block is not seen; the
    job's sweep, :func:`end_job`, finds it by the token.)
    """
    present = set(psutil.pids())
    ended: list[str] = []
    try:
        yield ended
    finally:
        ended += end_processes(_started_since(present))


def end_tree(pid: int) -> list[str]:
    """End the process ``pid`` and all it started, at once (SIGKILL: its time is up);
    a description of each process it started that was running, but its helpers."""
    try:
        root = psutil.Process(pid)
        tree = root.children(recursive=True)
    except psutil.Error:
        return []
    strays = [process for process in tree if not _is_helper_of(process, root)]
    described = _descriptions(strays)
    _signal_and_wait([root, *tree], grace=0.0)
    return list(described.values())


def end_job(token: str, group: int | None) -> list[str]:
    """End what job ``token`` left running once its process has ended: the processes
    carrying its token, and those of its process ``group`` (None where there are no
    process groups); a description of each. Its helpers first get ``HELPER_GRACE``
    seconds to end by themselves."""
    ended_at = time.time()
    left = [
        process
        for process in psutil.process_iter()
        if process.pid != os.getpid()
        and (_carries(process, token) or _in_group(process, group, ended_at))
    ]
    helpers = [process for process in left if _looks_like_helper(process)]
    if helpers:
        _wait_gone(helpers, HELPER_GRACE)
    return end_processes(left)


def end_processes(processes: Iterable[psutil.Process], grace: float = GRACE) -> list[str]:
    """End ``processes`` and their descendants: SIGTERM, up to ``grace`` seconds, then
    SIGKILL; a description of each that was running."""
    tree: dict[psutil.Process, None] = {}  # in order, once each
    for process in processes:
        tree[process] = None
        with contextlib.suppress(psutil.Error):
            tree.update(dict.fromkeys(process.children(recursive=True)))
    described = _descriptions(tree)
    _signal_and_wait(list(described), grace)
    return list(described.values())


def end_all_started() -> None:
    """End at once every process this one started: its descendants, and those carrying
    its job's token (for a job whose build is gone)."""
    me = psutil.Process()
    token = os.environ.get(JOB_VARIABLE)
    started = me.children(recursive=True)
    if token is not None:
        started += [p for p in psutil.process_iter() if p != me and _carries(p, token)]
    end_processes(started, grace=0.0)


def describe(process: psutil.Process) -> str:
    """``"pid 1234: sleep 771"``: its pid and command line (shortened), or its name."""
    with contextlib.suppress(psutil.Error):
        command = " ".join(process.cmdline()) or process.name()
        return f"pid {process.pid}: {textwrap.shorten(command, DESCRIPTION_WIDTH)}"
    return f"pid {process.pid}"


def _started_since(present: set[int]) -> list[psutil.Process]:
    """The running processes not in ``present`` that this process started: its
    descendants, and those carrying its job's token; not its helpers."""
    me = psutil.Process()
    token = os.environ.get(JOB_VARIABLE)
    found = []
    for pid in sorted(set(psutil.pids()) - present):
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            ours = me in process.parents() or (token is not None and _carries(process, token))
            if ours and not _is_helper_of(process, me) and _running(process):
                found.append(process)
    return found


def _carries(process: psutil.Process, token: str) -> bool:
    """Whether ``process`` was started with job ``token``'s mark (False where this user
    may not read its environment)."""
    try:
        return bool(process.environ().get(JOB_VARIABLE) == token)
    except psutil.Error:
        return False


def _in_group(process: psutil.Process, group: int | None, ended_at: float) -> bool:
    """Whether ``process`` is in process group ``group`` and older than ``ended_at``: a
    newer process may have the group's number as its own (its leader's pid, reused)."""
    if group is None or not hasattr(os, "getpgid"):
        return False
    try:
        return bool(os.getpgid(process.pid) == group and process.create_time() <= ended_at)
    except (OSError, psutil.Error):
        return False


def _looks_like_helper(process: psutil.Process) -> bool:
    """Whether ``process``'s command line is that of a ``multiprocessing`` helper."""
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return any(helper in command for helper in HELPERS)


def _is_helper_of(process: psutil.Process, parent: psutil.Process) -> bool:
    """Whether ``process`` is a ``multiprocessing`` helper that ``parent`` started. A
    child that ``parent`` forked without an exec has its command line, which may be a
    helper's (a job's process is a fork of the build's fork server): that one is not."""
    try:
        return (
            process.ppid() == parent.pid
            and _looks_like_helper(process)
            and process.cmdline() != parent.cmdline()
        )
    except psutil.Error:
        return False


def _running(process: psutil.Process) -> bool:
    """Running: a zombie has ended, only its exit status is left for its parent."""
    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _descriptions(processes: Iterable[psutil.Process]) -> dict[psutil.Process, str]:
    """A description of each running process, taken before it is signalled: an ended
    process has no command line."""
    return {process: describe(process) for process in processes if _running(process)}


def _signal_and_wait(processes: list[psutil.Process], grace: float) -> None:
    """SIGTERM (SIGKILL if no ``grace``), up to ``grace`` seconds, then SIGKILL; waits
    for them to end. psutil's ``wait_procs`` would reap this process's children and take
    the exit status their ``Popen`` or ``Process`` reads: this only polls."""
    for process in processes:
        with contextlib.suppress(psutil.Error):
            if grace:
                process.terminate()
            else:
                process.kill()
    left = _wait_gone(processes, grace)
    for process in left:
        with contextlib.suppress(psutil.Error):
            process.kill()
    _wait_gone(left, GRACE)


def _wait_gone(processes: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    """Those of ``processes`` still running after up to ``seconds`` seconds."""
    deadline = time.monotonic() + seconds
    left = [process for process in processes if _running(process)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [process for process in left if _running(process)]
    return left
