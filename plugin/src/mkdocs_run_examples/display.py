"""A fence's code run as ``python file.py`` runs it, and its last value shown, if asked, as
Jupyter shows a cell's.

``python file.py`` shows nothing of a bare last expression, and neither does a fence;
one marked ``<!--run-examples:show-value-->`` (``Fence.show_value``) shows the value of
its last statement, if that is an expression whose value is not None and no ``;`` ends
it, as Jupyter shows an execute result. IPython, a dependency of the plugin, works out
what Jupyter would: its ``DisplayFormatter`` computes an object's representations as
the kernel does (``_repr_html_`` and its kin, any of which may return None or a
``(data, metadata)`` tuple; ``_repr_mimebundle_``; the pretty-printed text), and its
``DisplayHook`` knows the ``;``. The page shows the richest of them, in the order
JupyterLab's renderers rank them (:data:`PRIORITY`).
"""

import ast
import base64
from typing import Any

# The MIME types a page shows, the richest first: JupyterLab's order of its renderers
# (@jupyterlab/rendermime's standardRendererFactories) among those the page can show.
PRIORITY = ("text/html", "text/markdown", "image/svg+xml", "image/png", "text/plain")


def execute(code: str, filename: str, namespace: dict[str, Any], show_value: bool) -> object:
    """Run ``code`` in ``namespace``; with ``show_value``, return the value of its last
    statement if Jupyter would show it (else None).

    Compiled from its syntax tree under ``filename`` (the lines keep their numbers, for
    tracebacks), with none of this module's ``__future__`` imports, as ``python`` would.
    """
    tree = ast.parse(code, filename)
    last = tree.body[-1] if show_value and tree.body else None
    expression = None
    if isinstance(last, ast.Expr) and not _ends_with_semicolon(code):
        tree.body.pop()
        expression = ast.Expression(last.value)
    exec(compile(tree, filename, "exec", dont_inherit=True), namespace)
    if expression is None:
        return None
    return eval(compile(expression, filename, "eval", dont_inherit=True), namespace)


def _ends_with_semicolon(code: str) -> bool:
    from IPython.core.displayhook import DisplayHook

    return bool(DisplayHook.semicolon_at_end_of_expression(code))


def rich(value: object) -> tuple[str, str] | None:
    """The representation of ``value`` a page shows: (MIME type, data), a PNG's data in
    base64 as notebooks keep it; None if it has none to show (an ``_ipython_display_``
    that showed it itself)."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(value)
    mime = next((mime for mime in PRIORITY if mime in data), None)
    if mime is None:
        return None
    shown = data[mime]
    if isinstance(shown, bytes):
        return mime, base64.b64encode(shown).decode("ascii")
    return mime, str(shown)
