"""The HTML of a page's outputs: each fence's, the box of a failure, the line on what made them.

Text goes into a ``<pre>``. A Keras ``model.summary()`` box table becomes an HTML
table carrying everything it printed (model name, every row and column, the
totals): box-drawing characters only line up in a monospace font with no CJK
fallback, and a table reflows and scrolls on a phone. Images are linked at the
size their resolution (PNG ``pHYs``) asks for, scaled down to fit the column. The value
a fence shows (``display``) is shown as a notebook shows it: HTML and SVG as they are (the
page's own code made them), Markdown as HTML, a PNG inline, text as printed.
"""

import base64
import html
import re
import struct
from collections.abc import Callable, Iterator, Mapping

import markdown

from mkdocs_run_examples.describe import alt_text
from mkdocs_run_examples.records import FenceOutput

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TABLE_TOP = "┏"
TOTALS = re.compile(r"^ ?(Total|Trainable|Non-trainable|Optimizer) params: ")
BEFORE_SVG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # an XML declaration, a doctype

Labels = Mapping[str, str]  # a language's words (labels.LABELS)
Table = tuple[str, list[str], list[str]]  # a summary's "Model: ..." line, its box, its totals


def render_output(output: FenceOutput, image_url: Callable[[str, str], str], labels: Labels) -> str:
    """HTML for one fence's ``runner.FenceOutput``: what it printed (with a note where
    the output limit cut it), the traceback of an expected error, its images, the value it
    showed. ``image_url(sha256, name)`` gives an image's URL; ``labels`` the page
    language's words: the note (``truncated``) and the images' alt text (see
    ``describe.alt_text``; ``value`` for a value's image)."""
    segments = _segments(ANSI.sub("", output.stdout))
    parts = [_render_text(segment, labels["summary"]) for segment in segments]
    if output.truncated:
        note = labels["truncated"].format(count=output.truncated)
        parts.append(f'<p class="cb-truncated">{html.escape(note)}</p>')
    if output.error:
        error = html.escape(output.error)
        parts.append(f'<pre class="cb-stdout cb-error"><code>{error}</code></pre>')
    for name, digest, data in output.images:
        alt = alt_text(name, output.about.get(name, {}), labels)
        parts.append(_render_image(name, image_url(digest, name), data, alt))
    parts += [_render_display(mime, data, labels) for mime, data in output.displays]
    if not parts:
        return ""
    return '<div class="cb-output">\n' + "\n".join(parts) + "\n</div>"


def failure_box(failure: str, title: str) -> str:
    """The error box under the fence that failed: ``title``, then the failure as the log
    gives it (``failures.describe_failure``)."""
    return (
        f'<div class="admonition failure"><p class="admonition-title">{title}'
        f"</p><pre><code>{html.escape(failure)}</code></pre></div>"
    )


def provenance(
    versions: Mapping[str, str] | None, ran_at: str | None, seconds: float | None, labels: Labels
) -> str:
    """A line under the page's outputs: when they were made, by what, in how long."""
    if not versions:
        return ""
    text = labels["provenance"].format(
        date=ran_at, versions=made_by(versions, labels), seconds=seconds
    )
    return f'\n<p class="cb-provenance">{html.escape(text)}</p>'


def made_by(versions: Mapping[str, str], labels: Labels) -> str:
    """The versions that made a run, ``Python 3.11.7, Keras 3.15.1, TensorFlow 2.21.0``."""
    return labels["separator"].join(f"{name} {version}" for name, version in versions.items())


def _segments(text: str) -> Iterator[str | Table]:
    """Split printed text into plain text and summary tables (name, lines, totals)."""
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    plain: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        title_then_table = index + 1 < len(lines) and lines[index + 1].startswith(TABLE_TOP)
        if line.startswith('Model: "') and title_then_table:
            end = index + 1
            while end < len(lines) and not lines[end].startswith("└"):
                end += 1
            totals: list[str] = []
            while end + 1 < len(lines) and TOTALS.match(lines[end + 1]):
                end += 1
                totals.append(lines[end].strip())
            if plain:
                yield "\n".join(plain)
                plain = []
            yield (line, lines[index + 1 : end + 1], totals)
            index = end + 1
            continue
        plain.append(line)
        index += 1
    if plain:
        yield "\n".join(plain)


def _render_text(segment: str | Table, summary_label: str) -> str:
    if isinstance(segment, str):
        return f'<pre class="cb-stdout"><code>{html.escape(segment)}</code></pre>'
    title, table_lines, totals = segment
    header, rows = _parse_box_table(table_lines)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    numeric = [cell.strip().endswith("#") for cell in header]
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="cb-num">{html.escape(cell)}</td>'
            if is_number
            else f"<td>{html.escape(cell)}</td>"
            for cell, is_number in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    totals_html = "".join(f"<li>{html.escape(total)}</li>" for total in totals)
    return (
        '<div class="cb-summary" tabindex="0" role="region" '
        f'aria-label="{html.escape(summary_label)}">'
        f'<table class="cb-table"><caption>{html.escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
        f'<ul class="cb-totals">{totals_html}</ul></div>'
    )


def _parse_box_table(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a rich box table; a cell wrapped over lines is joined again."""
    header: list[str] | None = None
    rows: list[list[str]] = []
    current: list[list[str]] | None = None
    for line in lines:
        if line[0] in "┃│":
            cells = [cell.strip() for cell in re.split(r"[┃│]", line.rstrip())[1:]]
            if line.rstrip()[-1] in "┃│":
                cells.pop()
            if current is None:
                current = [[] for _ in cells]
            for parts, cell in zip(current, cells, strict=True):
                if cell:
                    parts.append(cell)
        elif current is not None:  # a rule closes the row above it
            joined = [" ".join(parts) for parts in current]
            if header is None:
                header = joined
            else:
                rows.append(joined)
            current = None
    if header is None:
        raise ValueError("not a box table: no header row")
    return header, rows


def _render_display(mime: str, data: str, labels: Labels) -> str:
    """A value the fence showed, ``display.rich``'s (MIME type, data)."""
    if mime == "text/plain":
        return _render_text(data, labels["summary"])
    if mime == "text/markdown":  # with the tables and fenced code of Jupyter's (GitHub's)
        body = markdown.markdown(data, extensions=["tables", "fenced_code"])
    elif mime == "image/svg+xml":  # inline, where an XML prologue is not allowed
        body = BEFORE_SVG.sub("", data, count=1)
    elif mime == "image/png":
        size = _display_size(base64.b64decode(data))
        dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
        alt = html.escape(labels["value"])
        body = f'<img src="data:image/png;base64,{data}" alt="{alt}"{dimensions}>'
    else:  # text/html
        body = data
    return f'<div class="cb-display">{body}</div>'


def _render_image(name: str, url: str, data: bytes, alt: str) -> str:
    size = _display_size(data)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    alt = html.escape(alt)
    return (
        f'<figure class="cb-image"><a href="{url}"><img src="{url}" alt="{alt}"{dimensions}'
        f' loading="lazy"></a><figcaption>{html.escape(name)}</figcaption></figure>'
    )


def _display_size(data: bytes) -> tuple[int, int] | None:
    """CSS pixel size of a PNG: its pixels at 96 per inch, from its pHYs resolution."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", data[16:24])
    phys = data.find(b"pHYs")
    if phys != -1:
        per_metre, _, unit = struct.unpack(">IIB", data[phys + 4 : phys + 13])
        if unit == 1 and per_metre:
            scale = 96 / (per_metre * 0.0254)
            return round(width * scale), round(height * scale)
    return width, height
