"""The Chinese pages and notebooks, read as Markdown files (no build): emphasis, line breaks, terms.

Each check reads every page of docs/zh/ and every markdown cell of the notebooks there.
"""

import itertools
import json
import re
import unicodedata

import pytest
from helpers import ROOT

ZH = ROOT / "docs" / "zh"
FORBIDDEN = ROOT / "tests" / "forbidden_terms.txt"
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
# Prose words that are right in code, URLs and names, so forbidden_terms.txt cannot list them.
WRONG_IN_PROSE = ["notebook"]  # the site's word is 笔记本 (as in mkdocs.yml's download label)


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
    """``**几个 epoch。**之内`` shows its asterisks: put the 。 after the closing ``**``."""
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
    assert bad_emphasis("- **三个网络都学会了这个任务。**几个 epoch 之内")
    assert bad_emphasis("叫作**“投影”**的卷积")  # opener before “, after 作
    assert not bad_emphasis("- **三个网络都学会了这个任务**。几个 epoch 之内")
    assert not bad_emphasis("叫作 **“投影”** 的卷积，`a**b`，**选项 B**：")
    assert not bad_emphasis("GoogLeNet 的 **159K params、128M ops**。上面")


def forbidden_terms():
    return [t.strip() for t in FORBIDDEN.read_text("utf-8").splitlines() if t.strip()]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=str)
def test_no_forbidden_term_in_the_chinese_notebook(notebook):
    cells = json.loads((ZH / notebook).read_text("utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert text and [term for term in forbidden_terms() if term in text] == []


@pytest.mark.parametrize("name", DOCUMENTS, ids=str)
def test_no_word_of_the_other_language_in_chinese_prose(name):
    """Terms that only code and names may use: a Chinese sentence uses the glossary's word."""
    prose = "\n".join(without_inline_code(line) for line in prose_lines(DOCUMENTS[name]))
    prose = re.sub(r"\]\([^)]*\)", "](url)", prose)
    assert [word for word in WRONG_IN_PROSE if word in prose] == []


def test_forbidden_terms_do_not_ban_the_chosen_terms():
    chosen = ["分类头", "下采样", "普通网络", "笔记本", "开销", "升维", "起始部分", "带边框的表格"]
    assert [t for t in forbidden_terms() if any(t in term for term in chosen)] == []
