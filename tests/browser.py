"""Chromium on the built site, for the browser tests (test_browser.py) and the reviewers'
screenshots (screenshots.py): a local server for the site, the browser, a page visit that
records what it asked for and reported."""

import contextlib
import functools
import http.server
import os
import threading
import time
from urllib.parse import urlsplit

from helpers import page_path

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory, files=None):
    """The site in ``directory`` on 127.0.0.1 (a free port), and ``files`` ({URL path:
    file}) beside it: the base URL."""
    files = dict(files or {})

    class Handler(QuietHandler):
        def translate_path(self, path):
            return files.get(urlsplit(path).path) or super().translate_path(path)

    handler = functools.partial(Handler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def launch(playwright):
    """Chromium: ``$CHROMIUM``, else Debian's headless shell (what Playwright runs headless:
    the same Blink and V8 as the browser, without its window's machinery, so each page
    costs less CPU)."""
    executable = os.environ.get("CHROMIUM") or "/usr/bin/chromium-headless-shell"
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)


class Visit:
    """``page`` taken to ``url``, with everything it asked for and reported on the way.

    One page serves a run's visits: opening a page starts a renderer process, which
    costs more CPU than loading most of the site's pages in it."""

    def __init__(self, page, url):
        self.page = page
        self.requests, self.failures, self.errors = [], [], []
        self._open = set()  # requests neither finished nor failed
        self._listeners = {
            "request": self._started,
            "requestfinished": lambda request: self._open.discard(request),
            "requestfailed": self._failed,
            "response": lambda response: (
                response.status >= 400 and self.failures.append(response.url)
            ),
            "console": lambda message: message.type == "error" and self.errors.append(message.text),
            "pageerror": lambda error: self.errors.append(str(error)),
        }
        for event, listener in self._listeners.items():
            page.on(event, listener)
        page.goto(url, wait_until="load")

    def _started(self, request):
        self.requests.append(request.url)
        self._open.add(request)

    def _failed(self, request):
        self.failures.append(request.url)
        self._open.discard(request)

    def settle(self, timeout=30):
        """Wait until every request the page made so far has finished or failed (Playwright's
        "networkidle" would wait another 500 ms of silence after them, each time)."""
        deadline = time.monotonic() + timeout
        while self._open:
            open_urls = sorted(request.url for request in self._open)
            assert time.monotonic() < deadline, f"requests open after {timeout} s: {open_urls}"
            self.page.wait_for_timeout(20)

    def next_page(self):
        """Record afresh, for the page the visit goes on to (a link followed)."""
        self.requests, self.failures, self.errors = [], [], []

    def close(self):
        """Stop listening, and leave the page (its unfinished requests end here)."""
        for event, listener in self._listeners.items():
            self.page.remove_listener(event, listener)
        self.page.goto("about:blank")


def load_all_images(page):
    page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15000)
    return page.evaluate(
        "Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)"
    )


def page_url(server, language, page_name):
    return f"{server}/{page_path(language, page_name)}"
