"""The process that runs one job: a page's fences or a notebook, then it ends.

``pool.WorkerPool`` starts :func:`run_job` in a fresh process for every job, by
multiprocessing's start method (a fork of the warm forkserver, a fork of the build, or
a fresh interpreter): no page sees what another changed. It runs in its scratch folder,
in a process group of its own where there are process groups (so that a timeout kills
what the page started too), and sends over ``channel`` that it has started (its imports
done: the job's time limit counts from there), the index of each fence as it starts,
each fence's :class:`~records.FenceOutput` as it ends, then the run. So when the
process dies (``os._exit``, a crash) or is killed at its time limit, the build still
knows which fence was running and what the fences before it showed.

The build imports this module only to name :func:`run_job` as the processes' target:
what the job runs is imported in its process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import faulthandler
import gc
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from mkdocs_run_examples import processes
from mkdocs_run_examples.records import Failure, FailureKind, Job, NotebookRun

# What every page sees: summary tables sized for a wide terminal (rich reads COLUMNS),
# matplotlib drawing off screen, plt.show() saving the figures for the page to show
# (matplotlib_backend), no TensorFlow start-up lines, and one TensorFlow thread
# per process: the pools already run a job per core, and for the site's small models a
# second thread only adds work (the notebook, alone on 2 cores: 41-42 s of CPU with one
# thread, 46 s with two, in the same time).
ENVIRONMENT = {
    "COLUMNS": "250",
    "MPLBACKEND": "module://mkdocs_run_examples.matplotlib_backend",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


def run_job(
    job: Job,
    token: str,
    channel: Connection,
    build: Connection,
    scratch: str,
    log: str,
    niceness: int,
    preload: list[str],
) -> None:
    """The target of a job's process: run ``job`` in ``scratch`` and report on ``channel``;
    ``token`` marks every process the job starts (``processes``); ``build`` is a pipe the
    build holds open while it waits for the job. What the process itself writes to its
    stdout and stderr goes to the file ``log``. ``preload`` is imported first, if the
    process did not start with it (spawn), so that a page sees the same modules whatever
    the start method."""
    processes.mark_job(token)
    # What the process started with (TensorFlow, Keras: a large heap) is never garbage:
    # the collector's full passes would walk it for nothing (0.3 s a page).
    gc.freeze()
    # Files that carry the day they were written (matplotlib's SVG and PDF) carry the run's
    # day, as the page's provenance line does, unless the build sets its own.
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(time.time()) // 86400 * 86400))
    _isolate(log, niceness)
    os.chdir(scratch)
    _quit_when_orphaned(build, os.getppid())
    # What runs the job too, before its time limit starts (``_run`` imports them by name).
    for name in [*preload, "mkdocs_run_examples.notebooks", "mkdocs_run_examples.runner"]:
        importlib.import_module(name)
    # The page's multiprocessing starts children as `python file.py` would (the system's
    # default method), not by the method that started this process (which it inherits).
    multiprocessing.set_start_method(None, force=True)
    from mkdocs_run_examples.guard import enter_folder

    enter_folder(job, scratch)  # its data files around it; no writes into what the build reads
    channel.send(("started", None))
    try:
        # What the job left running is ended before the process ends: it would wait for
        # a multiprocessing child that runs on (as its exit does), and is told the build.
        with processes.ending_strays() as ended:
            _run(job, channel, scratch)
        if ended:
            channel.send(("ended", ended))
    finally:
        channel.close()


def _run(job: Job, channel: Connection, scratch: str) -> None:
    """Run the page's fences or the notebook, reporting on ``channel`` as it goes."""
    from mkdocs_run_examples.notebooks import NotebookError
    from mkdocs_run_examples.runner import run_page

    def started(index: int) -> None:
        channel.send(("fence", index))

    try:
        if job.kind == "page":
            run = run_page(
                job.payload,
                job.output_limit,
                started=started,
                finished=lambda output: channel.send(("output", output)),
                waiting=lambda names: channel.send(("waiting", names)),
            )
            channel.send(("run", dataclasses.replace(run, outputs=[])))  # outputs went one by one
        else:
            channel.send(("run", _run_notebook(job, scratch, started)))
    except NotebookError as error:
        channel.send(("failure", Failure(0, FailureKind.RAISED, str(error))))


def _run_notebook(job: Job, scratch: str, started: Callable[[int], None]) -> NotebookRun:
    from mkdocs_run_examples.notebooks import run_notebook

    start = time.perf_counter()
    result = run_notebook(job.payload, job.timeout, scratch, started)
    return NotebookRun(**result, seconds=time.perf_counter() - start)


def _isolate(log: str, niceness: int) -> None:
    """The page's own environment, standard streams, process group and CPU priority."""
    os.environ.update(ENVIRONMENT)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()
    stdin = os.open(os.devnull, os.O_RDONLY)  # the build's input is not the page's
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for source, target in ((stdin, 0), (output, 1), (output, 2)):
        os.dup2(source, target)
    os.close(stdin)
    os.close(output)
    faulthandler.enable()  # a crash's Python stack, in the log rather than the build's terminal
    if hasattr(os, "setpgid"):  # POSIX: a group of its own, killed whole at its time limit
        os.setpgid(0, 0)
    if niceness and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(niceness)


def _quit_when_orphaned(build: Connection, parent: int) -> None:
    """End this process (and its group) when the build stops waiting for it or dies.

    Portable: the pipe ``build`` reads as ended once no process holds its other end. Under
    fork, a page forked later may hold a copy of it; then the parent's pid changing tells.
    """

    def watch() -> None:
        with contextlib.suppress(OSError):
            while not build.poll(1.0) and os.getppid() == parent:
                pass
        # What it started, in a session of its own too; then its group.
        processes.end_all_started()
        if hasattr(os, "killpg"):
            with contextlib.suppress(OSError):
                os.killpg(0, signal.SIGKILL)
        os._exit(70)

    threading.Thread(target=watch, name="run-examples-orphan-watch", daemon=True).start()
