"""The built site in a real browser (Chromium driven by Playwright), both languages.

Every page: no console error, no failed request, no request off 127.0.0.1, every
image loaded, no page-level horizontal scroll at 375 px, no serious or critical
axe-core violation, and a language switcher that leads to the same page in the other
language: the English page is checked, then the Chinese one where the switcher leads.
Then search in both languages, on the whole search index (the page checks give each
page's search worker the index without its documents), each language's pages loading
their language's index; and the notebook page, whose stylesheet holds only the rules of
mkdocs-jupyter's that can apply to it, looks as with the whole. (Screenshots for
reviewers: `make screenshots`.)
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import axe_playwright_python
import pytest
from browser import Visit, launch, load_all_images, page_url, serve
from helpers import ROOT, page_path
from playwright.sync_api import sync_playwright

from mkdocs_run_examples.jupyter import STYLE

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
# axe-core from the server, not inlined in each page: Chromium keeps the script compiled
# for the next pages (V8's code cache), as for the site's own scripts.
AXE_URL_PATH = "/.tests/axe.min.js"
PAGES = sorted({p.stem if p.stem != "index" else "" for p in (ROOT / "docs" / "en").iterdir()})
SEARCH_INDEX = "**/search/search_index.json"


# For the whole run: pytest-xdist hands a worker this file's tests in several batches,
# and a module's fixtures would start the browser anew for each.
@pytest.fixture(scope="session")
def server(site):
    with serve(site, {AXE_URL_PATH: str(AXE)}) as url:
        yield url


@pytest.fixture(scope="session")
def page():
    """One tab for all visits, as a reader's: the HTTP cache shared."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_context().new_page()
        browser.close()


# axe-core's color-contrast rule weighs each text's colour, size and weight against what lies
# behind it: 600 to 1,000 texts a page, most of them the listings' tokens, a few milliseconds
# each. Texts alike in what it weighs (colour, size, weight, shadow, the backgrounds their
# ancestors paint; shown or not, one character or more, punctuation only or not, which
# decide whether and how it weighs them) get the same verdict, so it runs on the first text
# of each look, for a fifth of the CPU. Where it skips that one for a reason of its own
# (scrolled out of sight, say) or cannot decide it (another element overlaps it), it runs on
# every other text of that look too. The other rules run on the whole page in the same
# axe.run, which maps the page's layout once for them all. Without CSS selectors for every
# node (the longest part of axe's report): a violation names its elements by their HTML.
AXE_RUN = """async () => {
  const {removeUnicode, sanitize} = axe.commons.text;
  const NOTHING = "rgba(0, 0, 0, 0) none 1 normal none";  // a backdrop that adds nothing
  const backdrops = new Map();
  const backdrop = (element) => {
    if (!element) return "";
    if (!backdrops.has(element)) {
      const s = getComputedStyle(element);
      const own = [s.backgroundColor, s.backgroundImage, s.opacity, s.mixBlendMode, s.filter]
        .join(" ");
      const above = backdrop(element.parentElement);
      backdrops.set(element, own === NOTHING ? above : own + " / " + above);
    }
    return backdrops.get(element);
  };
  const looks = new Map();  // look -> the elements with text that have it
  const lookOf = new Map();
  const skipped = new Set();  // the looks of the texts the rule skips: hidden, punctuation only
  for (const element of document.body.querySelectorAll("*")) {
    const texts = [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE);
    const ownText = texts.map((node) => node.textContent).join("");
    if (!ownText.trim() && !element.matches("input, select, textarea")) continue;
    const s = getComputedStyle(element);
    const shown = element.checkVisibility({opacityProperty: true, visibilityProperty: true})
      && element.getClientRects().length > 0;
    const oneCharacter = [...element.textContent.replace(/\\s+/g, "")].length === 1;
    const symbolsOnly = "" === removeUnicode(  // as the rule tells
      sanitize(ownText), {emoji: true, nonBmp: false, punctuations: true});
    const look = [shown, oneCharacter, symbolsOnly, s.color, s.fontSize, s.fontWeight,
      s.textShadow, s.webkitTextFillColor, s.webkitTextStrokeColor, backdrop(element)].join(" | ");
    if (!shown || symbolsOnly) skipped.add(look);
    if (!looks.has(look)) looks.set(look, []);
    looks.get(look).push(element);
    lookOf.set(element, look);
  }
  // color-contrast on the elements given, the other rules as usual
  const run = async (elements, options) => {
    elements.forEach((element) => element.setAttribute("data-contrast", ""));
    axe.configure({rules: [{id: "color-contrast", selector: "[data-contrast]"}]});
    try {
      return await axe.run(document, {elementRef: true, selectors: false, ...options});
    } finally {
      axe.reset();
      elements.forEach((element) => element.removeAttribute("data-contrast"));
    }
  };
  const contrast = (results) => results.filter(({id}) => id === "color-contrast")
    .flatMap(({nodes}) => nodes);
  const all = await run([...looks.values()].map(([first]) => first),
    {resultTypes: ["violations", "incomplete", "passes"]});
  const checked = new Set(contrast([...all.violations, ...all.incomplete, ...all.passes])
    .map(({element}) => element));
  const undecided = contrast(all.incomplete)
    .filter((node) => node.any.some((check) => check.data?.messageKey !== "shortTextContent"))
    .map((node) => lookOf.get(node.element));
  const unchecked = [...looks].filter(([look, [first]]) => !checked.has(first))
    .map(([look]) => look).filter((look) => !skipped.has(look));
  const rest = [...new Set([...undecided, ...unchecked])]
    .flatMap((look) => looks.get(look).slice(1));
  const second = rest.length
    ? await run(rest, {runOnly: ["color-contrast"], resultTypes: ["violations"]})
    : {violations: []};
  return [...all.violations, ...second.violations].map(({id, impact, nodes}) => ({
    id, impact, elements: nodes.map(({element}) => element.outerHTML.slice(0, 100))}));
}"""


