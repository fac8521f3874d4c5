"""``same_code``: a translation whose code drifted from its original's fails the build,
naming the first differing line of each file and the two lines."""

import pytest
import yaml
from test_example_site import run_python

from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.twins import cell_lines, fence_lines, first_difference

I18N = {
    "docs_structure": "folder",
    "languages": [
        {"locale": "en", "name": "English", "default": True, "build": True},
        {"locale": "zh", "name": "中文", "build": True},
    ],
}
ENGLISH = "# Area\n\nA square.\n\n```python\nside = 3\nprint('area:', side * side)\n```\n"
CHINESE = "# 面积\n\n正方形，\n边长为 3。\n\n" + ENGLISH.split("\n\n", 2)[2]


def build(tmp_path, chinese, same_code=True):
    """``mkdocs build --strict`` of an English page and its Chinese translation."""
    project = tmp_path / "project"
    for path, text in {"en/index.md": ENGLISH, "zh/index.md": chinese}.items():
        (project / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (project / "docs" / path).write_text(text, encoding="utf-8")
    plugins = [{"i18n": I18N}, {"run-examples": {"same_code": same_code}}]
    config = {"site_name": "twins", "theme": {"name": "mkdocs"}, "plugins": plugins}
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return run_python(project, "-m", "mkdocs", "build", "--strict")


def test_a_translation_with_its_original_s_code_builds_and_runs_once(tmp_path):
    result = build(tmp_path, CHINESE)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("running docs/") == 1, result.stderr


@pytest.mark.parametrize(
    ("chinese", "expected"),
    [
        (
            CHINESE.replace("side = 3", "side = 4"),
            "docs/zh/index.md: its code differs from docs/en/index.md's, at "
            "docs/en/index.md:6 / docs/zh/index.md:7: 'side = 3' / 'side = 4'",
        ),
        (
            CHINESE.replace("```python\n", "<!--pytest.mark.skip-->\n```python\n"),
            "docs/zh/index.md: its code differs from docs/en/index.md's, at "
            "docs/en/index.md:5 / docs/zh/index.md:7: '```python' / '```python skip'",
        ),
        (
            "# 面积\n\n没有代码。\n",
            "docs/zh/index.md: its code differs from docs/en/index.md's, at "
            "docs/en/index.md:5 / docs/zh/index.md: end: '```python' / ''",
        ),
    ],
    ids=["a number", "a marker", "no code"],
)
def test_a_translation_whose_code_differs_fails_naming_both_lines(tmp_path, chinese, expected):
    result = build(tmp_path, chinese)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and errors[0].endswith(expected), result.stderr


def test_without_same_code_a_translation_runs_its_own_code(tmp_path):
    result = build(tmp_path, CHINESE.replace("side = 3", "side = 4"), same_code=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("running docs/") == 2, result.stderr


def test_included_lines_are_named_at_their_own_file_and_cells_by_number():
    [fence] = find_fences("```python\nx = 1\n```\n", path="docs/en/p.md", first_line=3)
    assert fence_lines([fence]) == [("docs/en/p.md:3", "```python"), ("docs/en/p.md:4", "x = 1")]
    original = ("a.ipynb", cell_lines("a.ipynb", ["x = 1", "y = 2\nprint(y)"]))
    translation = ("b.ipynb", cell_lines("b.ipynb", ["x = 1", "y = 2\nprint(y + 1)"]))
    assert first_difference(original, translation) == (
        "b.ipynb: its code differs from a.ipynb's, at a.ipynb cell 2 line 2 / "
        "b.ipynb cell 2 line 2: 'print(y)' / 'print(y + 1)'"
    )
    assert first_difference(original, original) is None
