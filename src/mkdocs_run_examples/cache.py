"""A cache of page runs, keyed on exactly what can change their output.

The key is a SHA-256 over: the code of every fence of the page, after includes,
with its run/skip/continue markers; the Python version, the versions of the
configured packages and of Graphviz's ``dot``, and this package's code that runs
the examples; and, for each configured source
package that the code imports, the contents of its files. The Chinese page of an
English one has the same code, hence the same key: it reuses the English run.
Failed runs are never stored.
"""

import hashlib
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

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


def sources_digest(code, sources):
    """Digest of the files of each source package ``code`` imports ({name: directory})."""
    digest = hashlib.sha256()
    for name, directory in sorted(sources.items()):
        if not re.search(rf"^\s*(import|from)\s+{re.escape(name)}\b", code, re.MULTILINE):
            continue
        for path in sorted(Path(directory).rglob("*.py")):
            digest.update(f"{name}/{path.relative_to(directory).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def page_key(fences, environment, sources):
    """The cache key of a page's fences."""
    code = "".join(
        f"\0fence skip={fence.skip} cont={fence.continues}\n{fence.code}" for fence in fences
    )
    parts = [environment, sources_digest(code, sources), code]
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
                self.image_path(digest, name).write_bytes(data)
            outputs.append(
                {
                    "stdout": output.stdout,
                    "skipped": output.skipped,
                    "images": [[name, digest] for name, digest, _ in output.images],
                }
            )
        record = {"outputs": outputs, "seconds": run.seconds}
        (self.directory / f"{key}.json").write_text(json.dumps(record), encoding="utf-8")

    def get_notebook(self, key):
        path = self.directory / f"{key}.notebook.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def put_notebook(self, key, outputs):
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{key}.notebook.json"
        path.write_text(json.dumps(outputs), encoding="utf-8")

    def image_path(self, digest, name):
        return self.directory / "images" / f"{digest}{Path(name).suffix.lower()}"
