"""The store of page runs, by key (see ``keys``), and its eviction: it stays small.

Failed runs are never stored.

Layout of the cache directory::

    <digest>.json             a page's run (outputs; images by digest)
    <digest>.notebook.json    a notebook's cell outputs
    images/<sha256>.<ext>     images, shared between runs
    manifests/<page>.json     the manifest of each page's last stored run, and why it ran
    notebooks/<folder>/...    executed notebooks the plugin hands to mkdocs-jupyter
    environment/plugin.json   the plugin's digest, kept for its files as they are
                              (``environment.plugin_digest``); left alone
    rendered/...              mkdocs-jupyter's own cache: left alone

A build marks what it uses (:meth:`RunCache.begin`, :meth:`RunCache.use`, and
``get``/``put`` themselves); :meth:`RunCache.evict` then removes the rest, so the
cache holds one run per page, not every version of every page.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mkdocs_run_examples.keys import Key, Reason, explain
from mkdocs_run_examples.records import FenceOutput, PageRun

# Entries written or used by another build less than this before this build began are
# kept; so are temporary files younger than this (another process may be writing them).
GRACE_SECONDS = 60.0
TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}$")  # write_atomically's: .<name>.<random>


class RunCache:
    """Page runs and notebook outputs on disk (and page runs in memory), with eviction.

    ``key`` arguments are :class:`~keys.Key` objects or their digests. Usage: call
    :meth:`begin` when a build starts (the constructor does too); ``get``/``put``
    (and their notebook forms) mark the entries they touch, :meth:`use` marks
    others (a run the caller kept itself), :meth:`use_path` a file or folder under
    ``notebooks/``, :meth:`use_page` a page whose manifest must stay; at the very
    end of the build, :meth:`evict` removes whatever the build did not mark.
    """

    def __init__(self, directory: str | os.PathLike[str], grace: float = GRACE_SECONDS) -> None:
        self.directory = Path(directory)
        self.grace = grace
        self._memory: dict[str, PageRun] = {}
        self._why: dict[tuple[str, str], list[Reason]] = {}  # (page, digest) -> its reasons
        self.begin()

    # Usage and eviction

    def begin(self) -> None:
        """Start a build: from now on, only what it marks survives :meth:`evict`."""
        self._began = time.time()
        self._used: set[str] = set()  # digests
        self._paths: set[Path] = set()  # absolute paths of live files or folders in notebooks/
        self._pages: set[str] = set()  # pages whose manifest stays
        self._checked: set[str] = set()  # digests whose file this build made sure is on disk

    def use(self, key: Key | str) -> None:
        """Mark a page run or notebook record as used by this build."""
        self._used.add(_digest(key))

    def use_path(self, path: str | os.PathLike[str]) -> None:
        """Mark a file or folder under ``notebooks/`` as used: its folder there is kept."""
        self._paths.add(Path(os.path.abspath(path)))

    def use_page(self, page: str) -> None:
        """Keep ``page``'s stored manifest (``put``/``reasons`` with that page do too)."""
        self._pages.add(page)

    def evict(self, keep: Iterable[Key | str] = ()) -> list[Path]:
        """Remove what this build did not use; return the removed paths.

        Kept: the page and notebook records marked since :meth:`begin` or whose digest
        is in ``keep``; the images those records show; the manifests of pages marked
        (or whose stored digest is kept); the folders under ``notebooks/`` holding a
        path given to :meth:`use_path`; anything written or used by another build
        since shortly before this one began (files touched less than ``grace``
        seconds before :meth:`begin`: another build's, in another process, may still
        need them). Temporary files of interrupted writes older than that go too.
        ``rendered/`` (mkdocs-jupyter's) and unknown folders are left alone.
        """
        sweep = _Sweep(self._began - self.grace)
        kept, shown = sweep.records(self.directory, self._used | {_digest(key) for key in keep})
        for digest in [digest for digest in self._memory if digest not in kept]:
            del self._memory[digest]
        sweep.images(self.directory / "images", shown)
        sweep.manifests(self.directory, kept, self._pages)
        sweep.notebooks(self.directory / "notebooks", self._paths)
        sweep.temporary_files(self.directory)
        return sweep.removed

    def reasons(self, page: str, key: Key | str) -> list[Reason]:
        """Why ``page`` must run: its manifest at its last ``put`` against ``key``'s;
        ``put`` keeps them with the run.

        ``page`` is the name given to ``put`` (a language-neutral one, e.g. "vgg.md",
        lets the second language reuse the first's). ["not in the cache"] when nothing
        is known of the page, or when its key has not changed (its run was removed).
        """
        self.use_page(page)
        stored = _read_json(_manifest_path(self.directory, page))
        reasons = [Reason("reason_not_in_cache")]
        if stored and isinstance(key, Key):
            reasons = explain(stored.get("manifest"), key.manifest) or reasons
        self._why[(page, _digest(key))] = reasons  # kept with the run (``put``)
        return reasons

    def ran_because(self, page: str, key: Key | str) -> list[Reason] | None:
        """Why the run of ``key`` stored as ``page``'s ran, as :meth:`reasons` said before
        its ``put``; None if unknown (a run stored before the cache kept its reasons, or
        without asking) or if ``page``'s stored run is another key's."""
        stored = _read_json(_manifest_path(self.directory, page))
        if not isinstance(stored, dict) or stored.get("digest") != _digest(key):
            return None
        reasons = [Reason.from_stored(value) for value in stored.get("reasons") or []]
        known = [reason for reason in reasons if reason is not None]
        return known or None

    # Page runs

    def get(self, key: Key | str) -> PageRun | None:
        """The stored run of ``key``, or None; marks it used."""
        digest = _digest(key)
        self.use(digest)
        path = self.directory / f"{digest}.json"
        if digest in self._memory:
            if digest not in self._checked:
                self._checked.add(digest)
                if not _touch(path):  # evicted by another build: store it again
                    self._write_run(digest, self._memory[digest])
            return self._memory[digest]
        run = read_run(self.directory, digest)
        if run is None:
            return None
        _touch(path)
        self._checked.add(digest)
        self._memory[digest] = run
        return run

    def put(self, key: Key | str, run: PageRun, page: str | None = None) -> bool:
        """Store ``run`` under ``key``, and ``key``'s manifest as ``page``'s with why it ran
        (what :meth:`reasons` said of them); True if stored (a run whose ``failure`` is set
        is not: False)."""
        if run.failure:
            return False
        digest = _digest(key)
        self.use(digest)
        self._checked.add(digest)
        self._memory[digest] = run
        self._write_run(digest, run)
        self._put_manifest(page, key)
        return True

    def _write_run(self, digest: str, run: PageRun) -> None:
        """Store ``run`` as JSON, its images as files of their own (each one once)."""
        _write_images(run, self.image_path)
        write_atomically(self.directory / f"{digest}.json", json.dumps(_stored_run(run)).encode())

    # Notebooks

    def get_notebook(self, key: Key | str) -> Any:
        """The stored cell outputs (a JSON list) of a notebook's ``key``, or None."""
        digest = _digest(key)
        self.use(digest)
        outputs = read_notebook(self.directory, digest)
        if outputs is not None:
            _touch(self.directory / f"{digest}.notebook.json")
        return outputs

    def put_notebook(self, key: Key | str, outputs: Any, page: str | None = None) -> None:
        digest = _digest(key)
        self.use(digest)
        write_atomically(self.directory / f"{digest}.notebook.json", json.dumps(outputs).encode())
        self._put_manifest(page, key)

    # Files

    def image_path(self, digest: str, name: str) -> Path:
        return _image_path(self.directory, digest, name)

    def _put_manifest(self, page: str | None, key: Key | str) -> None:
        if page is None:
            return
        self.use_page(page)
        if not isinstance(key, Key):  # a bare digest: no manifest to keep
            return
        record = {
            "digest": key.digest,
            "page": page,
            "manifest": key.manifest,
            "reasons": [reason.stored() for reason in self._why.get((page, key.digest), [])],
        }
        manifest = json.dumps(record, ensure_ascii=False).encode()
        write_atomically(_manifest_path(self.directory, page), manifest)


