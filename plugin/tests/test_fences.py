"""Fences and their file lines (mkdocs_run_examples.fences).

No TensorFlow here: the pages are small ones written in a temporary project.
"""

import re

import pytest

from mkdocs_run_examples.fences import (
    Fence,
    FenceError,
    body_first_line,
    find_fences,
    format_location,
)
from mkdocs_run_examples.snippets import SnippetExpander

OPTIONS = {"base_path": ["."], "check_paths": True}  # as in mkdocs.yml

LIB = '''"""A small library with snippet sections."""

# --8<-- [start:imports]
import math

# --8<-- [end:imports]


# --8<-- [start:area]
def area(radius):
    return math.pi * radius**2
    # --8<-- [end:area]


# --8<-- [start:nested]
--8<-- "lib/other.py"
twice = 2 * one
# --8<-- [end:nested]
'''
OTHER = "one = 1\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shapes.py").write_text(LIB, encoding="utf-8")
    (tmp_path / "lib" / "other.py").write_text(OTHER, encoding="utf-8")
    return tmp_path


@pytest.fixture
def expander(project):
    return SnippetExpander(OPTIONS, project)


def file_line(project, origin):
    """The text of the file line ``origin`` = (path, line) names."""
    return (project / origin[0]).read_text(encoding="utf-8").split("\n")[origin[1] - 1]


def errors_of(text, **kwargs):
    """The page's problems: its FenceError's lines, else its fences' problems."""
    try:
        fences = find_fences(text, **kwargs)
    except FenceError as error:
        return error.errors
    return [line for fence in fences if fence.problem for line in fence.problem.split("\n")]


# Where the code comes from


def test_page_lines_map_to_their_file_lines():
    page = "# Title\n\n!!! note\n\n    ```python\n    x = 1\n\n    print(x)\n    ```\n"
    (fence,) = find_fences(page, path="docs/en/p.md", first_line=4)
    assert fence.code == "x = 1\n\nprint(x)\n"
    assert fence.origins == (("docs/en/p.md", 9), ("docs/en/p.md", 10), ("docs/en/p.md", 11))
    assert fence.origin(3) == ("docs/en/p.md", 11)
    assert fence.location == "docs/en/p.md:8"  # the opening ``` line
    assert (fence.start_line, fence.end_line) == (4, 8)  # lines of the Markdown given
    # A SyntaxError may name the line after the last: the last line is the nearest.
    assert fence.origin(4) == fence.origin(3) and fence.origin(0) == fence.origin(1)


def test_included_lines_map_to_the_included_file(project, expander):
    page = (
        "Intro.\n\n```python\n"
        '--8<-- "lib/shapes.py:imports"\n'
        '--8<-- "lib/shapes.py:area"\n'
        "\nprint(area(2))\n```\n"
    )
    (fence,) = find_fences(page, path="docs/en/p.md", expander=expander)
    lines = fence.code.split("\n")[:-1]
    assert lines[:3] == ["import math", "", "def area(radius):"]
    assert fence.origins[:5] == (
        ("lib/shapes.py", 4),
        ("lib/shapes.py", 5),
        ("lib/shapes.py", 10),
        ("lib/shapes.py", 11),
        ("docs/en/p.md", 6),  # the blank line after the includes
    )
    assert fence.origin(len(lines)) == ("docs/en/p.md", 7)
    for number, line in enumerate(lines, start=1):
        path, origin_line = fence.origin(number)
        if path == "lib/shapes.py":
            assert file_line(project, (path, origin_line)) == line
    assert len(fence.origins) == len(lines)


def test_nested_includes_and_indentation_keep_their_origins(project, expander):
    page = '```python\nif True:\n    --8<-- "lib/shapes.py:nested"\n```\n'
    (fence,) = find_fences(page, path="p.md", expander=expander)
    assert fence.code == "if True:\n    one = 1\n    \n    twice = 2 * one\n"
    assert fence.origins == (
        ("p.md", 2),
        ("lib/other.py", 1),
        ("lib/other.py", 1),  # the file's final newline: its last line
        ("lib/shapes.py", 17),
    )


