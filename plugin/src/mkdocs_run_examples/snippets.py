"""Expand ``--8<--`` includes exactly as the site's pymdownx.snippets does.

``SnippetExpander.expand`` runs the extension's own preprocessor on a text.
``SnippetExpander.expand_lines`` does the same for the lines of one fence and also
says where each resulting line came from, ``(path, line)``: a line of the page keeps
the origin it was given; a line included from a file gets that file's path (relative
to the project root, the folder of mkdocs.yml) and its 1-based line there, nested
includes included. It also reports every include it cannot expand (a missing file, a
missing section) as one line each, instead of stopping at pymdownx's first
``SnippetMissingError``.

How the origins are kept: the lines handed to the preprocessor, and those it reads
from files, are strings that carry their origin (``_Line``), and the few operations
the preprocessor applies to them (indenting a nested include, removing the ``;`` of an
escape, dedenting a section) keep it. A line the preprocessor builds otherwise (an
escaped section marker inside an included file, a line downloaded from a URL) takes
the origin of the include line of the page it came through.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, SupportsIndex

import markdown
from pymdownx.snippets import SnippetExtension, SnippetMissingError, SnippetPreprocessor

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

Origin = tuple[str, int]  # (path relative to the project root, 1-based line)


class IncludeError(Exception):
    """Includes that cannot be expanded: ``problems`` is a list of ``(origin, message)``,
    ``origin`` the ``(path, line)`` of the include line at fault."""

    def __init__(self, problems: list[tuple[Origin, str]]) -> None:
        super().__init__("\n".join(f"{path}:{line}: {text}" for (path, line), text in problems))
        self.problems = problems


class SnippetExpander:
    """pymdownx.snippets' own preprocessor, with the site's options.

    ``options`` are the extension's options from mkdocs.yml; relative base paths
    are taken from ``root``, the folder of mkdocs.yml.
    """

    def __init__(self, options: Mapping[str, Any] | None, root: str | os.PathLike[str]) -> None:
        options = dict(options or {})
        base_paths = options.get("base_path", ["."])
        base_paths = [base_paths] if isinstance(base_paths, str) else base_paths
        options["base_path"] = [str((Path(root) / base).resolve()) for base in base_paths]
        self.root = Path(root).resolve()
        self._markdown = markdown.Markdown(
            extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": options}
        )
        config = SnippetExtension(**options).getConfigs()
        self._tracer = _TracingPreprocessor(config, self._markdown, self.root)

    @classmethod
    def from_mkdocs_yml(cls, path: str | Path) -> SnippetExpander:
        """The expander configured by an mkdocs.yml, read as MkDocs reads it."""
        from mkdocs.config import load_config  # 0.1 s to import: only for those who read one

        return cls.from_config(load_config(str(path)))

    @classmethod
    def from_config(cls, config: MkDocsConfig) -> SnippetExpander:
        """The expander of a loaded MkDocs configuration (``mkdocs.config.load_config``):
        its pymdownx.snippets options, paths taken from the folder of its mkdocs.yml."""
        options = config.mdx_configs.get("pymdownx.snippets")
        return cls(options, Path(config.config_file_path).parent)

    def expand(self, text: str) -> str:
        """The Markdown ``text`` with every include replaced by what it includes."""
        lines: list[str] = self._markdown.preprocessors["snippet"].run(text.split("\n"))
        return "\n".join(lines)

    def expand_lines(
        self, lines: Sequence[str], origins: Sequence[Origin]
    ) -> list[tuple[str, Origin]]:
        """``lines`` (one fence's code, dedented) expanded: a list of ``(text, origin)``.

        ``origins`` gives each line's ``(path, line)``. Raises IncludeError listing every
        include line that cannot be expanded. ``auto_append`` is not applied: it is
        for pages, not fences.
        """
        tracer = self._tracer
        expanded: list[tuple[str, Origin]] = []
        problems: list[tuple[Origin, str]] = []
        tagged = [_Line(text, origin) for text, origin in zip(lines, origins, strict=True)]
        for unit in _units(tagged):
            problem = tracer.include_problem(unit[0]) if len(unit) == 1 else None
            if problem is not None:
                problems.append((unit[0].origin, problem))
                continue
            try:
                result = tracer.expand(unit)
            except _NestedProblem as nested:
                path, line = unit[0].origin
                problems.append((nested.origin, f"{nested.message} (included from {path}:{line})"))
                continue
            except SnippetMissingError as error:  # one the checks above do not foresee
                problems.append((unit[0].origin, f"{unit[0].strip()}: {error}"))
                continue
            expanded.extend(
                (str(line), line.origin if isinstance(line, _Line) else unit[0].origin)
                for line in result
            )
        if problems:
            raise IncludeError(problems)
        return expanded


class _Line(str):
    """A line of text that knows where it came from: ``origin`` = (path, 1-based line)."""

    origin: Origin

    def __new__(cls, text: str, origin: Origin) -> _Line:
        line = super().__new__(cls, text)
        line.origin = origin
        return line

    def __radd__(self, other: str) -> _Line:  # indentation + line, as pymdownx indents an include
        return _Line(other + str(self), self.origin)

    # pymdownx removes an escape's ";" with replace. ``count`` is passed by position: it
    # is positional-only before Python 3.13.
    def replace(self, old: str, new: str, /, count: SupportsIndex = -1) -> _Line:
        return _Line(str.replace(self, old, new, count), self.origin)


def _units(lines: Sequence[_Line]) -> list[list[_Line]]:
    """The lines grouped as pymdownx reads them: a block of ``--8<--`` lines (from one
    bare marker to the next) together, any other line alone."""
    units: list[list[_Line]] = []
    block: list[_Line] | None = None
    for line in lines:
        found = SnippetPreprocessor.RE_ALL_SNIPPETS.match(line)
        is_marker = bool(found and not found["escape"] and not found["inline_marker"])
        if block is not None:
            block.append(line)
            if is_marker:
                units.append(block)
                block = None
        elif is_marker:
            block = [line]
        else:
            units.append([line])
    if block is not None:
        units.append(block)
    return units


class _NestedProblem(Exception):
    """An include line in an included file that cannot be expanded."""

    def __init__(self, origin: Origin, message: str) -> None:
        super().__init__(message)
        self.origin, self.message = origin, message


# pymdownx ships no type information: its class is Any to mypy (--strict forbids
# subclassing Any; only that error is silenced).
class _TracingPreprocessor(SnippetPreprocessor):  # type: ignore[misc]
    """pymdownx's preprocessor, reading files as lines that carry their origin."""

    def __init__(self, config: dict[str, Any], md: markdown.Markdown, root: Path) -> None:
        super().__init__(config, md)
        self.root = root

    def expand(self, lines: list[_Line]) -> list[str]:
        """``lines`` expanded (pymdownx's ``run`` without its ``auto_append``)."""
        self.seen: set[str] = set()  # pymdownx's state, as its ``run`` resets it
        self.bases = None
        self.failed: set[str] = set()
        expanded: list[str] = self.parse_snippets(lines)
        return expanded

    def relative(self, path: str | os.PathLike[str]) -> str:
        resolved = Path(path).resolve()
        if resolved.is_relative_to(self.root):
            return resolved.relative_to(self.root).as_posix()
        return str(resolved)

    def read_lines(self, path: str) -> list[_Line]:
        lines: list[str] = super().read_lines(path)
        name, last = self.relative(path), max(1, len(lines) - (lines[-1:] == [""]))
        return [_Line(text, (name, min(number, last))) for number, text in enumerate(lines, 1)]

    def dedent(self, lines: list[str]) -> list[str]:
        dedented: list[str] = super().dedent(lines)
        return [
            _Line(text, line.origin) if isinstance(line, _Line) else text
            for line, text in zip(lines, dedented, strict=False)
        ]

    def process_snippet_lines(self, lines: list[str], target: Mapping[str, Any]) -> list[str]:
        """Check the include lines of an included file before pymdownx expands them."""
        if target.get("is_url"):  # pymdownx follows no local path from downloaded content
            return lines
        block = False
        for line in lines:
            found = self.RE_ALL_SNIPPETS.match(line)
            if found and not found["escape"] and not found["inline_marker"]:
                block = not block
            elif not block:
                problem = self.include_problem(line)
                if problem is not None:
                    origin = getattr(line, "origin", (self.relative(target["snippet"]), 1))
                    raise _NestedProblem(origin, problem)
        return lines

    def include_problem(self, line: str) -> str | None:
        """Why the inline include on ``line`` cannot be expanded, or None (also for a line
        that is no include, an escaped one or a URL)."""
        found = self.RE_ALL_SNIPPETS.match(line)
        if not found or found["escape"] or not found["inline_marker"] or not self.check_paths:
            return None
        spec: str = found["snippet"][1:-1].strip()
        if spec.startswith(";"):  # commented out: pymdownx ignores it
            return None
        target = self.parse_snippet_target(spec)
        if target is None:
            return f'include "{spec}": no file named'
        if target["path"].lower().startswith(("https://", "http://")):
            return None
        path = self.get_snippet_path(target["path"])
        if path is None:
            return f'include "{spec}": file not found'
        if target["section"]:
            try:
                self.extract_section(target["section"], super().read_lines(path))
            except SnippetMissingError:
                return f'section "{target["section"]}" not found in {self.relative(path)}'
        return None
