"""What a change does to the outputs, as a reviewer gets it (issue 28), played in a copy of
the repository with the example cache of the site's build: `vgg_block`'s convolutions get
half the filters; the report of the rebuild against the cache before lists exactly the
pages that use the block, with the summary's diff and the changed diagram; then a prose-only
edit executes no page and changes no output."""

import json
import shutil
import subprocess
import sys

from helpers import build_copy, copy_environment

BLOCK = "src/convblocks/blocks/vgg.py"


def report(copy, reference, out):
    """The changes report of the copy's last build against ``reference``: its Markdown."""
    command = [sys.executable, "-m", "mkdocs_run_examples.changes", str(reference)]
    command += [str(copy / ".cache" / "run-examples"), "--output", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=copy_environment(copy))
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed_pages(text):
    """The pages of the report's table: {page: what changed}."""
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| `")]
    return {page.strip("|` "): what.strip(" |") for page, what in rows}


def pages_using_the_block(copy, cache):
    """The pages the cache knows reach `vgg_block`: through the library, or including its
    source in their fences."""
    pages = set()
    for manifest in (cache / "manifests").glob("*.json"):
        record = json.loads(manifest.read_text("utf-8"))
        page = record["page"]
        source = copy / "docs" / "en" / page
        includes = source.suffix == ".md" and BLOCK in source.read_text("utf-8")
        if "convblocks.blocks.vgg.vgg_block" in record["manifest"]["definitions"] or includes:
            pages.add(page)
    return pages


def test_a_change_to_a_block_reports_the_pages_that_use_it_and_a_prose_edit_runs_none(
    repository,
):
    copy = repository
    cache = copy / ".cache" / "run-examples"
    before = copy.parent / "before"
    shutil.copytree(cache, before)
    using = pages_using_the_block(copy, before)
    assert len(using) == 8, using

    block = copy / BLOCK
    source = block.read_text("utf-8")
    assert source.count("layers.Conv2D(n_filters, ") == 2
    block.write_text(source.replace("layers.Conv2D(n_filters, ", "layers.Conv2D(n_filters // 2, "))
    built = build_copy(copy)
    assert built.returncode == 0, built.stderr

    out = copy.parent / "report"
    text = report(copy, before, out)
    assert set(listed_pages(text)) == using, text
    assert "this build executed 8 pages." in text
    vgg = text[text.index("## `vgg.md`") :]
    assert "- Total params: 38,720 (151.25 KB)" in vgg
    assert "+ Total params: 10,144 (39.62 KB)" in vgg
    assert "- figure 1 in the prose: `38720` → `10144`" in vgg
    assert "image `one_vgg_block.png` changed" in vgg
    html = (out / "changes.html").read_text("utf-8")
    section = html[html.index("<code>vgg.md</code>") :]
    assert section.count('<div class="pair">') >= 2  # both diagrams of the page, old and new
    assert len(list((out / "images").glob("*.png"))) >= 4

    # A prose-only edit: nothing executes, nothing the run shows changes.
    after = copy.parent / "after"
    shutil.copytree(cache, after)
    page = copy / "docs" / "en" / "vgg.md"
    page.write_text(page.read_text("utf-8").replace("Almost all of them", "Nearly all of them"))
    built = build_copy(copy)
    assert built.returncode == 0, built.stderr
    assert "executed no page: every page's run came from the cache" in built.stderr
    text = report(copy, after, copy.parent / "prose")
    assert "10 pages: 10 unchanged; this build executed no page." in text
    assert listed_pages(text) == {}


def test_make_diff_compares_the_working_tree_with_main_s_checkout(repository):
    """`make diff` in a clone: main's checkout is built in a worktree of its own, then the
    working tree; an edit of prose only gives a report of no change, and nothing runs."""
    copy = repository
    git = ["git", "-c", "user.name=ConvBlocks", "-c", "user.email=tests@convblocks.invalid"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "main"]):
        subprocess.run([*git, *command], cwd=copy, check=True, capture_output=True)
    page = copy / "docs" / "en" / "vgg.md"
    page.write_text(page.read_text("utf-8").replace("Almost all of them", "Nearly all of them"))

    # The repository's virtualenv: the clone's would be the same, installed from the lock.
    command = ["make", "diff", f"VENV={sys.prefix}"]
    done = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 pages: 10 unchanged; this build executed no page." in done.stdout
    report = copy / ".cache" / "diff"
    assert (report / "changes.md").read_text("utf-8") in done.stdout
    assert (report / "changes.html").is_file()
    main_page = report / "main" / "site" / "vgg" / "index.html"
    assert "Almost all of them" in main_page.read_text("utf-8")  # main's, without the edit
    assert "Nearly all of them" in (copy / "site" / "vgg" / "index.html").read_text("utf-8")
