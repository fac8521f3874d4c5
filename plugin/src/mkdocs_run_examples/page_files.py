"""The files around a page: the data files its fences read, and what they may not write into.

A page's code runs in a scratch folder of its own (``guard``). It reads a data file beside
its page by the path from the page's folder, as ``python file.py`` run from that folder
would: :func:`data_files` finds the string literals of the page's fences that name a file
of the docs folder from the page's folder (``"data/points.csv"``, ``"../shared.csv"``),
whose bytes go into the page's job, which puts them around its scratch folder, and into
its cache key. :func:`protected_paths` lists what the build reads or publishes, which a
page's code may not write into.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig

from mkdocs_run_examples.records import Fence, Protected

# A quoted string on one line: the literals of a fence that does not parse.
QUOTED = re.compile(r"'([^'\\\n]+)'|\"([^\"\\\n]+)\"")
PAGE_SUFFIXES = {".md", ".markdown"}  # pages, not data: MkDocs renders them


def data_files(fences: Iterable[Fence], page_path: Path, docs_dir: Path) -> dict[str, bytes]:
    """{path from the page's folder, in ``/`` form: bytes} of each file of ``docs_dir``
    (not a Markdown page) that a string literal of the fences that run names from the
    folder of ``page_path``. The paths are normalized (``./a`` is ``a``); they may climb
    (``../a``), never out of ``docs_dir``."""
    folder = page_path.parent
    docs = docs_dir.resolve()
    files = {}
    for fence in fences:
        if fence.skip:
            continue
        for text in _literals(fence.code):
            name = Path(os.path.normpath(text)).as_posix()
            path = folder / name
            from_docs = Path(os.path.normpath(folder.relative_to(docs_dir) / name))
            if Path(name).is_absolute() or from_docs.parts[:1] == ("..",):
                continue  # not beside the page: read where it is, not copied
            if (
                path.suffix.lower() not in PAGE_SUFFIXES
                and path.is_file()
                and path.resolve().is_relative_to(docs)  # no link out of it either
            ):
                files[name] = path.read_bytes()
    return files


def _literals(code: str) -> Iterator[str]:
    """The string literals of ``code`` that could name a file (one line, no NUL); the
    quoted strings of each line if it does not parse."""
    try:
        texts: Iterable[str] = (
            node.value
            for node in ast.walk(ast.parse(code))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    except SyntaxError:
        texts = (single or double for single, double in QUOTED.findall(code))
    for text in texts:
        if text.strip() and "\n" not in text and "\0" not in text and len(text) < 4096:
            yield text


def protected_paths(config: MkDocsConfig) -> tuple[Protected, ...]:
    """What the build reads or publishes, named from the project's folder: the docs
    folder, the site folder, ``mkdocs.yml``, the ``watch`` paths, the theme's folders."""
    root = Path(config.config_file_path).parent
    found = [
        (config.docs_dir, True, "the build publishes and watches that folder"),
        (config.site_dir, True, "the build writes the site there"),
        (config.config_file_path, False, "the build reads it, and serve rebuilds when it changes"),
        *((path, os.path.isdir(path), "serve rebuilds when it changes") for path in config.watch),
        *((path, True, "the build publishes the theme's files") for path in config.theme.dirs),
    ]
    return tuple(
        Protected(os.path.realpath(path), _name(Path(path), root, folder), why)
        for path, folder, why in found
    )


def _name(path: Path, root: Path, folder: bool) -> str:
    """``path`` from ``root`` (``docs/``, ``mkdocs.yml``) if inside it, else absolute; a
    folder's with a final ``/``."""
    absolute = Path(os.path.abspath(path))
    shown = absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else str(path)
    return f"{shown}/" if folder else shown
