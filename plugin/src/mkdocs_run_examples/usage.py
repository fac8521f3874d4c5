"""Which pages use each definition of a source package, for the pages to list.

A page uses a definition if its examples reach it as the cache key does (an import, then
whatever that refers to, see ``dependencies``), or if a fence includes its source with
``--8<--`` (the tutorial's listings), and so whatever that refers to. A page that imports
the whole package is left out of the import half: it would list every definition.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs_run_examples.dependencies import WHOLE_PACKAGE, reached_definitions
from mkdocs_run_examples.records import Fence

if TYPE_CHECKING:
    from mkdocs_run_examples.keys import Listing

Sources = Mapping[str, str | os.PathLike[str]]  # {import name: directory}

HEADING = re.compile(r"^#\s+(.+?)(?:\s*\{[^}]*\})?\s*$", re.MULTILINE)
# A mkdocstrings entry: its line, then its indented options (blank lines between them too).
API_ENTRY = re.compile(r"^::: *(\S+)[ \t]*$(?:\n(?:[ \t]*\n)*[ \t]+\S.*$)*", re.MULTILINE)


def used_definitions(
    fences: Sequence[Listing], sources: Sources, root: str | os.PathLike[str]
) -> set[str]:
    """Qualified names (``pkg.module.name``) that ``fences`` (or a notebook's code cells)
    use, for ``sources`` ({import name: directory}) under ``root``."""
    used: set[str] = set()
    listings = [f.code for f in fences if not f.skip and not getattr(f, "shell", "")]
    for package, directory in sources.items():
        imported = reached_definitions(listings, package, directory)
        if not any(name.endswith(WHOLE_PACKAGE) for name in imported):
            used |= {name for name in imported if ":" not in name}
        included = [
            f"from {module} import {name}"
            for fence in fences
            for module, name in included_definitions(fence, package, directory, root)
        ]
        if included:
            reached = reached_definitions(included, package, directory)
            used |= {name for name in reached if ":" not in name and WHOLE_PACKAGE not in name}
    return used


def included_definitions(
    fence: Listing, package: str, directory: str | os.PathLike[str], root: str | os.PathLike[str]
) -> list[tuple[str, str]]:
    """``(module, name)`` of each top-level definition whose lines ``fence`` includes (a
    notebook's code cell, which has no ``origins``, includes none)."""
    found: list[tuple[str, str]] = []
    folder = Path(directory).resolve()
    origins: Iterable[tuple[str, int]] = getattr(fence, "origins", ())
    lines_by_path: dict[str, list[int]] = {}  # each file resolved once, not once a line
    for path, line in origins:
        lines_by_path.setdefault(path, []).append(line)
    for path, lines in lines_by_path.items():
        source = (Path(root) / path).resolve()
        if not source.is_relative_to(folder) or source.suffix != ".py":
            continue
        parts = source.relative_to(folder).with_suffix("").parts
        module = ".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))
        spans = _spans(str(source), source.stat().st_mtime_ns)
        for line in lines:
            for name, first, last in spans:
                if first <= line <= last and (module, name) not in found:
                    found.append((module, name))
    return found


@functools.lru_cache(maxsize=64)
def _spans(path: str, mtime: int) -> list[tuple[str, int, int]]:
    """(name, first line, last line) of a module's top-level functions and classes."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return [
        # end_lineno: always set by ast.parse (None only in a tree built by hand)
        (node.name, node.lineno, node.end_lineno or node.lineno)
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]


def title(markdown: str) -> str:
    """The first ``# heading`` of a page's Markdown, without its ``{#id}``."""
    match = HEADING.search(markdown)
    return match[1].strip() if match else ""


def links(pages: Iterable[tuple[str, str]], separator: str) -> str:
    """Markdown links ``[title](file)``, joined: ``pages`` is [(file name, title)]."""
    return separator.join(f"[{name_title}]({name})" for name, name_title in pages)


def with_api_usage(markdown: str, used_on: Callable[[str], str]) -> str:
    """``markdown`` with a paragraph after each mkdocstrings entry (``::: pkg.mod.name`` and
    its indented options) that ``used_on(qualified name)`` gives one for (Markdown, or "")."""

    def entry(match: re.Match[str]) -> str:
        paragraph = used_on(match[1])
        return f"{match[0]}\n\n{paragraph}" if paragraph else match[0]

    return API_ENTRY.sub(entry, markdown)


def first_inclusions(
    fences: Iterable[Fence], sources: Sources, root: str | os.PathLike[str]
) -> dict[int, list[str]]:
    """``{fence index: [qualified name]}``: each definition of ``sources`` whose source a
    fence includes, under the first fence that does."""
    found: dict[int, list[str]] = {}
    seen: set[str] = set()
    for fence in fences:
        for package, directory in sources.items():
            for module, name in included_definitions(fence, package, directory, root):
                if f"{module}.{name}" not in seen:
                    seen.add(f"{module}.{name}")
                    found.setdefault(fence.index, []).append(f"{module}.{name}")
    return found
