"""On a phone: Lighthouse's mobile run of every page of the built site, both languages,
served gzipped as GitHub Pages serves it; the size of each language's search index.

Lighthouse (npm, the version the Makefile installs: ``$LIGHTHOUSE``) runs with its
defaults: the mobile form factor, a simulated slow 4G network and a CPU four times slower
than the machine's. It drives one headless Chromium (``$CHROMIUM``, else Debian's headless
shell, as the browser tests), started here with a remote-debugging port; each run opens a
fresh tab with an empty cache. The server compresses what GitHub Pages compresses (HTML,
CSS, JavaScript, JSON, SVG, XML and text) with gzip and sends its ``Cache-Control``.

Run alone with ``make bench BENCH_ARGS="--no-site --no-peer --name phone"``; the machine's
load is measured beside the figures (Lighthouse's CPU figures are simulated from a trace
taken on this machine, so another process's load weighs on them).
"""

import contextlib
import gzip
import http.server
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

COMPRESSED = (  # the types GitHub Pages sends gzipped
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
)
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GOALS = {"performance": 95, "total_blocking_time_ms": 200}  # on every page: ≥, ≤


class GitHubPagesHandler(http.server.SimpleHTTPRequestHandler):
    """The site's files as GitHub Pages sends them: text gzipped, cached for 10 minutes."""

    def log_message(self, *args):
        pass

    def send_head(self):
        url_path = urlsplit(self.path).path
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url_path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", url_path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return None
        body = path.read_bytes()
        content_type = self.guess_type(str(path))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if content_type.startswith(COMPRESSED):
            self.send_header("Vary", "Accept-Encoding")
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body, compresslevel=6)
                self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve_gzipped(site):
    """``site`` on 127.0.0.1 (a free port), as GitHub Pages serves it: the base URL."""

    def handler(*args, **kwargs):
        return GitHubPagesHandler(*args, directory=str(site), **kwargs)

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        host, port = server.server_address[:2]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.shutdown()


@contextlib.contextmanager
def chromium():
    """A headless Chromium with a remote-debugging port, for Lighthouse: the port."""
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium-headless-shell")
    if not executable:
        sys.exit("no Chromium: run the benchmark with `make bench` (it installs one)")
    # Chromium may still be writing its profile as it ends.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(
            [
                executable,
                "--remote-debugging-port=0",  # a free one, which it writes in the profile
                f"--user-data-dir={profile}",
                *CHROMIUM_FLAGS,
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # the wrapper script and the browser's processes, together
        )
        try:
            active_port = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while True:
                try:
                    port = int(active_port.read_text().split()[0])
                    with urlopen(f"http://127.0.0.1:{port}/json/version", timeout=5) as answer:
                        version = json.load(answer)["Browser"]
                    break
                except (OSError, IndexError, ValueError):  # URLError is an OSError
                    if process.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"{executable} did not open its debugging port")
                    time.sleep(0.2)
            yield port, version
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            process.wait()


def lighthouse(url, port):
    """Lighthouse's mobile performance run of ``url``: its figures."""
    executable = os.environ.get("LIGHTHOUSE")
    if not executable:
        sys.exit("no Lighthouse: run the benchmark with `make bench` (it installs it)")
    command = [
        executable,
        url,
        f"--port={port}",
        "--only-categories=performance",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode:
        sys.exit(f"lighthouse {url} failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    if report.get("runtimeError"):
        sys.exit(f"lighthouse {url}: {report['runtimeError']}")
    audits = report["audits"]
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "total_blocking_time_ms": round(audits["total-blocking-time"]["numericValue"]),
        "first_contentful_paint_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "largest_contentful_paint_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "speed_index_ms": round(audits["speed-index"]["numericValue"]),
        "transfer_bytes": round(audits["total-byte-weight"]["numericValue"]),
        "lighthouse": report["lighthouseVersion"],
    }


def site_pages(site):
    """Every page's path in the site (``""``, ``"vgg/"``, ``"zh/vgg/"``...), the 404 page
    left out."""
    return sorted(
        page.parent.relative_to(site).as_posix().removeprefix(".") + "/"
        for page in site.rglob("index.html")
    )


def index_sizes(site):
    """Each language's search index: {folder: bytes, gzipped bytes} ("" is English's)."""
    sizes = {}
    for index in sorted(site.rglob("search/search_index.json")):
        folder = index.parent.parent.relative_to(site).as_posix().removeprefix(".")
        data = index.read_bytes()
        sizes[folder or "en"] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, 6))}
    return sizes


