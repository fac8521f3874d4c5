"""The built site in a real browser (Chromium driven by Playwright), both languages.

Every page: no console error, no failed request, no request off 127.0.0.1, every
image loaded, no page-level horizontal scroll at 375 px, no serious or critical
axe-core violation, and a language switcher that leads to the same page in the other
language. Then search in both languages. (Screenshots for reviewers: `make screenshots`.)
"""

import json
from pathlib import Path
from urllib.parse import urlparse

import axe_playwright_python
import pytest
from browser import Visit, launch, load_all_images, page_url, serve
from helpers import ROOT
from playwright.sync_api import sync_playwright

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
PAGES = sorted({p.stem if p.stem != "index" else "" for p in (ROOT / "docs" / "en").iterdir()})


# For the whole run: pytest-xdist hands a worker this file's tests in several batches,
# and a module's fixtures would start the browser anew for each.
@pytest.fixture(scope="session")
def server(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def page():
    """One tab for all visits, as a reader's: the HTTP cache shared."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_context().new_page()
        browser.close()


# On a Chinese page, the listings and their outputs are the English page's, byte for byte
# (tests/test_docs.py: the same fences, the same outputs), under the same stylesheet: axe
# checks them on the English page, and everything else on the Chinese one.
SAME_AS_ON_THE_ENGLISH_PAGE = {"exclude": [['div[class="highlight"]'], [".cb-output"]]}


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("page_name", PAGES, ids=lambda name: name or "home")
def test_page_loads_cleanly_and_switches_language(page, server, language, page_name):
    visit = Visit(page, page_url(server, language, page_name))
    try:
        assert load_all_images(page) == []
        page.add_script_tag(path=str(AXE))
        scope = "document" if language == "en" else json.dumps(SAME_AS_ON_THE_ENGLISH_PAGE)
        result = page.evaluate(f"axe.run({scope}, {{resultTypes: ['violations']}})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == []
        # After axe, which takes longer than the page's last requests (the search index).
        page.wait_for_load_state("networkidle")
        assert visit.errors == []
        assert visit.failures == []
        assert [u for u in visit.requests if urlparse(u).hostname != "127.0.0.1"] == []
        page.set_viewport_size({"width": 375, "height": 800})
        page.evaluate("() => new Promise(requestAnimationFrame)")  # resize handlers have run
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"page scrolls sideways at 375 px: {widths}"
        # The language switcher leads to the same page in the other language.
        page.set_viewport_size({"width": 1280, "height": 720})
        other = "zh" if language == "en" else "en"
        page.locator(".md-header__option .md-select").hover()
        page.locator(f'.md-select__link[hreflang="{other}"]').click()
        page.wait_for_url(page_url(server, other, page_name), wait_until="commit")
    finally:
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
        page.wait_for_load_state("networkidle")  # the search index is loaded
        page.keyboard.press("s")  # Material's shortcut: focus the search box
        for query, expected in SEARCHES[language]:
            links = search(page, query)
            assert f"/{expected}" in links[:5], (query, links[:10])
    finally:
        visit.close()
