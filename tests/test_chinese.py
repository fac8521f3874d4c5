"""The Chinese pages and notebooks, read as Markdown files (no build): emphasis, line breaks,
terms, quotations.

Each check reads every page of docs/zh/ and every markdown cell of the notebooks there; the
terms come from the glossary page (docs/zh/glossary.md), which the other pages are held to.
"""

import itertools
import json
import re
import unicodedata

import pytest
from helpers import ROOT, glossary, rejected_terms

ZH = ROOT / "docs" / "zh"
GLOSSARY = "glossary.md"
PAGES = sorted(p.relative_to(ZH) for p in ZH.rglob("*.md"))
NOTEBOOKS = sorted(p.relative_to(ZH) for p in ZH.rglob("*.ipynb"))

# Chinese characters, and the full-width and CJK punctuation used in Chinese sentences.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCTUATION = "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d"
HAS_CJK = re.compile(f"[{CJK}{CJK_PUNCTUATION}]")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# A line that starts a block of its own, rather than continuing the paragraph above it.
NEW_BLOCK = re.compile(
    r"[ \t]*(?:#|\||>|[-*+][ \t]|\d+[.)][ \t]|!!!|\?\?\?|===|<|:::|--8<--|\[[^\]]+\]:)"
)
# Lines that are blocks of one line: whatever follows them starts a new block.
ONE_LINE_BLOCK = re.compile(r"[ \t]*(?:#|\||!!!|\?\?\?|===|<|:::|--8<--)")


def documents():
    """(name, Markdown text) of every Chinese page and every notebook markdown cell."""
    for page in PAGES:
        yield str(page), (ZH / page).read_text("utf-8")
    for notebook in NOTEBOOKS:
        cells = json.loads((ZH / notebook).read_text("utf-8"))["cells"]
        for number, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"{notebook} cell {number}", "".join(cell["source"])


DOCUMENTS = dict(documents())
# Every document but the glossary, which lists the renderings the others must not use.
HELD = {name: text for name, text in DOCUMENTS.items() if name != GLOSSARY}


def prose_lines(text):
    """The lines of ``text`` with front matter, fenced code and HTML comments blanked out.

    Blank lines take their place, so line numbers stay those of the file.
    """
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        lines[: end + 1] = [""] * (end + 1)
    fence, comment = None, False
    for number, line in enumerate(lines):
        if comment:
            comment = "-->" not in line
            lines[number] = ""
            continue
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            lines[number] = ""
        elif fence is not None:
            closing = match and line.strip() == match.group(1)
            if closing and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            lines[number] = ""
        elif line.lstrip().startswith("<!--"):
            comment = "-->" not in line
            lines[number] = ""
    return lines


def without_inline_code(line):
    return re.sub(r"(`+).+?\1", "`code`", line)


def is_punctuation(character):
    """Punctuation for CommonMark's flanking rules: Unicode P* and S* characters."""
    return unicodedata.category(character)[0] in "PS"


def bad_emphasis(line):
    """The ``**``/``__`` runs of a line that CommonMark would not take as the ones meant.

    Runs pair up in order, opener then closer. A closer that follows punctuation (such as
    。) must be followed by a space or punctuation, else it is not right-flanking and shows
    as literal asterisks; an opener that precedes punctuation (such as “) must likewise
    follow a space or punctuation.
    """
    line = without_inline_code(line)
    line = re.sub(r"\]\([^)]*\)", "](url)", line)  # link targets: __init__ and such
    bad = []
    for marker in ("**", "__"):
        runs = [m.start() for m in re.finditer(re.escape(marker[0]) + "{2,}", line)]
        for index, start in enumerate(runs):
            end = start + len(re.match(re.escape(marker[0]) + "+", line[start:])[0])
            before = line[start - 1] if start else " "
            after = line[end] if end < len(line) else " "
            opener = index % 2 == 0
            inner, outer = (after, before) if opener else (before, after)
            loose = is_punctuation(inner) and not (outer.isspace() or is_punctuation(outer))
            if inner.isspace() or loose:
                bad.append(line[max(0, start - 10) : end + 10])
    return bad


@pytest.mark.parametrize("name", DOCUMENTS, ids=str)
def test_bold_and_underscore_emphasis_closes(name):
    """``**几轮。**之内`` shows its asterisks: put the 。 after the closing ``**``."""
    found = {
        number: bad
        for number, line in enumerate(prose_lines(DOCUMENTS[name]), 1)
        if (bad := bad_emphasis(line))
    }
    assert found == {}