def median_run(runs):
    """The run of median performance score (Lighthouse's own advice for several runs)."""
    return sorted(runs, key=lambda run: (run["performance"], -run["total_blocking_time_ms"]))[
        len(runs) // 2
    ]


def measure(site, runs):
    """Lighthouse's figures for every page of ``site`` (the median of ``runs`` runs each,
    pages interleaved), the search indexes' sizes and the machine's load."""
    pages = [path.strip("/") for path in site_pages(site)]
    results = {page: [] for page in pages}
    load_before = os.getloadavg()
    start = time.perf_counter()
    with serve_gzipped(site) as url, chromium() as (port, browser):
        for _ in range(runs):
            for page in pages:
                results[page].append(lighthouse(f"{url}/{page}/" if page else f"{url}/", port))
    pages_result = {page: median_run(page_runs) for page, page_runs in results.items()}
    heaviest = max(pages_result, key=lambda page: pages_result[page]["transfer_bytes"])
    return {
        "browser": browser,
        "lighthouse": pages_result[pages[0]]["lighthouse"],
        "runs": runs,
        "seconds": round(time.perf_counter() - start),
        "load_average_before": [round(load, 2) for load in load_before],
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
        "cores": os.cpu_count(),
        "search_index": index_sizes(site),
        "heaviest_page": {"page": heaviest or "(home)", **pages_result[heaviest]},
        "pages": {page or "(home)": figures for page, figures in pages_result.items()},
        "worst": {
            "performance": min(p["performance"] for p in pages_result.values()),
            "total_blocking_time_ms": max(
                p["total_blocking_time_ms"] for p in pages_result.values()
            ),
        },
        "spread": {  # how much the runs of a page differed, the largest over the pages
            "performance": max(
                max(r["performance"] for r in page_runs) - min(r["performance"] for r in page_runs)
                for page_runs in results.values()
            ),
        },
        "median_total_blocking_time_ms": statistics.median(
            p["total_blocking_time_ms"] for p in pages_result.values()
        ),
    }


def phone_table(phone):
    """The phone's figures, Markdown."""
    worst, heaviest = phone["worst"], phone["heaviest_page"]
    score_met = worst["performance"] >= GOALS["performance"]
    blocking_met = worst["total_blocking_time_ms"] <= GOALS["total_blocking_time_ms"]
    indexes = "; ".join(
        f"{language}: {size['bytes'] / 1024:.0f} KB ({size['gzip_bytes'] / 1024:.0f} KB gzipped)"
        for language, size in phone["search_index"].items()
    )
    before, after = (", ".join(map(str, phone[f"load_average_{w}"])) for w in ("before", "after"))
    spread = (
        f"; runs of a page differed by up to {phone['spread']['performance']} points"
        if phone["runs"] > 1
        else ""
    )
    lines = [
        f"On a phone: Lighthouse {phone['lighthouse']} (mobile: simulated slow 4G, CPU ÷ 4) in "
        f"{phone['browser']}, every page of both languages served gzipped as GitHub Pages "
        f"serves it; the run of median score of {phone['runs']} per page, in "
        f"{phone['seconds'] // 60} min ({phone['cores']} cores; load average {before} before, "
        f"{after} after: Lighthouse simulates the phone's CPU from times taken here, so other "
        f"work on the machine weighs on them{spread}).",
        "",
        "| what | figure | goal |",
        "|---|---:|---|",
        f"| performance, the lowest of {len(phone['pages'])} pages | {worst['performance']} | "
        f"≥ {GOALS['performance']} {'✓' if score_met else '✗'} |",
        f"| total blocking time, the longest | {worst['total_blocking_time_ms']} ms | "
        f"≤ {GOALS['total_blocking_time_ms']} ms {'✓' if blocking_met else '✗'} |",
        f"| search index, per language | {indexes} | |",
        f"| heaviest page's transfer (all it loads, gzipped) | {heaviest['page']}: "
        f"{heaviest['transfer_bytes'] / 1024:.0f} KB | |",
        "",
        "| page | performance | total blocking time | first / largest contentful paint "
        "| transfer |",
        "|---|---:|---:|---:|---:|",
    ]
    for page, figures in phone["pages"].items():
        lines.append(
            f"| {page} | {figures['performance']} | {figures['total_blocking_time_ms']} ms | "
            f"{figures['first_contentful_paint_ms'] / 1000:.1f} s / "
            f"{figures['largest_contentful_paint_ms'] / 1000:.1f} s | "
            f"{figures['transfer_bytes'] / 1024:.0f} KB |"
        )
    return lines
