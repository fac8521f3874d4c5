"""Corrections of the pages' wording, each held: the phrase that was wrong does not come
back, and the one that righted it stays (read from the Markdown and notebook sources)."""

import json
import re

import pytest
from helpers import ROOT

DOCS = ROOT / "docs"

# Each page's corrections: the wrong phrase -> the phrase that replaced it.
CORRECTIONS = {
    # (3b) is fed by (3a), not by the stem.
    "en/inception.md": {"they see a 28×28×192": "(3b) sees (3a)'s output, 28×28×256"},
    # The VGG and ResNet tabs stack two blocks.
    "en/index.md": {"Each tab puts one block": "the VGG and ResNet tabs stack two of them"},
    # The run's own figures instead of a promise.
    "en/train.ipynb": {"well under a minute": "the table at the end gives the seconds each"},
    "zh/inception.md": {"它们的输入是 28×28×192": "(3b) 的输入则是 (3a) 的输出，即 28×28×256"},
    "zh/index.md": {"每个标签页把一个模块放进": "VGG 和 ResNet 两页各堆叠了两个模块"},
    "zh/train.ipynb": {
        "不到一分钟": "最后的表格给出了生成这些输出的那次运行中每个网络训练所用的秒数",
        "一个[恒等捷径]": "一个带[恒等捷径]",
    },
    "zh/vgg.md": {
        "后者也没有 `Dropout` 层": "后者还省去了 `Dropout` 层",
        "特征图每减半一次、": "特征图每减半一次，",
    },
    "zh/models.md": {
        "名字里的深度数的是": "名字里的深度统计的是",
        "VGG-19 {{": "VGG-19 的实测值与引用值{{",
        "（其中的 `InceptionV3`": "（`keras.applications` 里的 `InceptionV3`",
    },
    "zh/costs.md": {
        "差距有多大看图": "表中对应的两行给出确切的数字",
        "两者“similar": "论文说两者具有“similar time complexity”（相近的时间复杂度）",
    },
    # Passive 被 and long 的 chains, and quotations with no verb of their own.
    "zh/residual.md": {
        "投影捷径“not essential": "论文由此得出结论：“projection shortcuts are not",
        "真正会被使用的地方": "真正派上用场的地方",
    },
    "zh/backends.md": {"不会被这里的任何东西安装": "本站没有任何地方会安装它"},
    "zh/contributing.md": {
        "只能按名称安装到": "只能按名称安装，装上的是用你的工作副本构建出的 wheel",
        "规则被破坏时": "违反了哪一条，`make test` 会告诉你",
        "都会被运行": "构建都会运行它们",
        "数字被手写在": "输出里带千位分隔符的数字，如果手写在",
    },
}


def text_of(page):
    """A page's Markdown, or a notebook's markdown cells, with line breaks read as spaces
    (English paragraphs wrap)."""
    path = DOCS / page
    text = path.read_text("utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.sub(r"\s*\n\s*", " ", text)


@pytest.mark.parametrize("page", CORRECTIONS)
def test_corrected_phrases_stay_corrected(page):
    text = text_of(page)
    wrong = [phrase for phrase in CORRECTIONS[page] if phrase in text]
    lost = [phrase for phrase in CORRECTIONS[page].values() if phrase not in text]
    assert (wrong, lost) == ([], [])
