"""Benchmarks of what the project's users wait for: site builds, reloads, page weight, tests.

Run with ``make bench`` (``--runs N`` for the median of N; ``--no-tests`` leaves out
the README's test command, which is timed once, with its caches set aside;
``--no-baseline``, ``--no-serve``, ``--no-workers`` and ``--no-setup`` leave out the slow
mkdocs-jupyter baseline, the ``mkdocs serve`` reloads, the cold builds with a set number of
workers and the timing of an empty virtualenv's set-up; ``--no-peer`` the small site built
by markdown-exec, ``--no-phone`` Lighthouse's runs on a phone, ``--no-site`` the rest of
what concerns this repository's site. The phone's figures alone:
``--no-site --no-peer --name phone``).
Builds work on a copy of the site's sources in a temporary directory, so the repository
and its example cache are left alone.
Writes ``benchmarks/results/build.json`` and ``build.md`` (``--name``: other names) and
prints the table.

Machines differ, so every time is also given as a multiple of a unit timed in the same
runs: ``python -c "import tensorflow, keras"``.
Measured: a cold build (empty example cache, both languages); a warm rebuild; a
rebuild after a Chinese-prose-only edit and after an edit inside one block (vgg_block);
cold builds with ``workers: 1`` and ``workers: 2``; under ``mkdocs serve`` (warm cache),
the time from an edit of docs/en/vgg.md until the browser is told to reload, for two
fence edits and a prose edit; executions with one language and with two; the weight of
every built page with its images; the baseline: the same pages built by mkdocs-jupyter
executing each page as a notebook, in the same run; and setting up an empty virtualenv
with ``uv sync`` (as ``make`` does) against pip (as it did before the lock).
The builds, serve's reloads and ``make test`` are measured under each of the plugin's
start methods (``--start-methods``, by default ``auto``, forkserver here, in full, then
``spawn``, as on Windows, reported beside it).

On a phone (``phone.py``): Lighthouse's mobile run of every page of both languages, the
site built with the repository's example cache and served gzipped as GitHub Pages serves
it; the size of each language's search index and the heaviest page's transfer.

Then a small site without Keras (``benchmarks/peer/docs``: ordinary examples, MkDocs' own
theme) built from the same pages three ways in the same run: by this plugin, by
markdown-exec (which runs every fence in the MkDocs process at every build, having no
cache) and without any execution plugin (what MkDocs itself costs); cold and warm, each the
median of several builds, the goals stated as ratios between them.
"""

import argparse
import contextlib
import functools
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import psutil
from phone import measure as measure_phone
from phone import phone_table

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.notebooks import page_notebook
from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SOURCES = ["mkdocs.yml", "uv.lock", "docs", "src", "hooks", "overrides", "benchmarks/results"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
ENV.pop("CONVBLOCKS_REPOSITORY", None)
SERVED_PAGE, SERVED_URL = "en/vgg.md", "/vgg/"  # the page edited under serve
SERVE_EDITS = {  # what is edited in SERVED_PAGE, one after the other: (old, new)
    "first fence edit": (
        "outputs = vgg_block(inputs, 64, 2)",
        "outputs = vgg_block(inputs, 32, 2)",
    ),
    "second fence edit": ("vgg_block(x, 256, 4)", "vgg_block(x, 256, 3)"),
    "prose edit": ("a good place to start.", "a good place to begin."),
}
# The plugin's log line for a page it ran: "ran docs/en/vgg.md: 4 fences in 3.54 s".
RAN = re.compile(r"\bran (?:docs/)?(\S+?):? .* in ([0-9.]+) s")
BUILT = re.compile(r"Documentation built in ([0-9.]+) seconds")
READY = re.compile(r"ready to run pages by \w+")  # the plugin has imported its preload


def timed(command, cwd, alone=False, **environment):
    """Wall seconds of ``command``; if it fails, the benchmark stops with its output.

    ``alone``: it runs in a session of its own, and once it has returned, the benchmark
    waits (untimed) until every process it started has ended: the plugin's fork server
    ends a few tenths of a second after its build, taking the CPU of the next command.
    """
    start = time.perf_counter()
    env = {**ENV, **environment}
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=alone,
    ) as process:
        stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode:
        output = (stdout + stderr)[-5000:]
        sys.exit(f"{' '.join(map(str, command))} failed in {cwd}:\n{output}")
    if alone:
        wait_for_session(process.pid, command)
    return seconds


