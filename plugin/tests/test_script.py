"""A fence behaves as the same code run with ``python file.py`` (issue 26).

Each example below is built on a page (MkDocs' own theme, the plugin alone) and run as
a script, ``python example.py`` in an empty folder; the page shows what the script
printed, byte for byte: what it defines pickles, multiprocessing's children run what it
defines under every start method, Python waits for its threads and its non-daemon
children and keeps what they print, and what its subprocesses print is shown too.
"""

from __future__ import annotations

import html
import multiprocessing
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXAMPLES = {
    "pickle": """\
import pickle
from dataclasses import dataclass


@dataclass
class Point:
    x: int
    y: int


print(pickle.loads(pickle.dumps(Point(1, 2))))
""",
    "pool": """\
import multiprocessing


def square(n):
    return n * n


if __name__ == "__main__":
    for method in ["spawn", "forkserver", "fork"]:
        if method in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context(method).Pool(2) as pool:
                print(method, pool.map(square, range(5)))
""",
    "start method": """\
import multiprocessing

print(multiprocessing.get_start_method())  # the system's default, not the build's
""",
    "executor": """\
from concurrent.futures import ProcessPoolExecutor


def cube(n):
    return n**3


if __name__ == "__main__":
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(cube, range(4))))
""",
    "thread": """\
import threading
import time


def later():
    time.sleep(0.5)
    print("the thread ends after the script's last line")


threading.Thread(target=later).start()
print("the script's last line")
""",
    "child": """\
import multiprocessing
import time


def work():
    time.sleep(0.5)
    print("the child ends after its parent's last line", flush=True)


if __name__ == "__main__":
    multiprocessing.get_context("spawn").Process(target=work).start()
    print("the parent's last line", flush=True)
""",
    "subprocess": """\
import subprocess
import sys

print("before", flush=True)
subprocess.run([sys.executable, "-c", "print('from a subprocess')"], check=True)
print("after")
""",
    "main": """\
import pathlib
import sys

pathlib.Path("helper.py").write_text("VALUE = 42\\n")
import helper

print(__name__, helper.VALUE, pathlib.Path(sys.argv[0]).suffix, pathlib.Path(__file__).exists())
print(sys.path[0] == str(pathlib.Path(__file__).parent))
""",
}
FENCE = re.compile(r'<pre><code class="language-python">.*?</code></pre>\s*', re.DOTALL)
STDOUT = re.compile(r'\A<div class="cb-output">\n<pre class="cb-stdout"><code>(.*?)</code>', re.S)


def as_script(code: str, folder: Path) -> str:
    """What ``python example.py`` prints, run in an empty ``folder``."""
    folder.mkdir()
    (folder / "example.py").write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "example.py"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_methods() -> list[str]:
    return [m for m in ("forkserver", "spawn") if m in multiprocessing.get_all_start_methods()]


@pytest.mark.parametrize("start_method", start_methods())
def test_each_example_prints_on_its_page_what_it_prints_as_a_script(
    tmp_path: Path, start_method: str
) -> None:
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    page = "# Scripts\n\n" + "".join(f"```python\n{code}```\n\n" for code in EXAMPLES.values())
    (project / "docs" / "index.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "scripts",
        "theme": {"name": "mkdocs"},
        "plugins": [{"run-examples": {"start_method": start_method}}],
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    built = (project / "site" / "index.html").read_text(encoding="utf-8")
    shown = [
        html.unescape(match[1]) + "\n" if (match := STDOUT.match(after)) else ""
        for after in FENCE.split(built)[1:]
    ]
    scripts = [as_script(code, tmp_path / name) for name, code in EXAMPLES.items()]
    assert dict(zip(EXAMPLES, shown, strict=True)) == dict(zip(EXAMPLES, scripts, strict=True))
    assert "__main__ 42 .py True\nTrue\n" in shown
