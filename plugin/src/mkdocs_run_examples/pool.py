"""The pool: run each job (a page or a notebook) in a fresh process, a few at a time.

Standard parts only. ``concurrent.futures.ThreadPoolExecutor`` hands the jobs out in
submission order, ``size`` at a time; for each, a thread starts a ``multiprocessing``
process that runs ``execution.run_job`` and ends, and follows it: the fence it runs,
what each fence printed, its time limit, how it ended. A process is used once, so no
page sees what another changed.

How the process starts is multiprocessing's start method (the ``start_method`` option):

- ``forkserver`` (the default where Python can fork): a fork server imports the heavy
  packages (``preload``) once; every job is a fork of it, warm and clean;
- ``fork``: the build imports them once and every job is a fork of the build;
- ``spawn`` (the default where Python cannot fork, as on Windows): every job is a fresh
  interpreter, which imports what its page imports.

(``ProcessPoolExecutor``, loky and pebble reuse their processes or lose the whole pool
to one crashed job, and none tells which fence was running when a process died: see
``plugin/README.md`` for the measurements.)

A job that raises, exits, crashes or outlives its time limit fails alone, at its fence;
its process group is killed, its scratch folder (``scratch``) removed. Each job has a
token that marks every process it starts (``processes``): once its process has ended,
however, what it left running is ended and named, with the fence that was running.

A job's time limit counts from the moment its process has started and imported what it
needs: a start-up (a fresh interpreter's imports, any process's on a busy machine) has a
limit of its own.
"""

from __future__ import annotations

import ast
import concurrent.futures
import contextlib
import importlib
import multiprocessing
import multiprocessing.connection
import multiprocessing.util
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, NamedTuple

from mkdocs.plugins import get_plugin_logger

from mkdocs_run_examples import processes
from mkdocs_run_examples.execution import ENVIRONMENT, run_job
from mkdocs_run_examples.options import START_METHODS
from mkdocs_run_examples.records import (
    Failure,
    FailureKind,
    FenceOutput,
    Job,
    NotebookRun,
    Outcome,
    PageRun,
)
from mkdocs_run_examples.scratch import ScratchRoot, remove_stale_scratch

log = get_plugin_logger(__name__)

# What a job's process imports to run a page or notebook (see execution.run_job).
JOB_IMPORTS = (
    "mkdocs_run_examples.execution",
    "mkdocs_run_examples.runner",
    "mkdocs_run_examples.notebooks",
)
# Seconds a job's process may take to start: far more than a fresh interpreter importing
# TensorFlow on a busy machine, and still an end for one whose imports hang.
START_TIMEOUT = 120.0
# Seconds a job's process that sent its run in time has to end, beyond its time limit: a
# busy machine may take a moment to run its exit.
EXIT_GRACE = 2.0
_forkserver_lock = threading.Lock()


def start_method(requested: str = "auto") -> str:
    """The start method for ``requested``: ``auto`` is forkserver where Python can fork."""
    if requested not in START_METHODS:
        raise ValueError(f"start_method: {requested!r} is not one of {', '.join(START_METHODS)}")
    if requested != "auto":
        return requested
    return "forkserver" if hasattr(os, "fork") else "spawn"


