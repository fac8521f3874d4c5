"""Which definitions of a source package a page's code can reach.

A page's cache key covers the source of each top-level function, class and
constant of the package that its code imports, of each one those refer to, and
so on; not the rest of the package. So an edit to one block re-runs the pages
that use it (through another function too), not every page that imports the
package. Statements that run on import, other than imports and definitions,
count for every page that uses the package; an ``import package`` without names
counts the whole package, as does code that cannot be parsed.

:func:`reached_definitions` names what a page reaches, so that the cache can say
which definition changed:

- ``"pkg.module.name"``: the source of a top-level definition;
- ``"pkg.module:<module code>"``: the statements of a module that run on import;
- ``"pkg (whole package)"``: an empty marker, present when the page counts the whole
  package (every definition and module code is then listed too);
- ``"pkg.module.name"`` with an empty text: a name the page imports that the package
  does not define (every definition is then listed too).

The package is parsed once for all the pages of a build: the parse is cached on
the paths, sizes, modification times and inodes of its files, so a file edited
between two ``mkdocs serve`` rebuilds is parsed again.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MODULE_CODE = "<module code>"
WHOLE_PACKAGE = "(whole package)"

# (module, name): a definition or import of a module, or the whole module if name is None.
Target = tuple[str, str | None]


@dataclass
class Module:
    # name -> (source, names it refers to)
    definitions: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    imports: dict[str, Target] = field(default_factory=dict)  # local name -> (module, name)
    on_import: list[str] = field(default_factory=list)  # source of the other statements


def reached_definitions(
    listings: Iterable[str], package: str, directory: str | os.PathLike[str]
) -> dict[str, str]:
    """What the code ``listings`` use of ``package`` in ``directory``: {qualified name: source}.

    Sorted by name; empty when the code does not import the package.
    """
    modules = _parse_package(package, Path(directory))
    try:
        imports = [found for code in listings for found in _imports(code)]
    except SyntaxError:
        return _everything(package, modules)
    roots: list[Target] = []
    for module, names in imports:
        if module.split(".")[0] != package:
            continue
        if names is None:  # import package(.module): all of it
            return _everything(package, modules)
        roots += [(module, name) for name in names]
    if not roots:
        return {}
    reached: set[Target] = set()
    stack = roots
    while stack:
        module, name = stack.pop()
        if (module, name) in reached:
            continue
        reached.add((module, name))
        stack += _references(modules, module, name)
    found = _module_code(modules)
    for module, name in reached:
        if name is None:  # a whole module: its definitions were reached one by one
            continue
        source = modules.get(module)
        if source is not None and name in source.definitions:
            found[f"{module}.{name}"] = source.definitions[name][0]
        elif source is None or (name not in source.imports and f"{module}.{name}" not in modules):
            found[f"{module}.{name}"] = ""  # not defined: the whole package was reached
    return dict(sorted(found.items()))


@functools.lru_cache(maxsize=1024)
def _imports(code: str) -> list[tuple[str, tuple[str, ...] | None]]:
    """What a listing imports, anywhere in it: ``(module, names)`` of ``from module import
    names``, ``(module, None)`` of ``import module``. Kept per listing: the key and the
    pages' "used on" read the same listings."""
    found: list[tuple[str, tuple[str, ...] | None]] = []
    for node in ast.walk(_parse_listing(code)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.append((node.module or "", tuple(alias.name for alias in node.names)))
    return found


def _parse_listing(code: str) -> ast.Module:
    """A listing's syntax tree; IPython's ``%magic`` and ``!shell`` lines read as blank."""
    try:
        return ast.parse(code)
    except SyntaxError:
        lines = code.splitlines()
        return ast.parse("\n".join("" if line.lstrip()[:1] in "%!" else line for line in lines))


def _references(modules: dict[str, Module], module: str, name: str | None) -> list[Target]:
    """What (module, name) refers to: a definition's names, a module's definitions."""
    if name is None:  # a whole module
        if module not in modules:
            return []
        return [(module, n) for n in modules[module].definitions] + [
            target for target in modules[module].imports.values() if target[0] in modules
        ]
    if f"{module}.{name}" in modules:  # from package import submodule
        return [(f"{module}.{name}", None)]
    source = modules.get(module, Module())
    if name in source.imports:
        return [source.imports[name]] if source.imports[name][0] in modules else []
    if name not in source.definitions:
        return [(m, None) for m in modules]  # a name we cannot place: all of it
    refers = source.definitions[name][1]
    return [(module, n) for n in refers if n in source.definitions or n in source.imports]


def _module_code(modules: dict[str, Module]) -> dict[str, str]:
    return {
        f"{module}:{MODULE_CODE}": "\n\n".join(m.on_import)
        for module, m in modules.items()
        if m.on_import
    }


def _everything(package: str, modules: dict[str, Module]) -> dict[str, str]:
    found = _module_code(modules)
    found[f"{package} {WHOLE_PACKAGE}"] = ""
    for module, m in modules.items():
        for name, (source, _) in m.definitions.items():
            found[f"{module}.{name}"] = source
    return dict(sorted(found.items()))


def _parse_package(package: str, directory: Path) -> dict[str, Module]:
    files = []
    for path in sorted(directory.rglob("*.py")):
        stat = path.stat()
        files.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
    return _parse_files(package, str(directory), tuple(files))


@functools.lru_cache(maxsize=8)
def _parse_files(
    package: str, directory: str, files: tuple[tuple[str, int, int, int, int], ...]
) -> dict[str, Module]:
    """The package's modules, parsed once per build for all its pages (keyed on the files)."""
    modules = {}
    for name, *_ in files:
        path = Path(name)
        parts = path.relative_to(directory).with_suffix("").parts
        is_init = parts[-1] == "__init__"
        dotted = ".".join((package, *parts[: -1 if is_init else None]))
        modules[dotted] = _parse_module(path.read_text(encoding="utf-8"), dotted, is_init)
    return modules


def _parse_module(text: str, dotted: str, is_init: bool) -> Module:
    module = Module()
    package = dotted if is_init else dotted.rpartition(".")[0]
    for node in ast.parse(text).body:
        source = _segment(text, node)
        if isinstance(node, ast.ImportFrom):
            base = absolute_module(node, package)
            for alias in node.names:
                module.imports[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            module.definitions[node.name] = (source, _names(node))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and _targets(node):
            for target in _targets(node):
                module.definitions[target] = (source, _names(node))
        elif not _is_docstring(node):
            module.on_import.append(source)
    return module


def absolute_module(node: ast.ImportFrom, package: str) -> str:
    """The absolute name of the module ``node`` imports from, written in ``package``."""
    if not node.level:
        return node.module or ""
    base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
    return f"{base}.{node.module}" if node.module else base


def _segment(text: str, node: ast.stmt) -> str:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(text.splitlines()[first - 1 : node.end_lineno])


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _targets(node: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
