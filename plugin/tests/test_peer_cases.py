"""The build gives pytest-codeblocks' verdict on pytest-codeblocks' own test cases.

pytest-codeblocks tests itself with Markdown strings that its ``pytester`` tests write
to a ``.md`` file and run with ``pytest --codeblocks``. ``pytest_codeblocks_cases.yml``
holds those strings, from its repository's ``tests/`` at tag v0.17.0 (the newest it
has; the sources of 0.18.0, installed here, differ from it in details none of the cases
meets), with its license, each with the test it comes from and the verdict that test
asserts; ``tests/example.md`` too. Kept here, they need no network.

One site holds them all, one page a case. ``pytest --codeblocks`` on the pages must
give each the verdict its own test asserts (so the cases are copied right), and
``mkdocs build --strict`` must log an error naming exactly the pages it fails. None of
the cases differs by design (as one whose output depends on ``__name__`` would: the
build runs a real ``__main__``, as ``python file.py`` does); a shell case is left out
on Windows, where pytest-codeblocks skips its shell tests.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml
from test_contract import Verdicts, both_ways, write_project

CASES = yaml.safe_load((Path(__file__).parent / "pytest_codeblocks_cases.yml").read_text("utf-8"))
SHELL = re.compile(r"^```(sh|bash)$", re.M)
if sys.platform.startswith("win"):
    CASES = [case for case in CASES if not SHELL.search(case["markdown"])]


def _page_name(number: int, test: str) -> str:
    """A case's page: its number (the parameters of a test can differ in punctuation
    alone) and its test's name."""
    return f"{number:02}-" + re.sub(r"\W+", "-", test.split(" ")[0].removesuffix(".md")) + ".md"


PAGES = {_page_name(n, case["test"]): case["markdown"].strip() for n, case in enumerate(CASES, 1)}
FAILING = {page for page, case in zip(PAGES, CASES, strict=True) if case["fails"]}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> Verdicts:
    """The verdicts of the build and of ``pytest --codeblocks`` on a site of the cases."""
    root = tmp_path_factory.mktemp("peer-cases")
    (root / "docs").mkdir()
    for page, markdown in PAGES.items():  # as pytester writes them: stripped
        (root / "docs" / page).write_text(markdown, encoding="utf-8")
    write_project(root)
    return both_ways(root)


def test_the_cases_cover_both_verdicts() -> None:
    assert len(PAGES) == len(CASES) >= 20 and len(FAILING) >= 3


def test_pytest_codeblocks_gives_the_verdicts_its_own_tests_assert(verdicts: Verdicts) -> None:
    assert verdicts.codeblocks == FAILING, verdicts.codeblocks_log


def test_the_build_gives_pytest_codeblocks_verdict_on_each_case(verdicts: Verdicts) -> None:
    assert verdicts.build_status == 1, verdicts.build_log
    assert verdicts.build == verdicts.codeblocks, verdicts.build_log
