"""The built site: both languages, the same examples, every fence run, real output."""

import io
import json
import platform
import re
from html import unescape
from pathlib import Path

import pytest
from helpers import KERAS, ROOT, page_path, site_expander
from pytest_codeblocks.main import extract_from_buffer

from mkdocs_run_examples.fences import find_fences, read_page
from mkdocs_run_examples.twins import fence_lines, first_difference

DOCS = ROOT / "docs"
ENGLISH = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.md"))
# A figure of an image named after its language (block_costs.zh.svg): the page's own.
LANGUAGE_FIGURE = re.compile(
    r'<figure class="cb-image">(?:(?!</figure>).)*<figcaption>[^<]*\.(?:en|zh)\.\w+</figcaption>'
    r"</figure>",
    re.DOTALL,
)
NOISE = ["oneDNN", "absl::", "cuda", "TF_CPP", "Traceback", "WARNING", "UserWarning"]


def expanded(path):
    return site_expander().expand(path.read_text("utf-8"))


def test_every_page_exists_in_both_languages():
    chinese = sorted(p.relative_to(DOCS / "zh") for p in (DOCS / "zh").rglob("*.md"))
    assert chinese == ENGLISH and len(ENGLISH) >= 4


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_glossary_comes_after_contributing(site, language):
    """The glossary is a page of the site, the last of its navigation."""
    html = built_page(site, language, Path("contributing.md"))
    assert '<a href="../glossary/" class="md-footer__link md-footer__link--next"' in html
    assert "md-footer__link--next" not in built_page(site, language, Path("glossary.md"))


@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_chinese_page_has_the_same_code_as_its_english_page(page):
    """As the build checks it (``same_code``), with its message: the first line where
    the code differs in each file, and the two lines."""
    english, chinese = (code_lines(f"docs/{language}/{page}") for language in ("en", "zh"))
    assert first_difference(english, chinese) is None


def code_lines(path):
    """(path, the lines of its fences as the build compares them)."""
    _, fences = read_page((ROOT / path).read_text("utf-8"), path=path, expander=site_expander())
    return path, fence_lines(fences)


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_every_fence_is_run_by_the_build_and_by_the_tests(site, language, page):
    """No fence skipped silently: the build ran each one, pytest-codeblocks collects each."""
    text = expanded(DOCS / language / page)
    fences = find_fences(text)
    blocks = [b for b in extract_from_buffer(io.StringIO(text)) if b.syntax == "python"]
    assert len(blocks) + sum(f.continues for f in fences) == len(fences)
    assert sum("pytest.mark.skip" in b.marks for b in blocks) == sum(f.skip for f in fences)
    expected_errors = sum(f.expect_error for f in fences)
    assert expected_errors == sum(f.strict for f in fences)  # strict: one that stops raising fails
    assert sum("pytest.mark.xfail(strict=True)" in b.marks for b in blocks) == expected_errors
    report = json.loads((site / "execution-report.json").read_text())
    entry = next(p for p in report["pages"] if p["page"] == f"{language}/{page.as_posix()}")
    assert entry["fences"] == len(fences) and entry["skipped"] == sum(f.skip for f in fences)
    assert not re.search(r"```(sh|bash)\s*$", text, re.MULTILINE), "use ```console for commands"


def built_page(site, language, page):
    name = "" if page.stem == "index" else page.stem
    return (site / page_path(language, name) / "index.html").read_text("utf-8")


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_pages_show_real_summaries_and_diagrams(site, language, page):
    html = built_page(site, language, page)
    code = "".join(f.code for f in find_fences(expanded(DOCS / language / page)))
    assert "RUNEXAMPLESOUTPUT" not in html
    written = code.count("plot_model(") + code.count("savefig(")
    assert html.count('<figure class="cb-image">') == written
    for src in re.findall(r'<img src="([^"]+)"', html):
        if "assets/examples/" in src:
            assert (site / re.sub(r"^(\.\./)+", "", src)).stat().st_size > 0
    summaries = re.findall(r"<tbody>\n<tr><td>([^<]+)</td>", html)
    assert len(summaries) == code.count(".summary()")
    # Each listing starts a fresh session: the names a reader gets running it.
    assert all(first == "input_layer (InputLayer)" for first in summaries)
    outputs = "".join(re.findall(r'<div class="cb-output">.*?</div>\n', html, re.DOTALL))
    # An expect-error fence shows its traceback; no other output shows one, or noise.
    tracebacks = re.findall(r'<pre class="cb-stdout cb-error">.*?</pre>', outputs, re.DOTALL)
    assert len(tracebacks) == sum(
        f.expect_error for f in find_fences(expanded(DOCS / language / page))
    )
    assert all(t.count("Traceback (most recent call last):") == 1 for t in tracebacks)
    assert not [t for t in tracebacks if "mkdocs_run_examples" in t]  # a reader's own, as run
    outputs = re.sub(r'<pre class="cb-stdout cb-error">.*?</pre>', "", outputs, flags=re.DOTALL)
    assert not [noise for noise in NOISE if noise in outputs]


