"""The charts of the costs page and the training notebook, in the language of their page.

Each page's code draws its chart once per language, from one run for both pages (the
plugin's cache holds that run): the Chinese page shows the chart with Chinese words, and
its alt text, made from the chart's own texts, is Chinese too; the English page the
English one. The SVG writes its text as paths, drawn with a CJK font for the Chinese.
"""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from helpers import ROOT
from test_docs import DOCS, built_page, expanded

from mkdocs_run_examples.fences import find_fences

CACHE = ROOT / ".cache" / "run-examples"  # mkdocs.yml's run-examples cache_dir (the default)
IMAGE = re.compile(
    r'<figure class="cb-image"><a href="[^"]*"><img src="[^"]*assets/examples/(?P<file>[^"]+)"'
    r' alt="(?P<alt>[^"]*)".*?<figcaption>(?P<name>[^<]+)</figcaption></figure>',
    re.DOTALL,
)
INLINE_PNG = re.compile(r'<img alt="([^"]*)"[^>]*? src="data:image/png;base64,([^"]+)"')
NOTO_CJK_GLYPH = re.compile(r'<path id="(NotoSansCJK[^"]+)"')
HAN = re.compile(r"[\u4e00-\u9fff]")
# What each chart says in each language: its titles and axis labels, as its alt text, in
# the glossary's words (轮, 参数量, 乘加运算次数（MACs）).
COSTS_ALT = {
    "en": "Chart: parameters, multiply-accumulates (MACs)",
    "zh": "图表：参数量、乘加运算次数（MACs）",
}
ACCURACY_ALT = {"en": "Chart: epoch, validation accuracy", "zh": "图表：轮、验证准确率"}
DIGITS_ALT = {
    "en": "Chart: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9",
    "zh": "图表：0、1、2、3、4、5、6、7、8、9",
}


def cached_run(page, suffix):
    """The plugin's stored run of ``page`` (``costs.md``: both languages' run): ``.json``
    for a page's, ``.notebook.json`` for a notebook's."""
    manifest = json.loads((CACHE / "manifests" / f"{page}.json").read_text("utf-8"))
    return json.loads((CACHE / f"{manifest['digest']}{suffix}").read_text("utf-8"))


def costs_charts(site, language):
    """(image file in the site, alt text, name the code saved it under) of the costs page."""
    html = built_page(site, language, Path("costs.md"))
    return [(m["file"], unescape(m["alt"]), m["name"]) for m in IMAGE.finditer(html)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_costs_page_shows_the_chart_of_its_language(site, language):
    [(file, alt, name)] = costs_charts(site, language)
    assert (name, alt) == (f"block_costs.{language}.svg", COSTS_ALT[language])
    svg = (site / "assets" / "examples" / file).read_text("utf-8")
    assert "<text" not in svg  # text as paths: a reader needs no font
    glyphs = set(NOTO_CJK_GLYPH.findall(svg))
    if language == "en":
        assert glyphs == set()
    else:  # each Chinese character of the listing (titles, blocks) drawn from Noto Sans CJK
        code = "".join(fence.code for fence in find_fences(expanded(DOCS / "zh" / "costs.md")))
        assert len(glyphs) >= len(set(HAN.findall(code))) > len(set(HAN.findall(alt)))


def test_one_run_drew_both_languages_costs_charts(site):
    """The run stored for costs.md holds both charts; each page shows its own of them."""
    run = cached_run("costs.md", ".json")
    written = {name: digest for output in run["outputs"] for name, digest in output["images"]}
    for language in ("en", "zh"):
        [(file, _, name)] = costs_charts(site, language)
        assert file == f"{written[name]}.svg"
    assert {"block_costs.en.svg", "block_costs.zh.svg"} <= set(written)


def notebook_figures(site, language):
    """(alt text, PNG data) of each figure the training notebook's page shows."""
    html = built_page(site, language, Path("train.ipynb"))
    return [(unescape(alt), data.strip()) for alt, data in INLINE_PNG.findall(html)]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_training_notebook_shows_the_accuracy_chart_of_its_language(site, language):
    alts = [alt for alt, _ in notebook_figures(site, language)]
    assert alts == [DIGITS_ALT[language], ACCURACY_ALT[language]]


def test_one_run_drew_both_languages_accuracy_charts(site):
    """The notebook's stored run holds both charts, labelled with their languages; each
    page shows its own, and the same training times as the other (one run)."""
    run = cached_run("train.ipynb", ".notebook.json")
    drawn = {
        output["metadata"]["image/png"]["run-examples"]["label"]: output["data"]["image/png"]
        for cell in run["cells"]
        for output in cell["outputs"]
        if "image/png" in output.get("data", {})
    }
    assert set(drawn) == {"", "accuracy.en", "accuracy.zh"}  # the digits: no language
    for language in ("en", "zh"):
        _, accuracy = notebook_figures(site, language)[-1]
        assert accuracy == drawn[f"accuracy.{language}"].strip()
    tables = [
        re.findall(r"<pre>(network .*?)</pre>", built_page(site, lang, Path("train.ipynb")), re.S)
        for lang in ("en", "zh")
    ]
    assert tables[0] == tables[1] != []
