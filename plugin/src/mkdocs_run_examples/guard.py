"""What a page's code finds around it, and where it may not write; runs in the page's process.

:func:`enter_folder` puts the data files the page's fences read (``page_files``) around
the page's scratch folder as they lie around the page, makes the page's folder its
current folder, and installs a PEP 578 audit hook (``sys.addaudithook``: the standard
library's own view of every file operation, so no function needs wrapping) that refuses
any write into what the build reads or publishes: the docs folder, the site folder,
``mkdocs.yml``, the ``watch`` paths. A page that wrote there would change the site it is
built into (the next build publishes the file) and make ``mkdocs serve`` rebuild, run
the page, and rebuild again. The hook cannot be removed: the page's process is used once.

What the hook cannot see: writes by another process (``subprocess``, a shell's ``echo >``),
and by C code that calls the system itself rather than Python's ``open`` and ``os``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from mkdocs_run_examples.records import Job, Protected

# The flags of an open that can change a file.
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# The audit events (Python 3.10-3.13's table) that change the file system, other than
# "open": {event: ((index of a path it changes, index of that path's dir_fd or None), ...)}.
CHANGED_PATHS: dict[str, tuple[tuple[int, int | None], ...]] = {
    "os.rename": ((0, 2), (1, 3)),  # os.replace too: src is removed, dst replaced
    "os.remove": ((0, 1),),  # os.unlink too
    "os.rmdir": ((0, 1),),
    "os.mkdir": ((0, 2),),
    "os.symlink": ((1, 2),),  # the link made, not what it points at
    "os.link": ((0, 2), (1, 3)),  # a hard link to a file of docs/ is that file
    "os.truncate": ((0, None),),  # os.ftruncate too (a file descriptor)
    "os.utime": ((0, 3),),
    "os.chmod": ((0, 2),),  # os.fchmod, os.lchmod too
    "os.chown": ((0, 3),),
    "os.chflags": ((0, None),),
    "os.lchflags": ((0, None),),
    "os.setxattr": ((0, None),),
    "os.removexattr": ((0, None),),
    "shutil.copyfile": ((1, None),),
    "shutil.copytree": ((1, None),),
    "shutil.move": ((0, None), (1, None)),
    "shutil.rmtree": ((0, 1),),
    "sqlite3.connect": ((0, None),),  # SQLite opens the file itself, read and write
}
# Events acting on a directory entry itself: a symbolic link's last part is not followed.
ENTRY_EVENTS = frozenset(
    {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "shutil.move"}
)


def enter_folder(job: Job, scratch: str) -> None:
    """Run ``job`` from its page's folder under ``scratch``, its data files around it, its
    writes into ``job.protected`` refused (those that hold ``scratch`` excepted)."""
    os.chdir(place_files(job.files, job.folder, scratch))
    here = os.path.realpath(scratch)
    refuse_writes([entry for entry in job.protected if not _inside(here, entry.path)])


def place_files(files: Mapping[str, bytes], folder: str, scratch: str | os.PathLike[str]) -> Path:
    """Write ``files`` ({path from the page's folder: bytes}) under ``scratch`` as they lie
    around the page, whose folder is ``folder`` from the docs folder; the folder to run
    the page in. A page that reads ``../data.csv`` runs one folder down, named as its own."""
    climb = max((_climb(name) for name in files), default=0)
    parts = Path(folder).parts
    workdir = Path(scratch, *parts[len(parts) - climb :])
    workdir.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return workdir


def _climb(name: str) -> int:
    """How many folders up ``name`` (normalized) starts."""
    parts = Path(name).parts
    return next((i for i, part in enumerate(parts) if part != ".."), len(parts))


def refuse_writes(protected: Sequence[Protected]) -> None:
    """From now on, in this process, raise PermissionError on any change to ``protected``."""
    if not protected:
        return

    def hook(event: str, arguments: tuple[object, ...]) -> None:
        if event == "open":
            path, mode, flags = arguments
            writes = isinstance(mode, str) and any(letter in mode for letter in "wax+")
            if writes or (isinstance(flags, int) and flags & WRITE_FLAGS):
                _check(protected, path, None, follow=True)
            return
        changed = CHANGED_PATHS.get(event)
        if changed is None:
            return
        for index, dir_fd_index in changed:
            # Python 3.10's shutil.rmtree event has no dir_fd: an index past the end is None.
            path, dir_fd = (
                arguments[i] if i is not None and i < len(arguments) else None
                for i in (index, dir_fd_index)
            )
            _check(protected, path, dir_fd, follow=event not in ENTRY_EVENTS)

    sys.addaudithook(hook)


def _check(protected: Sequence[Protected], path: object, dir_fd: object, follow: bool) -> None:
    """Raise PermissionError if ``path`` (relative to ``dir_fd``'s folder or the current
    one) is, or is inside, one of ``protected``."""
    resolved = _resolve(path, dir_fd, follow)
    if resolved is None:
        return
    for entry in protected:
        if _inside(entry.path, resolved):
            shown = entry.name.rstrip("/")
            if resolved != entry.path:
                shown = f"{shown}/{Path(os.path.relpath(resolved, entry.path)).as_posix()}"
            raise PermissionError(
                f"a page's code may not write into {entry.name} ({shown}): {entry.why}; "
                "write into the current folder, which is the page's own scratch folder"
            )


def _resolve(path: object, dir_fd: object, follow: bool) -> str | None:
    """``path`` (a str, bytes, path-like or file descriptor) absolute, its symbolic links
    resolved (its last part's only if ``follow``); None if it cannot be known."""
    if isinstance(path, int):
        return _descriptor_path(path)
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return None
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(path):
        folder = _descriptor_path(dir_fd)
        if folder is None:
            return None
        path = os.path.join(folder, path)
    path = os.path.abspath(path)
    if follow:
        return os.path.realpath(path)
    folder, name = os.path.split(path)
    return os.path.join(os.path.realpath(folder), name)


def _descriptor_path(descriptor: int) -> str | None:
    """The path of the file or folder open as ``descriptor``: Linux's /proc, macOS's
    F_GETPATH; None elsewhere (Windows, which has no dir_fd) or if it has none."""
    with contextlib.suppress(OSError, ValueError):
        if sys.platform == "darwin":
            import fcntl

            found = fcntl.fcntl(descriptor, fcntl.F_GETPATH, bytes(1024))
            return os.fsdecode(found.rstrip(b"\0"))
        link = f"/proc/self/fd/{descriptor}"
        if os.path.islink(link):
            return os.path.realpath(link)
    return None


def _inside(folder: str, path: str) -> bool:
    """``path`` is ``folder`` or inside it (as the system compares names)."""
    folder, path = os.path.normcase(folder), os.path.normcase(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
