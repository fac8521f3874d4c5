"""The executions page: for every page and notebook, the run whose outputs it shows.

The page the ``executions`` option names (``execution.md``: in each language's folder
with mkdocs-static-i18n) gets, after its own text, a table in its language: each page
that shows a run, by its title, in the navigation's order, with the day the run ran, the
versions that made it, the seconds it took, why it ran, and whether this build ran it or
took it from the cache. The facts are the run's record (``report.RunFacts``), so a warm
build shows the run that a cold one made. It is filled at ``on_page_context``, once every
page of the language has taken its run (MkDocs renders them all before any template).
"""

import html
from collections.abc import Iterable, Mapping

from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from mkdocs_run_examples.render import made_by
from mkdocs_run_examples.report import Report, RunFacts

# (label of the column's heading, its alignment)
COLUMNS = (
    ("executions_page", "left"),
    ("executions_date", "left"),
    ("executions_versions", "left"),
    ("executions_seconds", "right"),
    ("executions_reasons", "left"),
    ("executions_build", "left"),
)


def in_order(nav: Navigation, files: Files) -> list[Page]:
    """The pages of ``files`` (those of the language being built): the navigation's, in
    its order, then the others, by path."""
    in_nav = list(nav.pages)
    others = [
        file.page
        for file in sorted(files.documentation_pages(), key=lambda file: file.src_uri)
        if file.page is not None and file.page not in in_nav
    ]
    return [*in_nav, *others]


def executions_table(
    pages: Iterable[Page], report: Report, this: Page, labels: Mapping[str, str]
) -> str:
    """The HTML of the runs ``pages`` show (those ``report`` has a run for), linked
    from ``this`` page, in the words of ``labels``: a sentence, then the table."""
    rows = []
    ran = 0
    for page in pages:
        line = report.pages.get(page.url)
        if line is None or line["run"] is None:
            continue
        run = line["run"]
        ran += run["this_build"]
        link = get_relative_url(page.url, this.url)
        if page.url in ("", "/") or page.url.endswith("/"):  # a folder: "../", not ".."
            link = link.rstrip("/") + "/"
        title = html.escape(page.title or page.file.src_uri)
        rows.append([f'<a href="{html.escape(link)}">{title}</a>', *_cells(run, labels)])
    summary = labels["executions_summary"].format(ran=ran, count=len(rows))
    head = "".join(
        f'<th style="text-align: {align}">{html.escape(labels[label])}</th>'
        for label, align in COLUMNS
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td style="text-align: {align}">{cell}</td>'
            for (_, align), cell in zip(COLUMNS, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'\n<p class="cb-executions">{html.escape(summary)}</p>\n'
        f"<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
    )


def _cells(run: RunFacts, labels: Mapping[str, str]) -> list[str]:
    """The cells of a run after its page's: day, versions, time, reasons, this build."""
    reasons = [reason.say(labels) for reason in run["reasons"]] or [labels["reason_unknown"]]
    texts = [
        run["date"],
        made_by(run["versions"], labels),
        labels["seconds"].format(seconds=run["seconds"]),
        labels["separator"].join(reasons),
        labels["ran" if run["this_build"] else "cached"],
    ]
    return [html.escape(text) for text in texts]
