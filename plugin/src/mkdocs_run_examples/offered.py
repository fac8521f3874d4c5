"""What a site offers for download, made outside a build by the build's own functions.

Each page of ``downloads`` is offered as a notebook and a script (``downloads``), each
notebook page as its notebook, with the install cell first (``notebooks``).
``offered_files`` makes them all, in every language, without outputs. A repository
commits the notebooks, for Colab to open:

    python -m mkdocs_run_examples.offered OUT [--config-file mkdocs.yml] [--check]

writes every notebook to ``OUT/<language>/<page>.ipynb`` (and removes the notebooks
there the site no longer offers); ``--check`` writes nothing and exits 1 naming the
files that differ from what the build makes now.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import nbformat
from mkdocs.config import load_config
from mkdocs.structure.files import get_files

from mkdocs_run_examples import jupyter
from mkdocs_run_examples.downloads import page_downloads
from mkdocs_run_examples.fences import read_page
from mkdocs_run_examples.notebooks import pinned, with_install_cell, without_outputs
from mkdocs_run_examples.snippets import SnippetExpander

PLUGIN = "run-examples"


def offered_files(config_file: str | os.PathLike[str] = "mkdocs.yml") -> dict[str, str]:
    """{path: text} of every file the site offers: ``en/vgg.ipynb``, ``en/vgg.py``,
    ``en/train.ipynb``... (paths of the pages under docs_dir, with the file's suffix)."""
    config = load_config(str(config_file))
    options = config.plugins[PLUGIN].config
    expander = SnippetExpander.from_config(config)
    install = pinned(options.install)
    files = get_files(config)
    offered: dict[str, str] = {}
    for file in files:
        path = PurePosixPath(file.src_uri)
        if path.suffix == ".md" and path.stem in options.downloads and file.inclusion.is_included():
            markdown, fences = read_page(file.content_string, path=file.src_uri, expander=expander)
            for name, content in page_downloads(markdown, fences, path.stem, install).items():
                offered[str(path.parent / name)] = content
    jupyter_ = jupyter.jupyter_plugin(config)
    if jupyter_ is not None:
        for file in jupyter.notebook_files(files, jupyter_):
            notebook = without_outputs(nbformat.read(file.abs_src_path, as_version=4))
            offered[file.src_uri] = nbformat.writes(with_install_cell(notebook, install))
    return dict(sorted(offered.items()))


def offered_notebooks(config_file: str | os.PathLike[str] = "mkdocs.yml") -> dict[str, str]:
    """{path: text}: the notebooks of ``offered_files``, as files end (with a newline)."""
    return {
        path: text.rstrip("\n") + "\n"
        for path, text in offered_files(config_file).items()
        if path.endswith(".ipynb")
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mkdocs_run_examples.offered")
    parser.add_argument("out", type=Path, help="the folder of the notebooks")
    parser.add_argument("--config-file", default="mkdocs.yml")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a change")
    args = parser.parse_args(argv)
    wanted = offered_notebooks(args.config_file)
    present = {p.relative_to(args.out).as_posix() for p in args.out.rglob("*.ipynb")}
    changed = [
        path
        for path, text in wanted.items()
        if path not in present or (args.out / path).read_text(encoding="utf-8") != text
    ]
    stale = sorted(present - set(wanted))
    if args.check:
        for path in changed + stale:
            print(f"{args.out / path}: not what the build makes", file=sys.stderr)
        return 1 if changed or stale else 0
    for path in changed:
        (args.out / path).parent.mkdir(parents=True, exist_ok=True)
        (args.out / path).write_text(wanted[path], encoding="utf-8")
        print(f"wrote {args.out / path}")
    for path in stale:
        (args.out / path).unlink()
        print(f"removed {args.out / path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