def broken_lines(text):
    """Line numbers where a paragraph with Chinese in it goes on to the next line."""
    lines = prose_lines(text)
    found = []
    for number, (first, second) in enumerate(itertools.pairwise(lines), 1):
        if not first.strip() or not second.strip():
            continue
        if ONE_LINE_BLOCK.match(first) or NEW_BLOCK.match(second):
            continue
        if HAS_CJK.search(first) or HAS_CJK.search(second):
            found.append(number)
    return found


@pytest.mark.parametrize("name", DOCUMENTS, ids=str)
def test_chinese_paragraphs_are_written_on_one_line(name):
    """A line break in a Chinese paragraph renders as a stray space (before a “, after a 。)."""
    assert broken_lines(DOCUMENTS[name]) == []


def test_the_line_break_check_finds_breaks_and_only_breaks():
    text = "\n".join(
        [
            "第一段在这里",
            "断开了。",
            "",
            "残差模块是 ResNet 的基本单元，作者凭借",
            "ResNet 拿下了冠军。",
            "",
            "论文在",
            "“Identity vs. Projection Shortcuts”一节比较了三种方式。",
            "",
            "# 标题",
            "正文紧跟标题。",
            "- 列表项一",
            "- 列表项二",
            "1. 编号项",
            "| 表格 | 行 |",
            "|---|---|",
            "!!! note “说明”",
            "",
            "    缩进的正文，",
            "    断在这里。",
            "",
            "```python",
            'print("代码里的中文")',
            'print("可以换行")',
            "```",
            "English lines",
            "may wrap.",
        ]
    )
    assert broken_lines(text) == [1, 4, 7, 19]


def test_the_emphasis_check_finds_unclosed_bold():
    assert bad_emphasis("- **三个网络都学会了这个任务。**几轮之内")
    assert bad_emphasis("叫作**“投影”**的卷积")  # opener before “, after 作
    assert not bad_emphasis("- **三个网络都学会了这个任务**。几轮之内")
    assert not bad_emphasis("叫作 **“投影”** 的卷积，`a**b`，**选项 B**：")
    assert not bad_emphasis("GoogLeNet 的 **159K params、128M ops**。上面")


def prose(text):
    """The prose of a Markdown text: no front matter, fenced or inline code, comments or
    link targets (line numbers kept)."""
    lines = [without_inline_code(line) for line in prose_lines(text)]
    return re.sub(r"\]\([^)]*\)", "](url)", "\n".join(lines))


def rejected_in(text):
    """The glossary's rejected renderings that ``text`` uses: a Chinese one anywhere, a
    Latin word (right in code, URLs and names: notebook, epoch) in the prose only."""
    words = prose(text)

    def uses(term):
        if not term.isascii():
            return term in text
        return re.search(rf"(?<![A-Za-z_]){re.escape(term)}(?![A-Za-z_])", words) is not None

    return [term for term in rejected_terms() if uses(term)]


def test_the_rejected_renderings_are_found_where_they_are_rejected():
    assert rejected_in("每个 epoch 结束时，notebook 的起始部分") == ["epoch", "notebook"]
    assert rejected_in("这个 import 会失败，乘加次数") == ["乘加次数", "import"]
    assert rejected_in("`import keras`，[笔记本](notebooks/a.ipynb)，`Dropout`，训练 15 轮") == []
    assert rejected_in("```python\nimport keras\n```\n层名 `dropout`，Dropout 层") == []


def test_the_glossary_is_the_same_in_both_languages():
    """English term, Chinese term and the renderings not to use; only the usage is translated."""
    english, chinese = glossary("en"), glossary("zh")
    assert len(chinese) > 40 and all(row[0] and row[1] for row in chinese)
    assert [row[:3] for row in english] == [row[:3] for row in chinese]


def test_the_glossary_rejects_no_term_it_chooses():
    chosen = [term for _, chinese, _, _ in glossary() for term in re.split("[、：]", chinese)]
    rejected = rejected_terms()
    assert rejected and [t for t in rejected if any(t in term for term in chosen)] == []
    assert len(rejected) == len(set(rejected))


# What the glossary settles: English term -> (its one Chinese rendering, the ones it replaced).
DECISIONS = {
    "filter": ("滤波器", {"滤光片", "筛选器"}),
    "kernel, kernel size": ("卷积核、卷积核大小", set()),
    "channel": ("通道", set()),
    "stem": ("起始部分", {"主干开头", "主干入口"}),
    "head": ("分类头", {"输出端"}),
    "identity shortcut": ("恒等捷径", {"身份残差"}),
    "summary, model summary": ("模型摘要", set()),
    "diagram, architecture diagram": ("结构图", {"地块"}),
    "listing": ("代码", {"代码清单"}),
    "snippet, snippet section": ("代码片段、代码片段区段", {"源码片段"}),
    "initializer": ("初始化器", {"初始化方法"}),
    "eager execution": ("即时执行", {"直接（eager）"}),
    "Dropout": ("Dropout", {"dropout"}),
    "tutorial": ("教程", {"原教程"}),
    "multiply-accumulate operations (MACs)": ("乘加运算次数（MACs）", {"乘加次数"}),
    "epoch": ("轮", {"epoch"}),
    "import (noun)": ("导入语句", {"import"}),
    "notebook": ("笔记本", {"notebook"}),
}


