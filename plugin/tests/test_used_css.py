"""A notebook page's stylesheet cut to the rules that can apply to it (``used_css``), and
the page linked to it (``jupyter.Tidier``). The rules the site's own notebook page keeps
are checked in a browser (tests/test_browser.py: every element's computed style is the
same with the whole stylesheet).

Each test's docstring names a change to the code that makes it fail.
"""

from types import SimpleNamespace

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.used_css import page_names, used_css

PAGE = """<html><body data-md-color-scheme="default">
<div class="jupyter-wrapper"><div class="jp-Cell jp-CodeCell" id="first">
<pre>x = 1</pre><table><tr><td>1</td></tr></table>
</div></div></body></html>"""


def kept(css, html=PAGE):
    return used_css(css, page_names(html))


def test_a_rule_naming_what_the_page_lacks_goes():
    """Fails if a class, an id, an element or an attribute is not required of the page."""
    for absent in [".jp-Toolbar", "#second", "video", "[data-jp-theme-light]"]:
        assert kept(f".jupyter-wrapper {absent}{{color:red}}") == ""
    for present in [".jp-Cell", "#first", "pre", "[data-md-color-scheme=slate]"]:
        css = f".jupyter-wrapper {present}{{color:red}}"
        assert kept(css) == css


def test_of_a_selector_list_only_the_selectors_that_may_match_stay():
    """Fails if a rule is kept or dropped whole (``any``/``all`` over its selectors)."""
    assert kept(".jp-Toolbar,.jp-Cell>pre,video{margin:0}") == ".jp-Cell>pre{margin:0}"


def test_states_pseudo_elements_and_what_not_holds_are_not_required():
    """Fails if the name after ``:`` or inside ``:not()`` is required (``hover`` is no
    element of the page, nor ``.jp-mod-active``)."""
    css = (
        '.jp-Cell:hover{color:red}.jp-Cell::before{content:""}'
        ".jp-Cell:not(.jp-mod-active) pre{opacity:.5}td:nth-child(odd){color:blue}"
    )
    assert kept(css) == css


def test_at_rules_keep_their_used_rules_and_charset_goes():
    """Fails if @media keeps its unused rules, or is kept empty, or @font-face goes."""
    css = (
        '@charset "UTF-8";@media (max-width: 600px){.jp-Cell{padding:0}.jp-Toolbar{padding:0}}'
        "@media print{.jp-Toolbar{display:none}}"
        "@font-face{font-family:x;src:local(x)}@keyframes spin{to{transform:rotate(1turn)}}"
    )
    assert kept(css) == (
        "@media (max-width: 600px){.jp-Cell{padding:0}}"
        "@font-face{font-family:x;src:local(x)}@keyframes spin{to{transform:rotate(1turn)}}"
    )


def test_the_root_element_inside_another_goes():
    """Fails if ``.jupyter-wrapper :root`` (80 KB of mkdocs-jupyter's icons) is kept, or
    ``:root`` or ``html`` leading a selector goes."""
    css = ":root{--a:1}html .jp-Cell{color:red}"
    assert kept(f".jupyter-wrapper :root{{--b:2}}{css}.jp-Cell>html{{color:red}}") == css


def test_a_namespaced_selector_is_kept():
    """Fails if ``svg|a`` requires an element ``svg`` and one ``a``."""
    assert kept("svg|a{fill:red}") == "svg|a{fill:red}"


def test_the_page_links_the_rules_its_finished_html_uses():
    """Fails if the stylesheet is cut to the notebook's own HTML (the rule on the body's
    colour scheme, outside it, would go) or is not named after what it holds."""
    tidier = jupyter.Tidier("")
    page = SimpleNamespace(url="train/")
    tidier.page_css[page.url] = (
        "[data-md-color-scheme=slate] .jp-Cell{color:white}.jp-Toolbar{color:red}"
    )
    notebook = '<div class="jupyter-wrapper"><div class="jp-Cell"><pre>x = 1</pre></div></div>'
    link = jupyter._stylesheet_link(jupyter.STYLESHEET_TO_COME, page)
    output = tidier.link_stylesheet(
        f'<html><body data-md-color-scheme="default">{link}{notebook}</body></html>', page
    )
    [(name, css)] = tidier.stylesheets.items()
    assert css == "[data-md-color-scheme=slate] .jp-Cell{color:white}"
    assert f'<link rel="stylesheet" href="../assets/{name}">' in output
    assert jupyter.STYLESHEET_TO_COME not in output
    # A page that was not tidied is left as it is.
    assert tidier.link_stylesheet("<p>Text.</p>", SimpleNamespace(url="vgg/")) == "<p>Text.</p>"
