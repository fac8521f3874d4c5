"""The environment's fingerprint: what, besides a page's code and the sources it reaches,
decides its outputs.

An :class:`Environment` covers Python's version, every installed distribution and its
version, Graphviz's ``dot -V``, this package's code that runs the examples, and the lock
file if there is one. It is part of every page's key (see ``keys``).

This package's code that runs the examples is found, not listed: the modules a job's
process imports, followed from ``execution`` (the target of each job's process, see
``pool``) through every import of the package, those inside functions too. So a module
the process comes to import is covered the day it does, and one it never imports (the
build's own, as ``plugin`` or ``render``) runs no page again when it changes.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs_run_examples.dependencies import absolute_module

# The version of the cache's keys and records: in every digest, so a new one starts afresh.
FORMAT = "run-examples/2"
PACKAGE = Path(__file__).parent  # this package's folder
# Where a job's process starts: run_job, its target (see pool); and the matplotlib backend
# that its pages load by name (execution.ENVIRONMENT), which no module imports.
JOB_MODULES = ("execution", "matplotlib_backend")


@dataclass(frozen=True)
class Environment:
    """What, besides a page's code and the sources it reaches, decides its outputs.

    ``parts``: {"python": sys.version, "dot": output of ``dot -V``, "plugin": digest of
    this package's modules a job's process runs (:func:`plugin_digest`), "lock": digest
    of the lock file or None, "distributions": {normalized name: version}}; ``digest``:
    their SHA-256.
    """

    digest: str
    parts: dict[str, Any]

    @classmethod
    def current(
        cls, lock_file: str | os.PathLike[str] | None = None, memo: Path | None = None
    ) -> Environment:
        """This process's environment; meant to be computed once per build. ``memo``: the
        file that keeps the plugin's digest between builds (see :func:`plugin_digest`)."""
        lock = Path(lock_file) if lock_file is not None else None
        return cls.from_parts(
            {
                "python": sys.version,
                "dot": _dot_version(),
                "plugin": plugin_digest(memo=memo),
                "lock": _sha256(lock.read_bytes()) if lock is not None and lock.is_file() else None,
                "distributions": installed_distributions(),
            }
        )

    @classmethod
    def from_parts(cls, parts: dict[str, Any]) -> Environment:
        text = json.dumps({"format": FORMAT, **parts}, sort_keys=True, ensure_ascii=False)
        return cls(digest=_sha256(text.encode()), parts=parts)


def installed_distributions() -> dict[str, str]:
    """{normalized name: version} of every installed distribution, sorted by name.

    A distribution found twice (in two entries of ``sys.path``) counts as the first
    one, the one ``import`` and ``importlib.metadata.version`` find. A ``.dist-info``
    folder's name holds the name and version, read without parsing its METADATA
    (which takes ~1 ms per distribution); other kinds are read from their metadata.
    """
    found: dict[str, str] = {}
    for distribution in importlib.metadata.distributions():
        name, version = _name_and_version(distribution)
        if name and name not in found:
            found[name] = version
    return dict(sorted(found.items()))


def _name_and_version(distribution: importlib.metadata.Distribution) -> tuple[str, str]:
    path = getattr(distribution, "_path", None)
    folder = getattr(path, "name", "")
    if folder.endswith(".dist-info") and folder.count("-") == 2:  # name-version.dist-info
        name, version = folder[: -len(".dist-info")].split("-")
        if name and version:
            return _normalize(name), version
    metadata = distribution.metadata
    return _normalize((metadata["Name"] if metadata else None) or ""), distribution.version


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_dot_versions: dict[tuple[str, int, int], str] = {}  # (path, size, mtime) -> its dot -V


def _dot_version() -> str:
    """``dot -V`` of the ``dot`` found on PATH now (the one the examples will run); kept
    for serve's rebuilds while that file does not change."""
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


# --- The plugin's own code -----------------------------------------------------------


def plugin_digest(package: Path = PACKAGE, memo: Path | None = None) -> str:
    """SHA-256 of the modules of ``package`` (this package's folder, or a copy of it) that
    a job's process runs: each one's dotted name and bytes.

    Finding those modules parses them (20-25 ms, a twentieth of a small site's warm
    rebuild); ``memo``, a JSON file, keeps the digest for the package's files as they are
    (the hash of every module's path and bytes, 1.5 ms), and is rewritten when they change.
    """
    if memo is None:
        return _job_modules_digest(package)
    files = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        files.update(f"{name}\0".encode() + path.read_bytes() + b"\0")
    try:
        kept = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or unreadable: found again
        kept = None
    if isinstance(kept, dict) and kept.get("files") == files.hexdigest():
        return str(kept["digest"])
    digest = _job_modules_digest(package)
    from mkdocs_run_examples.store import write_atomically  # store imports this module

    with contextlib.suppress(OSError):  # a memo that cannot be written costs time only
        write_atomically(memo, json.dumps({"files": files.hexdigest(), "digest": digest}).encode())
    return digest


def _job_modules_digest(package: Path) -> str:
    digest = hashlib.sha256()
    for name, path in job_modules(package).items():
        digest.update(f"{name}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def job_modules(package: Path = PACKAGE) -> dict[str, Path]:
    """{dotted name: file} of the modules of ``package`` a job's process imports, by name.

    Found by following the package's imports from :data:`JOB_MODULES`: every ``import``
    and ``from ... import`` of the package (relative ones too) anywhere in a module,
    in its functions too, and the packages that hold each module found (importing a
    module runs its package's ``__init__``). The package's import name is its folder's.
    """
    found: dict[str, Path] = {}
    stack = [f"{package.name}.{name}" for name in JOB_MODULES]
    while stack:
        name = stack.pop()
        path = None if name in found else _module_file(package, name)
        if path is None:  # seen, or a name of the package that is not a module
            continue
        found[name] = path
        if "." in name:
            stack.append(name.rpartition(".")[0])
        stack += _imported_names(path, name, package.name)
    return dict(sorted(found.items()))


def _module_file(package: Path, name: str) -> Path | None:
    """The file of module ``name`` of ``package`` (dotted, from the package's own name)."""
    parts = name.split(".")[1:]
    files = [package.joinpath(*parts, "__init__.py")]  # a package first, as import finds it
    if parts:
        files.append(package.joinpath(*parts[:-1], f"{parts[-1]}.py"))
    return next((path for path in files if path.is_file()), None)


def _imported_names(path: Path, name: str, root: str) -> list[str]:
    """What module ``name`` (at ``path``) imports of the package ``root``: the modules it
    names, and ``module.name`` for each ``from module import name`` (a submodule or not)."""
    is_package = path.name == "__init__.py"
    parent = name if is_package else name.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute_module(node, parent)
            names += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return [n for n in names if n == root or n.startswith(f"{root}.")]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