def test_the_expansion_is_pymdownx_own(project, expander):
    """expand_lines gives the text SnippetExpander.expand (pymdownx.snippets) gives."""
    code = (
        'import os\n--8<-- "lib/shapes.py"\n--8<-- "lib/shapes.py:area"\n'
        '    --8<-- "lib/shapes.py:nested"\n;--8<-- "lib/missing.py"\n'
        "# --8<-- [start:dropped]\nx = 1\n"
    )
    (fence,) = find_fences(f"```python\n{code}```\n", expander=expander)
    assert fence.code == expander.expand(code)
    assert len(fence.origins) == len(fence.code.split("\n")) - 1
    whole = fence.origins[1 : 1 + 13]  # the whole file, its section markers removed
    assert [line for _, line in whole][:4] == [1, 2, 4, 5]


def test_escaped_includes_stay_as_text(expander):
    """As on contributing.md: a ';' escapes an include, even of a file that does not exist."""
    page = (
        '```python\n;--8<-- "src/convblocks/blocks/vgg.py:vgg_block"\n'
        ';--8<-- "lib/nowhere.py"\n# ;--8<-- [start:shown]\n```\n\n'
        '````markdown\n```python\n--8<-- "lib/nowhere.py:f"\n```\n````\n'
    )
    (fence,) = find_fences(page, expander=expander)  # the ```` fence is not an example
    assert fence.code == (
        '--8<-- "src/convblocks/blocks/vgg.py:vgg_block"\n'
        '--8<-- "lib/nowhere.py"\n# --8<-- [start:shown]\n'
    )
    assert fence.origins == (("page.md", 2), ("page.md", 3), ("page.md", 4))


# Front matter


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("# Title\n", 1),
        ("---\ntitle: T\n---\n# Title\n", 4),
        ("---\ntitle: T\ntags: [a, b]\n---\n\n\n# Title\n", 7),  # blank lines after it too
        ("---\r\ntitle: T\r\n---\r\n# Title\r\n", 1),  # not YAML front matter for MkDocs...
        ("title: T\nauthor: A\n\n# Title\n", 4),  # ...but MultiMarkdown meta-data is
        ("---\n- a list\n---\n# Title\n", 1),  # not a mapping: kept in the page
        ("", 1),
    ],
    ids=["none", "yaml", "yaml-blank-lines", "crlf", "multimarkdown", "yaml-list", "empty"],
)
def test_body_first_line_matches_mkdocs(text, first):
    from mkdocs.utils.meta import get_data

    body, _ = get_data(text)
    assert body_first_line(text) == first
    lines = text.replace("\r\n", "\n").split("\n")
    assert "\n".join(lines[first - 1 :]).lstrip("\n").rstrip() == body.rstrip()


def test_front_matter_moves_locations_and_errors():
    from mkdocs.utils.meta import get_data

    text = "---\ntitle: T\n---\n\n# Title\n\n```python\nx = 1\n```\n\n```py\ny\n```\n"
    markdown, _ = get_data(text)
    first = body_first_line(text)
    assert errors_of(
        markdown.replace("```py\n", "<!--pytest-codeblocks:nonsense-->\n```py\n"),
        path="p.md",
        first_line=first,
    ) == [
        'p.md:11: unknown pytest-codeblocks keyword "nonsense"; it knows '
        "pytest-codeblocks' cont, skip, skipif(...), importorskip(...), expect-error, "
        "expected-output, expected-output-ignore-whitespace; pytest.mark.skip, skipif, "
        "xfail, timeout; run-examples:show-value"
    ]
    fences = find_fences(markdown, first_line=first)
    assert [fence.location for fence in fences] == ["page.md:7", "page.md:11"]
    assert [fence.origins for fence in fences] == [(("page.md", 8),), (("page.md", 12),)]


