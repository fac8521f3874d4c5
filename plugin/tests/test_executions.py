"""The executions page (the ``executions`` option): the run every page shows, in each
language, the same whether the build ran it or took it from the cache.

Each test builds a real site with mkdocs-static-i18n (English, then Chinese) in a
temporary folder, with this Python's MkDocs, as a contributor would.
"""

import html
import json
import re

from test_out_of_the_box import PROVENANCE, built, mkdocs, project, two_languages

I18N = two_languages()
# Some of the site's own words (mkdocs.yml): the rest stay English.
LABELS = {
    "zh": {
        "executions_date": "运行日期",
        "seconds": "{seconds:.1f} 秒",
        "ran": "已运行",
        "cached": "取自缓存",
        "reason_not_in_cache": "缓存中没有",
        "reason_code_changed": "第 {fence} 个代码块的代码有改动",
    }
}
PAGES = {
    "en/index.md": "# Home\n\n```python\nprint(6 * 7)\n```\n",
    "zh/index.md": "# 首页\n\n```python\nprint(6 * 7)\n```\n",
    "en/prose.md": "# Prose\n\nNo example here.\n",
    "zh/prose.md": "# 正文\n\n这里没有示例。\n",
    "en/runs.md": "# Runs\n\nWhat made the outputs.\n",
    "zh/runs.md": "# 运行记录\n\n输出的来历。\n",
}
ROW = re.compile(r"<tr>(<td.*?)</tr>")
CELL = re.compile(r"<td[^>]*>(.*?)</td>")
HEADING = re.compile(r"<th[^>]*>(.*?)</th>")


def a_site(tmp_path):
    config = {
        "site_name": "runs",
        "theme": {"name": "mkdocs"},
        "nav": ["index.md", "prose.md", "runs.md"],
        "plugins": [
            {"i18n": I18N},
            {"run-examples": {"cache_dir": "cache", "executions": "runs.md", "labels": LABELS}},
        ],
    }
    return project(tmp_path, config, PAGES)


def rows(site, prefix):
    """{link: [cells]} of the executions page of the language at ``prefix``, and its
    headings."""
    text = (site / prefix / "runs" / "index.html").read_text(encoding="utf-8")
    text = text.split('<p class="cb-executions">', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in ROW.findall(text):
        link, *cells = CELL.findall(row)
        found[re.search(r'href="([^"]*)"', link)[1]] = [html.unescape(cell) for cell in cells]
    return found, [html.unescape(heading) for heading in HEADING.findall(text)]


def provenance(site, prefix):
    """(day, versions, seconds) from the provenance line of the home page at ``prefix``
    (in English in both languages: no label of the line is given)."""
    [line] = PROVENANCE.findall((site / prefix / "index.html").read_text(encoding="utf-8"))
    found = re.fullmatch(
        r"The outputs on this page were produced on (\S+) by (.*), in (\S+) s\.", line
    )
    return found[1], html.unescape(found[2]), found[3]


def test_a_warm_build_shows_the_run_a_cold_one_made_in_each_language(tmp_path):
    folder = a_site(tmp_path)
    site = built(folder)
    english, headings = rows(site, "")
    chinese, zh_headings = rows(site, "zh")
    # The page with a run, linked from the page; the one without none.
    assert list(english) == ["../"] and list(chinese) == ["../"]
    assert headings == ["Page", "Ran on", "Versions", "Time", "Why it ran", "This build"]
    assert zh_headings[1] == "运行日期" and zh_headings[0] == "Page"  # the labels given
    day, versions, seconds = provenance(site, "")
    assert english["../"] == [day, versions, f"{seconds} s", "not in the cache", "ran it"]
    # The Chinese page took the English page's run, in this build.
    assert chinese["../"] == [day, versions, f"{seconds} 秒", "缓存中没有", "已运行"]
    assert provenance(site, "zh") == (day, versions, seconds)
    cold = json.loads((folder / "cache/report/execution-report.json").read_text("utf-8"))

    again = built(folder)
    assert rows(again, "")[0]["../"] == [*english["../"][:4], "took it from the cache"]
    assert rows(again, "zh")[0]["../"] == [*chinese["../"][:4], "取自缓存"]
    warm = json.loads((folder / "cache/report/execution-report.json").read_text("utf-8"))
    table = (folder / "cache/report/execution-report.md").read_text("utf-8")
    assert "| en/index.md | 1 | 0 | cached (" in table and f"| {day} | not in the cache |" in table
    assert warm["executions"] == 0
    for before, after in zip(cold["pages"], warm["pages"], strict=True):
        assert after["cached"] and after["reasons"] == [] and after["seconds"] == 0
        if before["run"] is None:
            assert after["run"] is None, after["page"]
            continue
        assert {**before["run"], "this_build": False} == after["run"]

    (folder / "docs/en/index.md").write_text(PAGES["en/index.md"].replace("6 * 7", "6 * 8"))
    (folder / "docs/zh/index.md").write_text(PAGES["zh/index.md"].replace("6 * 7", "6 * 8"))
    edited = built(folder)
    assert rows(edited, "")[0]["../"][3:] == ["code of fence 1 changed", "ran it"]
    assert rows(edited, "zh")[0]["../"][3:] == ["第 1 个代码块的代码有改动", "已运行"]


def test_an_executions_page_that_is_not_there_is_a_warning(tmp_path):
    config = {"site_name": "t", "plugins": [{"run-examples": {"executions": "runs.md"}}]}
    result = mkdocs(project(tmp_path, config, {"index.md": "# Home\n"}), "build", "--strict")
    assert result.returncode != 0
    assert "executions: no page runs.md among the site's pages" in result.stderr