# The wrong terms of the machine-translated tutorial this project started from.
MACHINE_TRANSLATION = [
    *["滤光片", "筛选器", "跨度", "最大汇聚", "最大合用", "最大合并", "汇聚层", "合并层"],
    *["校正的线性激活函数", "初始模块", "先启模块", "Inestation", "朴素初始模块"],
    *["优化的初始模块", "还原剂", "剩余模块", "身份残差", "投影快捷方式", "地块"],
]


def test_the_glossary_rejects_the_machine_translations_terms():
    assert [term for term in MACHINE_TRANSLATION if term not in rejected_terms()] == []


@pytest.mark.parametrize("english", DECISIONS)
def test_the_glossary_holds_each_decision(english):
    rows = {row[0]: row for row in glossary()}
    chosen, replaced = DECISIONS[english]
    assert rows[english][1] == chosen and set(rows[english][2]) == replaced


# Counts are of filters (N 个滤波器, not N 个卷积核); a layer or block outputs channels.
MISCOUNTED = re.compile(r"个\s*(?:\d+×\d+\s*的?\s*)?卷积核(?!大小)|输出\s*\d+\s*个滤波器")
# Values and identifiers are code: `'same'`, `he_normal`.
BARE_CODE = re.compile(r"'same'|\"same\"|(?<![\w`])he_normal")
# Brackets inside brackets of the other width: （(4a)）.
NESTED = re.compile(r"（\([^()（）]*\)）")


def wording_slips(text):
    words = prose(text)
    return [m[0] for pattern in (MISCOUNTED, BARE_CODE, NESTED) for m in pattern.finditer(words)]


def test_the_wording_checks_find_the_slips():
    slips = {
        "每层有 `n_filters` 个 3×3 的卷积核，填充方式为 'same'": ["个 3×3 的卷积核", "'same'"],
        "输出 64 个滤波器；He 正态初始化（he_normal）": ["输出 64 个滤波器", "he_normal"],
        "模块小一点（(4a)）": ["（(4a)）"],
        "64 个滤波器，选一个卷积核大小，`padding='same'`，`he_normal`，(4a)": [],
    }
    assert {text: wording_slips(text) for text in slips} == slips


CJK_LETTER = re.compile(f"[{CJK}]")


def bad_quotations(text):
    """Quotations of the papers not written as “English”（中文译文）.

    An English quotation is one of three words or more that starts in lower case (titles
    of papers, sections and figures are capitalised names; what programs print is code).
    It must be followed by its translation in full-width parentheses, and not stand in
    parentheses itself; no quotation is followed by a dash or 即 and its translation, and
    a linked title has its quotation marks inside the link.
    """
    words = prose(text)
    bad = [m[0] for m in re.finditer(r"”(?:——|，即)|“\[", words)]
    for match in re.finditer(r"“([^“”]*)”", words):
        quoted, before = match[1], words[: match.start()]
        if CJK_LETTER.search(quoted) or len(quoted.split()) < 3 or not quoted[0].islower():
            continue
        if before.endswith("（") or not re.match(f"（[{CJK}]", words[match.end() :]):
            bad.append(match[0])
    return bad


@pytest.mark.parametrize("name", HELD, ids=str)
def test_the_glossarys_terms_counts_code_and_quotations(name):
    """No rendering the glossary rejects; filters counted and values as code; quotations
    of the papers as “English”（中文译文）."""
    text = HELD[name]
    found = {
        "rejected": rejected_in(text),
        "wording": wording_slips(text),
        "quotations": bad_quotations(text),
    }
    assert found == {"rejected": [], "wording": [], "quotations": []}


def test_the_quotation_check_finds_the_other_ways():
    quotations = {
        "论文称之为“the smallest size to capture”（能表达的最小尺寸）。": [],
        "论文在“Identity vs. Projection Shortcuts”一节，“FLOPs”一列": [],
        "两者“similar time complexity”。": ["“similar time complexity”"],
        "训练停滞（“can stall learning”）": ["“can stall learning”"],
        "“even a modest number”——哪怕": ["”——", "“even a modest number”"],
        "“right after each convolution”，即紧跟": ["”，即", "“right after each convolution”"],
        "论文“[Going Deeper](https://arxiv.org)”": ["“["],
    }
    assert {text: bad_quotations(text) for text in quotations} == quotations
