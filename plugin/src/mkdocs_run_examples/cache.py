"""A cache of page runs, keyed on exactly what can change their output, and kept small.

A page's :class:`Key` covers:

- the code of every fence that runs, after includes, with its markers (continues
  the fence before, expects an error); of a skipped fence only that it is there;
- the source of each definition of the configured source packages that the code
  reaches (see ``dependencies``), by qualified name;
- the :class:`Environment`: every installed distribution and its version, Python's
  version, Graphviz's ``dot -V``, this package's code that runs the examples, and
  the lock file if there is one.

Beside its digest, a key has a manifest: short digests of each of those parts,
stored with the page's last run, so that :func:`explain` (and
:meth:`RunCache.reasons`) can say why a page runs again: "code of fence 3
changed", "convblocks.blocks.vgg.vgg_block changed", "keras 3.15.1 → 3.15.2".

The Chinese page of an English one has the same code, hence the same key: it
reuses the English run. Failed runs are never stored.

Layout of the cache directory::

    <digest>.json             a page's run (outputs; images by digest)
    <digest>.notebook.json    a notebook's cell outputs
    images/<sha256>.<ext>     images, shared between runs
    manifests/<page>.json     the manifest of each page's last stored run
    notebooks/<folder>/...    executed notebooks the plugin hands to mkdocs-jupyter
    rendered/...              mkdocs-jupyter's own cache: left alone

A build marks what it uses (:meth:`RunCache.begin`, :meth:`RunCache.use`, and
``get``/``put`` themselves); :meth:`RunCache.evict` then removes the rest, so the
cache holds one run per page, not every version of every page.
"""

import dataclasses
import difflib
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from mkdocs_run_examples.dependencies import reached_definitions
from mkdocs_run_examples.runner import FenceOutput, PageRun

FORMAT = "run-examples/2"
# This package's files whose code decides what a run outputs (missing ones are skipped).
EXECUTION_FILES = ("runner.py", "describe.py", "worker.py", "pool.py", "notebooks.py")
SHORT = 16  # hex digits of the manifest's digests
# Entries written or used by another build less than this before this build began are
# kept; so are temporary files younger than this (another process may be writing them).
GRACE_SECONDS = 60.0


# --- The environment -----------------------------------------------------------------


@dataclass(frozen=True)
class Environment:
    """What, besides a page's code and the sources it reaches, decides its outputs.

    ``parts``: {"python": sys.version, "dot": output of ``dot -V``, "plugin": digest of
    this package's execution code, "lock": digest of the lock file or None,
    "distributions": {normalized name: version}}; ``digest``: their SHA-256.
    """

    digest: str
    parts: dict

    @classmethod
    def current(cls, lock_file=None):
        """This process's environment; meant to be computed once per build."""
        lock = Path(lock_file) if lock_file is not None else None
        return cls.from_parts(
            {
                "python": sys.version,
                "dot": _dot_version(),
                "plugin": _plugin_digest(),
                "lock": _sha256(lock.read_bytes()) if lock is not None and lock.is_file() else None,
                "distributions": installed_distributions(),
            }
        )

    @classmethod
    def from_parts(cls, parts):
        text = json.dumps({"format": FORMAT, **parts}, sort_keys=True, ensure_ascii=False)
        return cls(digest=_sha256(text.encode()), parts=parts)


def installed_distributions():
    """{normalized name: version} of every installed distribution, sorted by name.

    A distribution found twice (in two entries of ``sys.path``) counts as the first
    one, the one ``import`` and ``importlib.metadata.version`` find. A ``.dist-info``
    folder's name holds the name and version, read without parsing its METADATA
    (which takes ~1 ms per distribution); other kinds are read from their metadata.
    """
    found = {}
    for distribution in importlib.metadata.distributions():
        name, version = _name_and_version(distribution)
        if name and name not in found:
            found[name] = version
    return dict(sorted(found.items()))


def _name_and_version(distribution):
    path = getattr(distribution, "_path", None)
    folder = getattr(path, "name", "")
    if folder.endswith(".dist-info") and folder.count("-") == 2:  # name-version.dist-info
        name, version = folder[: -len(".dist-info")].split("-")
        if name and version:
            return _normalize(name), version
    metadata = distribution.metadata
    return _normalize((metadata["Name"] if metadata else None) or ""), distribution.version


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


_dot_versions = {}  # (path, size, mtime) of dot -> its ``dot -V``, for serve's rebuilds


def _dot_version():
    """``dot -V`` of the ``dot`` found on PATH now (the one the examples will run)."""
    dot = shutil.which("dot")
    if dot is None:
        return "dot not installed"
    try:
        stat = os.stat(dot)
    except OSError:
        return "dot not installed"
    known = (os.path.realpath(dot), stat.st_size, stat.st_mtime_ns)
    if known not in _dot_versions:
        try:
            result = subprocess.run(
                [dot, "-V"], capture_output=True, text=True, check=False, timeout=30
            )
            _dot_versions[known] = (result.stderr.strip() or result.stdout.strip()) or (
                f"dot -V exited with {result.returncode}"
            )
        except (OSError, subprocess.SubprocessError) as error:
            return f"dot failed: {error}"
    return _dot_versions[known]


