"""The build and ``pytest --codeblocks`` give one verdict on every page.

``contract/`` holds a page for each marker and case pytest-codeblocks documents, named
for its verdict (``pass-...`` or ``fail-...``). One site holds them all: the build
(``mkdocs build --strict``, which goes on to the end, then aborts) must log an error
naming exactly the ``fail-`` pages, and ``pytest --codeblocks`` on the same files must
fail exactly those. Both run as a contributor runs them, in subprocesses, in a folder
that is not this project.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import NamedTuple

import pytest

CONTRACT = Path(__file__).parent / "contract"
PAGES = sorted(page.name for page in CONTRACT.glob("*.md"))
FAILING = {name for name in PAGES if name.startswith("fail-")}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MkDocs project of the contract's pages, with the plugin alone."""
    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(CONTRACT, root / "docs")
    write_project(root)
    return root


def write_project(root: Path) -> None:
    """Make ``root``, whose ``docs`` holds the pages, a MkDocs project with MkDocs' own
    theme and the plugin alone, and a pytest project of its own."""
    (root / "mkdocs.yml").write_text(
        f"site_name: {root.name}\ntheme:\n  name: mkdocs\nplugins:\n  - run-examples\n",
        encoding="utf-8",
    )
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not this project's


def test_the_pages_cover_both_verdicts() -> None:
    assert len(FAILING) >= 8 and len(PAGES) - len(FAILING) >= 15


def test_the_build_fails_exactly_the_pages_pytest_codeblocks_fails(project: Path) -> None:
    verdicts = both_ways(project)
    assert verdicts.build_status == 1, verdicts.build_log
    assert verdicts.build == FAILING, verdicts.build_log
    assert verdicts.codeblocks_status == 1, verdicts.codeblocks_log
    assert verdicts.codeblocks == FAILING, verdicts.codeblocks_log


class Verdicts(NamedTuple):
    """The pages each way fails, with its exit status and its output."""

    build: set[str]
    build_status: int
    build_log: str
    codeblocks: set[str]
    codeblocks_status: int
    codeblocks_log: str


def both_ways(root: Path) -> Verdicts:
    """Build the project ``root`` (``mkdocs build --strict``, which goes on to the end,
    then aborts; a page fails if an error names it), and run ``pytest --codeblocks`` on
    its ``docs`` (a page that it cannot collect fails too)."""
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    logged = re.findall(
        r"^(?:ERROR|WARNING)\s+-\s+mkdocs_run_examples: docs/([\w-]+\.md):\d+: ", build.stderr, re.M
    )
    report = root / "codeblocks.xml"
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--codeblocks",
            "--continue-on-collection-errors",  # a page that does not collect fails alone
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            f"--junitxml={report}",
            "docs",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Verdicts(
        set(logged),
        build.returncode,
        build.stderr,
        _failed_files(report),
        tests.returncode,
        tests.stdout,
    )


def _failed_files(report: Path) -> set[str]:
    """The files of the test cases a JUnit XML report has failing or in error: a case's
    class is its file (``docs.fail-x.md``); a file that did not collect is a case with
    no class, named for the file."""
    failed = set()
    for case in ElementTree.parse(report).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add((case.get("classname") or case.get("name", "")).removeprefix("docs."))
    return failed
