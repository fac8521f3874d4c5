"""Markdown pages: their fences' outputs, failures, figures, downloads and "used on" paragraphs.

``page_markdown`` (``on_page_markdown``) takes the page's run, logs its failure, puts
its figures' values in the prose, keeps its downloads and leaves a placeholder after
each fence, then the paragraphs naming the other pages that use a definition;
``page_content`` (``on_page_content``) puts each fence's output in its placeholder
(the images drawn for another language left out, see ``languages``), or the error box
under the fence that failed.
"""

import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from mkdocs_run_examples import figures, usage
from mkdocs_run_examples.build import IMAGE_DIR, Build, UsedOn
from mkdocs_run_examples.failures import describe_failure
from mkdocs_run_examples.fences import FenceError, body_first_line, find_fences
from mkdocs_run_examples.languages import file_language, shown
from mkdocs_run_examples.planning import NotebookPlan, PagePlan, Planner
from mkdocs_run_examples.records import Fence, FenceOutput, PageRun
from mkdocs_run_examples.render import failure_box, provenance, render_output

log = get_plugin_logger(__name__)
PLACEHOLDER = "RUNEXAMPLESOUTPUT{}X"
PLACEHOLDER_HTML = re.compile(r"<p>RUNEXAMPLESOUTPUT(\d+)X</p>")
INCLUDE = re.compile(r"^([ \t]*)(-{1,}8<-{1,})", re.MULTILINE)


def page_markdown(build: Build, markdown: str, page: Page) -> str:
    """The page's Markdown, with its outputs' placeholders and "used on" paragraphs."""
    try:
        plan = _plan(build, markdown, page)
    except FenceError as error:
        for line in error.errors:
            log.error(line)
        # Shown as written: pymdownx.snippets would stop the build on a missing include.
        markdown = INCLUDE.sub(r"\1;\2", markdown)
    else:
        if plan is None:
            build.report.record(page.url, page.file.src_uri, [])
        else:
            markdown = _with_outputs(build, markdown, page, plan)
    labels = build.labels()
    return usage.with_api_usage(markdown, lambda name: used_on(build, page, name, labels))


def _plan(build: Build, markdown: str, page: Page) -> PagePlan | None:
    """The page's plan (None: no fences); made again if a plugin changed its Markdown."""
    planner = build.planner
    path = planner.path(page.file)
    plan = planner.pages.get(path)
    # i18n's on_page_markdown drops the last newline; anything else: a plugin changed it.
    if plan is not None and plan.source.rstrip("\n") == markdown.rstrip("\n"):
        return plan
    first_line = body_first_line(page.file.content_string)
    fences = find_fences(markdown, path=path, first_line=first_line, expander=planner.expander)
    return planner.plan_page(page.file, markdown, fences) if fences else None


def _with_outputs(build: Build, markdown: str, page: Page, plan: PagePlan) -> str:
    """The page's Markdown with its figures' values, a placeholder after each fence, the
    "used on" paragraphs of the definitions it includes and its downloads' links."""
    run, failure = _take_run(build, page, plan)
    fences, path = plan.fences, plan.path
    lines = markdown.split("\n")
    for fence in fences:
        if fence.problem:  # that fence alone is not run: the others are
            log.error(fence.problem)
            # Shown as written: pymdownx.snippets would stop the build on a missing include.
            fenced = "\n".join(lines[fence.start_line : fence.end_line + 1])
            lines[fence.start_line : fence.end_line + 1] = INCLUDE.sub(r"\1;\2", fenced).split("\n")
    markdown = "\n".join(lines)
    if Path(path).stem in build.options.downloads:
        build.downloads.keep(markdown, fences, page, build.install)
    if plan.figures and not failure:
        first = body_first_line(page.file.content_string)
        markdown, errors = figures.substitute(
            markdown, plan.figures, run.figures, lambda line: f"{path}:{first + line}"
        )
        for error in errors:
            log.error(error)
    labels = build.labels()
    included = usage.first_inclusions(fences, build.planner.sources, build.planner.root)
    after = {  # under the first fence that includes a definition: the pages using it
        index: [used_on(build, page, name, labels, "used_on_block") for name in names]
        for index, names in included.items()
    }
    markdown = _insert_placeholders(markdown, fences, after)
    if page.url in build.downloads.files:
        markdown = build.downloads.link(markdown, page, labels)
    return markdown


