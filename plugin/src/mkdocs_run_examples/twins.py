"""Translations run the code of the page they translate (option ``same_code``).

With mkdocs-static-i18n, a translated page whose code is its original's reuses the
original's run. A translation whose code drifted (an edit made to one language only)
would run on its own and show other outputs without a word: with ``same_code: true``,
the build names, for each such file, the first line where its code differs from its
original's, and the two lines.
"""

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from mkdocs_run_examples.records import Fence


class CodeLine(NamedTuple):
    """A line of a page's code as the comparison sees it: where it is, and what."""

    location: str  # "docs/en/vgg.md:34", or "docs/en/train.ipynb cell 3 line 2"
    text: str  # a line of code, or how a fence runs ("```python cont")


def fence_lines(fences: Iterable[Fence]) -> list[CodeLine]:
    """Each fence's opening (with what makes it run otherwise: cont, skip, xfail…) and
    each of its lines, at its file line (an included line at its own file's)."""
    lines = []
    for fence in fences:
        steering = [
            name
            for name, on in [
                ("cont", fence.continues),
                ("skip", fence.skip),
                ("xfail", fence.expect_error),
                ("show-value", fence.show_value),
            ]
            if on
        ]
        opening = " ".join(["```python", *steering])
        lines.append(CodeLine(fence.location, opening))
        for text, (path, line) in zip(fence.code.split("\n"), fence.origins, strict=False):
            lines.append(CodeLine(f"{path}:{line}", text))
    return lines


def cell_lines(path: str, cells: Iterable[str]) -> list[CodeLine]:
    """Each line of a notebook's code cells, located by cell and line."""
    return [
        CodeLine(f"{path} cell {number} line {line}", text)
        for number, code in enumerate(cells, start=1)
        for line, text in enumerate(code.split("\n"), start=1)
    ]


def first_difference(
    original: tuple[str, Sequence[CodeLine]], translation: tuple[str, Sequence[CodeLine]]
) -> str | None:
    """None if the two files' code is the same; else one line naming the first line
    where it differs in each (or the file's end) and the two lines."""
    (original_path, ours), (translation_path, theirs) = original, translation
    for index in range(max(len(ours), len(theirs))):
        mine = ours[index] if index < len(ours) else CodeLine(f"{original_path}: end", "")
        other = theirs[index] if index < len(theirs) else CodeLine(f"{translation_path}: end", "")
        if mine.text != other.text:
            return (
                f"{translation_path}: its code differs from {original_path}'s, at "
                f"{mine.location} / {other.location}: {mine.text!r} / {other.text!r}"
            )
    return None