# Markers


def test_markers_and_several_on_one_fence():
    page = (
        "```python\nx = 1\n```\n\n"
        "<!--pytest-codeblocks:cont-->\n"
        "<!-- pytest.mark.timeout(600) -->\n\n```python\n1 / 0\n```\n\n"
        "<!--pytest-codeblocks:expect-exception-->\n```python\nraise KeyError\n```\n\n"
        "<!--pytest.mark.skip-->\n```python\nimport nothing\n```\n\n"
        '<!--pytest.mark.skip(reason="slow")-->\n```python\npass\n```\n\n'
        "<!--pytest-codeblocks:cont-->\n\nProse keeps the marker, as in pytest-codeblocks.\n\n"
        "```python\npass\n```\n\n"
        "<!--pytest.mark.xfail(raises=KeyError, strict=True)-->\n```python\nraise KeyError\n```\n"
    )
    fences = find_fences(page)
    fields = [(f.continues, f.skip, f.expect_error, f.timeout) for f in fences]
    assert fields == [
        (False, False, False, None),
        (True, False, False, 600.0),
        (False, False, True, None),
        (False, True, False, None),
        (False, True, False, None),
        (True, False, False, None),
        (False, False, True, None),
    ]
    assert [f.index for f in fences] == [1, 2, 3, 4, 5, 6, 7]
    assert (fences[6].raises, fences[6].strict) == (("builtins.KeyError",), True)


def test_a_cont_fence_of_any_language_joins_the_example_before_it():
    """As pytest-codeblocks joins it: run as the example runs, after an expected output
    too; after a fence the build does not run, it does not run either."""
    cont = "<!--pytest-codeblocks:cont-->\n"
    page = (
        f"```python\nx = 1\n```\n{cont}```\nx += 1\n```\n\n"
        "```python\nprint(1)\n```\n<!--pytest-codeblocks:expected-output-->\n```\n1\n```\n"
        f"{cont}```text\nprint(2)\n```\n\n"
        f"```sh\necho a\n```\n{cont}```python\necho b\n```\n\n"
        f"```ruby\nx\n```\n{cont}```\nnot run\n```\n"
    )
    assert [(f.code, f.continues, f.shell) for f in find_fences(page)] == [
        ("x = 1\n", False, ""),
        ("x += 1\n", True, ""),
        ("print(1)\n", False, ""),
        ("print(2)\n", True, ""),
        ("echo a\n", False, "sh"),
        ("echo b\n", True, "sh"),
    ]


def test_a_fence_is_frozen_and_has_defaults():
    fence = Fence(index=1, code="x\n", indent="", start_line=0, end_line=2)
    assert not (fence.continues or fence.skip or fence.expect_error) and fence.timeout is None
    assert fence.location == "page.md:1" and fence.origin(1) == ("page.md", 2)
    with pytest.raises(AttributeError):
        fence.code = "y\n"
    assert format_location("docs/en/vgg.md", 167) == "docs/en/vgg.md:167"