def _take_run(build: Build, page: Page, plan: PagePlan) -> tuple[PageRun, str | None]:
    """The page's run and its failure's text (None: none), reported, logged and kept
    for ``page_content``."""
    fences = plan.fences
    run, seconds, reasons = build.planner.page_run(plan)
    shown = build.planner.shown_run(plan, run, reasons)
    build.report.record(page.url, page.file.src_uri, fences, seconds, reasons, shown)
    failure = describe_failure(run.failure, fences, build.planner.root) if run.failure else None
    build.outputs[page.url] = (fences, run, failure)
    if failure:
        log.error(failure)
    by_index = {fence.index: fence for fence in fences}
    for index, process in run.ended:
        where = by_index[index].location if index in by_index else plan.path
        log.warning(
            "%s: a process that fence %d started was still running at the end of its "
            "example: the build ended it (%s); a page ends what it starts",
            where,
            index,
            process,
        )
    limit = build.options.output_limit
    for fence, output in zip(fences, run.outputs, strict=False):
        if output.truncated:
            log.warning(
                "%s: fence %d printed %d characters more than output_limit (%d): "
                "the page shows the first %d",
                fence.location,
                fence.index,
                output.truncated,
                limit,
                limit,
            )
    return run, failure


def _insert_placeholders(
    markdown: str, fences: list[Fence], after: Mapping[int, list[str]] | None = None
) -> str:
    """A placeholder for each fence's outputs after it, then the paragraphs ``after``
    gives the fence's index."""
    lines = markdown.split("\n")
    for fence in reversed(fences):
        placeholder = fence.indent + PLACEHOLDER.format(fence.index)
        paragraphs = [p for p in (after or {}).get(fence.index, []) if p]
        added = [line for p in paragraphs for line in ["", *p.split("\n")]]
        lines[fence.end_line + 1 : fence.end_line + 1] = ["", placeholder, *added, ""]
    return "\n".join(lines)


def page_content(build: Build, content: str, page: Page) -> str:
    """The page's HTML with each fence's outputs in its placeholder, the error box under
    the fence that failed, and under them all, what produced them."""
    if page.url not in build.outputs:
        return content
    fences, run, failure = build.outputs[page.url]

    def image_url(digest: str, name: str) -> str:
        file_name = f"{digest}{Path(name).suffix.lower()}"
        build.images[file_name] = digest, name
        return get_relative_url(f"{IMAGE_DIR}/{file_name}", page.url)

    labels = build.labels()
    language, _ = build.planner.language_and_name(page.file)
    rendered = {
        fence.index: render_output(
            _for_language(output, language, build.planner.languages), image_url, labels
        )
        for fence, output in zip(fences, run.outputs, strict=False)
    }
    if failure and run.failure:
        box = failure_box(failure, labels["failed"])
        rendered[run.failure.fence] = rendered.get(run.failure.fence, "") + box
    for fence in fences:
        if fence.problem:
            rendered[fence.index] = failure_box(fence.problem, labels["failed"])
    content = PLACEHOLDER_HTML.sub(lambda match: rendered.get(int(match[1]), ""), content)
    return content + provenance(run.versions, run.ran_at, run.seconds, labels)


def _for_language(output: FenceOutput, language: str, languages: list[str]) -> FenceOutput:
    """``output`` without the images drawn for another of the site's ``languages`` than
    ``language``: ``costs.zh.svg`` on the English page (see ``languages``)."""
    images = [
        image for image in output.images if shown(file_language(image[0]), language, languages)
    ]
    return dataclasses.replace(output, images=images)


def used_on(
    build: Build, page: Page, qualified: str, labels: Mapping[str, str], label: str = "used_on"
) -> str:
    """A paragraph linking the other pages of ``page``'s language that use ``qualified``."""
    language, this = build.planner.language_and_name(page.file)
    pages = build.usage.get(language, {}).get(qualified, [])
    pages = [(name, title) for name, title in pages if name != this]
    if not pages:
        return ""
    text = labels[label].format(
        name=qualified.rpartition(".")[2], pages=usage.links(pages, labels["separator"])
    )
    return f"{text}\n{{: .cb-used-on }}"


def used_on_index(planner: Planner, nav: list[Any] | None) -> UsedOn:
    """{language: {qualified name: [(file name, title)]}}: the pages and notebooks using
    each definition of the sources, in the order of the navigation ``nav``."""
    order = {name: index for index, name in enumerate(_nav_files(nav or []))}
    found: UsedOn = {}
    plans: list[PagePlan | NotebookPlan] = [*planner.notebooks.values(), *planner.pages.values()]
    for plan in sorted(plans, key=lambda p: (order.get(p.name, len(order)), p.name)):
        if isinstance(plan.source, str):
            text = plan.source
        else:  # a notebook: its first Markdown cell has the title
            text = next((c.source for c in plan.source.cells if c.cell_type == "markdown"), "")
        entry = (plan.name, usage.title(text))
        for name in usage.used_definitions(plan.fences, planner.sources, planner.root):
            found.setdefault(plan.language, {}).setdefault(name, []).append(entry)
    return found


def _nav_files(nav: list[Any]) -> Iterator[str]:
    """The file names of a ``nav`` config, in order."""
    for item in nav:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                yield from _nav_files(value if isinstance(value, list) else [value])