class WorkerPool:
    """``size`` jobs at a time (0: one per core), each in a fresh process, which has
    ``start_timeout`` seconds to start before its job's time limit begins."""

    def __init__(
        self,
        size: int,
        preload: Sequence[str] = (),
        niceness: int = 0,
        method: str = "auto",
        jobs: str = "pages",
        start_timeout: float = START_TIMEOUT,
    ) -> None:
        self.size = size or os.cpu_count() or 1
        self.jobs = jobs  # what the log calls them
        self.preload = list(preload)
        self.niceness = niceness  # added to the processes' nice value: lower CPU priority
        self.method = start_method(method)
        self.start_timeout = start_timeout
        self.context: BaseContext = multiprocessing.get_context(self.method)
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._scratch: ScratchRoot | None = None
        # thread id -> job, and its process once started
        self._running: dict[int, tuple[str, BaseProcess | None]] = {}
        self._prepare_lock = threading.Lock()
        self._prepared = False

    def start(self) -> None:
        """Get ready (once): the scratch folder, and the imports of ``preload`` begun."""
        with self._lock:
            if self._executor is not None:
                return
            remove_stale_scratch()
            self._scratch = ScratchRoot()
            if self.method == "forkserver":
                _fork_server_socket_folder()
            self._executor = concurrent.futures.ThreadPoolExecutor(
                self.size, thread_name_prefix="run-examples"
            )
        log.info("running %s %d at a time by %s", self.jobs, self.size, self.method)
        threading.Thread(target=self._prepare, name="run-examples-prepare", daemon=True).start()

    def submit(
        self, job: Job, on_start: Callable[[], None] | None = None
    ) -> concurrent.futures.Future[Outcome]:
        """A future of the job's ``Outcome``; ``on_start()`` is called as the job starts."""
        self.start()
        assert self._executor is not None
        return self._executor.submit(self._run, job, on_start)

    def close(self) -> None:
        """Stop: kill the jobs running (Ctrl-C, the end of serve), drop those waiting."""
        with self._lock:
            executor, self._executor = self._executor, None
            running = sorted(self._running.values(), key=lambda item: item[0])
        if executor is None:
            return
        if running:
            log.warning("stopped while running %s", ", ".join(name for name, _ in running))
        executor.shutdown(wait=False, cancel_futures=True)
        for _, process in running:
            if process is not None:
                _kill(process)
        executor.shutdown(wait=True)
        if self._scratch is not None:
            self._scratch.close()

    def _prepare(self) -> None:
        """Import ``preload`` once where the jobs start from (the fork server, or the build
        for ``fork``), before the first job starts; and say when pages can run."""
        with self._prepare_lock:
            # The fork server always starts here: with what every job imports, if not
            # with ``preload``; else each job would import the build's main module itself.
            if self._prepared or (not self.preload and self.method != "forkserver"):
                self._prepared = True
                return
            start = time.perf_counter()
            if self.method == "fork":  # before any fork: a fork amid an import breaks it
                for name in self.preload:
                    importlib.import_module(name)
            elif self.method == "forkserver":
                self._start_forkserver()
            self._prepared = True
            names, seconds = ", ".join(self.preload), time.perf_counter() - start
            if self.method == "spawn":
                log.info("ready to run pages by spawn: each imports %s itself", names)
            elif names:
                log.info(
                    "ready to run pages by %s: %s imported in %.1f s", self.method, names, seconds
                )
            else:
                log.info("ready to run pages by %s in %.1f s", self.method, seconds)

    def _start_forkserver(self) -> None:
        """Start the fork server, which imports the build's main module (so that its jobs
        do not import it again) and ``preload``, its output going to a file; wait for it."""
        assert self._scratch is not None
        server_log = self._scratch.path / "server.log"
        # The pages' environment, before TensorFlow is imported: it reads some at import.
        variables = {**ENVIRONMENT, "RUN_EXAMPLES_SERVER_LOG": str(server_log)}
        # Then what run_job imports, so that no page imports (or compiles) it again.
        modules = [
            "mkdocs_run_examples.server_output",
            *_main_imports(),
            *self.preload,
            *JOB_IMPORTS,
        ]
        with _forkserver_lock, _environment(variables):
            self.context.set_forkserver_preload(modules)
            ready = self.context.Process(target=_nothing)  # type: ignore[attr-defined]
            ready.start()  # the fork server starts, imports, then forks this
        ready.join()
        if server_log.is_file():
            log.debug("the fork server wrote:\n%s", server_log.read_text(errors="replace"))

    def _run(self, job: Job, on_start: Callable[[], None] | None) -> Outcome:
        if on_start is not None:
            on_start()
        with self._lock:  # from now on, a stopped build names it (it may await the server)
            self._running[threading.get_ident()] = (job.name, None)
        try:
            return self._run_job(job)
        finally:
            with self._lock:
                self._running.pop(threading.get_ident(), None)

    def _run_job(self, job: Job) -> Outcome:
        self._prepare()  # its seconds count once the fork server has imported preload
        start = time.perf_counter()
        assert self._scratch is not None
        with self._scratch.folder() as (workdir, output_log):
            receiving, sending = self.context.Pipe(duplex=False)
            watching, waiting = self.context.Pipe(duplex=False)
            token = uuid.uuid4().hex  # marks every process the job starts
            with contextlib.closing(receiving), contextlib.closing(waiting):
                process = self.context.Process(  # type: ignore[attr-defined]
                    target=run_job,
                    args=(job, token, sending, watching, str(workdir), str(output_log)),
                    kwargs={"niceness": self.niceness, "preload": self.preload},
                )
                try:
                    self._start(process, job.name)
                except Exception as error:  # cannot start: the job fails, the build goes on
                    summary = f"could not start: {error}"
                    return _stopped(job, [], FailureKind.EXITED, summary, start)
                finally:
                    sending.close()
                    watching.close()
                followed = _follow(process, receiving, self.start_timeout, job.timeout)
                # However it ended, what it left running: the processes carrying its token,
                # and those of its process group where there are groups.
                group = process.pid if hasattr(os, "killpg") else None
                left = processes.end_job(token, group)
            written = output_log.read_text(encoding="utf-8", errors="replace").strip()
        if written:
            log.debug("%s wrote:\n%s", job.name, written)
        ended = _Ending(*followed, process.exitcode, written, left)
        return _outcome(job, ended, self.start_timeout, start)

    def _start(self, process: BaseProcess, name: str) -> None:
        with self._lock:
            if self._executor is None:
                raise OSError("the pool is closing")
            process.start()
            self._running[threading.get_ident()] = (name, process)