class _Sweep:
    """One eviction, part by part: removes what is stale (last touched before
    ``fresh_after``) and not kept, and lists what it removed."""

    def __init__(self, fresh_after: float) -> None:
        self.fresh_after = fresh_after
        self.removed: list[Path] = []

    def records(self, directory: Path, keep: set[str]) -> tuple[set[str], set[str]]:
        """Page and notebook records not in ``keep``; return the digests of those left and
        the image files the page records left show."""
        kept: set[str] = set()
        shown: set[str] = set()
        for path in _files(directory):
            if _is_temporary(path) or not path.name.endswith(".json"):
                continue
            digest = path.name.split(".", 1)[0]
            if digest not in keep and self._remove_if_stale(path):
                continue
            kept.add(digest)
            if not path.name.endswith(".notebook.json"):
                shown |= _image_files(path)
        return kept, shown

    def images(self, folder: Path, shown: set[str]) -> None:
        """Images of ``folder`` (``images/``) that are not ``shown``."""
        for path in _files(folder):
            if not _is_temporary(path) and path.name not in shown:
                self._remove_if_stale(path)

    def manifests(self, directory: Path, kept: set[str], pages: set[str]) -> None:
        """Manifests of pages not in ``pages`` whose stored digest is not ``kept``."""
        for path in _files(directory / "manifests"):
            if _is_temporary(path):
                continue
            stored = _read_json(path) or {}
            if stored.get("page") not in pages and stored.get("digest") not in kept:
                self._remove_if_stale(path)

    def notebooks(self, folder: Path, live: set[Path]) -> None:
        """Entries of ``folder`` (``notebooks/``) that hold no path in ``live``, nor are in one."""
        if not folder.is_dir():
            return
        for entry in sorted(folder.iterdir()):
            entry_path = Path(os.path.abspath(entry))
            if not any(
                path == entry_path or entry_path in path.parents or path in entry_path.parents
                for path in live
            ):
                self._remove_if_stale(entry)

    def temporary_files(self, directory: Path) -> None:
        """The leftovers of interrupted writes (:func:`write_atomically`'s)."""
        for folder in (directory, directory / "images", directory / "manifests"):
            for path in _files(folder):
                if _is_temporary(path):
                    self._remove_if_stale(path)
        notebooks = directory / "notebooks"
        if notebooks.is_dir():
            for path in notebooks.rglob(".*"):
                if path.is_file() and _is_temporary(path):
                    self._remove_if_stale(path)

    def _remove_if_stale(self, path: Path) -> bool:
        """Remove ``path`` if it is stale; whether it was."""
        try:
            if path.stat().st_mtime >= self.fresh_after:
                return False
        except FileNotFoundError:
            return False
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            return True
        self.removed.append(path)
        return True


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that another build reading it sees all of it or nothing.

    The data goes first to a temporary file ``.<name>.<random>`` beside ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)


