"""The built site's execution page, in both languages: for every page and notebook with
examples, the run whose outputs it shows, as its provenance line and the execution report
give it, in the page's language; linked from the contributing page. A small site of the
same two languages with the site's words, built cold then warm: the run a cold build made,
said in Chinese. The Chinese labels, typeset as the pages are."""

import json
import re
import string
from html import escape, unescape
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, mkdocs_build, page_path, site_expander
from mkdocs.utils.yaml import yaml_load

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.labels import language_labels

DOCS = ROOT / "docs"
CONFIG = yaml_load((ROOT / "mkdocs.yml").read_text("utf-8"))
[OPTIONS] = [p["run-examples"] for p in CONFIG["plugins"] if "run-examples" in p]
PAGES = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.md"))
NOTEBOOKS = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.ipynb"))
ROW = re.compile(r"<tr>(<td.*?)</tr>")
CELL = re.compile(r"<td[^>]*>(.*?)</td>")
HEADING = re.compile(r"<th[^>]*>(.*?)</th>")
PROVENANCE = {  # the provenance line: (day, versions, seconds)
    "en": re.compile(r"produced on (\S+) by (.*), in (\S+) s\."),
    "zh": re.compile(r"本页的输出由 (.*) 于 (\S+) 生成，运行用时 (\S+) 秒。"),
}


def built(site, language, page):
    name = "" if page.stem == "index" else page.stem
    return (site / page_path(language, name) / "index.html").read_text("utf-8")


def with_examples(language):
    """The pages and notebooks of ``language`` that show a run."""
    pages = [
        page
        for page in PAGES
        if find_fences(site_expander().expand((DOCS / language / page).read_text("utf-8")))
    ]
    return [*pages, *NOTEBOOKS]


def provenance(html, language):
    """(day, versions, seconds) of a page's provenance line."""
    [line] = re.findall(r'<p class="cb-provenance">(.*?)</p>', html)
    found = PROVENANCE[language].search(unescape(line))
    if language == "zh":
        return found[2], found[1], found[3]
    return found[1], found[2], found[3]