def check_the_page(page, server, visit):
    """The page ``visit`` is at: images, axe, console and requests, width at 375 px."""
    url = page.url
    assert load_all_images(page) == [], url
    page.add_script_tag(url=server + AXE_URL_PATH)
    serious = [
        (v["id"], v["impact"], v["elements"][:3])
        for v in page.evaluate(AXE_RUN)
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], url
    # After axe, which takes longer than the page's last requests (the search index).
    visit.settle()
    assert visit.errors == [], url
    assert visit.failures == [], url
    assert [u for u in visit.requests if urlparse(u).hostname != "127.0.0.1"] == [], url
    page.set_viewport_size({"width": 375, "height": 800})
    page.evaluate("() => new Promise(requestAnimationFrame)")  # resize handlers have run
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{url} scrolls sideways at 375 px: {widths}"
    page.set_viewport_size({"width": 1280, "height": 720})
    page.evaluate("() => new Promise(requestAnimationFrame)")
    # On a desktop's width, a model summary shows all its columns: none scrolls.
    cut = page.evaluate(
        """() => Array.from(document.querySelectorAll(".cb-summary"))
          .filter((box) => box.scrollWidth > box.clientWidth + 1)
          .map((box) => box.querySelector("caption")?.textContent ?? "")"""
    )
    assert cut == [], f"{url}: summaries that scroll sideways at 1280 px: {cut}"


def index_without_documents(route):
    """Every page asks for the search index, and the server's answer is what the page gets,
    status and headers, but with no documents: building the whole index costs a page's
    search worker 0.35 s of CPU. Search itself is tested on the whole index."""
    answer = route.fetch()
    if not answer.ok:
        route.fulfill(response=answer)  # a failed request, as the page would see it
        return
    route.fulfill(response=answer, json={**answer.json(), "docs": []})


def switch_language(page, server, page_name, language):
    """Through the header's language switcher, to ``page_name`` in ``language``."""
    page.locator(".md-header__option .md-select").hover()
    page.locator(f'.md-select__link[hreflang="{language}"]').click()
    page.wait_for_url(page_url(server, language, page_name), wait_until="commit")


@pytest.mark.parametrize("page_name", PAGES, ids=lambda name: name or "home")
def test_page_loads_cleanly_in_both_languages_and_switches(page, server, page_name):
    """The English page; the Chinese one, where the switcher leads; the switcher back."""
    english = page_url(server, "en", page_name)
    page.route(SEARCH_INDEX, index_without_documents)
    visit = Visit(page, english)
    try:
        check_the_page(page, server, visit)
        visit.next_page()
        switch_language(page, server, page_name, "zh")
        page.wait_for_load_state("load")
        check_the_page(page, server, visit)
        # The English page is checked already: the switcher back has only to lead there,
        # and what the server answers need not be loaded again.
        page.route(english, lambda route: route.fulfill(body="", content_type="text/html"))
        switch_language(page, server, page_name, "en")
    finally:
        page.unroute_all()
        visit.close()


SEARCHES = {
    "en": [("residual", "residual/"), ("bottleneck", "residual/")],
    "zh": [
        ("残差", "zh/residual/"),
        ("卷积神经网络", "zh/vgg/"),
        ("Inception 模块", "zh/inception/"),
    ],
}


