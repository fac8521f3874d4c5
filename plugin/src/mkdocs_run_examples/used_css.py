"""The rules of a stylesheet that can apply to a page: the others left out.

A notebook page carries mkdocs-jupyter's stylesheet (about 600 KB: JupyterLab's whole
look, of which a rendered notebook uses a few percent). A selector is kept unless it names
a class, an id, an element or an attribute that no element of the page has (what a
functional pseudo-class holds, ``:not(.a)``, is not required; states such as ``:hover``
are kept), or asks for the root element inside another (``.a :root``): it may keep a rule
that matches nothing, never leaves out one that matches.
At-rules that hold rules (``@media``, ``@supports``...) keep those of their rules that
are kept, the others (``@font-face``, ``@keyframes``...) are kept whole; ``@charset``
goes (the file is the page's encoding, UTF-8), and so does what does not parse (which a
browser skips too).

The stylesheet is parsed and written back by tinycss2 (CSS Syntax Level 3), which
nbconvert already installs for its CSS sanitizer; the page is read by Python's
``html.parser``.
"""

from collections.abc import Iterable, Iterator, Set
from html.parser import HTMLParser

import tinycss2
from tinycss2.ast import Node

Name = tuple[str, str]  # ("class" | "id" | "tag" | "attribute", its name)
BLOCK_AT_RULES = {"media", "supports", "layer", "container", "document"}  # hold rules


def used_css(css: str, names: Set[Name]) -> str:
    """The rules of ``css`` that may apply to a page with ``names`` (``page_names``)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return "".join(_kept(rules, names))


def page_names(html: str) -> set[Name]:
    """The classes, ids, element names and attribute names of the elements of ``html``."""
    parser = _Names()
    parser.feed(html)
    parser.close()
    return parser.names


class _Names(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[Name] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(("tag", tag))
        for name, value in attrs:
            self.names.add(("attribute", name))
            if name == "class" and value:
                self.names.update(("class", c) for c in value.split())
            elif name == "id" and value:
                self.names.add(("id", value))


def _kept(rules: Iterable[Node], names: Set[Name]) -> Iterator[str]:
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if _may_match(s, names)]
            if selectors:
                prelude = ",".join(tinycss2.serialize(s) for s in selectors)
                yield f"{prelude}{{{tinycss2.serialize(rule.content)}}}"
        elif rule.type == "at-rule":
            keyword = rule.lower_at_keyword
            if keyword == "charset":
                continue
            if keyword in BLOCK_AT_RULES and rule.content is not None:
                held = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                inner = "".join(_kept(held, names))
                if inner:
                    yield f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{inner}}}"
            else:
                yield rule.serialize()
        # else a parse error: a browser skips it too


def _selectors(prelude: list[Node]) -> Iterator[list[Node]]:
    """The comma-separated selectors of a rule's prelude, without their outer whitespace."""
    selector: list[Node] = []
    for token in [*prelude, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            while selector and selector[0].type == "whitespace":
                selector.pop(0)
            while selector and selector[-1].type == "whitespace":
                selector.pop()
            if selector:
                yield selector
            selector = []
        else:
            selector.append(token)


def _may_match(selector: list[Node], names: Set[Name]) -> bool:
    """Whether ``selector`` may match an element of a page with ``names``: the names it
    requires are there, and the root element (``:root``, ``html``) is not asked to be
    inside another (``.jupyter-wrapper :root``, which mkdocs-jupyter's CSS has)."""
    required = _required(selector)
    return required is not None and required <= names


def _required(selector: list[Node]) -> set[Name] | None:
    """The names the page's elements must have for ``selector`` to match one (none where
    it names a namespace, ``svg|a``: kept); None if it cannot match any page."""
    required: set[Name] = set()
    after = None  # "." or ":" just before
    first = True  # in the first compound selector (before any combinator)
    for token in selector:
        if token.type == "literal" and token.value == "|":
            return set()
        if token.type == "whitespace" or (token.type == "literal" and token.value in ">+~"):
            first = False
        if token.type == "literal" and token.value in (".", ":"):
            after = token.value
            continue
        root = token.type == "ident" and token.lower_value == ("root" if after == ":" else "html")
        if root and not first and after != ".":
            return None
        if token.type == "ident" and after != ":":  # not a pseudo-class's or -element's name
            required.add(("class", token.value) if after == "." else ("tag", token.lower_value))
        elif token.type == "hash":
            required.add(("id", token.value))
        elif token.type == "[] block":
            attribute = next((t for t in token.content if t.type == "ident"), None)
            if attribute is not None:
                required.add(("attribute", attribute.lower_value))
        after = None
    return required
