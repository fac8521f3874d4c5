"""The built site: both languages, the same examples, every fence run, real output."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_codeblocks.main import extract_from_buffer

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.snippets import SnippetExpander

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FORBIDDEN = ROOT / "tests" / "forbidden_terms.txt"  # the glossary's "do not use" column
SHARED_FORBIDDEN = ROOT.parent / "shared" / "forbidden_terms.txt"  # its source, beside a clone
ENGLISH = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.md"))
NOISE = ["oneDNN", "absl::", "cuda", "TF_CPP", "Traceback", "WARNING", "UserWarning"]


def expanded(path):
    return SnippetExpander.from_mkdocs_yml(ROOT / "mkdocs.yml").expand(path.read_text("utf-8"))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The whole site built with --strict (reusing the repository's example cache)."""
    site_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return site_dir


def test_every_page_exists_in_both_languages():
    chinese = sorted(p.relative_to(DOCS / "zh") for p in (DOCS / "zh").rglob("*.md"))
    assert chinese == ENGLISH and len(ENGLISH) >= 4


@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_chinese_page_has_the_same_fences_in_the_same_order(page):
    english = [(f.code, f.continues, f.skip) for f in find_fences(expanded(DOCS / "en" / page))]
    chinese = [(f.code, f.continues, f.skip) for f in find_fences(expanded(DOCS / "zh" / page))]
    assert english == chinese


@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_no_forbidden_term_on_the_chinese_page(page):
    terms = [t for t in FORBIDDEN.read_text("utf-8").splitlines() if t.strip()]
    text = (DOCS / "zh" / page).read_text("utf-8")
    assert terms and [term for term in terms if term in text] == []


@pytest.mark.skipif(not SHARED_FORBIDDEN.exists(), reason="no shared/ beside this clone")
def test_forbidden_terms_are_the_shared_glossarys():
    shared = set(SHARED_FORBIDDEN.read_text("utf-8").split())
    assert shared <= set(FORBIDDEN.read_text("utf-8").split())


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_every_fence_is_run_by_the_build_and_by_the_tests(site, language, page):
    """No fence skipped silently: the build ran each one, pytest-codeblocks collects each."""
    text = expanded(DOCS / language / page)
    fences = find_fences(text)
    blocks = [b for b in extract_from_buffer(io.StringIO(text)) if b.syntax == "python"]
    assert len(blocks) + sum(f.continues for f in fences) == len(fences)
    assert sum("pytest.mark.skip" in b.marks for b in blocks) == sum(f.skip for f in fences)
    report = json.loads((site / "execution-report.json").read_text())
    entry = next(p for p in report["pages"] if p["page"] == f"{language}/{page.as_posix()}")
    assert entry["fences"] == len(fences) and entry["skipped"] == sum(f.skip for f in fences)
    assert not re.search(r"```(sh|bash)\s*$", text, re.MULTILINE), "use ```console for commands"


def built_page(site, language, page):
    url = "" if page.stem == "index" else f"{page.stem}/"
    prefix = "" if language == "en" else "zh/"
    return (site / prefix / url / "index.html").read_text("utf-8")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_pages_show_real_summaries_and_diagrams(site, language, page):
    html = built_page(site, language, page)
    code = "".join(f.code for f in find_fences(expanded(DOCS / language / page)))
    assert "RUNEXAMPLESOUTPUT" not in html
    assert html.count('<figure class="cb-image">') == code.count("plot_model(")
    for src in re.findall(r'<img src="([^"]+)"', html):
        if "assets/examples/" in src:
            assert (site / re.sub(r"^(\.\./)+", "", src)).stat().st_size > 0
    summaries = re.findall(r"<tbody>\n<tr><td>([^<]+)</td>", html)
    assert len(summaries) == code.count(".summary()")
    # Each listing starts a fresh session: the names a reader gets running it.
    assert all(first == "input_layer (InputLayer)" for first in summaries)
    outputs = "".join(re.findall(r'<div class="cb-output">.*?</div>\n', html, re.DOTALL))
    assert not [noise for noise in NOISE if noise in outputs]


def test_english_and_chinese_outputs_are_identical(site):
    for page in ENGLISH:
        outputs = [
            re.findall(
                r'<div class="cb-output">.*?\n</div>', built_page(site, lang, page), re.DOTALL
            )
            for lang in ("en", "zh")
        ]
        # The same images, linked from one folder deeper on the Chinese pages.
        outputs[1] = [re.sub(r'"\.\./((\.\./)*assets/)', r'"\1', out) for out in outputs[1]]
        assert outputs[0] == outputs[1], page


def test_the_build_ran_each_page_once_for_both_languages(site):
    report = json.loads((site / "execution-report.json").read_text())
    chinese = [p for p in report["pages"] if p["page"].startswith("zh/") and p["fences"]]
    assert chinese and all(p["executed"] == 0 for p in chinese)


@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_chinese_lines_are_not_broken_inside_sentences(page):
    """A line break after Chinese text renders as a stray space: keep paragraphs on one line."""
    text = re.sub(r"```.*?```", "", (DOCS / "zh" / page).read_text("utf-8"), flags=re.DOTALL)
    chinese, punctuation = "\u4e00-\u9fff", "\u3000-\u303f\uff00-\uffef"
    new_block = r"[ \t]*(?:[#|>*-]|\d+\.|!!!|\?\?\?|===|<|\n)"
    broken = re.findall(
        rf"^.*[{chinese}{punctuation}]\n(?!{new_block})[ \t]*[{chinese}{punctuation}]",
        text,
        re.MULTILINE,
    )
    assert broken == []
