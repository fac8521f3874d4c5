"""Figures in the prose taken from the page's run, formatted for each language."""

import json

import pytest

from mkdocs_run_examples import figures
from mkdocs_run_examples.environment import Environment
from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.keys import page_key
from mkdocs_run_examples.notebooks import page_notebook
from mkdocs_run_examples.runner import run_page

PAGE = """# Page

```python
total = 38720
macs = 3_820_000_000
```

The total, {{ total }}, {{ total == 38720 :: agrees / does not agree }}; {{ macs :: 1e9 .1f }}
billion, or {{ macs :: 1e8 .0f }} 亿, {{ total / 38000 - 1 :: +.1% }} off; `{{ not_a_figure }}`.

```python
total = 1
```

Now {{ total }}.
"""


@pytest.mark.parametrize(
    ("value", "spec", "text"),
    [
        (38720, None, "38,720"),
        (2325568, None, "2,325,568"),
        (3_820_000_000, "1e9 .1f", "3.8"),
        (3_820_000_000, "1e8 .0f", "38"),
        (138_357_544, "1e6 .1f", "138.4"),
        (0.0153, "+.1%", "+1.5%"),
        (True, "agrees / does not agree", "agrees"),
        (False, "一致 / 不一致", "不一致"),
        ("text", None, "text"),
    ],
)
def test_a_value_is_formatted_as_its_page_asks(value, spec, text):
    assert figures.format_value(value, spec) == text


def test_a_check_shows_nothing_and_fails_when_its_claim_no_longer_holds():
    assert figures.format_value(True, "check") == ""
    with pytest.raises(ValueError, match="does not hold"):
        figures.format_value(False, "check")
    assert figures.as_code("Rows (3a) and (3b){{ rows == ['3a', '3b'] :: check }}.") == (
        "Rows (3a) and (3b)."
    )


@pytest.mark.parametrize(("value", "spec"), [(1, "yes / no"), (True, None), (None, None)])
def test_a_value_that_does_not_fit_its_format_is_an_error(value, spec):
    with pytest.raises((TypeError, ValueError)):
        figures.format_value(value, spec)


def test_figures_are_evaluated_after_the_listing_above_them(tmp_path, monkeypatch):
    fences, found = figures.attach(PAGE, find_fences(PAGE))
    assert [(f.fence, f.expression) for f in found] == [
        (1, "total"),
        (1, "total == 38720"),
        (1, "macs"),
        (1, "macs"),
        (1, "total / 38000 - 1"),
        (2, "total"),
    ]
    monkeypatch.chdir(tmp_path)
    run = run_page(fences)
    markdown, errors = figures.substitute(PAGE, found, run.figures, str)
    assert not errors
    assert "The total, 38,720, agrees; 3.8\nbillion, or 38 亿, +1.9% off;" in markdown
    assert "`{{ not_a_figure }}`" in markdown and "Now 1." in markdown


def test_a_figure_that_cannot_be_evaluated_fails_its_page(tmp_path, monkeypatch):
    fences, _ = figures.attach(
        "```python\nx = 1\n```\n\n{{ y + 1 }}\n", find_fences("```python\nx = 1\n```\n")
    )
    monkeypatch.chdir(tmp_path)
    failure = run_page(fences).failure
    assert failure.fence == 1 and "{{ y + 1 }}" in failure.summary
    assert "NameError" in failure.summary


def test_the_expressions_are_in_the_cache_key_and_the_words_are_not():
    environment = Environment.from_parts({"python": "3"})

    def key(text):
        fences, _ = figures.attach(text, find_fences(text))
        return page_key(fences, environment, {}).digest

    base = "```python\nx = 1\n```\n\n{{ x == 1 :: yes / no }}\n"
    assert key(base) == key(base.replace("yes / no", "是 / 否"))  # both languages: one run
    assert key(base) != key(base.replace("x == 1", "x == 2"))


def test_an_offered_notebook_shows_a_figure_as_its_expression():
    fences = find_fences(PAGE)
    cells = json.loads(page_notebook(PAGE, fences))["cells"]
    prose = "".join(cells[2]["source"])
    assert prose.startswith(
        # Chinese in the paragraph (亿): full-width parentheses.
        "The total, `total`, agrees / does not agree（`total == 38720`）; `macs / 1e9`\n"
        "billion, or `macs / 1e8` 亿,"
    )
    assert "`{{ not_a_figure }}`" in prose
