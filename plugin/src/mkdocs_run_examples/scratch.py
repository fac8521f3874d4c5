"""The scratch folders the pages run in, and the clean-up of those a dead build left.

A build's jobs get their folders under one folder of the build's, which it holds an OS
lock on as long as it lives (``fcntl.flock``, ``msvcrt.locking`` on Windows): the OS
releases the lock when the build ends, however it ends. Another build removes only the
folders whose lock it can take, so never a live build's, on any system.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

SCRATCH_PREFIX = "run-examples-"
LOCK_FILE = ".lock"
SCRATCH_NAME = re.compile(rf"{SCRATCH_PREFIX}[a-z0-9_]{{8}}")  # tempfile.mkdtemp's names
# A build's folder without its lock file is being made: left alone unless empty and older.
UNLOCKED_GRACE_SECONDS = 3600.0


class ScratchRoot:
    """A build's folder for its jobs' scratch folders, locked while the build lives."""

    def __init__(self, parent: str | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=parent))
        self._lock_file: IO[bytes] | None = open(self.path / LOCK_FILE, "wb")  # noqa: SIM115
        if not _try_lock(self._lock_file):
            raise OSError(f"cannot lock {self.path / LOCK_FILE}")
        self._count = 0
        self._count_lock = threading.Lock()

    @contextlib.contextmanager
    def folder(self) -> Iterator[tuple[Path, Path]]:
        """A job's scratch folder and the file for what its process writes; removed after."""
        with self._count_lock:
            self._count += 1
            number = self._count
        workdir, output_log = self.path / f"job-{number}", self.path / f"job-{number}.log"
        workdir.mkdir()
        output_log.touch()  # there, even if the process is killed before it writes
        try:
            yield workdir, output_log
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            with contextlib.suppress(OSError):
                output_log.unlink()

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        shutil.rmtree(self.path, ignore_errors=True)


def remove_stale_scratch(parent: str | None = None) -> list[Path]:
    """Remove the scratch folders of builds that are gone (their lock is free); return them."""
    removed = []
    for path in sorted(Path(parent or tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*")):
        if SCRATCH_NAME.fullmatch(path.name) and path.is_dir() and _is_stale(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _is_stale(path: Path) -> bool:
    """Its build is gone: it holds the lock file no process locks, or it is an old empty
    folder (a build that stopped between making it and locking it)."""
    lock_path = path / LOCK_FILE
    try:
        if not lock_path.is_file():
            empty = not any(path.iterdir())
            return empty and time.time() - path.stat().st_mtime > UNLOCKED_GRACE_SECONDS
        with open(lock_path, "ab") as lock_file:
            return _try_lock(lock_file)  # closing the file releases the lock
    except OSError:
        return False


def _try_lock(file: IO[bytes]) -> bool:
    """Take an exclusive OS lock on ``file`` without waiting; False if another holds it.
    The OS releases it when the file is closed or its process ends, however it ends."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
