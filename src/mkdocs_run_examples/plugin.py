"""The MkDocs plugin: run each page's Python fences and show their output below them.

Per page (``on_page_markdown``): expand ``--8<--`` includes with the site's own
pymdownx.snippets settings, find the ``python`` fences, look the page up in the
cache or run it, and leave a placeholder after each fence; ``on_page_content``
swaps the placeholders for the rendered output. Images go to
``assets/examples/<sha256>.<ext>``. A failing fence is logged as an error naming
the page and the fence (so ``mkdocs build --strict`` fails) and is not cached.
The build log lists each page's run time; ``execution-report.json`` and
``execution-report.md`` in the site list them all.
"""

import html
import json
import logging
import os
import re
import shutil
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.plugins import BasePlugin

from mkdocs_run_examples.cache import RunCache, environment_digest, page_key
from mkdocs_run_examples.fences import FenceError, find_fences
from mkdocs_run_examples.render import render_output
from mkdocs_run_examples.runner import ExampleError, run_page
from mkdocs_run_examples.snippets import SnippetExpander

log = logging.getLogger("mkdocs.plugins.run_examples")
PLACEHOLDER = "RUNEXAMPLESOUTPUT{}X"
PLACEHOLDER_HTML = re.compile(r"<p>RUNEXAMPLESOUTPUT(\d+)X</p>")
IMAGE_DIR = "assets/examples"


class RunExamplesConfig(base.Config):
    cache_dir = c.Type(str, default=".cache/run-examples")
    packages = c.ListOfItems(c.Type(str), default=[])  # their versions are in the cache key
    sources = c.Type(dict, default={})  # import name -> directory: code importing it depends on it


class RunExamplesPlugin(BasePlugin[RunExamplesConfig]):
    def on_startup(self, command, dirty):
        # Kept across the language builds of mkdocs-static-i18n and serve's rebuilds.
        self.report = {}  # page URL -> its last run
        self._images = {}
        self._outputs = {}

    def on_config(self, config):
        root = Path(config.config_file_path).parent
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("MPLBACKEND", "Agg")
        self.expander = SnippetExpander(config.mdx_configs.get("pymdownx.snippets"), root)
        self.cache = RunCache(root / self.config.cache_dir)
        self.environment = environment_digest(self.config.packages)
        self.sources = {name: root / path for name, path in self.config.sources.items()}
        return config

    def on_page_markdown(self, markdown, page, config, files):
        name = page.file.src_uri
        markdown = self.expander.expand(markdown)
        try:
            fences = find_fences(markdown)
        except FenceError as error:
            log.error("%s: %s", name, error)
            return markdown
        self._outputs[page.url] = None
        if not fences:
            return markdown
        key = page_key(fences, self.environment, self.sources)
        run = self.cache.get(key)
        cached = run is not None
        if not cached:
            try:
                run = run_page(name, fences)
            except ExampleError as error:
                log.error("%s", error)
                self._outputs[page.url] = ("error", str(error))
                return _insert_placeholders(markdown, fences)
            self.cache.put(key, run)
            log.info("run-examples: ran %s: %d fences in %.2f s", name, len(fences), run.seconds)
        else:
            log.debug("run-examples: %s unchanged, output reused", name)
        self.report[page.url] = {
            "page": name,
            "fences": len(fences),
            "skipped": sum(fence.skip for fence in fences),
            "executed": 0 if cached else sum(not fence.skip for fence in fences),
            "cached": cached,
            "seconds": 0.0 if cached else round(run.seconds, 3),
        }
        self._outputs[page.url] = ("run", run)
        return _insert_placeholders(markdown, fences)

    def on_page_content(self, content, page, config, files):
        outcome = self._outputs.get(page.url)
        if outcome is None:
            return content
        kind, value = outcome
        if kind == "error":
            box = (
                '<div class="admonition failure"><p class="admonition-title">'
                "This example failed when the site was built</p><pre><code>"
                f"{html.escape(value)}</code></pre></div>"
            )
            return PLACEHOLDER_HTML.sub(lambda match: box if match[1] == "1" else "", content)
        prefix = "../" * page.url.count("/")

        def image_url(digest, name):
            file_name = f"{digest}{Path(name).suffix.lower()}"
            self._images[file_name] = digest, name
            return f"{prefix}{IMAGE_DIR}/{file_name}"

        def replace(match):
            output = value.outputs[int(match[1]) - 1]
            return render_output(output.stdout, output.images, image_url)

        return PLACEHOLDER_HTML.sub(replace, content)

    def on_post_build(self, config):
        target = Path(config.site_dir) / IMAGE_DIR
        target.mkdir(parents=True, exist_ok=True)
        for file_name, (digest, name) in self._images.items():
            shutil.copyfile(self.cache.image_path(digest, name), target / file_name)
        self._write_report(Path(config.site_dir))

    def _write_report(self, site_dir):
        pages = [self.report[url] for url in sorted(self.report)]
        executions = sum(not page["cached"] for page in pages)
        (site_dir / "execution-report.json").write_text(
            json.dumps({"executions": executions, "pages": pages}, indent=2), encoding="utf-8"
        )
        rows = [
            f"| {p['page']} | {p['fences']} | {p['executed']} | "
            + ("cached" if p["cached"] else f"{p['seconds']:.2f} s")
            + " |"
            for p in sorted(pages, key=lambda p: -p["seconds"])
        ]
        table = "\n".join(["| page | fences | executed | time |", "|---|---:|---:|---:|", *rows])
        total = sum(p["seconds"] for p in pages)
        text = (
            f"# Execution times\n\n{executions} pages executed, {total:.2f} s in all.\n\n{table}\n"
        )
        (site_dir / "execution-report.md").write_text(text, encoding="utf-8")


def _insert_placeholders(markdown, fences):
    lines = markdown.split("\n")
    for fence in reversed(fences):
        placeholder = fence.indent + PLACEHOLDER.format(fence.index)
        lines[fence.end_line + 1 : fence.end_line + 1] = ["", placeholder, ""]
    return "\n".join(lines)