def wait_for_session(session, command, limit=60):
    """Wait until no process of ``session`` is left; after ``limit`` seconds, stop: the
    command left processes behind. (psutil lists the processes on every system.)"""
    deadline = time.monotonic() + limit
    while left := [pid for pid in psutil.pids() if in_session(pid, session)]:
        if time.monotonic() > deadline:
            sys.exit(f"{' '.join(map(str, command))} left processes {left} running")
        time.sleep(0.05)


def in_session(pid, session):
    try:
        return os.getsid(pid) == session
    except OSError:  # gone, or not ours to ask
        return False


def build(project, **environment):
    """One ``mkdocs build --strict``: wall seconds and the execution report."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
    seconds = timed(command, project, **environment)
    report = json.loads((project / "site" / "execution-report.json").read_text())
    return seconds, report


def unit_seconds():
    """The unit every time is compared with: a fresh ``import tensorflow, keras``."""
    return timed([sys.executable, "-c", "import tensorflow, keras"], ROOT)


def fresh_copy(into):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, into / name)
    return into


def edit(path, text):
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def replace_once(path, old, new):
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), "utf-8")


def edit_block(path, block, run):
    """A comment added inside ``block``'s section: what readers see and the code that runs."""
    marker = f"# --8<-- [start:{block}]\n"
    replace_once(path, marker, f"{marker}# benchmark edit {run}\n")


def summary(results):
    seconds = [s for s, _ in results]
    report = results[-1][1]
    return {
        "median_s": round(statistics.median(seconds), 2),
        "runs_s": [round(s, 2) for s in seconds],
        "pages_executed": report["executions"],
        "executed": sorted(p["page"] for p in report["pages"] if not p["cached"] and p["fences"]),
        "execution_s": round(sum(p["seconds"] for p in report["pages"]), 2),
    }


def page_weights(site):
    """Bytes of each page's HTML plus the local images it shows."""
    weights = {}
    for page in sorted(site.rglob("index.html")):
        text = page.read_text("utf-8")
        total = len(text.encode())
        for src in set(re.findall(r'<img [^>]*src="([^"]+)"', text)):
            image = (page.parent / src).resolve()
            if not src.startswith(("http", "data:")) and image.exists():
                total += image.stat().st_size
        weights[page.parent.relative_to(site).as_posix() or "."] = total
    return weights


def one_language(config):
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"(locale: zh\n\s+name: .*\n\s+)build: true", r"\1build: false", text))


def workers(count):
    """A change to mkdocs.yml: the plugin runs the examples in ``count`` workers."""
    option = "  - run-examples:\n"
    return lambda config: replace_once(config, option, f"{option}      workers: {count}\n")


def cold_build(configure):
    """A cold build of a fresh copy whose mkdocs.yml ``configure`` changed."""
    with tempfile.TemporaryDirectory() as tmp:
        project = fresh_copy(Path(tmp))
        configure(project / "mkdocs.yml")
        return build(project)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def livereload_poll(server):
    """What the browser showing SERVED_URL polls, ``/livereload/<epoch>/<request_id>``,
    and that epoch: serve answers the poll once a newer build is done.

    Getting the page waits while serve builds, as MkDocs' livereload server holds pages then.
    """
    with urlopen(server + SERVED_URL, timeout=600) as page:
        epoch, request_id = re.search(rb"livereload\((\d+), (\d+)\)", page.read()).groups()
    return f"{server}/livereload/{int(epoch)}/{int(request_id)}", int(epoch)


def reload_seconds(server, change):
    """Seconds from ``change()`` until the browser's long poll is told to reload."""
    poll, epoch = livereload_poll(server)
    start = time.perf_counter()
    change()
    while time.perf_counter() - start < 600:
        with urlopen(poll, timeout=120) as answer:  # serve answers within 60 s
            if int(answer.read()) > epoch:
                return time.perf_counter() - start
    raise TimeoutError("no reload in 600 s")


