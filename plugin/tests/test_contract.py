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

import pytest

CONTRACT = Path(__file__).parent / "contract"
PAGES = sorted(page.name for page in CONTRACT.glob("*.md"))
FAILING = {name for name in PAGES if name.startswith("fail-")}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MkDocs project of the contract's pages, with the plugin alone."""
    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(CONTRACT, root / "docs")
    (root / "mkdocs.yml").write_text(
        "site_name: contract\ntheme:\n  name: mkdocs\nplugins:\n  - run-examples\n",
        encoding="utf-8",
    )
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not this project's
    return root


def test_the_pages_cover_both_verdicts() -> None:
    assert len(FAILING) >= 8 and len(PAGES) - len(FAILING) >= 15


def test_the_build_fails_exactly_the_pages_pytest_codeblocks_fails(project: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 1, build.stderr
    logged = re.findall(
        r"^(?:ERROR|WARNING)\s+-\s+mkdocs_run_examples: docs/([\w-]+\.md):\d+: ", build.stderr, re.M
    )
    assert set(logged) == FAILING, build.stderr

    report = project / "codeblocks.xml"
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--codeblocks",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            f"--junitxml={report}",
            "docs",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 1, tests.stdout
    assert _failed_files(report) == FAILING, tests.stdout


def _failed_files(report: Path) -> set[str]:
    """The files of the test cases a JUnit XML report has failing or in error."""
    failed = set()
    for case in ElementTree.parse(report).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.add(case.get("classname", "").removeprefix("docs."))  # docs.fail-x.md
    return failed
