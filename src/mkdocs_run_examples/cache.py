"""A cache of page runs, keyed on exactly what can change their output.

The key is a SHA-256 over: the code of every fence of the page, after includes,
with its run/skip/continue markers; the Python version, the versions of the
configured packages and of Graphviz's ``dot``, and this package's code that runs
the examples; and the source of what the code uses of each configured source
package (see ``dependencies``). The Chinese page of an English one has the same
code, hence the same key: it reuses the English run.
Failed runs are never stored.
"""

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs_run_examples.dependencies import reached_sources
from mkdocs_run_examples.runner import FenceOutput, PageRun

FORMAT = "run-examples/1"


def environment_digest(packages):
    """Python, the given packages' versions, Graphviz's version and the code that runs the
    examples and stores their outputs (runner.py, notebooks.py), as one digest."""
    here = Path(__file__).parent
    parts = [FORMAT, sys.version]
    parts += [(here / name).read_text(encoding="utf-8") for name in ("runner.py", "notebooks.py")]
    for package in sorted(packages):
        try:
            parts.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package} not installed")
    try:
        dot = subprocess.run(["dot", "-V"], capture_output=True, text=True, check=False)
        parts.append(dot.stderr.strip() or dot.stdout.strip())
    except FileNotFoundError:
        parts.append("dot not installed")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def sources_digest(listings, sources):
    """Digest of what the code ``listings`` use of each source package ({name: directory})."""
    digest = hashlib.sha256()
    for name, directory in sorted(sources.items()):
        for text in reached_sources(listings, name, directory):
            digest.update(f"{text}\0".encode())
    return digest.hexdigest()


def page_key(fences, environment, sources):
    """The cache key of a page's fences."""
    code = "".join(
        f"\0fence skip={fence.skip} cont={fence.continues}\n{fence.code}" for fence in fences
    )
    listings = [fence.code for fence in fences if not fence.skip]
    parts = [environment, sources_digest(listings, sources), code]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class RunCache:
    """Page runs on disk (``<key>.json``, images under ``images/``) and in memory."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self._memory = {}

    def get(self, key):
        if key in self._memory:
            return self._memory[key]
        path = self.directory / f"{key}.json"
        if not path.exists():
            return None
        stored = json.loads(path.read_text(encoding="utf-8"))
        try:
            run = self._load(stored)
        except FileNotFoundError:  # an image was removed by hand: run again
            return None
        self._memory[key] = run
        return run

    def _load(self, stored):
        return PageRun(
            outputs=[
                FenceOutput(
                    stdout=output["stdout"],
                    skipped=output["skipped"],
                    images=[
                        (name, digest, self.image_path(digest, name).read_bytes())
                        for name, digest in output["images"]
                    ],
                )
                for output in stored["outputs"]
            ],
            seconds=stored["seconds"],
        )

    def put(self, key, run):
        self._memory[key] = run
        (self.directory / "images").mkdir(parents=True, exist_ok=True)
        outputs = []
        for output in run.outputs:
            for name, digest, data in output.images:
                write_atomically(self.image_path(digest, name), data)
            outputs.append(
                {
                    "stdout": output.stdout,
                    "skipped": output.skipped,
                    "images": [[name, digest] for name, digest, _ in output.images],
                }
            )
        record = {"outputs": outputs, "seconds": run.seconds}
        write_atomically(self.directory / f"{key}.json", json.dumps(record).encode())

    def get_notebook(self, key):
        path = self.directory / f"{key}.notebook.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def put_notebook(self, key, outputs):
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.directory / f"{key}.notebook.json", json.dumps(outputs).encode())

    def image_path(self, digest, name):
        return self.directory / "images" / f"{digest}{Path(name).suffix.lower()}"


def write_atomically(path, data):
    """Write ``data`` to ``path`` so that another build reading it sees all of it or nothing."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.replace(f.name, path)