def test_english_and_chinese_outputs_are_identical(site):
    for page in ENGLISH:
        outputs = [
            re.findall(
                r'<div class="cb-output">.*?\n</div>', built_page(site, lang, page), re.DOTALL
            )
            for lang in ("en", "zh")
        ]
        # The same images, linked from one folder deeper on the Chinese pages, their alt
        # text in the page's language (checked in the test below); but those drawn for
        # each language, named after it (checked in test_charts.py).
        outputs[1] = [re.sub(r'"\.\./((\.\./)*assets/)', r'"\1', out) for out in outputs[1]]
        outputs = [
            [LANGUAGE_FIGURE.sub("", re.sub(r' (alt|aria-label)="[^"]*"', "", out)) for out in each]
            for each in outputs
        ]
        assert outputs[0] == outputs[1], page


def _alts(html):
    return [
        unescape(alt) for alt in re.findall(r'<figure class="cb-image">.*? alt="([^"]*)"', html)
    ]


def _facts(alt):
    """What an alt text states, in any language: shapes, counts and Keras layer names."""
    import keras

    words = re.findall(r"[A-Za-z][A-Za-z0-9]*|\d[\d×?]*", alt)
    return [w for w in words if w[0].isdigit() or hasattr(keras.layers, w)]


@KERAS
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_generated_images_say_what_they_show_in_the_page_language(site, page):
    english, chinese = (_alts(built_page(site, language, page)) for language in ("en", "zh"))
    code = "".join(f.code for f in find_fences(expanded(DOCS / "en" / page)))
    kinds = {
        "en": ("Diagram of the model: input ", "Chart: ", "Image written by the example: "),
        "zh": ("模型结构图：输入 ", "图表：", "示例写出的图像："),
    }
    for language, alts in (("en", english), ("zh", chinese)):
        _, chart, named_only = kinds[language]
        assert all(alt.startswith(kinds[language]) for alt in alts), alts
        assert sum(alt.startswith(chart) for alt in alts) == code.count("savefig(")
        # Only a file the listing writes itself (model_to_dot's SVG) is known by name alone.
        assert sum(alt.startswith(named_only) for alt in alts) == code.count("file.write(")
    # A diagram states the same facts in both; a chart is drawn in each page's own words
    # (test_charts.py).
    diagrams = {
        language: [_facts(alt) for alt in alts if not alt.startswith(kinds[language][1])]
        for language, alts in (("en", english), ("zh", chinese))
    }
    assert diagrams["en"] == diagrams["zh"]
    assert all(".png" not in alt for alt in english + chinese)


@KERAS
@pytest.mark.parametrize(("language", "words"), [("en", "produced on"), ("zh", "生成，运行用时")])
def test_pages_with_outputs_say_what_produced_them(site, language, words):
    """From the run's record: the installed versions, since they are in every cache key."""
    import keras

    for page in [*ENGLISH, Path("train.ipynb")]:
        html = built_page(site, language, page)
        lines = re.findall(r'<p class="cb-provenance">(.*?)</p>', html)
        has_outputs = page.suffix == ".ipynb" or bool(find_fences(expanded(DOCS / language / page)))
        assert len(lines) == has_outputs, page
        for line in lines:
            assert words in line and re.search(r"\d{4}-\d{2}-\d{2}", line)
            assert (
                f"Python {platform.python_version()}" in line
                and f"Keras {keras.__version__}" in line
            )
            assert f"{'TensorFlow' if keras.config.backend() == 'tensorflow' else 'JAX'} " in line


@pytest.mark.parametrize("language", ["en", "zh"])
def test_api_entries_and_tutorial_blocks_list_the_pages_using_them(site, language):
    api = built_page(site, language, Path("api.md"))
    entry = api[api.index('id="convblocks.blocks.vgg.vgg_block"') :]
    used_on = re.search(r'<p class="cb-used-on">(.*?)</p>', entry)[1]
    # vgg.md includes its source; models.md uses it through vgg(); api.md is this page.
    assert 'href="../vgg/"' in used_on and 'href="../models/"' in used_on
    assert 'href="../api/"' not in used_on and 'href="./"' not in used_on
    vgg = built_page(site, language, Path("vgg.md"))
    (block,) = re.findall(r'<p class="cb-used-on">(.*?)</p>', vgg)
    assert "<code>vgg_block</code>" in block and 'href="../models/"' in block
    assert 'href="../vgg/"' not in block


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


