"""The report of what a change does to the outputs: two builds' example caches compared,
page by page and fence by fence, in Markdown (a CI job's summary) and HTML (images)."""

import base64
import hashlib
import json
import subprocess
import sys

import pytest

from mkdocs_run_examples import changes
from mkdocs_run_examples.keys import Key
from mkdocs_run_examples.records import FenceOutput, PageRun
from mkdocs_run_examples.report import REPORT_FOLDER, read_executions
from mkdocs_run_examples.store import RunCache

PNG_A = b"\x89PNG\r\n\x1a\n" + b"a" * 40
PNG_B = b"\x89PNG\r\n\x1a\n" + b"b" * 90


def image(name, data):
    return (name, hashlib.sha256(data).hexdigest(), data)


def store(folder, page, codes, outputs, figures=(), executed=0, uses=None):
    """A page's run in the example cache ``folder``, as a build stores it."""
    cache = RunCache(folder)
    manifest = {"format": "run-examples/2", "fences": [{"code": c, "markers": []} for c in codes]}
    manifest["definitions"] = uses or {"convblocks.blocks.vgg.vgg_block": "0" * 16}
    digest = hashlib.sha256(json.dumps([page, manifest], sort_keys=True).encode()).hexdigest()
    run = PageRun(outputs=outputs, seconds=1.0, ran_at="2026-12-07", figures=list(figures))
    assert cache.put(Key(digest, manifest), run, page=page)
    report = folder / "report"
    report.mkdir(exist_ok=True)
    (report / "execution-report.json").write_text(json.dumps({"executions": executed, "pages": []}))


SUMMARY = "Model: functional\nTotal params: 38,720\nTrainable params: 38,720\n"


@pytest.fixture
def reference(tmp_path):
    folder = tmp_path / "reference"
    store(
        folder,
        "vgg.md",
        ["c1", "c2"],
        [FenceOutput(stdout=SUMMARY, images=[image("one.png", PNG_A)]), FenceOutput(stdout="ok\n")],
        figures=[38720, True],
    )
    store(folder, "inception.md", ["i1"], [FenceOutput(stdout="6272\n")])
    store(folder, "old.md", ["o1"], [FenceOutput(stdout="gone\n")])
    return folder


def current_like(reference, tmp_path):
    folder = tmp_path / "current"
    store(folder, "inception.md", ["i1"], [FenceOutput(stdout="6272\n")])
    store(folder, "new.md", ["n1"], [FenceOutput(stdout="hello\n")])
    return folder


def test_each_kind_of_change_is_told_page_by_page_and_fence_by_fence(reference, tmp_path):
    current = current_like(reference, tmp_path)
    smaller = SUMMARY.replace("38,720", "10,144")
    store(
        current,
        "vgg.md",
        ["c1*", "c2*"],
        [FenceOutput(stdout=smaller, images=[image("one.png", PNG_B)]), FenceOutput(stdout="ok\n")],
        figures=[10144, True],
        executed=1,
    )
    found = {
        c.page: c for c in changes.compare(changes.read_runs(reference), changes.read_runs(current))
    }

    assert {page: c.status for page, c in found.items()} == {
        "inception.md": "unchanged",
        "new.md": "added",
        "old.md": "removed",
        "vgg.md": "outputs",
    }
    vgg = found["vgg.md"]
    assert vgg.figures == ((1, 38720, 10144),)
    first, second = vgg.fences
    assert first.code_changed and "-Total params: 38,720" in first.diff
    assert "+Total params: 10,144" in first.diff
    assert [(old.data, new.data) for old, new in first.images] == [(PNG_A, PNG_B)]
    assert second.code_changed and not second.output_changed  # code changed, outputs the same

    text = changes.markdown(list(found.values()), read_executions(current / REPORT_FOLDER))
    assert "4 pages: 1 outputs changed, 1 page added, 1 page removed, 1 unchanged" in text
    assert "this build executed 1 page." in text
    assert "| `vgg.md` | text, figures in the prose, images (fences 1, 2) |" in text
    assert "- figure 1 in the prose: `38720` → `10144`" in text
    assert "- fence 2: code changed, same output" in text
    assert "  -Total params: 38,720\n  -Trainable params: 38,720\n  +Total params: 10,144" in text
    assert "`one.png` changed (48 → 98 bytes)" in text
    assert "inception.md" not in text.split("\n\n", 2)[2]  # unchanged pages are only counted


