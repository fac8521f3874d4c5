"""The files around a page: what its code may not write into, and the data files it reads.

Each test builds (or serves) a small site under ``tmp_path`` with MkDocs' own theme and
the standard library only, in a process of its own, as a contributor would.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

import yaml
from test_example_site import printed, run_python

from mkdocs_run_examples.guard import place_files
from mkdocs_run_examples.page_files import data_files
from mkdocs_run_examples.records import Fence

EXPECT_ERROR = "<!--pytest-codeblocks:expect-error-->"
REFUSED = "PermissionError: a page's code may not write into "
SERVE_SECONDS = 15


def make_site(tmp_path, pages, **config):
    """A project in ``tmp_path / "project"``: ``pages`` ({path under docs/: text}) and a
    mkdocs.yml with MkDocs' own theme, the plugin, and ``config``."""
    project = tmp_path / "project"
    for name, text in pages.items():
        path = project / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = {"site_name": "files", "theme": {"name": "mkdocs"}, "plugins": ["run-examples"]}
    (project / "mkdocs.yml").write_text(yaml.safe_dump({**settings, **config}), encoding="utf-8")
    return project


def page(*fences):
    """A page of ``fences``: code, or (marker, code)."""
    parts = ["# A page\n"]
    for fence in fences:
        marker, code = fence if isinstance(fence, tuple) else ("", fence)
        parts.append(f"{marker}\n```python\n{code}\n```\n")
    return "\n".join(parts)


def mkdocs(project, *arguments, site=None):
    """``mkdocs <arguments>`` run in ``project`` into ``site``, its output captured."""
    return run_python(
        project, "-m", "mkdocs", *arguments, "-d", str(site or project.parent / "site")
    )


def contents(folder):
    """{path under ``folder``: bytes} of every file in it."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def report(project):
    """The execution report of the last build, in the cache folder (report: false)."""
    path = project / ".cache" / "run-examples" / "report" / "execution-report.json"
    return json.loads(path.read_text(encoding="utf-8"))


# Writes


def writes_into(docs, site, config_file, watched):
    """{what it tries: code that writes into what the build reads or publishes}."""
    tries = {
        "open": f"open({str(docs / 'out.txt')!r}, 'w')",
        "a relative path": f"open(os.path.join(os.path.relpath({str(docs)!r}), 'out.txt'), 'w')",
        "os.open": f"os.open({str(docs / 'out.txt')!r}, os.O_WRONLY | os.O_CREAT)",
        "pathlib": f"pathlib.Path({str(docs)!r}, 'out.txt').write_text('x')",
        "an existing page": f"open({str(docs / 'index.md')!r}, 'r+')",
        "os.replace": f"open('x', 'w').close()\nos.replace('x', {str(docs / 'x')!r})",
        "os.rename, out": f"os.rename({str(docs / 'index.md')!r}, 'taken.md')",
        "os.remove": f"os.remove({str(docs / 'index.md')!r})",
        "os.mkdir": f"os.makedirs({str(docs / 'new' / 'deeper')!r})",
        "os.rmdir": f"os.rmdir({str(docs)!r})",
        "shutil.rmtree": f"shutil.rmtree({str(docs)!r})",
        "shutil.copyfile": f"shutil.copyfile({str(docs / 'index.md')!r}, {str(docs / 'c.md')!r})",
        "shutil.move": f"shutil.move({str(docs / 'index.md')!r}, '.')",
        "os.truncate": f"os.truncate({str(docs / 'index.md')!r}, 0)",
        "os.utime": f"os.utime({str(docs / 'index.md')!r})",
        "os.chmod": f"os.chmod({str(docs / 'index.md')!r}, 0o600)",
        "sqlite3": f"sqlite3.connect({str(docs / 'data.db')!r})",
        "the site folder": f"open({str(site / 'planted.html')!r}, 'w')",
        "mkdocs.yml": f"open({str(config_file)!r}, 'a')",
        "a watched folder": f"open({str(watched / 'out.py')!r}, 'w')",
    }
    if os.name == "posix":  # symbolic links need privileges on Windows; dir_fd is POSIX's
        tries["through a link"] = f"os.symlink({str(docs)!r}, 'link')\nopen('link/out.txt', 'w')"
        tries["os.symlink"] = f"os.symlink('/', {str(docs / 'root')!r})"
        tries["os.link"] = f"os.link({str(docs / 'index.md')!r}, 'hard.md')"
        tries["dir_fd"] = (
            f"folder = os.open({str(docs)!r}, os.O_RDONLY)\nos.unlink('index.md', dir_fd=folder)"
        )
    return tries


def test_a_page_s_code_cannot_write_into_what_the_build_reads_or_publishes(tmp_path):
    """Each way of writing fails at its fence with a PermissionError naming what it tried,
    and changes nothing; the page's own folder stays writable, and docs/ readable."""
    docs, site = tmp_path / "project" / "docs", tmp_path / "site"
    config_file, watched = tmp_path / "project" / "mkdocs.yml", tmp_path / "project" / "src"
    tries = writes_into(docs, site, config_file, watched)
    imports = "import os, pathlib, shutil, sqlite3"
    fences = [(EXPECT_ERROR, f"{imports}\n{code}") for code in tries.values()]
    fences.append(f"{imports}\nopen('mine.txt', 'w').write('mine')\nprint(open('mine.txt').read())")
    fences.append(f"print(open({str(docs / 'index.md')!r}).read().split()[1])")
    project = make_site(tmp_path, {"index.md": page(*fences)}, watch=["src"])
    watched.mkdir()
    before = contents(project)
    built = mkdocs(project, "build", "--strict")
    assert built.returncode == 0, built.stderr
    *tracebacks, mine, heading = printed(site, ".")
    assert (mine, heading) == ("mine", "A")
    for (name, code), traceback in zip(tries.items(), tracebacks, strict=True):
        assert REFUSED in traceback, f"{name}: {code}\n{traceback}"
    refused = dict(zip(tries, (t.rpartition(REFUSED)[2] for t in tracebacks), strict=True))
    assert refused["open"].startswith("docs/ (docs/out.txt): the build publishes and watches")
    assert refused["a relative path"].startswith("docs/ (docs/out.txt)")
    assert refused["the site folder"].startswith(f"{site}/ ({site}/planted.html): the build")
    assert refused["mkdocs.yml"].startswith("mkdocs.yml (mkdocs.yml): the build reads it")
    assert refused["a watched folder"].startswith("src/ (src/out.py): serve rebuilds")
    after = {name: data for name, data in contents(project).items() if ".cache" not in name}
    assert after == before
    assert not (site / "planted.html").exists()


