"""Benchmarks of what the project's users wait for: site builds, page weight, tests.

Run with ``make bench`` (``--runs N`` for the median of N; ``--no-tests`` leaves out
the README's test command, which is timed once, with its caches set aside). Builds
work on a copy of the site's sources in a temporary directory, so the repository and
its example cache are left alone.
Writes ``benchmarks/results/build.json`` and ``build.md`` and prints the table.

Measured: a cold build (empty example cache, both languages) with its breakdown
(``import tensorflow``, running each page, the rest: rendering); a warm rebuild; a
rebuild after a Chinese-prose-only edit and after an edit inside one block (vgg_block);
executions with one language and with two; the weight of every built page with its
images; and the baseline: the same pages built by mkdocs-jupyter executing each
page as a notebook, in the same run.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.notebooks import page_notebook
from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SOURCES = ["mkdocs.yml", "docs", "src", "hooks", "overrides", "benchmarks/results"]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
ENV.pop("CONVBLOCKS_REPOSITORY", None)


def timed(command, cwd):
    """Wall seconds of ``command``; if it fails, the benchmark stops with its output."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        output = (result.stdout + result.stderr)[-5000:]
        sys.exit(f"{' '.join(map(str, command))} failed in {cwd}:\n{output}")
    return seconds


def build(project):
    """One ``mkdocs build --strict``: wall seconds and the execution report."""
    seconds = timed([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], project)
    report = json.loads((project / "site" / "execution-report.json").read_text())
    return seconds, report


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


def edit_block(path, block, run):
    """A comment added inside ``block``'s section: what readers see and the code that runs."""
    marker = f"# --8<-- [start:{block}]\n"
    text = path.read_text("utf-8")
    assert marker in text, f"no section {block} in {path}"
    path.write_text(text.replace(marker, f"{marker}# benchmark edit {run}\n"), "utf-8")


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


def one_language(project):
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"(locale: zh\n\s+name: .*\n\s+)build: true", r"\1build: false", text))


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


def measure(runs, with_tests):
    cold, warm, zh_edit, src_edit = [], [], [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            project = fresh_copy(Path(tmp))
            cold.append(build(project))
            if run == 0:
                weights = page_weights(project / "site")
            warm.append(build(project))
            edit(project / "docs/zh/vgg.md", f"\n\n中文说明的修改 {run}。\n")
            zh_edit.append(build(project))
            edit_block(project / "src/convblocks/blocks/vgg.py", "vgg_block", run)
            src_edit.append(build(project))
    with tempfile.TemporaryDirectory() as tmp:
        project = fresh_copy(Path(tmp))
        one_language(project)
        english_only = build(project)
    with tempfile.TemporaryDirectory() as tmp:
        baseline_s = timed(
            [sys.executable, "-m", "mkdocs", "build", "-q"], baseline_project(Path(tmp))
        )
    builds = {
        "cold build (empty cache)": summary(cold),
        "warm rebuild, nothing changed": summary(warm),
        "rebuild after a Chinese prose edit": summary(zh_edit),
        "rebuild after an edit to vgg_block": summary(src_edit),
        "cold build, English only": summary([english_only]),
    }
    result = {
        "builds": builds,
        "per_page_s": {p["page"]: p["seconds"] for p in cold[-1][1]["pages"] if p["seconds"]},
        "markdown_pages_s": round(
            sum(p["seconds"] for p in cold[-1][1]["pages"] if p["page"].endswith(".md")), 2
        ),
        "page_weight_bytes": weights,
        "baseline_mkdocs_jupyter_s": round(baseline_s, 2),
        "ratio_ours_to_baseline": round(
            builds["cold build (empty cache)"]["median_s"] / baseline_s, 3
        ),
    }
    if with_tests:
        result["test_command_s"] = round(test_command_seconds(), 1)
    return result


def test_command_seconds():
    """``make test`` as in a fresh clone: the example, render and template caches set aside."""
    cache = ROOT / ".cache"
    with tempfile.TemporaryDirectory() as aside:
        if cache.exists():
            shutil.move(cache, Path(aside) / "cache")
        try:
            return timed(["make", "test"], ROOT)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
            if (Path(aside) / "cache").exists():
                shutil.move(Path(aside) / "cache", cache)


def tensorflow_import_seconds():
    code = "import time; t = time.perf_counter(); import tensorflow; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    return round(float(out.stdout.strip()), 2)


def markdown_table(result):
    builds = result["builds"]
    cold = builds["cold build (empty cache)"]
    lines = [
        f"{result['machine']}; median of {result['runs']} runs; `make bench`.",
        "",
        "| what | figure | target |",
        "|---|---:|---|",
        f"| cold build, both languages | {cold['median_s']:.1f} s: running the Markdown pages' "
        f"examples {result['markdown_pages_s']:.1f} s (of which `import tensorflow` "
        f"{result['tensorflow_import_s']:.1f} s), the rest "
        f"{cold['median_s'] - result['markdown_pages_s']:.1f} s (rendering, and the notebook's "
        "kernel, which runs alongside) | < 30 s |",
    ]
    for name, target in [
        ("warm rebuild, nothing changed", "< 4 s, 0 executed"),
        ("rebuild after a Chinese prose edit", "0 executed"),
        ("rebuild after an edit to vgg_block", "only pages using it"),
    ]:
        row = builds[name]
        executed = ", ".join(row["executed"]) or "none"
        lines.append(
            f"| {name} | {row['median_s']:.1f} s, {row['pages_executed']} pages executed "
            f"({executed}) | {target} |"
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
    lines.append(
        f"| baseline: mkdocs-jupyter executing each page as a notebook | "
        f"{result['baseline_mkdocs_jupyter_s']:.1f} s; ours / baseline = "
        f"{result['ratio_ours_to_baseline']:.2f} | ≤ 0.33 |"
    )
    if "test_command_s" in result:
        lines.append(
            f"| `make test`, empty caches (as in a fresh clone) | "
            f"{result['test_command_s']:.0f} s | < 120 s |"
        )
    lines += ["", "| page (cold build) | running its examples |", "|---|---:|"]
    for page, seconds in sorted(result["per_page_s"].items(), key=lambda item: -item[1]):
        lines.append(f"| {page} | {seconds:.2f} s |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--no-tests", action="store_true", help="do not time `make test`")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    result = {
        "machine": f"{machine}, Python {platform.python_version()}",
        "runs": args.runs,
        "tensorflow_import_s": tensorflow_import_seconds(),
        **measure(args.runs, not args.no_tests),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown_table(result)
    (RESULTS / "build.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