def _fork_server_socket_folder() -> None:
    """Before Python 3.14, the fork server's socket is made in a folder under TMPDIR, and
    a socket's path holds at most 104 bytes (macOS; 108 on Linux): under a longer TMPDIR
    the fork server cannot start ("AF_UNIX path too long"). Then the folder goes where
    Python 3.14 puts it (CPython issue 132124): under /tmp. Made once, for the process."""
    socket_path = os.path.join(tempfile.gettempdir(), "pymp-12345678", "listener-12345678")
    if os.name == "nt" or len(socket_path.encode()) < 104:
        return
    default, tempfile.tempdir = tempfile.tempdir, "/tmp"
    try:
        multiprocessing.util.get_temp_dir()  # kept by multiprocessing from now on
    finally:
        tempfile.tempdir = default


def _main_imports() -> list[str]:
    """What the build's main module imports (``mkdocs.__main__`` for ``python -m mkdocs``
    and the ``mkdocs`` command alike). Each job's process runs that module again, as
    multiprocessing does for every child: the fork server's own preload of ``__main__``
    never worked before Python 3.13.8 (CPython issues 126631, 137996), nor for ``-m``.
    Once the fork server has imported what it imports, that run costs a few ms, not the
    0.1-0.3 s of importing MkDocs in every job."""
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        return [spec.name]
    path = getattr(main, "__file__", None)
    try:
        tree = ast.parse(Path(path).read_bytes()) if path else ast.Module([], [])
    except (OSError, SyntaxError, ValueError):
        return []  # not a file Python can read
    names = []
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            names += [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            names.append(statement.module)
    return names


def _nothing() -> None:
    """The fork server's first job: it returns once the server has imported ``preload``."""


def _receive(
    channel: multiprocessing.connection.Connection,
    process: BaseProcess,
    start_timeout: float,
    timeout: float,
) -> tuple[list[tuple[str, Any]], bool, float]:
    """The job's messages until it closes the channel or ends, whether it did so in time,
    and its deadline: ``start_timeout`` seconds to start, then ``timeout`` seconds to run."""
    messages: list[tuple[str, Any]] = []
    deadline = time.perf_counter() + start_timeout
    while (left := deadline - time.perf_counter()) > 0:
        ready = multiprocessing.connection.wait([channel, process.sentinel], left)
        if channel in ready:
            try:
                messages.append(channel.recv())
            except EOFError:
                return messages, True, deadline
            if messages[-1][0] == "started":
                deadline = time.perf_counter() + timeout
        elif process.sentinel in ready:  # what it sent before it ended is still to read
            with contextlib.suppress(EOFError):
                while channel.poll(0):
                    messages.append(channel.recv())
            return messages, True, deadline
    return messages, False, deadline


def _follow(
    process: BaseProcess,
    channel: multiprocessing.connection.Connection,
    start_timeout: float,
    timeout: float,
) -> tuple[list[tuple[str, Any]], bool, list[str]]:
    """The job's messages, whether it ended within its time limits, and if not (it is
    killed, with all it started: a notebook's kernel, which has a session of its own,
    too), what it had started that was running."""
    messages, finished, deadline = _receive(channel, process, start_timeout, timeout)
    process.join(max(0.0, deadline - time.perf_counter()) + (EXIT_GRACE if finished else 0.0))
    if process.is_alive():  # it closed the channel but goes on: a thread of its own, say
        finished = False
    running: list[str] = []
    if not finished and process.pid is not None:
        running = processes.end_tree(process.pid)
        _kill(process)
    process.join()
    return messages, finished, running


class _Ending(NamedTuple):
    """How a job's process ended: what it sent, whether it ended in time, what it had
    started that ran when its time was up, its exit code, what it wrote to its stdout
    and stderr, what it left running when it ended (the pool ended all those)."""

    messages: list[tuple[str, Any]]
    finished: bool
    running: list[str]
    exitcode: int | None
    written: str
    left: list[str]


def _outcome(job: Job, ended: _Ending, start_timeout: float, start: float) -> Outcome:
    fence, outputs, ending, started = None, [], None, False
    strays, threads = [*ended.running], []
    for tag, value in ended.messages:
        if tag == "started":
            started = True
        elif tag == "fence":
            fence = value
        elif tag == "output":
            outputs.append(value)
        elif tag == "ended":  # what the job's process ended before it ended
            strays += value
        elif tag == "waiting":
            threads = value
        else:
            ending = value
    if fence is None:  # it ended before its first fence
        fence = _first_fence(job)
    # What ran on at the end: started by the fence that ran last (the runner ended what
    # the ones before it left) or, once a notebook's cells have run, by any of them.
    culprit = 0 if job.kind == "notebook" and ending is not None else fence
    stopped = [(culprit, stray) for stray in [*strays, *ended.left]]
    seconds = time.perf_counter() - start
    if not ended.finished and isinstance(ending, (PageRun, NotebookRun)):
        ran = "fences" if job.kind == "page" else "cells"
        summary = f"its {ran} ran, but its process did not end within {job.timeout:g} s"
        if threads:
            summary += f": it waited for what it started ({', '.join(threads)})"
        failure = Failure(fence, FailureKind.TIMED_OUT, summary)
        if isinstance(ending, NotebookRun):
            return Outcome(None, failure, seconds, stopped)
        ending.failure = ending.failure or failure
    if isinstance(ending, PageRun):
        ending.outputs = outputs
        return Outcome(ending, None, seconds, stopped)
    if isinstance(ending, NotebookRun):
        return Outcome(ending, None, seconds, stopped)
    if isinstance(ending, Failure):
        return Outcome(None, ending, seconds, stopped)
    if not ended.finished:
        kind = FailureKind.TIMED_OUT
        if started:
            summary = f"the {job.kind} did not finish within {job.timeout:g} s"
            if threads:  # the end of its example waited for them, as Python's exit does
                summary += f", waiting for what fence {fence} started ({', '.join(threads)})"
            if ended.running:  # what it may have been waiting for
                summary += f", while processes it started ran ({'; '.join(ended.running)})"
        else:
            summary = f"the {job.kind}'s process did not start within {start_timeout:g} s"
    else:
        kind, summary = FailureKind.EXITED, _exit_status(ended.exitcode)
        written = ended.written
        if ended.exitcode == 1 and "Traceback" in written:  # the runner itself failed
            summary += "\n" + written[written.rindex("Traceback") :]
    return _stopped(job, outputs, kind, summary, start, fence, stopped)


def _first_fence(job: Job) -> int:
    """The first fence of a page that runs (1 if none does); 0 for a notebook."""
    if job.kind == "notebook":
        return 0
    return next((f.index for f in job.payload if not f.skip), 1)


def _stopped(
    job: Job,
    outputs: list[FenceOutput],
    kind: FailureKind,
    summary: str,
    start: float,
    fence: int | None = None,
    ended: list[tuple[int, str]] | None = None,
) -> Outcome:
    """The outcome of a job whose process did not finish it; ``ended``: what the pool
    ended that it left running."""
    seconds = time.perf_counter() - start
    fence = _first_fence(job) if fence is None else fence
    failure = Failure(fence, kind, summary)
    if job.kind == "notebook":
        return Outcome(None, failure, seconds, ended or [])
    run = PageRun(outputs=outputs, seconds=seconds, failure=failure)
    return Outcome(run, None, seconds, ended or [])


def _exit_status(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-exitcode).name}"
    return f"exit status {exitcode}"


def _kill(process: BaseProcess) -> None:
    """Kill the job's process and, where there are process groups, what it started."""
    if process.pid is None:
        return
    if hasattr(os, "killpg"):
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        process.kill()


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``variables`` set where unset, for the block only."""
    added = {name: value for name, value in variables.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