def test_code_that_changed_without_changing_what_it_shows_is_said_so(reference, tmp_path):
    current = current_like(reference, tmp_path)
    outputs = [FenceOutput(stdout=SUMMARY, images=[image("one.png", PNG_A)]), FenceOutput("ok\n")]
    store(current, "vgg.md", ["c1", "c2*"], outputs, figures=[38720, True])
    found = changes.compare(changes.read_runs(reference), changes.read_runs(current))
    vgg = next(c for c in found if c.page == "vgg.md")
    assert vgg.status == "code"
    assert [(f.fence, f.code_changed, f.output_changed) for f in vgg.fences] == [(2, True, False)]
    assert (
        "| `vgg.md` | ran again (its code or what it uses changed), outputs the same (fences 2) |"
        in changes.markdown(found, 0)
    )


def test_a_page_run_again_for_what_it_uses_with_the_same_code_and_outputs(reference, tmp_path):
    current = current_like(reference, tmp_path)
    outputs = [FenceOutput(stdout=SUMMARY, images=[image("one.png", PNG_A)]), FenceOutput("ok\n")]
    uses = {"convblocks.blocks.vgg.vgg_block": "1" * 16}  # the block's code changed
    store(current, "vgg.md", ["c1", "c2"], outputs, figures=[38720, True], executed=1, uses=uses)
    found = changes.compare(changes.read_runs(reference), changes.read_runs(current))
    vgg = next(c for c in found if c.page == "vgg.md")
    assert (vgg.status, vgg.fences) == ("code", ())
    text = changes.markdown(found, 1)
    assert "| `vgg.md` | ran again (its code or what it uses changed), outputs the same |" in text


def test_the_same_runs_give_a_report_of_no_change_and_no_execution(reference):
    found = changes.compare(changes.read_runs(reference), changes.read_runs(reference))
    assert {c.status for c in found} == {"unchanged"}
    text = changes.markdown(found, read_executions(reference / REPORT_FOLDER))
    assert "3 pages: 3 unchanged; this build executed no page." in text
    assert "|" not in text


def test_a_notebook_s_cells_are_compared_as_fences(tmp_path):
    def notebook(folder, accuracy, png):
        cache = RunCache(folder)
        manifest = {"fences": [{"code": "n1", "markers": []}, {"code": "n2", "markers": []}]}
        digest = hashlib.sha256(f"{accuracy}{png!r}".encode()).hexdigest()
        plot = {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure size 640x480>"}
        cells = [
            {"outputs": [{"output_type": "stream", "name": "stdout", "text": f"acc {accuracy}\n"}]},
            {"outputs": [{"output_type": "display_data", "data": plot, "metadata": {}}]},
        ]
        record = {"cells": cells, "versions": {}, "ran_at": "2026-12-07"}
        cache.put_notebook(Key(digest, manifest), record, page="train.ipynb")

    notebook(tmp_path / "a", "0.95", PNG_A)
    notebook(tmp_path / "b", "0.97", PNG_B)
    (change,) = changes.compare(
        changes.read_runs(tmp_path / "a"), changes.read_runs(tmp_path / "b")
    )
    first, second = change.fences
    assert first.diff[-2:] == ("-acc 0.95", "+acc 0.97")
    assert not second.diff  # a figure's text/plain is not its output
    assert [(old.name, old.data, new.data) for old, new in second.images] == [
        ("cell2-1.png", PNG_A, PNG_B)
    ]


def test_the_command_writes_markdown_and_html_with_the_images_side_by_side(reference, tmp_path):
    current = current_like(reference, tmp_path)
    store(
        current,
        "vgg.md",
        ["c1*", "c2"],
        [FenceOutput(stdout=SUMMARY, images=[image("one.png", PNG_B)]), FenceOutput("ok\n")],
        figures=[38720, True],
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs_run_examples.changes",
            str(reference),
            str(current),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == (out / "changes.md").read_text(encoding="utf-8")
    html = (out / "changes.html").read_text(encoding="utf-8")
    old, new = (hashlib.sha256(data).hexdigest() + ".png" for data in (PNG_A, PNG_B))
    assert html.index(f'src="images/{old}"') < html.index(f'src="images/{new}"')
    assert (out / "images" / old).read_bytes() == PNG_A
    assert (out / "images" / new).read_bytes() == PNG_B


def test_a_folder_that_is_no_example_cache_is_refused_naming_the_argument(reference, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs_run_examples.changes",
            str(tmp_path / "nothing"),
            str(reference),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "reference:" in done.stderr and "is not an example cache" in done.stderr