def table_rows(html):
    """The headings of the executions table in ``html``, and {link: [cells after it]}."""
    table = html.split('<p class="cb-executions">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in ROW.findall(table):
        link, *cells = CELL.findall(row)
        rows[re.search(r'href="([^"]*)"', link)[1]] = [unescape(cell) for cell in cells]
    return [unescape(heading) for heading in HEADING.findall(table)], rows


def said(label):
    """A pattern matching what a label says, its fields anything."""
    parts = re.split(r"\{[^}]*\}", label)
    return re.compile(".+".join(map(re.escape, parts)))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_execution_page_gives_the_run_every_page_shows(site, language):
    labels = language_labels(language, OPTIONS["labels"])
    html = built(site, language, Path(OPTIONS["executions"]))
    headings, rows = table_rows(html)
    assert headings == [
        labels[f"executions_{name}"]
        for name in ("page", "date", "versions", "seconds", "reasons", "build")
    ]
    pages = with_examples(language)
    links = {page: "../" if page.stem == "index" else f"../{page.stem}/" for page in pages}
    assert sorted(rows) == sorted(links.values())  # every page with examples, and no other
    report = {
        line["page"]: line
        for line in json.loads((site / "execution-report.json").read_text("utf-8"))["pages"]
    }
    reasons = [said(text) for name, text in labels.items() if name.startswith("reason_")]
    for page in pages:
        date, versions, seconds, why, build = rows[links[page]]
        day, made_by, took = provenance(built(site, language, page), language)
        assert [date, versions, seconds] == [
            day,
            made_by,
            labels["seconds"].format(seconds=float(took)),
        ], page
        run = report[f"{language}/{page.as_posix()}"]["run"]
        assert date == run["date"] and seconds == labels["seconds"].format(seconds=run["seconds"])
        assert build == labels["ran" if run["this_build"] else "cached"]
        # Each reason in the page's language, as the labels say them; none unknown.
        said_reasons = why.split(labels["separator"])
        assert all(any(r.fullmatch(text) for r in reasons) for text in said_reasons), why
        assert labels["reason_unknown"] not in said_reasons or not run["this_build"]
    ran = sum(report[f"{language}/{p.as_posix()}"]["run"]["this_build"] for p in pages)
    summary = labels["executions_summary"].format(ran=ran, count=len(pages))
    assert f'<p class="cb-executions">{escape(summary)}</p>' in html


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_contributing_page_links_the_execution_page(site, language):
    html = built(site, language, Path("contributing.md"))
    assert 'href="../execution/"' in html
    assert "execution-report.md" not in html  # no longer in the site
    assert not (site / "execution-report.md").exists()


def test_a_warm_build_says_in_chinese_why_the_run_a_cold_one_made_ran(tmp_path):
    """The site's words (mkdocs.yml's labels) on a small site of its two languages: the
    day, versions and seconds of the run stay; only who ran it changes; an edit says why."""
    i18n = {
        "docs_structure": "folder",
        "languages": [
            {"locale": "en", "name": "English", "default": True, "build": True},
            {"locale": "zh", "name": "中文", "build": True},
        ],
    }
    options = {"cache_dir": "cache", "executions": "execution.md", "labels": OPTIONS["labels"]}
    config = {
        "site_name": "runs",
        "theme": {"name": "mkdocs"},
        "plugins": [{"i18n": i18n}, {"run-examples": options}],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    page = "# {}\n\n```python\nprint(6 * 7)\n```\n"
    for language, title in (("en", "Home"), ("zh", "首页")):
        (tmp_path / "docs" / language).mkdir(parents=True)
        (tmp_path / "docs" / language / "index.md").write_text(page.format(title), "utf-8")
        (tmp_path / "docs" / language / "execution.md").write_text(f"# {title}\n", "utf-8")

    def chinese_row():
        result = mkdocs_build(tmp_path)
        assert result.returncode == 0, result.stderr
        html = (tmp_path / "site" / "zh" / "execution" / "index.html").read_text("utf-8")
        return table_rows(html)[1]["../"]

    cold = chinese_row()
    assert cold[3:] == ["缓存中没有", "已运行"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cold[0]) and cold[1].startswith("Python ")
    assert re.fullmatch(r"\d+\.\d 秒", cold[2])
    assert chinese_row() == [*cold[:4], "取自缓存"]
    for language in ("en", "zh"):
        path = tmp_path / "docs" / language / "index.md"
        path.write_text(path.read_text("utf-8").replace("6 * 7", "6 * 8"), "utf-8")
    assert chinese_row()[3:] == ["第 1 个代码块的代码有改动", "已运行"]


HAN = "\u4e00-\u9fff"
FULL_WIDTH = "\u3000-\u303f\uff00-\uffef"


@pytest.mark.parametrize("name", sorted(OPTIONS["labels"]["zh"]))
def test_the_chinese_labels_are_typeset_as_the_pages_are(name):
    """Full-width punctuation beside Chinese, one space between Chinese and Latin words or
    numbers, none beside full-width punctuation: each label, its fields filled."""
    text = OPTIONS["labels"]["zh"][name]
    values = {
        field: 1234.5 if spec else "Keras"
        for _, field, spec, _ in string.Formatter().parse(text)
        if field is not None
    }
    filled = text.format(**values)
    assert not re.search(rf"[{HAN}][,.;:!?()]|[,;:!?()][{HAN}]", filled), filled
    assert not re.search(rf"[{HAN}][A-Za-z0-9`]|[A-Za-z0-9`][{HAN}]", filled), filled
    assert not re.search(rf"[{HAN}{FULL_WIDTH}] [{HAN}{FULL_WIDTH}]", filled), filled
    assert not re.search(rf"[{FULL_WIDTH}] | [{FULL_WIDTH}]", filled), filled
