"""Chromium on the built site, for the browser tests (test_browser.py) and the reviewers'
screenshots (screenshots.py): a local server for the site, the browser, a page visit that
records what it asked for and reported."""

import contextlib
import functools
import http.server
import os
import threading

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
def serve(directory):
    """The site in ``directory`` on 127.0.0.1 (a free port): its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def launch(playwright):
    """Chromium: ``$CHROMIUM``, else Debian's."""
    executable = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)


class Visit:
    """A page opened in a fresh context, with everything it asked for and reported."""

    def __init__(self, browser, url, **context_options):
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.requests, self.failures, self.errors = [], [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("requestfailed", lambda request: self.failures.append(request.url))
        self.page.on(
            "response",
            lambda response: response.status >= 400 and self.failures.append(response.url),
        )
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url, wait_until="load")

    def close(self):
        self.context.close()


def load_all_images(page):
    page.evaluate("document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; })")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)", timeout=15000)
    return page.evaluate(
        "Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src)"
    )


def page_url(server, language, page_name):
    prefix = "" if language == "en" else "zh/"
    return f"{server}/{prefix}{page_name}{'/' if page_name else ''}"