def _plugin_digest():
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in EXECUTION_FILES:
        path = here / name
        if path.is_file():
            digest.update(f"{name}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


# --- Keys ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Key:
    """A page's cache key: ``digest`` names its files; ``manifest`` (JSON-able) explains it.

    Keys are equal, and hash, by digest.
    """

    digest: str
    manifest: dict

    def __eq__(self, other):
        return isinstance(other, Key) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __str__(self):
        return self.digest


def page_key(fences, environment, sources):
    """The key of a page's ``fences`` (or a notebook's code cells).

    ``fences``: objects with ``.code``, ``.skip``, ``.continues`` and optionally
    ``.expect_error``; ``environment``: an :class:`Environment`; ``sources``: {import
    name: directory} of the packages whose reached definitions count.
    """
    digest = hashlib.sha256(f"{FORMAT}\0{environment.digest}\0".encode())
    manifest_fences = []
    for fence in fences:
        markers = _markers(fence)
        code = None if fence.skip else _sha256(fence.code.encode())
        if getattr(fence, "figures", ()):  # what the prose evaluates after it is its code too
            code = _sha256(f"{code}\0{json.dumps(fence.figures)}".encode())
        digest.update(f"fence {' '.join(markers)} {code}\0".encode())
        manifest_fences.append({"code": code and code[:SHORT], "markers": markers})
    listings = [fence.code for fence in fences if not fence.skip]
    definitions = {}
    for name, directory in sorted(sources.items()):
        for qualified, text in reached_definitions(listings, name, directory).items():
            definitions[qualified] = text_digest = _sha256(text.encode())
            digest.update(f"{qualified}\0{text_digest}\0".encode())
    manifest = {
        "format": FORMAT,
        "fences": manifest_fences,
        "definitions": {name: value[:SHORT] for name, value in definitions.items()},
        "environment": environment.parts,
    }
    return Key(digest=digest.hexdigest(), manifest=manifest)


MARKERS = {"skip": "skip", "continues": "continues", "expect-error": "expect_error"}


def _markers(fence):
    """The fence's markers that change how it runs (its timeout does not change its output)."""
    return [marker for marker, attribute in MARKERS.items() if getattr(fence, attribute, False)]


MARKER_CHANGES = {
    "skip": ("fence {} is now skipped", "fence {} is no longer skipped"),
    "continues": ("fence {} now continues the one before", "fence {} no longer continues"),
    "expect-error": ("fence {} now expects an error", "fence {} no longer expects an error"),
}


def explain(old_manifest, new_manifest):
    """Why a page with ``new_manifest`` cannot reuse the run stored with ``old_manifest``.

    Human reasons, most specific first: fences, then definitions, then the
    environment. ``["not in the cache"]`` when nothing is known before; ``[]`` when
    the manifests are the same.
    """
    if not old_manifest:
        return ["not in the cache"]
    if old_manifest.get("format") != new_manifest.get("format"):
        return ["the cache format changed"]
    reasons = _explain_fences(old_manifest.get("fences", []), new_manifest.get("fences", []))
    reasons += _explain_mapping(
        old_manifest.get("definitions", {}),
        new_manifest.get("definitions", {}),
        lambda name, old, new: f"{name} changed",
    )
    reasons += _explain_environment(
        old_manifest.get("environment", {}), new_manifest.get("environment", {})
    )
    return reasons


def _explain_fences(old, new):
    def entry(fence):
        return fence.get("code"), tuple(fence.get("markers", ()))

    old_entries, new_entries = [entry(f) for f in old], [entry(f) for f in new]
    reasons = []
    matcher = difflib.SequenceMatcher(None, old_entries, new_entries, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for i, j in zip(range(i1, i1 + paired), range(j1, j1 + paired), strict=True):
            (old_code, old_markers), (new_code, new_markers) = old_entries[i], new_entries[j]
            if old_code != new_code and old_code is not None and new_code is not None:
                reasons.append(f"code of fence {j + 1} changed")
            for marker, (now, no_longer) in MARKER_CHANGES.items():
                if (marker in new_markers) != (marker in old_markers):
                    reasons.append((now if marker in new_markers else no_longer).format(j + 1))
        reasons += [f"fence {i + 1} removed" for i in range(i1 + paired, i2)]
        reasons += [f"fence {j + 1} added" for j in range(j1 + paired, j2)]
    return reasons


def _explain_mapping(old, new, changed):
    reasons = []
    for name in sorted(old.keys() | new.keys()):
        if name not in old:
            reasons.append(f"{name} added")
        elif name not in new:
            reasons.append(f"{name} removed")
        elif old[name] != new[name]:
            reasons.append(changed(name, old[name], new[name]))
    return reasons


def _explain_environment(old, new):
    if old == new:
        return []
    if "digest" in old or "digest" in new:  # given as a bare digest: nothing to compare
        return ["the environment changed"]
    reasons = []
    if old.get("python") != new.get("python"):
        before, after = str(old.get("python")), str(new.get("python"))
        if before.split()[:1] != after.split()[:1]:
            before, after = before.split()[0], after.split()[0]
        reasons.append(f"Python {before} → {after}")
    if old.get("dot") != new.get("dot"):
        reasons.append("Graphviz dot changed")
    if old.get("plugin") != new.get("plugin"):
        reasons.append("the plugin's runner changed")
    if old.get("lock") != new.get("lock"):
        reasons.append("the lock file changed")
    reasons += _explain_mapping(
        old.get("distributions", {}),
        new.get("distributions", {}),
        lambda name, before, after: f"{name} {before} → {after}",
    )
    return reasons or ["the environment changed"]


# --- The cache -----------------------------------------------------------------------


class RunCache:
    """Page runs and notebook outputs on disk (and page runs in memory), with eviction.

    ``key`` arguments are :class:`Key` objects or their digests. Usage: call
    :meth:`begin` when a build starts (the constructor does too); ``get``/``put``
    (and their notebook forms) mark the entries they touch, :meth:`use` marks
    others (a run the caller kept itself), :meth:`use_path` a file or folder under
    ``notebooks/``, :meth:`use_page` a page whose manifest must stay; at the very
    end of the build, :meth:`evict` removes whatever the build did not mark.
    """

    def __init__(self, directory, grace=GRACE_SECONDS):
        self.directory = Path(directory)
        self.grace = grace
        self._memory = {}  # digest -> PageRun
        self.begin()

    # Usage and eviction

    def begin(self):
        """Start a build: from now on, only what it marks survives :meth:`evict`."""
        self._began = time.time()
        self._used = set()  # digests
        self._paths = set()  # absolute paths of live files or folders under notebooks/
        self._pages = set()  # pages whose manifest stays
        self._checked = set()  # digests whose file this build made sure is on disk

    def use(self, key):
        """Mark a page run or notebook record as used by this build."""
        self._used.add(_digest(key))

    def use_path(self, path):
        """Mark a file or folder under ``notebooks/`` as used: its folder there is kept."""
        self._paths.add(Path(os.path.abspath(path)))

    def use_page(self, page):
        """Keep ``page``'s stored manifest (``put``/``reasons`` with that page do too)."""
        self._pages.add(page)

    def evict(self, keep=()):
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
        keep = self._used | {_digest(key) for key in keep}
        fresh_after = self._began - self.grace
        removed = []

        def remove(path):
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except FileNotFoundError:
                return
            removed.append(path)

        def stale(path):
            try:
                return path.stat().st_mtime < fresh_after
            except FileNotFoundError:
                return False

        kept_digests, images = set(), set()
        for path in _files(self.directory):
            if _is_temporary(path):
                continue
            if not path.name.endswith(".json"):
                continue
            digest = path.name.split(".", 1)[0]
            if digest not in keep and stale(path):
                remove(path)
                continue
            kept_digests.add(digest)
            if not path.name.endswith(".notebook.json"):
                images |= _image_files(path)
        for digest in [digest for digest in self._memory if digest not in kept_digests]:
            del self._memory[digest]
        for path in _files(self.directory / "images"):
            if not _is_temporary(path) and path.name not in images and stale(path):
                remove(path)
        for path in _files(self.directory / "manifests"):
            if _is_temporary(path):
                continue
            stored = _read_json(path) or {}
            if (
                stored.get("page") not in self._pages
                and stored.get("digest") not in kept_digests
                and stale(path)
            ):
                remove(path)
        notebooks = self.directory / "notebooks"
        if notebooks.is_dir():
            for entry in sorted(notebooks.iterdir()):
                entry_path = Path(os.path.abspath(entry))
                live = any(
                    path == entry_path or entry_path in path.parents or path in entry_path.parents
                    for path in self._paths
                )
                if not live and stale(entry):
                    remove(entry)
        for folder in (self.directory, self.directory / "images", self.directory / "manifests"):
            for path in _files(folder):
                if _is_temporary(path) and stale(path):
                    remove(path)
        if notebooks.is_dir():
            for path in notebooks.rglob(".*"):
                if path.is_file() and _is_temporary(path) and stale(path):
                    remove(path)
        return removed

    def reasons(self, page, key):
        """Why ``page`` must run: its manifest at its last ``put`` against ``key``'s.

        ``page`` is the name given to ``put`` (a language-neutral one, e.g. "vgg.md",
        lets the second language reuse the first's). ["not in the cache"] when nothing
        is known of the page, or when its key has not changed (its run was removed).
        """
        self.use_page(page)
        stored = _read_json(self._manifest_path(page))
        manifest = getattr(key, "manifest", None)
        if not stored or manifest is None:
            return ["not in the cache"]
        return explain(stored.get("manifest"), manifest) or ["not in the cache"]

    # Page runs

    def get(self, key):
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
        stored = _read_json(path)
        if stored is None:
            return None
        try:
            run = self._load(stored)
        except FileNotFoundError:  # an image was removed by hand: run again
            return None
        except (KeyError, TypeError, ValueError):  # not a record this code can read
            return None
        _touch(path)
        self._checked.add(digest)
        self._memory[digest] = run
        return run

    def put(self, key, run, page=None):
        """Store a successful ``run`` under ``key``, and ``key``'s manifest as ``page``'s.

        A run whose ``failure`` is set is not stored: returns False (True when stored).
        """
        if getattr(run, "failure", ""):
            return False
        digest = _digest(key)
        self.use(digest)
        self._checked.add(digest)
        self._memory[digest] = run
        self._write_run(digest, run)
        self._put_manifest(page, key)
        return True

    def _write_run(self, digest, run):
        outputs = []
        for output in run.outputs:
            stored = {}
            for field in dataclasses.fields(output):
                value = getattr(output, field.name)
                if field.name == "images":
                    for name, image_digest, data in value:
                        path = self.image_path(image_digest, name)
                        if not path.exists():
                            write_atomically(path, data)
                    value = [[name, image_digest] for name, image_digest, _ in value]
                stored[field.name] = value
            outputs.append(stored)
        record = {
            field.name: getattr(run, field.name)
            for field in dataclasses.fields(run)
            if field.name != "outputs"
        }
        record["outputs"] = outputs
        write_atomically(self.directory / f"{digest}.json", json.dumps(record).encode())

    def _load(self, stored):
        known = {field.name for field in dataclasses.fields(FenceOutput)}
        outputs = []
        for output in stored["outputs"]:
            values = {name: value for name, value in output.items() if name in known}
            values["images"] = [
                (name, digest, self.image_path(digest, name).read_bytes())
                for name, digest in output.get("images", [])
            ]
            outputs.append(FenceOutput(**values))
        known = {field.name for field in dataclasses.fields(PageRun)} - {"outputs"}
        values = {name: value for name, value in stored.items() if name in known}
        return PageRun(outputs=outputs, **values)

    # Notebooks

    def get_notebook(self, key):
        """The stored cell outputs (a JSON list) of a notebook's ``key``, or None."""
        digest = _digest(key)
        self.use(digest)
        path = self.directory / f"{digest}.notebook.json"
        outputs = _read_json(path)
        if outputs is not None:
            _touch(path)
        return outputs

    def put_notebook(self, key, outputs, page=None):
        digest = _digest(key)
        self.use(digest)
        write_atomically(self.directory / f"{digest}.notebook.json", json.dumps(outputs).encode())
        self._put_manifest(page, key)

    # Files

    def image_path(self, digest, name):
        return self.directory / "images" / f"{digest}{Path(name).suffix.lower()}"

    def _manifest_path(self, page):
        return self.directory / "manifests" / f"{urllib.parse.quote(str(page), safe='')}.json"

    def _put_manifest(self, page, key):
        if page is None:
            return
        self.use_page(page)
        manifest = getattr(key, "manifest", None)
        if manifest is None:
            return
        record = {"digest": _digest(key), "page": page, "manifest": manifest}
        write_atomically(self._manifest_path(page), json.dumps(record, ensure_ascii=False).encode())


def write_atomically(path, data):
    """Write ``data`` to ``path`` so that another build reading it sees all of it or nothing.

    The data goes first to a temporary file ``.<name>.<random>`` beside ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)


def _digest(key):
    return getattr(key, "digest", None) or str(key)


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _files(folder):
    try:
        return sorted(path for path in folder.iterdir() if path.is_file())
    except FileNotFoundError:
        return []


TEMPORARY = re.compile(r"^\..+\.[a-z0-9_]{8}$")  # write_atomically's: .<name>.<random>


def _is_temporary(path):
    return TEMPORARY.match(path.name) is not None


def _touch(path):
    """Mark ``path`` as just used (another build's eviction keeps it); False if it is gone."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    except OSError:  # read-only: the mark is only a courtesy
        pass
    return True


def _read_json(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def _image_files(record_path):
    """The image files a page record shows."""
    stored = _read_json(record_path) or {}
    return {
        f"{digest}{Path(name).suffix.lower()}"
        for output in stored.get("outputs", [])
        for name, digest in output.get("images", [])
    }