def test_no_edit_or_colab_link_without_the_repository(site):
    """The links hooks/repository.py adds when CONVBLOCKS_REPOSITORY is set (unit tests in
    tests/test_hooks.py) are not in the site built without it."""
    vgg = built_page(site, "en", Path("vgg.md"))
    assert "colab.research.google.com" not in vgg and "/edit/main/docs/" not in vgg


NOTEBOOKS = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_notebooks_match_across_languages_and_run_once(site, notebook):
    import nbformat

    english, chinese = (
        nbformat.read(DOCS / lang / notebook, as_version=4) for lang in ("en", "zh")
    )
    code = [[c.source for c in nb.cells if c.cell_type == "code"] for nb in (english, chinese)]
    assert code[0] == code[1] and code[0]
    for nb in (english, chinese):
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
            "saved with outputs"
        )
    report = {
        p["page"]: p for p in json.loads((site / "execution-report.json").read_text())["pages"]
    }
    assert report[f"zh/{notebook.as_posix()}"]["executed"] == 0
    assert report[f"en/{notebook.as_posix()}"]["fences"] == len(code[0])


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_notebook_pages_show_outputs_without_noise(site, language, notebook):
    page = built_page(site, language, notebook)
    assert page.count(' jp-OutputArea-output"') >= 3
    assert "data:image/png;base64," in page  # the comparison plot
    assert not [noise for noise in NOISE if noise in page]
    assert '<h2 id="">' not in page and "<style" not in page
    # Downloadable, with its outputs.
    assert (site / page_path(language, notebook.stem) / notebook.name).exists()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_contributing_page_shows_include_lines_literally(site, language):
    page = built_page(site, language, Path("contributing.md"))
    assert "--8&lt;-- [start:vgg_block]" in page
    assert page.count(";--8&lt;--") == 1  # the prose that shows how to escape, and no other


SEPARATED = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d,]*\d)")  # 38,720; not 1.5 or 2024


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page", ENGLISH, ids=str)
def test_no_figure_the_examples_print_is_typed_in_the_prose(site, language, page):
    """A sentence giving a figure the page's outputs show takes it from the run
    ({{ expression }}), or quotes it beside one that does (the tutorial's 38,720 beside
    the total computed): typed alone, it would stay when the code changes."""
    html = built_page(site, language, page)
    outputs = " ".join(re.findall(r'<div class="cb-output">(.*?)\n</div>', html, re.DOTALL))
    printed = set(SEPARATED.findall(unescape(re.sub(r"<[^>]+>", " ", outputs))))
    text = expanded(DOCS / language / page)
    inside = {n for f in find_fences(text) for n in range(f.start_line, f.end_line + 1)}
    prose = "\n".join(line for n, line in enumerate(text.split("\n")) if n not in inside)
    prose = re.sub(r"(`+).+?\1", " ", prose)  # inline code
    typed = [
        sentence
        for sentence in re.split(r"(?<=[.。！？])\s+|(?<=[。！？])", prose)
        if "{{" not in sentence and printed & set(SEPARATED.findall(sentence))
    ]
    assert not typed
    shown = re.sub(r"<(code|pre)\b.*?</\1>", "", html, flags=re.DOTALL)
    assert "{{" not in shown  # every figure replaced


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "the total above, 38,720, agrees."),
        ("zh", "教程给出的参数量是 38,720，上面摘要中的总数是 38,720，与之一致。"),
    ],
)
def test_the_prose_shows_the_figures_of_the_run(site, language, shown):
    html = built_page(site, language, Path("vgg.md"))
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
    assert shown in text and "{{" not in text


@pytest.mark.parametrize(
    ("language", "chart", "epoch"), [("en", "Chart: ", "epoch"), ("zh", "图表：", "轮")]
)
def test_the_notebook_s_figures_say_what_they_show(site, language, chart, epoch):
    """From the figure itself, in the kernel: its titles and axis labels."""
    html = built_page(site, language, Path("train.ipynb"))
    alts = [unescape(alt) for alt in re.findall(r'<img alt="([^"]*)"[^>]*? src="data:', html)]
    assert alts and all(alt.startswith(chart) for alt in alts), alts
    assert any(alt.startswith(f"{chart}{epoch}") for alt in alts)  # the accuracy curves