def stop(server):
    """Ctrl-C, as a user stops serve (the plugin's on_shutdown runs), or if that hangs,
    terminate; then kill whatever is left of its process group (the plugin's workers).
    """
    for sig in (signal.SIGINT, signal.SIGTERM):
        server.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
            break
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def serve_reloads(project, environment):
    """Under ``mkdocs serve``, for each of SERVE_EDITS: seconds to reload, and from its log,
    the seconds each page ran (its ``ran`` lines) and the rebuild took.

    The first edit is made as soon as serve logs that its workers are ready, as a reader
    of the log would; the seconds from starting serve to then are returned too.
    """
    page = project / "docs" / SERVED_PAGE
    original = page.read_text("utf-8")
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "mkdocs", "serve", "-a", address]
    results = {}
    with tempfile.NamedTemporaryFile("w", suffix=".log") as log:
        server = subprocess.Popen(
            command,
            cwd=project,
            env={**ENV, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        read_log = Path(log.name).read_text
        started = time.perf_counter()
        try:
            deadline = time.monotonic() + 600
            while True:  # serve listens once its first build is done
                try:
                    livereload_poll(f"http://{address}")
                    break
                except URLError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            while not READY.search(read_log()):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise TimeoutError("the pages' pool did not get ready")
                time.sleep(0.1)
            results["workers ready"] = time.perf_counter() - started
            for name, (old, new) in SERVE_EDITS.items():
                start = len(read_log())
                reload_s = reload_seconds(
                    f"http://{address}", functools.partial(replace_once, page, old, new)
                )
                lines = read_log()[start:]
                ran = {}
                for ran_page, ran_s in RAN.findall(lines):
                    ran[ran_page] = round(ran.get(ran_page, 0) + float(ran_s), 2)
                results[name] = {
                    "reload_s": reload_s,
                    "ran_s": ran,
                    "rebuild_s": float(BUILT.findall(lines)[-1]),
                }
        except (OSError, IndexError) as error:  # TimeoutError is an OSError
            sys.exit(f"{' '.join(command)} in {project}: {error!r}\n{read_log()[-5000:]}")
        finally:
            stop(server)
            page.write_text(original, "utf-8")
    return results


def serve_summary(runs):
    """Medians over the runs; overhead: reload − (the page's run + serve's warm rebuild).

    The warm rebuild is serve's rebuild after the prose edit, when no page runs.
    """
    result = {}
    for name in SERVE_EDITS:
        edits = [run[name] for run in runs]
        overheads = [
            e["reload_s"] - e["ran_s"].get(SERVED_PAGE, 0) - run["prose edit"]["rebuild_s"]
            for e, run in zip(edits, runs, strict=True)
        ]
        result[name] = {
            "median_s": round(statistics.median(e["reload_s"] for e in edits), 2),
            "runs_s": [round(e["reload_s"], 2) for e in edits],
            "page_run_s": statistics.median(e["ran_s"].get(SERVED_PAGE, 0) for e in edits),
            "rebuild_s": statistics.median(e["rebuild_s"] for e in edits),
            "overhead_s": round(statistics.median(overheads), 2),
            "ran_s": edits[-1]["ran_s"],
        }
    return result


def baseline_project(into):
    """The same pages as notebooks, both languages, built by mkdocs-jupyter with execute."""
    expander = SnippetExpander.from_mkdocs_yml(ROOT / "mkdocs.yml")
    docs = into / "docs"
    for language in ("en", "zh"):
        (docs / language).mkdir(parents=True)
        for page in sorted((ROOT / "docs" / language).iterdir()):
            if page.suffix == ".ipynb":
                shutil.copy(page, docs / language / page.name)
            elif page.suffix == ".md":
                markdown = expander.expand(page.read_text("utf-8"))
                notebook = page_notebook(markdown, find_fences(markdown))
                (docs / language / f"{page.stem}.ipynb").write_text(notebook, "utf-8")
    (into / "mkdocs.yml").write_text(
        "site_name: baseline\ndocs_dir: docs\ntheme:\n  name: material\n  font: false\n"
        "plugins:\n  - search\n  - mkdocs-jupyter:\n"
        "      execute: true\n      allow_errors: false\n"
    )
    return into


PEER_DOCS = ROOT / "benchmarks" / "peer" / "docs"  # the pages, as this plugin runs them
PEER_VARIANTS = {  # each variant's mkdocs.yml after its site_name and theme
    "run-examples": "plugins:\n  - search\n  - run-examples:\n"
    "      preload: [numpy, matplotlib.pyplot]\n",
    # markdown-exec's documented set-up: its plugin adds the fences to superfences.
    "markdown-exec": "plugins:\n  - search\n  - markdown-exec\n"
    "markdown_extensions:\n  - pymdownx.superfences\n",
    "no execution plugin": "plugins:\n  - search\n",
}
# A line each page prints when it runs, not written in its source (nor any character that
# HTML escapes).
PEER_OUTPUTS = {
    "index": "total letters: 19",
    "books": "pages in all: 977",
    "words": "6 pairs:",
    "arrays": "column sums: [12 15 18 21]",
    "chart": "sum of squares: 285",
}
PEER_GOALS = {  # ratio: (build, the variant this plugin's build is divided by, its limit)
    "cold build: run-examples / markdown-exec": ("cold", "markdown-exec", 1.0),
    "warm rebuild: run-examples / markdown-exec": ("warm", "markdown-exec", 0.35),
    "warm rebuild: run-examples / no execution plugin": ("warm", "no execution plugin", 1.3),
}
PEER_REPEATS = 5  # builds of each variant per run: short builds, which vary by 10-20 %
CONTINUES = "<!--pytest-codeblocks:cont-->\n"


def markdown_exec_page(markdown, session):
    """A page as markdown-exec runs it: each fence ``exec="on"``, its source shown above
    its output (a text block, as this plugin shows it), all of the page's fences in one
    session (one namespace, as this plugin runs a page's fences)."""
    opening = f'```python exec="on" source="above" result="text" session="{session}"\n'
    return markdown.replace(CONTINUES, "").replace("```python\n", opening)


def peer_project(into, variant):
    """The small site's sources, built by ``variant`` (a key of PEER_VARIANTS)."""
    docs = into / "docs"
    docs.mkdir(parents=True)
    for page in sorted(PEER_DOCS.glob("*.md")):
        markdown = page.read_text("utf-8")
        if variant == "markdown-exec":
            markdown = markdown_exec_page(markdown, page.stem)
        (docs / page.name).write_text(markdown, "utf-8")
    (into / "mkdocs.yml").write_text(
        f"site_name: peer ({variant})\ntheme:\n  name: mkdocs\n{PEER_VARIANTS[variant]}"
    )
    return into


def check_peer_site(site, variant, warm):
    """Stop the benchmark unless each page of ``site`` shows what it printed exactly when
    ``variant`` runs the examples, this plugin's chart page shows its figure, and its warm
    rebuild ran no page (all from its cache)."""
    runs = variant != "no execution plugin"
    for stem, printed in PEER_OUTPUTS.items():
        page = site / ("" if stem == "index" else stem) / "index.html"
        if (printed in page.read_text("utf-8")) != runs:
            sys.exit(f"{variant}: {page} {'lacks' if runs else 'shows'} {printed!r}")
    if variant != "run-examples":
        return
    chart = site / "chart" / "index.html"
    if '<img src="../assets/examples/' not in chart.read_text("utf-8"):
        sys.exit(f"{variant}: {chart} does not show the chart")
    report = site.parent / ".cache" / "run-examples" / "report" / "execution-report.json"
    executed = json.loads(report.read_text())["executions"]
    if warm and executed:
        sys.exit(f"{variant}: the warm rebuild of {site.parent} ran {executed} pages")


def measure_peer(runs):
    """Cold and warm builds of the small site by each variant, interleaved so that the
    machine's load weighs on all alike: their medians, and the goals' ratios."""
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
    seconds = {variant: {"cold": [], "warm": []} for variant in PEER_VARIANTS}
    with tempfile.TemporaryDirectory() as bytecode:
        # The plugin is installed from its sources (editable), which Python compiles at
        # every start where it may not write bytecode (PYTHONDONTWRITEBYTECODE, as on CI);
        # pip compiles an installed wheel. So every build writes and reads bytecode in a
        # folder of its own, filled by a first build of each variant, not timed.
        compiled = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": bytecode}
        for variant in PEER_VARIANTS:
            with tempfile.TemporaryDirectory() as tmp:
                timed(command, peer_project(Path(tmp), variant), alone=True, **compiled)
        for _ in range(runs * PEER_REPEATS):
            for variant, builds in seconds.items():
                with tempfile.TemporaryDirectory() as tmp:
                    project = peer_project(Path(tmp), variant)  # no cache, no site yet
                    builds["cold"].append(timed(command, project, alone=True, **compiled))
                    check_peer_site(project / "site", variant, warm=False)
                    rebuild = timed(command, project, alone=True, **compiled)  # no change
                    builds["warm"].append(rebuild)
                    check_peer_site(project / "site", variant, warm=True)
    medians = {
        variant: {kind: statistics.median(times) for kind, times in builds.items()}
        for variant, builds in seconds.items()
    }
    return {
        "pages": len(PEER_OUTPUTS),
        "fences": sum(p.read_text("utf-8").count("```python\n") for p in PEER_DOCS.glob("*.md")),
        "builds": {
            variant: {
                kind: {
                    "median_s": round(medians[variant][kind], 2),
                    "runs_s": [round(s, 2) for s in times],
                }
                for kind, times in builds.items()
            }
            for variant, builds in seconds.items()
        },
        "ratios": {
            name: round(medians["run-examples"][kind] / medians[other][kind], 2)
            for name, (kind, other, _) in PEER_GOALS.items()
        },
    }


def measure(args):
    units = []
    runs = {method: {kind: [] for kind in RUN_KINDS} for method in args.start_methods}
    by_workers = {1: [], 2: []} if args.workers else {}
    for run in range(args.runs):
        units.append(unit_seconds())
        for method, results in runs.items():
            weights = measure_builds(run, results, args.serve, start_method(method))
        for count, results in by_workers.items():
            results.append(cold_build(workers(count)))
    unit = statistics.median(units)
    default, *others = args.start_methods
    result = {
        "unit_import_s": {"median_s": round(unit, 2), "runs_s": [round(s, 2) for s in units]},
        **method_result(runs[default]),
        "page_weight_bytes": weights,
    }
    result["builds"]["cold build, English only"] = summary([cold_build(one_language)])
    for count, results in by_workers.items():
        result["builds"][f"cold build, workers: {count}"] = summary(results)
    result["start_methods"] = {method: method_result(runs[method]) for method in others}
    if args.baseline:
        with tempfile.TemporaryDirectory() as tmp:
            baseline_s = timed(
                [sys.executable, "-m", "mkdocs", "build", "-q"], baseline_project(Path(tmp))
            )
        result["baseline_mkdocs_jupyter_s"] = round(baseline_s, 2)
    for measured in [result, *result["start_methods"].values()]:
        rows = [*measured["builds"].items(), *measured.get("serve_reload", {}).items()]
        for name, row in rows:
            row["per_import"] = round(row["median_s"] / unit, 2)
            if args.baseline and name.startswith("cold build"):
                row["per_baseline"] = round(row["median_s"] / baseline_s, 3)
    if args.setup:
        result["setup"] = {name: round(s, 1) for name, s in setup_seconds().items()}
    if args.tests:
        result["test_command_s"] = round(test_command_seconds(start_method(default)), 1)
        for method in others:
            seconds = test_command_seconds(start_method(method))
            result["start_methods"][method]["test_command_s"] = round(seconds, 1)
    return result


RUN_KINDS = ("cold", "warm", "zh_edit", "src_edit", "serve")


def start_method(method):
    """The environment that makes the site's build run its pages by ``method``."""
    return {"RUN_EXAMPLES_START_METHOD": method}


def measure_builds(run, results, serve, environment):
    """One run of the builds (and serve's reloads) on a fresh copy, into ``results``;
    the page weights of its cold build."""
    with tempfile.TemporaryDirectory() as tmp:
        project = fresh_copy(Path(tmp))
        results["cold"].append(build(project, **environment))
        weights = page_weights(project / "site")
        results["warm"].append(build(project, **environment))
        edit(project / "docs/zh/vgg.md", f"\n\n中文说明的修改 {run}。\n")
        results["zh_edit"].append(build(project, **environment))
        edit_block(project / "src/convblocks/blocks/vgg.py", "vgg_block", run)
        results["src_edit"].append(build(project, **environment))
        if serve:
            results["serve"].append(serve_reloads(project, environment))
    return weights


def method_result(runs):
    """The medians of one start method's runs."""
    cold = runs["cold"]
    result = {
        "builds": {
            "cold build (empty cache)": summary(cold),
            "warm rebuild, nothing changed": summary(runs["warm"]),
            "rebuild after a Chinese prose edit": summary(runs["zh_edit"]),
            "rebuild after an edit to vgg_block": summary(runs["src_edit"]),
        },
        "per_page_s": {p["page"]: p["seconds"] for p in cold[-1][1]["pages"] if p["seconds"]},
        "markdown_pages_s": round(
            sum(p["seconds"] for p in cold[-1][1]["pages"] if p["page"].endswith(".md")), 2
        ),
    }
    if runs["serve"]:
        result["serve_reload"] = serve_summary(runs["serve"])
        result["serve_workers_ready_s"] = statistics.median(
            run["workers ready"] for run in runs["serve"]
        )
    return result


def setup_seconds():
    """Seconds to set up an empty virtualenv with the site's and tests' packages, package
    caches warm (each way runs once before it is timed): ``uv sync`` of uv.lock, as
    ``make`` does, against pip installing the same from the pyproject ranges, as before.
    Both compile the packages to bytecode (pip does by default).
    """
    uv = os.environ.get("UV")  # the uv `make` installs, which exports its path
    if not uv:
        sys.exit("no uv: run the benchmark with `make bench`")
    ways = {
        "uv_sync_s": lambda venv: timed(
            [uv, "sync", "--locked", "--python", "python3", "--compile-bytecode"],
            ROOT,
            UV_PROJECT_ENVIRONMENT=str(venv),
            UV_PYTHON_DOWNLOADS="never",
        ),
        "pip_install_s": lambda venv: (
            timed(["python3", "-m", "venv", str(venv)], ROOT)
            + timed([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-U", "pip"], ROOT)
            + timed(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "-e",
                    ".",
                    "-e",
                    "plugin",
                    "--group",
                    "docs",
                    "--group",
                    "test",
                    "--group",
                    "jax",
                ],
                ROOT,
            )
        ),
    }
    seconds = {}
    for name, way in ways.items():
        for _ in range(2):  # the first run fills the package cache
            with tempfile.TemporaryDirectory() as scratch:
                seconds[name] = way(Path(scratch) / "venv")
    return seconds


def test_command_seconds(environment):
    """``make test`` as in a fresh clone: the example, render and template caches set
    aside (uv stays: setting up is timed on its own, ``setup``)."""
    caches = [ROOT / ".cache" / name for name in ("run-examples", "jinja", "jieba")]
    with tempfile.TemporaryDirectory() as aside:
        for cache in caches:
            if cache.exists():
                shutil.move(cache, Path(aside) / cache.name)
        try:
            return timed(["make", "test"], ROOT, **environment)
        finally:
            for cache in caches:
                shutil.rmtree(cache, ignore_errors=True)
                if (Path(aside) / cache.name).exists():
                    shutil.move(Path(aside) / cache.name, cache)


def timing(row):
    return f"{row['median_s']:.1f} s = {row['per_import']:.2f} × import"


def beside(result, section, name):
    """The same figure under the other start methods: "; spawn: 80.1 s = 7.0 × import"."""
    return "".join(
        f"; **{method}**: {timing(measured[section][name])}"
        for method, measured in result["start_methods"].items()
        if name in measured.get(section, {})
    )


def spawn_serve(result, name):
    """A serve edit's reload under the other start methods, and its overhead there."""
    return "".join(
        f"; **{method}**: {timing(m['serve_reload'][name])}, "
        f"overhead {m['serve_reload'][name]['overhead_s']:.1f} s"
        for method, m in result["start_methods"].items()
        if name in m.get("serve_reload", {})
    )


def markdown_table(result):
    """The site's table, the phone's, then the small site's (those measured)."""
    lines = site_table(result) if "builds" in result else []
    if "phone" in result:
        lines += ["", *phone_table(result["phone"])] if lines else phone_table(result["phone"])
    if "peer" in result:
        lines += ["", *peer_table(result)] if lines else peer_table(result)
    return "\n".join(lines) + "\n"


def phone(runs):
    """Lighthouse on every page of the site, built from the repository (its example cache
    warm) into a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        timed([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)], ROOT)
        return measure_phone(site, runs)


def site_table(result):
    builds = result["builds"]
    cold = builds["cold build (empty cache)"]
    unit = result["unit_import_s"]
    lines = [
        f"{result['machine']}; median of {result['runs']} runs; `make bench`. The unit, "
        '"import": `python -c "import tensorflow, keras"`, timed in the same runs: '
        f"{unit['median_s']:.1f} s (runs: {', '.join(map(str, unit['runs_s']))}).",
        "",
        "| what | figure | target |",
        "|---|---:|---|",
        f"| cold build, both languages | {timing(cold)}; running the Markdown pages' "
        f"examples: {result['markdown_pages_s']:.1f} s, summed over the pages"
        f"{beside(result, 'builds', 'cold build (empty cache)')} | / baseline ≤ 0.15 (below) |",
    ]
    for name, target in [
        ("warm rebuild, nothing changed", "≤ 0.6 × import, 0 executed"),
        ("rebuild after a Chinese prose edit", "0 executed"),
        ("rebuild after an edit to vgg_block", "only pages using it"),
    ]:
        row = builds[name]
        executed = ", ".join(row["executed"]) or "none"
        lines.append(
            f"| {name} | {timing(row)}, {row['pages_executed']} pages executed "
            f"({executed}){beside(result, 'builds', name)} | {target} |"
        )
    for name, row in result.get("serve_reload", {}).items():
        ran = ", ".join(f"{page} {s:.1f} s" for page, s in row["ran_s"].items()) or "none"
        lines.append(
            f"| `mkdocs serve`, {name} of {SERVED_PAGE}: edit → browser reload | {timing(row)}; "
            f"pages run (log): {ran}; rebuild (log) {row['rebuild_s']:.1f} s; "
            f"overhead {row['overhead_s']:.1f} s{spawn_serve(result, name)} | overhead ≤ 1 s |"
        )
    english_only = builds["cold build, English only"]["pages_executed"]
    lines.append(
        f"| pages executed: English only / both languages | "
        f"{english_only} / {cold['pages_executed']} | equal |"
    )
    heaviest = max(result["page_weight_bytes"].items(), key=lambda item: item[1])
    lines.append(
        f"| heaviest page with its images | {heaviest[0]}: {heaviest[1] / 1024:.0f} KB "
        f"(of {len(result['page_weight_bytes'])} pages) | < 500 KB |"
    )
    if "baseline_mkdocs_jupyter_s" in result:
        baseline = result["baseline_mkdocs_jupyter_s"]
        lines.append(
            f"| baseline: mkdocs-jupyter executing each page as a notebook | {baseline:.1f} s = "
            f"{baseline / unit['median_s']:.1f} × import; cold build (default workers: one "
            f"per core) / baseline = {cold['per_baseline']:.2f}"
            + "".join(
                f"; {method}: {measured['builds']['cold build (empty cache)']['per_baseline']:.2f}"
                for method, measured in result["start_methods"].items()
            )
            + " | ≤ 0.15 |"
        )
    for name, row in builds.items():
        if "workers" in name:
            ratio = f"; / baseline = {row['per_baseline']:.2f}" if "per_baseline" in row else ""
            lines.append(f"| {name} | {timing(row)}{ratio} | |")
    if "test_command_s" in result:
        tests = result["test_command_s"]
        others = "".join(
            f"; {method}: {m['test_command_s']:.0f} s = "
            f"{m['test_command_s'] / m['builds']['cold build (empty cache)']['median_s']:.2f} "
            "× its cold build"
            for method, m in result["start_methods"].items()
            if "test_command_s" in m
        )
        lines.append(
            f"| `make test`, empty caches (as in a fresh clone) | {tests:.0f} s = "
            f"{tests / cold['median_s']:.2f} × cold build{others} | ≤ 2.5 × cold build |"
        )
    if "setup" in result:
        uv_s, pip_s = result["setup"]["uv_sync_s"], result["setup"]["pip_install_s"]
        lines.append(
            f"| setting up an empty `.venv`, package caches warm: `uv sync --locked` (as `make` "
            f"does) / pip from the pyproject ranges (as before) | {uv_s:.1f} s / {pip_s:.1f} s "
            f"= {uv_s / pip_s:.2f} | ≤ 1/3 |"
        )
    if "serve_reload" in result:
        lines += [
            "",
            "Under `mkdocs serve`, warm: overhead = reload − (the page's run + serve's "
            "rebuild after the prose edit, when no page runs), from serve's log. The first "
            "edit is made once serve logs its workers ready: "
            f"{result['serve_workers_ready_s']:.1f} s after it started (median).",
        ]
    lines += ["", "| page (cold build) | running its examples |", "|---|---:|"]
    for page, seconds in sorted(result["per_page_s"].items(), key=lambda item: -item[1]):
        lines.append(f"| {page} | {seconds:.2f} s |")
    return lines


def peer_table(result):
    """The small site's goals: this plugin's build against markdown-exec's and MkDocs' own."""
    peer = result["peer"]
    builds = peer["builds"]
    repeats = len(builds["run-examples"]["cold"]["runs_s"])
    lines = [
        f"A small site without Keras (`benchmarks/peer/docs`: {peer['pages']} pages, "
        f"{peer['fences']} fences of prints, loops, a dataclass, NumPy and a matplotlib chart; "
        "MkDocs' own theme), the same pages built by this plugin, by markdown-exec and "
        f"without an execution plugin, interleaved; median of {repeats} builds each "
        f"({result['machine']}). Cold: new folders (this plugin's cache empty); warm: the "
        "same build again, nothing changed (this plugin takes every page from its cache; "
        "markdown-exec, which has none, runs them all again). Both show what the pages "
        "print; the figure the chart page saves, only this plugin (markdown-exec shows "
        "what a fence prints: a figure, as the SVG or HTML it prints). Without an execution "
        f"plugin the cold build took {builds['no execution plugin']['cold']['median_s']:.2f} s.",
        "",
        "| what | figure | goal |",
        "|---|---:|---|",
    ]
    for name, (kind, other, limit) in PEER_GOALS.items():
        ratio = peer["ratios"][name]
        lines.append(
            f"| {name} | {builds['run-examples'][kind]['median_s']:.2f} s / "
            f"{builds[other][kind]['median_s']:.2f} s = {ratio:.2f} | "
            f"≤ {limit} {'✓' if ratio <= limit else '✗'} |"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    for name, what in [
        ("tests", "time `make test`"),
        ("setup", "time the set-up of an empty virtualenv, uv against pip"),
        ("baseline", "build the mkdocs-jupyter baseline"),
        ("serve", "measure reloads under `mkdocs serve`"),
        ("workers", "time cold builds with workers: 1 and 2"),
        ("site", "measure this repository's site (and set-up, tests)"),
        ("phone", "run Lighthouse on every page, as on a phone"),
        ("peer", "build the small site by this plugin, markdown-exec and no plugin"),
    ]:
        parser.add_argument(f"--no-{name}", dest=name, action="store_false", help=f"do not {what}")
    parser.add_argument(
        "--name",
        default="build",
        help="write benchmarks/results/NAME.json and NAME.md (default: build)",
    )
    parser.add_argument(
        "--start-methods",
        type=lambda text: text.split(","),
        default=["auto", "spawn"],
        help="the plugin's start methods to measure, the first in full (default: auto,spawn)",
    )
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    result = {
        "machine": f"{machine}, Python {platform.python_version()}",
        "runs": args.runs,
        **(measure(args) if args.site else {}),
    }
    if args.phone:
        result["phone"] = phone(args.runs)
    if args.peer:
        result["peer"] = measure_peer(args.runs)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown_table(result)
    (RESULTS / f"{args.name}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
