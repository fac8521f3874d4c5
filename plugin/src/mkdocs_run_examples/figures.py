"""Figures in a page's prose taken from its run: ``{{ expression :: format }}``.

The expression is evaluated in the page's namespace right after the listing above it
(the prose's "the total above"), in the page's process, with its run; the value replaces
the placeholder in each language's own format:

- ``{{ model.count_params() }}``: an integer with thousands separators (``38,720``);
- ``{{ macs :: 1e9 .1f }}`` scales, then formats (``3.8`` for "3.8 billion"; a Chinese
  page writes ``{{ macs :: 1e8 .0f }}`` for "38 亿");
- ``{{ ours / paper - 1 :: +.1% }}``: any Python format spec;
- ``{{ total == 6272 :: agrees / does not agree }}``: words for a true or false value;
- ``{{ rows_within_one == ["3a", "3b"] :: check }}``: nothing, and the build fails if it is
  false: a claim the prose words itself, checked against the run.

Inline code (``{{ x }}`` in backticks) is left as written. A page offered as a notebook
has no run behind its prose: there a figure shows its expression (:func:`as_code`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from mkdocs_run_examples.records import Fence

PLACEHOLDER = re.compile(r"\{\{\s*(?P<expression>.+?)\s*(?:::\s*(?P<format>.*?)\s*)?\}\}")
CODE_SPAN = re.compile(r"(`+).+?\1")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
SCALED = re.compile(r"^(?P<scale>\d+(?:\.\d*)?e\d+)(?:\s+(?P<spec>.*))?$")


@dataclasses.dataclass(frozen=True)
class Figure:
    fence: int  # the index of the listing above it: evaluated right after that one
    expression: str
    format: str | None
    line: int  # 0-based line in the page's Markdown
    span: tuple[int, int]  # (start, end) in that line


def find(markdown: str, fences: Iterable[Fence]) -> list[Figure]:
    """The figures of ``markdown``'s prose (outside ``fences``), in order."""
    ends = sorted((fence.end_line, fence.index) for fence in fences)
    return [
        Figure(
            max((index for end, index in ends if end < number), default=0),
            match["expression"],
            match["format"],
            number,
            match.span(),
        )
        for number, match in _placeholders(markdown)
    ]


def _placeholders(text: str) -> Iterator[tuple[int, re.Match[str]]]:
    """``(line number, match)`` of each placeholder of ``text``, in order: none in a
    fenced block or in inline code."""
    opening = None  # the ``` or ~~~ of the fenced block we are in
    for number, line in enumerate(text.split("\n")):
        marker = FENCE.match(line)
        if marker and (opening is None or marker[1].startswith(opening)):
            opening = None if opening else marker[1]
            continue
        if opening or "{{" not in line:
            continue
        masked = CODE_SPAN.sub(lambda match: " " * len(match[0]), line)
        for match in PLACEHOLDER.finditer(masked):
            yield number, match


def _replaced(text: str, replacements: Iterable[tuple[int, tuple[int, int], str]]) -> str:
    """``text`` with ``(line number, (start, end), new text)`` spliced in."""
    lines = text.split("\n")
    for number, (start, end), new in sorted(replacements, reverse=True):
        lines[number] = lines[number][:start] + new + lines[number][end:]
    return "\n".join(lines)


def attach(markdown: str, fences: Sequence[Fence]) -> tuple[list[Fence], list[Figure]]:
    """``fences``, each with the expressions its prose evaluates after it, and the figures."""
    found = find(markdown, fences)
    attached = [
        dataclasses.replace(
            fence, figures=tuple(f.expression for f in found if f.fence == fence.index)
        )
        for fence in fences
    ]
    return attached, found


def substitute(
    markdown: str, found: Iterable[Figure], values: Iterable[object], location: Callable[[int], str]
) -> tuple[str, list[str]]:
    """``markdown`` with each figure replaced by its value (``values``, in order),
    formatted; ``location(line)`` names a line in errors. Returns (markdown, errors)."""
    replacements: list[tuple[int, tuple[int, int], str]] = []
    errors: list[str] = []
    for figure, value in zip(found, values, strict=False):
        try:
            text = format_value(value, figure.format)
        except (TypeError, ValueError) as error:
            errors.append(f"{location(figure.line)}: {{{{ {figure.expression} }}}}: {error}")
            text = "?"
        replacements.append((figure.line, figure.span, text))
    return _replaced(markdown, replacements), errors


def as_code(prose: str) -> str:
    """``prose`` with each figure as its expression in inline code (words: both, then it):
    for a notebook, whose reader runs the code."""
    chinese = re.search(r"[\u4e00-\u9fff]", prose)
    opening, closing = ("（", "）") if chinese else (" (", ")")

    def code(match: re.Match[str]) -> str:
        expression, spec = match["expression"], match["format"] or ""
        if spec == "check":
            return ""
        if " / " in spec:
            return f"{spec}{opening}`{expression}`{closing}"
        scaled = SCALED.match(spec)
        return f"`{expression} / {scaled['scale']}`" if scaled else f"`{expression}`"

    return _replaced(
        prose, [(number, match.span(), code(match)) for number, match in _placeholders(prose)]
    )


def format_value(value: object, spec: str | None) -> str:
    """A figure's text: see the module's docstring."""
    if spec == "check":
        if value is not True:
            raise ValueError(f"the claim beside it does not hold: the check gives {value!r}")
        return ""
    if spec and " / " in spec:
        if not isinstance(value, bool):
            raise TypeError(f"words for true / false, but the value is {value!r}")
        yes, no = spec.split(" / ", 1)
        return yes if value else no
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"a number or text is needed, not {value!r}")
    if spec is None:
        return f"{value:,}" if isinstance(value, int) else str(value)
    scaled = SCALED.match(spec)
    if scaled and not isinstance(value, str):
        value = value / float(scaled["scale"])
        spec = scaled["spec"] or ",.0f"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"the value is {value}")
    return format(value, spec)


def plain(value: object) -> object:
    """A value that JSON keeps: Python's, or numpy's and Keras' scalars as Python's."""
    if isinstance(value, bool | int | float | str):
        return value
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"a figure must be a number, text or true/false, not {type(value).__name__}")
