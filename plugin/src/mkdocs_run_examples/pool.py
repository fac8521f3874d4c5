"""The worker pool: a few warm worker processes that run pages and notebooks in parallel.

Each worker (``worker.py``) imports the heavy packages once, when it starts, and runs
every job in a fresh fork of itself. The pool keeps one thread per worker: once its
worker is ready, it takes the next job from a queue shared by all (in submission
order), hands it to its worker and fulfils the job's future with the worker's
``Outcome``. A worker that dies is started again for the next job. ``mkdocs build``
starts the pool only when a page must run; ``mkdocs serve`` starts it at once and
keeps it across rebuilds.
"""

import concurrent.futures
import contextlib
import itertools
import os
import queue
import subprocess
import sys
import threading

from mkdocs.plugins import get_plugin_logger

from mkdocs_run_examples import worker
from mkdocs_run_examples.worker import Outcome

log = get_plugin_logger(__name__)

# What every page sees: summary tables sized for a wide terminal (rich reads COLUMNS),
# matplotlib drawing off screen, no TensorFlow start-up lines, and one TensorFlow thread
# per worker: the pools already run a job per core, and for the site's small models a second
# thread only adds work (the notebook, alone on 2 cores: 41-42 s of CPU with one thread,
# 46 s with two, in the same time).
ENVIRONMENT = {
    "COLUMNS": "250",
    "MPLBACKEND": "Agg",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}


class WorkerPool:
    def __init__(self, size, preload=(), niceness=0):
        self.size = size or os.cpu_count() or 1
        self.preload = list(preload)
        self.niceness = niceness  # added to the workers' nice value: lower CPU priority
        self._jobs = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = []
        self._lock = threading.Lock()
        self._closing = False
        self._processes = {}  # thread name -> its worker process
        self._running = {}  # thread name -> the job it runs

    def start(self):
        """Start the workers (once): they import the packages while the build goes on.

        One after the other: on a machine with few cores, importing TensorFlow in every
        worker at once would delay the first one, which takes the first job, by as much.
        """
        with self._lock:
            if self._threads:
                return
            worker.remove_stale_scratch()
            self._closing, self._jobs = False, queue.PriorityQueue()
            previous_ready = threading.Event()
            previous_ready.set()
            for number in range(self.size):
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._serve,
                    args=(previous_ready, ready),
                    name=f"run-examples-{number}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
                previous_ready = ready
            imports = f", each importing {', '.join(self.preload)}" if self.preload else ""
            log.info("starting %d worker processes%s", self.size, imports)

    def submit(self, job, on_start=None):
        """A future of the job's ``Outcome``; ``on_start()`` is called as a worker takes it."""
        self.start()
        future = concurrent.futures.Future()
        self._jobs.put((0, next(self._order), job, future, on_start))
        return future

    def close(self):
        """Stop the workers, and the pages they are running (Ctrl-C, or the end of serve)."""
        with self._lock:
            self._closing = True
            threads, self._threads = self._threads, []
            running = sorted(name for name in self._running.values() if name)
            processes = [process for process in self._processes.values() if process]
        if running:
            log.warning("stopped while running %s", ", ".join(running))
        for process in processes:
            with contextlib.suppress(OSError):
                process.terminate()  # a running page's process group is killed with it
        for _ in threads:  # after the jobs already queued
            self._jobs.put((1, next(self._order), None, None, None))
        for thread in threads:
            thread.join(timeout=10)

    def _spawn(self):
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs_run_examples.worker", *self.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **ENVIRONMENT},
        )
        if self.niceness:
            niceness = min(os.getpriority(os.PRIO_PROCESS, 0) + self.niceness, 19)
            with contextlib.suppress(OSError):  # the process may be gone already
                os.setpriority(os.PRIO_PROCESS, process.pid, niceness)
        threading.Thread(target=_log_lines, args=(process.stderr,), daemon=True).start()
        return process

    def _serve(self, previous_ready, ready_event):
        name = threading.current_thread().name
        previous_ready.wait()
        with self._lock:
            process = None if self._closing else self._spawn()
            self._processes[name] = process
        ready = False
        try:
            ready = process is not None and self._wait_ready(process)
        except OSError as error:  # reported with the first job it takes
            log.debug("%s", error)
        finally:
            ready_event.set()
        while True:
            _, _, job, future, on_start = self._jobs.get()
            if job is None:
                break
            if not future.set_running_or_notify_cancel():
                continue
            if on_start is not None:
                on_start()
            self._running[name] = job.name
            try:
                if process is None:
                    raise OSError("the pool is closing")
                if not ready:
                    ready = self._wait_ready(process)
                worker.send(process.stdin, job)
                answer = worker.receive(process.stdout)
                if answer is None:
                    raise OSError(f"the worker ended: exit status {process.wait()}")
                future.set_result(answer[1])
            except (OSError, EOFError) as error:  # the worker itself died: start another
                future.set_result(Outcome(problem=f"its worker failed: {error}"))
                process.kill()
                process.wait()
                with self._lock:
                    if self._closing:
                        break
                    process = self._processes[name] = self._spawn()
                    ready = False
            finally:
                self._running[name] = None
        if process is not None:
            _stop(process)

    def _wait_ready(self, process):
        answer = worker.receive(process.stdout)
        if answer is None:
            raise OSError(f"the worker could not start: exit status {process.wait()}")
        _, pid, seconds = answer
        if self.preload:  # from now on, an edited page runs without waiting for imports
            log.info("worker %d ready: its imports took %.1f s", pid, seconds)
        return True


def _stop(process):
    try:
        process.stdin.close()
        process.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()


def _log_lines(stream):
    """What a worker writes to stderr (TensorFlow's start-up lines): debug messages."""
    for line in stream:
        log.debug("worker: %s", line.decode(errors="replace").rstrip())