def read_run(directory: Path, digest: str) -> PageRun | None:
    """The run stored under ``digest`` in the cache folder ``directory``, its images read;
    None if there is none, or none this code can read. Nothing is marked used (``get``)."""
    stored = _read_json(directory / f"{digest}.json")
    if stored is None:
        return None
    try:
        return _loaded_run(stored, lambda image, name: _image_path(directory, image, name))
    # An image removed by hand, or not a record this code can read: run again.
    except (FileNotFoundError, KeyError, TypeError, ValueError):
        return None


def read_notebook(directory: Path, digest: str) -> Any:
    """The notebook record stored under ``digest`` in ``directory`` (a JSON object), or None."""
    return _read_json(directory / f"{digest}.notebook.json")


def _image_path(directory: Path, digest: str, name: str) -> Path:
    return directory / "images" / f"{digest}{Path(name).suffix.lower()}"


def _manifest_path(directory: Path, page: str) -> Path:
    return directory / "manifests" / f"{urllib.parse.quote(str(page), safe='')}.json"


def _write_images(run: PageRun, image_path: Callable[[str, str], Path]) -> None:
    """Write the images of ``run`` that are not stored yet (another run may show them)."""
    for output in run.outputs:
        for name, digest, data in output.images:
            path = image_path(digest, name)
            if not path.exists():
                write_atomically(path, data)


def _stored_run(run: PageRun) -> dict[str, Any]:
    """``run`` as JSON: each image as its [name, digest] (its bytes are a file of their own)."""
    outputs = []
    for output in run.outputs:
        stored = {field.name: getattr(output, field.name) for field in dataclasses.fields(output)}
        stored["images"] = [[name, digest] for name, digest, _ in output.images]
        outputs.append(stored)
    record = {
        field.name: getattr(run, field.name)
        for field in dataclasses.fields(run)
        if field.name != "outputs"
    }
    record["outputs"] = outputs
    return record


def _loaded_run(stored: dict[str, Any], image_path: Callable[[str, str], Path]) -> PageRun:
    """The run a :func:`_stored_run` record holds; fields this code does not know are left
    out, those the record lacks take their defaults."""
    known = {field.name for field in dataclasses.fields(FenceOutput)}
    outputs = []
    for output in stored["outputs"]:
        values = {name: value for name, value in output.items() if name in known}
        values["images"] = [
            (name, digest, image_path(digest, name).read_bytes())
            for name, digest in output.get("images", [])
        ]
        outputs.append(FenceOutput(**values))
    known = {field.name for field in dataclasses.fields(PageRun)} - {"outputs"}
    values = {name: value for name, value in stored.items() if name in known}
    return PageRun(outputs=outputs, **values)


def _digest(key: Key | str) -> str:
    return key.digest if isinstance(key, Key) else str(key)


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(path for path in folder.iterdir() if path.is_file())
    except FileNotFoundError:
        return []


def _is_temporary(path: Path) -> bool:
    return TEMPORARY.match(path.name) is not None


def _touch(path: Path) -> bool:
    """Mark ``path`` as just used (another build's eviction keeps it); False if it is gone."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    except OSError:  # read-only: the mark is only a courtesy
        pass
    return True


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _image_files(record_path: Path) -> set[str]:
    """The image files a page record shows."""
    stored = _read_json(record_path) or {}
    return {
        f"{digest}{Path(name).suffix.lower()}"
        for output in stored.get("outputs", [])
        for name, digest in output.get("images", [])
    }