# Errors: one line each, all of a page at once


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Text.\n\n```python\npass\n", "p.md:3: the fence opened here is never closed"),
        (
            "\n<!--pytest-codeblocks:cont-->\n```python\npass\n```\n",
            "p.md:2: a 'cont' fence needs a fence before it",
        ),
        (
            "<!--pytest.mark.skipif(True)-->\n```python\npass\n```\n",
            "p.md:1: pytest.mark.skipif: give reason=... with a boolean condition (pytest's rule)",
        ),
        (
            "```python\npass\n```\n<!--pytest-codeblocks:cont-->\n<!--pytest.mark.skip-->\n"
            "```python\npass\n```\n",
            "p.md:6: a 'cont' fence is part of the example before it: put skip, skipif, xfail "
            "and importorskip before the example's first fence",
        ),
        (
            '```python\n--8<-- "src/nowhere.py:f"\n```\n',
            'p.md:2: include "src/nowhere.py:f": file not found',
        ),
        (
            '```python\n--8<-- "lib/shapes.py:are"\n```\n',
            'p.md:2: section "are" not found in lib/shapes.py',
        ),
    ],
    ids=[
        "unclosed",
        "cont-first",
        "skipif-without-reason",
        "marker-on-cont",
        "missing-file",
        "missing-section",
    ],
)
def test_each_error_is_one_line_naming_the_file_line(expander, text, error):
    assert errors_of(text, path="p.md", expander=expander) == [error]


@pytest.mark.parametrize(
    "opening",
    [
        "```py",
        "```python3",
        "```py3",
        '```python title="x.py"',
        '```python linenums="1" hl_lines="2"',
        "~~~python",
        "```{.python .numbered}",
        "````python",
    ],
)
def test_the_info_strings_material_users_write_are_run(opening):
    closing = opening[: len(opening) - len(opening.lstrip("`~"))]
    fences = find_fences(f"{opening}\nx = 1\nprint(x)\n{closing}\n")
    assert [(f.code, f.problem, f.shell) for f in fences] == [("x = 1\nprint(x)\n", "", "")]


@pytest.mark.parametrize(
    "opening", ["```pycon", "```console", "```text", "```", "~~~sh", "```sh title=x"]
)
def test_other_fences_are_not_run(opening):
    closing = opening[: len(opening) - len(opening.lstrip("`~"))]
    assert find_fences(f"{opening}\nx = 1\n{closing}\n") == []


def test_sh_and_bash_fences_run_in_their_shell_and_take_markers():
    page = "<!--pytest.mark.skip-->\n```sh\nexit 1\n```\n\n```bash\necho $BASH\n```\n"
    assert [(f.shell, f.skip) for f in find_fences(page)] == [("sh", True), ("bash", False)]


def test_a_missing_include_in_an_included_file_names_both(project, expander):
    (project / "lib" / "broken.py").write_text('x = 1\n--8<-- "lib/gone.py"\n', "utf-8")
    page = '\n```python\n--8<-- "lib/broken.py"\n```\n'
    assert errors_of(page, path="p.md", expander=expander) == [
        'lib/broken.py:2: include "lib/gone.py": file not found (included from p.md:3)'
    ]


def test_every_problem_of_a_page_is_reported_at_once(expander):
    page = (  # the Markdown given starts at line 5 of its file
        '```python\n--8<-- "src/nowhere.py:f"\nx = 1\n--8<-- "lib/shapes.py:vgg_bloc"\n```\n\n'
        "<!--pytest-codeblocks:nonsense-->\n```py\npass\n```\n\n"
        "```python\npass\n"
    )
    with pytest.raises(FenceError) as caught:
        find_fences(page, path="docs/en/x.md", first_line=5, expander=expander)
    error = caught.value
    assert error.errors == ["docs/en/x.md:16: the fence opened here is never closed"]
    fences = find_fences(
        page[: page.rindex("```python")], path="docs/en/x.md", first_line=5, expander=expander
    )
    assert errors_of(
        page[: page.rindex("```python")], path="docs/en/x.md", first_line=5, expander=expander
    ) == [
        'docs/en/x.md:6: include "src/nowhere.py:f": file not found',
        'docs/en/x.md:8: section "vgg_bloc" not found in lib/shapes.py',
        'docs/en/x.md:11: unknown pytest-codeblocks keyword "nonsense"; it knows '
        "pytest-codeblocks' cont, skip, skipif(...), importorskip(...), expect-error, "
        "expected-output, expected-output-ignore-whitespace; pytest.mark.skip, skipif, "
        "xfail, timeout; run-examples:show-value",
    ]
    assert [bool(f.problem) for f in fences] == [True, True]
    assert str(error) == "\n".join(error.errors)
    assert "Traceback" not in str(error) and "SnippetMissingError" not in str(error)
    assert all(re.match(r"docs/en/x\.md:\d+: \S", line) for line in error.errors)
