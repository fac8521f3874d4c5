"""Reproducible outputs (issue 28): the same sources and the same locked environment give
the same site, byte for byte, from two cold builds in two folders: pages, images (diagrams
and their node names, charts), notebooks, search indexes. What must differ is each run's
own facts, listed below with the reason; they are blanked in both builds, and nothing
else may differ."""

import gzip
import json
import re

from helpers import build_copy, copy_repository

# What two builds of the same sources may differ in: (where, pattern, why); a pattern's
# group 1, if it has one, is context kept. The search indexes hold the pages' text (the
# Chinese one with a zero-width space between words: GAP).
GAP = r"[\s\u200b]*"
RUN_FACTS = [
    (
        "every page",
        re.compile(rf"(produced on |于{GAP})\d{{4}}-\d{{2}}-\d{{2}}"),
        "the provenance line: the day the page's run ran (two builds may straddle midnight)",
    ),
    (
        "every page",
        re.compile(rf"(, in |用时{GAP})[\d.]+(?={GAP}(?:s\.|秒))"),
        "the provenance line: how long the page's run took",
    ),
    (
        "execution",
        re.compile(rf"()(?:\d{{4}}-\d{{2}}-\d{{2}}|\d+\.\d+(?={GAP}(?:s|秒)))"),
        "the execution page and report: each run's day and seconds",
    ),
    (
        "execution-report.json",
        re.compile(r'("date": "|"seconds": )[\d.-]+'),
        "the execution report: each run's day and seconds",
    ),
    (
        "train",
        re.compile(r"(\d )\s+[\d.]+(?=\s+\d+\.\d%)"),
        "the training notebook's table: the seconds each network trained",
    ),
    (
        "sitemap",
        re.compile(r"(<lastmod>)[\d-]+(?=</lastmod>)"),
        "the sitemaps' lastmod: the day of the build (MkDocs; SOURCE_DATE_EPOCH sets it)",
    ),
]


def run_facts_out(name, data):
    """The file's bytes with the run facts it may hold blanked."""
    if name.endswith(".gz"):
        data = gzip.decompress(data)  # the sitemap; its header holds the build's time too
    if not name.endswith((".html", ".json", ".ipynb", ".xml", ".gz")):
        return data
    text = data.decode("utf-8")
    for where, pattern, _why in RUN_FACTS:
        if where == "every page" or where in name or "search_index" in name:
            text = pattern.sub(r"\1…", text)
    return text.encode("utf-8")


def cold_build(folder):
    copy = copy_repository(folder, caches=False)
    built = build_copy(copy)
    assert built.returncode == 0, built.stderr[-5000:]
    return copy / "site"


def files(site):
    return {path.relative_to(site).as_posix(): path for path in site.rglob("*") if path.is_file()}


def was_cold(site):
    """Whether every page of the build of ``site`` ran (none came from a cache)."""
    report = json.loads((site / "execution-report.json").read_text("utf-8"))
    runs = [page["run"] for page in report["pages"] if page["run"]]
    return bool(runs) and all(run["this_build"] for run in runs)


def test_two_cold_builds_in_two_folders_give_the_same_site(site, tmp_path):
    """The test run's own build of the repository is the first when it was cold (a fresh
    clone, as in CI); else a copy is built. The second is always a copy's."""
    first = site if was_cold(site) else cold_build(tmp_path / "first")
    second = cold_build(tmp_path / "second")
    first_files, second_files = files(first), files(second)
    assert sorted(first_files) == sorted(second_files)  # images are named by their digest
    differ = [
        name
        for name, path in first_files.items()
        if run_facts_out(name, path.read_bytes())
        != run_facts_out(name, second_files[name].read_bytes())
    ]
    assert differ == []
    assert was_cold(second)