def search(page, query):
    """The paths of the results Material's search box gives for ``query``."""
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")  # the box emptied, and the last query's results gone
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(state="detached")
    # The whole query at once, then one key, which is what Material searches on: typing
    # would search each prefix too, and the results of "b" could pass for "bottleneck"'s.
    page.locator(".md-search__input").fill(query)
    page.keyboard.press("End")
    results.first.wait_for(timeout=20000)
    return [urlparse(href).path for href in results.evaluate_all("l => l.map(a => a.href)")]


@pytest.mark.parametrize("language", SEARCHES)
def test_search_finds_the_right_page(page, server, language):
    visit = Visit(page, page_url(server, language, ""))
    try:
        visit.settle()  # the search index is loaded
        indexes = [url for url in visit.requests if url.endswith("/search_index.json")]
        assert indexes == [f"{server}/{page_path(language)}search/search_index.json"]
        page.keyboard.press("s")  # Material's shortcut: focus the search box
        for query, expected in SEARCHES[language]:
            links = search(page, query)
            assert f"/{expected}" in links[:5], (query, links[:10])
        assert visit.errors == []
        assert visit.failures == []
    finally:
        visit.close()


# The computed style of every element of the page's content, and of its ::before and
# ::after, in each colour scheme given: the properties given (those the stylesheet sets)
# and their longhands, as a hash (FNV-1a), with the element's tag and classes. Where two
# differ, the test asks for that element's properties.
LONGHANDS = """(declared) => Array.from(getComputedStyle(document.body)).filter(
  (name) => declared.some((set) => name === set || name.startsWith(set + "-")))"""
LOOKS = """([schemes, names]) => schemes.map((scheme) => {
  document.body.setAttribute("data-md-color-scheme", scheme);
  const style = (element, pseudo) => {
    const s = getComputedStyle(element, pseudo);
    return names.map((name) => s.getPropertyValue(name)).join(";");
  };
  const hash = (text) => {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
    return h >>> 0;
  };
  return [...document.querySelectorAll(".md-content *")].map((element) => [
    `${element.tagName} ${element.className.baseVal ?? element.className}`,
    hash(style(element) + style(element, "::before") + style(element, "::after"))]);
})"""
STYLE_OF = """([scheme, index, names]) => {
  document.body.setAttribute("data-md-color-scheme", scheme);
  const s = getComputedStyle(document.querySelectorAll(".md-content *")[index]);
  return Object.fromEntries(names.map((name) => [name, s.getPropertyValue(name)]));
}"""


def whole_notebook_stylesheet():
    """The CSS mkdocs-jupyter puts in a notebook page, as the plugin gathers it, and the
    properties it sets (custom properties aside: they act through those)."""
    from mkdocs_jupyter import convert

    css = "\n".join(STYLE.findall(convert.nb2html(str(ROOT / "docs" / "en" / "train.ipynb"))))
    declared = re.findall(r"[{;]\s*([a-z][a-z-]*)\s*:", css)
    return css, sorted(set(declared))


def on_the_notebook_page(page, server, css, script, argument):
    """``script(argument)``'s answer on the English notebook page, its notebook stylesheet
    replaced by ``css`` (None: as built); the properties ``argument`` ends with, with their
    longhands."""
    if css is not None:
        page.route(
            "**/assets/notebook-*.css",
            lambda route: route.fulfill(body=css, content_type="text/css"),
        )
    visit = Visit(page, page_url(server, "en", "train"))
    try:
        visit.settle()
        assert visit.failures == []
        names = page.evaluate(LONGHANDS, argument[-1])
        return page.evaluate(script, [*argument[:-1], sorted({*names, *argument[-1]})])
    finally:
        page.unroute_all()
        visit.close()


def test_the_notebook_page_looks_as_with_the_whole_notebook_stylesheet(page, server):
    """Fails if the stylesheet cut to the page's rules leaves out one that applies to an
    element (one on a class Material's script adds, for instance), light or dark."""
    whole, names = whole_notebook_stylesheet()
    schemes = ["default", "slate"]
    used, full = (
        on_the_notebook_page(page, server, css, LOOKS, [schemes, names]) for css in (None, whole)
    )
    for scheme, looks in zip(schemes, zip(used, full, strict=True), strict=True):
        assert len(looks[0]) > 1000  # the notebook's elements are there
        differing = [i for i, (a, b) in enumerate(zip(*looks, strict=True)) if a != b]
        if differing:
            probe = [scheme, differing[0], names]
            mine, theirs = (
                on_the_notebook_page(page, server, css, STYLE_OF, probe) for css in (None, whole)
            )
            changed = {n: (mine[n], theirs[n]) for n in theirs if mine[n] != theirs[n]}
            pytest.fail(f"{len(differing)} elements differ, {looks[0][differing[0]][0]}: {changed}")
