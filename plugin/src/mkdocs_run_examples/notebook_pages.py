"""Notebook pages: mkdocs-jupyter renders each from a copy with its outputs.

``notebook_page`` (``on_pre_page``) hands mkdocs-jupyter the notebook with the outputs
of its run (once for both languages; the figures drawn for another language left out,
see ``languages``) and the cell that installs ``install`` (shown, not run);
``notebook_content`` (``on_page_content``) gives its figures their alt text from the
kernel's facts, tidies the page (``jupyter.Tidier``) and says under its outputs what
produced them.
"""

import hashlib
import html
import re
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.pages import Page

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.build import Build
from mkdocs_run_examples.describe import alt_text
from mkdocs_run_examples.notebooks import (
    figure_facts,
    for_language,
    with_install_cell,
    with_outputs,
)
from mkdocs_run_examples.planning import NotebookPlan
from mkdocs_run_examples.render import provenance
from mkdocs_run_examples.store import write_atomically

# A notebook's figure, as nbconvert writes it: its alt text is that of an image nothing describes.
OUTPUT_IMAGE = re.compile(r'<img alt="([^"]*)"([^>]*? src="data:image/png;base64,)')


def notebook_page(build: Build, page: Page, config: MkDocsConfig) -> None:
    """Point ``page`` at a copy of its notebook with the outputs of its run (planned now
    if it was not at on_config); a notebook that failed is left as it is."""
    plan = build.planner.plan_notebook(page.file)
    ran = build.planner.notebook_run(plan)
    if ran is None:
        return
    outputs, seconds, reasons = ran
    shown = build.planner.shown_run(plan, outputs, reasons)
    build.report.record(page.url, page.file.src_uri, plan.fences, seconds, reasons, shown)
    # Its figures drawn for another language left out: the page's language's own remain.
    cells = for_language(outputs["cells"], plan.language, build.planner.languages)
    outputs = {**outputs, "cells": cells}
    jupyter_ = jupyter.jupyter_plugin(config)
    assert jupyter_ is not None  # it made the notebook a page
    jupyter.keep_rendering_cached(jupyter_, build.planner.cache.directory, build.language())
    build.notebook_records[page.url] = outputs
    page.file.abs_src_path = str(_with_outputs(build, plan, outputs))


def _with_outputs(build: Build, plan: NotebookPlan, outputs: dict[str, Any]) -> Path:
    """A copy of the notebook with its ``outputs`` and the install cell, in the cache."""
    import nbformat  # 0.1 s (jsonschema): only a build that needs it pays it

    # The install cell is shown and offered, not run: the build has what it installs.
    executed = with_install_cell(with_outputs(plan.source, outputs["cells"]), build.install)
    text: str = nbformat.writes(executed)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    folder = build.planner.cache.directory / "notebooks" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(plan.path).name
    write_atomically(path, text.encode())
    build.planner.cache.use_path(folder)
    return path


def notebook_content(build: Build, content: str, page: Page, config: MkDocsConfig) -> str:
    """A notebook page: its figures' alt text from the kernel's facts, and under its
    outputs, what produced them."""
    record = build.notebook_records.get(page.url, {"cells": []})
    labels = build.labels()
    facts = iter(figure_facts(record["cells"]))

    def described(match: re.Match[str]) -> str:
        found = next(facts, None)
        alt = alt_text("", found, labels) if found else html.unescape(match[1])
        return f'<img alt="{html.escape(alt)}"{match[2]}'

    content = OUTPUT_IMAGE.sub(described, content)
    made = provenance(record.get("versions"), record.get("ran_at"), record.get("seconds"), labels)
    return build.tidier.tidy(content, page, config) + made
