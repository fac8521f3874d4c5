"""Build benchmark: cold, warm and partial rebuilds of the whole site, both languages.

Run with ``make bench``. Works on a copy of the site's sources in a temporary
directory, so the repository and its example cache are left alone. Writes
``benchmarks/results/build.json`` and ``build.md`` and prints the table.
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SOURCES = ["mkdocs.yml", "docs", "src"]


def build(project):
    """One ``mkdocs build --strict``: wall seconds and the execution report."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    report = json.loads((project / "site" / "execution-report.json").read_text())
    return seconds, report


def fresh_copy(into):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, into / name)
    return into


def edit(path, marker):
    path.write_text(path.read_text("utf-8") + marker, "utf-8")


def measure(runs):
    rows = {}
    cold, warm, zh_edit, src_edit = [], [], [], []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            project = fresh_copy(Path(tmp))
            cold.append(build(project))
            warm.append(build(project))
            edit(project / "docs/zh/vgg.md", f"\n\n中文说明的修改 {run}。\n")
            zh_edit.append(build(project))
            edit(project / "src/convblocks/blocks/vgg.py", f"\n# benchmark edit {run}\n")
            src_edit.append(build(project))
    for name, results in [
        ("cold build (empty cache)", cold),
        ("warm rebuild, nothing changed", warm),
        ("rebuild after a Chinese prose edit", zh_edit),
        ("rebuild after an edit to blocks/vgg.py", src_edit),
    ]:
        seconds = [s for s, _ in results]
        _, report = results[-1]
        executed = sorted(p["page"] for p in report["pages"] if not p["cached"] and p["fences"])
        rows[name] = {
            "median_s": round(statistics.median(seconds), 2),
            "runs_s": [round(s, 2) for s in seconds],
            "pages_executed": report["executions"],
            "executed": executed,
            "execution_s": round(sum(p["seconds"] for p in report["pages"]), 2),
        }
    return rows


def tensorflow_import_seconds():
    code = "import time; t = time.perf_counter(); import tensorflow; print(time.perf_counter() - t)"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return round(float(out.stdout.strip()), 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    rows = measure(args.runs)
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    result = {
        "machine": f"{machine}, Python {platform.python_version()}",
        "runs": args.runs,
        "tensorflow_import_s": tensorflow_import_seconds(),
        "builds": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"Site build, both languages ({result['machine']}; median of {args.runs}; "
        f"`import tensorflow` alone: {result['tensorflow_import_s']} s).",
        "",
        "| build | median | pages executed | of which executing |",
        "|---|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['median_s']:.2f} s | {row['pages_executed']} | "
            f"{row['execution_s']:.2f} s |"
        )
    table = "\n".join(lines) + "\n"
    (RESULTS / "build.md").write_text(table)
    print(table)
    for name, row in rows.items():
        print(f"{name}: executed {', '.join(row['executed']) or 'nothing'}")


if __name__ == "__main__":
    main()