def test_a_failed_write_fails_the_build_at_its_line_and_two_builds_publish_the_same(tmp_path):
    """The finding: a fence that wrote into docs/ left its file out of the first build
    and published it in the second."""
    docs = tmp_path / "project" / "docs"
    writes = (
        "print('before')",
        f"open({str(docs / 'written.txt')!r}, 'w').write('x')",
        f"import os\nopen(os.path.join(os.path.relpath({str(docs)!r}), 'climbed.txt'), 'w')",
    )
    project = make_site(tmp_path, {"index.md": page(*writes)})
    strict = mkdocs(project, "build", "--strict")
    assert strict.returncode != 0
    assert f"docs/index.md:10: fence 2 raised: {REFUSED}docs/ (docs/written.txt)" in strict.stderr
    published = []
    for number in (1, 2):
        site = tmp_path / f"site-{number}"
        built = mkdocs(project, "build", site=site)
        assert built.returncode == 0, built.stderr
        assert "docs/index.md:10: fence 2 raised: PermissionError" in built.stderr
        published.append(sorted(contents(site)))
    assert published[0] == published[1]
    assert not any(name.endswith(".txt") for name in published[0])
    assert sorted(contents(docs)) == ["index.md"]


def free_port():
    """A TCP port no one listens on now (the system picks it)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def wait_for(log, text, server, seconds=120):
    """Wait until ``text`` is in the file ``log`` that ``server`` writes."""
    deadline = time.monotonic() + seconds
    while text not in log.read_text(encoding="utf-8"):
        assert server.poll() is None and time.monotonic() < deadline, log.read_text("utf-8")
        time.sleep(0.2)


@contextlib.contextmanager
def serving(project, log, address, env=None):
    """``mkdocs serve`` of ``project`` on ``address``, its output in the file ``log``, once
    it serves; stopped by Ctrl-C as a contributor stops it (the plugin's on_shutdown
    ends its pages)."""
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "-a", address],
            cwd=project,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            wait_for(log, "Serving on", server)
            yield server
        finally:
            server.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_serve_does_not_rebuild_in_a_loop_when_a_page_writes_into_docs(tmp_path):
    """The finding: under serve, a failing fence that wrote into docs/ rebuilt the site
    50 times in 25 s once an edit made it rebuild (each write a change, each build
    running the failed page again)."""
    docs = tmp_path / "project" / "docs"
    absolute = f"open({str(docs / 'absolute.txt')!r}, 'w').write('x')\n1 / 0"
    relative = (
        f"import os\nopen(os.path.join(os.path.relpath({str(docs)!r}), 'relative.txt'), 'w')\n1 / 0"
    )
    project = make_site(tmp_path, {"index.md": page(absolute), "other.md": page(relative)})
    log = tmp_path / "serve.log"
    address = f"127.0.0.1:{free_port()}"
    with serving(project, log, address) as server:
        # An edit: serve rebuilds once, and runs the failed pages again.
        with (docs / "other.md").open("a", encoding="utf-8") as edited:
            edited.write("\nEdited.\n")
        time.sleep(SERVE_SECONDS)
        assert server.poll() is None, log.read_text(encoding="utf-8")
    text = log.read_text(encoding="utf-8")
    assert f"Serving on http://{address}/" in text, text
    assert text.count("Building documentation...") == 2, text
    assert "docs/index.md:5: fence 1 raised: PermissionError" in text, text
    assert "docs/other.md:6: fence 1 raised: PermissionError" in text, text
    assert sorted(contents(docs)) == ["index.md", "other.md"]


# Data files beside a page


def fence_of(code, skip=False):
    return Fence(index=1, code=code, indent="", start_line=0, end_line=0, skip=skip)


def test_the_data_files_are_the_files_beside_the_page_its_fences_name(tmp_path):
    docs = tmp_path / "docs"
    for name, text in {
        "en/guide.md": "# Guide",
        "en/other.md": "# Other",
        "en/data/points.csv": "x,y\n",
        "en/data/skipped.csv": "s\n",
        "shared.txt": "shared",
        "en/unparsed.txt": "u",
    }.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    (tmp_path / "outside.txt").write_text("out", encoding="utf-8")
    fences = [
        fence_of(
            "import pandas\n"
            "frame = pandas.read_csv('./data/points.csv')\n"
            'text = open("../shared.txt").read()\n'
            "open('../../outside.txt'); open('other.md'); open('data'); open('missing.csv')\n"
            "name = 'points'  # not a file"
        ),
        fence_of("print(open('data/skipped.csv').read())", skip=True),
        fence_of("open('unparsed.txt').read(  # a fence that does not parse"),
    ]
    found = data_files(fences, docs / "en" / "guide.md", docs)
    assert found == {"data/points.csv": b"x,y\n", "../shared.txt": b"shared", "unparsed.txt": b"u"}


def test_the_data_files_lie_around_the_scratch_folder_as_around_the_page(tmp_path):
    files = {"data/points.csv": b"p", "../shared.txt": b"s", "../../top.txt": b"t"}
    workdir = place_files(files, "en/guide", tmp_path)
    assert workdir == tmp_path / "en" / "guide"
    assert contents(tmp_path) == {
        "en/guide/data/points.csv": b"p",
        "en/shared.txt": b"s",
        "top.txt": b"t",
    }
    assert place_files({}, "en/guide", tmp_path / "bare") == tmp_path / "bare"


def test_a_page_reads_its_data_files_and_runs_again_when_one_changes(tmp_path):
    reads = (
        "import csv\n"
        "with open('data/points.csv', encoding='utf-8') as file:\n"
        "    rows = list(csv.DictReader(file))\n"
        "print(sum(int(row['y']) for row in rows))\n"
        "with open('../shared.txt', encoding='utf-8') as file:\n"
        "    print(file.read())"
    )
    pages = {
        "index.md": page("print('home')"),
        "guide/points.md": page(reads),
        "guide/data/points.csv": "x,y\n1,2\n3,4\n",
        "shared.txt": "shared",
    }
    project = make_site(tmp_path, pages)
    site = tmp_path / "site"
    first = mkdocs(project, "build", "--strict")
    assert first.returncode == 0, first.stderr
    assert printed(site, "guide/points") == ["6\nshared"]
    assert report(project)["executions"] == 2

    (project / "docs" / "guide" / "data" / "points.csv").write_text("x,y\n1,10\n", "utf-8")
    second = mkdocs(project, "build", "--strict")
    assert second.returncode == 0, second.stderr
    assert printed(site, "guide/points") == ["10\nshared"]
    ran = {line["page"]: line for line in report(project)["pages"] if not line["cached"]}
    assert list(ran) == ["guide/points.md"]
    assert ran["guide/points.md"]["reasons"] == ["data file data/points.csv changed"]

    third = mkdocs(project, "build", "--strict")
    assert third.returncode == 0, third.stderr
    assert report(project)["executions"] == 0
