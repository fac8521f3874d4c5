"""The worker pool: a few warm worker processes that run pages and notebooks in parallel.

Each worker (``worker.py``) imports the heavy packages once, when it starts, and runs
every job in a fresh fork of itself. The pool keeps one thread per worker: it takes
the next job from a queue shared by all (lower priority first, then in submission
order), hands it to its worker and fulfils the job's future with the worker's
``Outcome``. A worker that dies is started again for the next job. ``mkdocs build``
starts the pool only when a page must run; ``mkdocs serve`` starts it at once and
keeps it across rebuilds.
"""

import concurrent.futures
import itertools
import logging
import os
import queue
import subprocess
import sys
import threading

from mkdocs_run_examples import worker
from mkdocs_run_examples.worker import Outcome

log = logging.getLogger("mkdocs.plugins.run_examples")

# What every page sees: summary tables sized for a wide terminal (rich reads COLUMNS),
# matplotlib drawing off screen, no TensorFlow start-up lines.
ENVIRONMENT = {"COLUMNS": "250", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3"}


class WorkerPool:
    def __init__(self, size, preload=()):
        self.size = size or os.cpu_count() or 1
        self.preload = list(preload)
        self._jobs = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = []
        self._lock = threading.Lock()

    def start(self):
        """Start the workers (once): they import the packages while the build goes on."""
        with self._lock:
            if self._threads:
                return
            worker.remove_stale_scratch()
            for number in range(self.size):
                process = self._spawn()
                thread = threading.Thread(
                    target=self._serve, args=(process,), name=f"run-examples-{number}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
            log.debug("run-examples: %d workers importing %s", self.size, ", ".join(self.preload))

    def submit(self, job, priority=0, on_start=None):
        """A future of the job's ``Outcome``; ``on_start()`` is called as a worker takes it."""
        self.start()
        future = concurrent.futures.Future()
        self._jobs.put((priority, next(self._order), job, future, on_start))
        return future

    def close(self):
        """Stop the workers: each ends when its stdin closes (a running child is killed)."""
        with self._lock:
            for _ in self._threads:
                self._jobs.put((float("inf"), next(self._order), None, None, None))
            threads, self._threads = self._threads, []
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
        threading.Thread(target=_log_lines, args=(process.stderr,), daemon=True).start()
        return process

    def _serve(self, process):
        ready = False
        while True:
            _, _, job, future, on_start = self._jobs.get()
            if job is None:
                break
            if not future.set_running_or_notify_cancel():
                continue
            if on_start is not None:
                on_start()
            try:
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
                process, ready = self._spawn(), False
        _stop(process)

    def _wait_ready(self, process):
        answer = worker.receive(process.stdout)
        if answer is None:
            raise OSError(f"the worker could not start: exit status {process.wait()}")
        _, pid, seconds = answer
        log.debug("run-examples: worker %d ready in %.2f s", pid, seconds)
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
        log.debug("run-examples worker: %s", line.decode(errors="replace").rstrip())
