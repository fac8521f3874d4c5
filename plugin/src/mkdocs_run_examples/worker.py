"""A worker process: import the heavy packages once, then run each job in a fresh fork.

Started by ``pool.WorkerPool`` as ``python -m mkdocs_run_examples.worker PACKAGE...``.
It imports the packages (TensorFlow, Keras: seconds of work), then serves jobs read
from stdin, one at a time, answering on stdout (pickled frames). The worker itself
never runs a page: for each job it forks a child, which runs the job in a scratch
directory of its own and ends. So every page starts from the same state, that of
the worker after its imports, whatever the pages before it changed: Keras' config,
random seeds, matplotlib's rcParams, environment variables, the working directory,
imported or patched modules. A fork costs milliseconds; the imports are not paid again.

The child reports each fence as it starts, so when it dies (``os._exit``, a crash)
or outlives the job's time limit (then its process group is killed) the worker
still says which fence was running. The scratch directory is removed whatever
happened; those of a worker killed outright are removed by the next pool to start.
"""

import contextlib
import ctypes
import dataclasses
import importlib
import io
import os
import pickle
import select
import shutil
import signal
import struct
import sys
import tempfile
import time
from pathlib import Path

SCRATCH_PREFIX = "run-examples-"


@dataclasses.dataclass
class Job:
    kind: str  # "page" or "notebook"
    name: str
    payload: object  # the page's fences, or (notebook, cell timeout)
    timeout: float  # seconds for the whole job
    output_limit: int = 100_000


@dataclasses.dataclass
class Outcome:
    """What came of a job: ``result`` if the child finished (a PageRun or notebook outputs),
    else ``fence`` (the one running) and ``problem`` ("exited ..."/"timed out ...")."""

    result: object = None
    fence: int | None = None
    outputs: list = dataclasses.field(default_factory=list)  # a page's FenceOutputs, as they came
    problem: str = ""
    seconds: float = 0.0


def send(stream, message):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)) + data)
    stream.flush()


def receive(stream):
    """The next message, or None at the end of the stream or where it was cut short."""
    header = stream.read(8)
    if len(header) < 8:
        return None
    (size,) = struct.unpack(">Q", header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None


def main(preload):
    # The protocol owns the original stdout; whatever else prints goes to stderr.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _die_with_parent()
    # Ctrl-C is the build's to handle: it stops the pool, which terminates this worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    start = time.perf_counter()
    for name in preload:
        importlib.import_module(name)
    send(answers, ("ready", os.getpid(), time.perf_counter() - start))
    requests = sys.stdin.buffer
    while (job := receive(requests)) is not None:
        send(answers, ("done", run_job(job)))


def run_job(job):
    """Run ``job`` in a forked child, within its time limit."""
    start = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        _child(job, scratch, os.fdopen(writer, "wb"))
    os.close(writer)
    finished = False
    try:
        messages, timed_out = _read_until(reader, start + job.timeout)
        if timed_out:
            _kill(pid)
        _, status = os.waitpid(pid, 0)
        finished = True
    finally:  # also when the pool terminates this worker mid-job
        if not finished:
            _kill(pid)
            os.waitpid(pid, 0)
        os.close(reader)
        shutil.rmtree(scratch, ignore_errors=True)
    outcome = Outcome(seconds=time.perf_counter() - start)
    for kind, value in messages:
        if kind == "fence":
            outcome.fence = value
        elif kind == "output":
            outcome.outputs.append(value)
        elif kind == "result":
            outcome.result = value
        elif kind == "error":
            outcome.problem = value
    if job.kind == "page" and outcome.result is not None:
        outcome.result.outputs = outcome.outputs
    if timed_out:
        outcome.problem = f"timed out: the page did not finish within {job.timeout:g} s"
    elif outcome.result is None and not outcome.problem:
        outcome.problem = "ended the process: " + _describe(status)
    return outcome


def _kill(pid):
    """Kill the child and whatever it started (its process group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:  # not yet its own group
        os.kill(pid, signal.SIGKILL)


def _exit_on_terminate(signum, frame):
    raise SystemExit(0)


def _child(job, scratch, channel):
    """Run the job and exit: never returns."""
    code = 0
    try:
        os.setpgid(0, 0)  # its own process group, killed whole on a timeout
        _die_with_parent()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(scratch)
        stdin = os.open(os.devnull, os.O_RDONLY)  # the worker's requests are not the page's
        os.dup2(stdin, 0)
        if job.kind == "page":
            from mkdocs_run_examples.runner import run_page

            run = run_page(
                job.payload,
                job.output_limit,
                started=lambda index: send(channel, ("fence", index)),
                finished=lambda output: send(channel, ("output", output)),
            )
            result = dataclasses.replace(run, outputs=[])  # the outputs went one by one
        else:
            from mkdocs_run_examples.notebooks import run_notebook

            notebook, cell_timeout = job.payload
            result = run_notebook(notebook, cell_timeout, scratch)
        send(channel, ("result", result))
    except Exception as error:  # a notebook's failing cell, or a fault of the runner itself
        with contextlib.suppress(BaseException):
            send(channel, ("error", str(error) or repr(error)))
    except BaseException:
        code = 70
    finally:
        with contextlib.suppress(BaseException):
            channel.flush()
        os._exit(code)


def _read_until(fd, deadline):
    """The child's messages until it closes the pipe, and whether the deadline came first."""
    buffer = bytearray()
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            return _frames(buffer), True
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return _frames(buffer), False
        buffer += chunk


def _frames(buffer):
    """The whole messages in ``buffer``: the last may be cut short by the child's death."""
    stream, messages = io.BytesIO(buffer), []
    while (message := receive(stream)) is not None:
        messages.append(message)
    return messages


def _describe(status):
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _die_with_parent():
    """Ask Linux to kill this process when its parent dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def remove_stale_scratch(directory=None):
    """Remove the scratch directories of workers that are gone (killed outright)."""
    root = directory or tempfile.gettempdir()
    for path in _scratch_dirs(root):
        pid = int(path.name[len(SCRATCH_PREFIX) :].split("-", 1)[0])
        if not _is_worker(pid):
            shutil.rmtree(path, ignore_errors=True)


def _scratch_dirs(root):
    for path in Path(root).glob(f"{SCRATCH_PREFIX}*-*"):
        if path.is_dir() and path.name[len(SCRATCH_PREFIX) :].split("-", 1)[0].isdigit():
            yield path


def _is_worker(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"mkdocs_run_examples.worker" in cmdline.read()
    except OSError:
        return False


if __name__ == "__main__":
    # Run the module's imported copy, so that what it pickles names its classes by module.
    from mkdocs_run_examples import worker

    worker.main(sys.argv[1:])
