"""MkDocs hook: "Edit this page" and "Open in Colab" links, when the repository is known.

The repository ("owner/name" on GitHub) comes from the environment variable
CONVBLOCKS_REPOSITORY (the Pages workflow sets it). mkdocs.yml sets no ``repo_url``
on purpose: with it, Material's header fetches the repository's facts from GitHub's
API on every visit, and this site makes no request to a third-party host.

Every page that offers a notebook (the notebook pages, and the pages run-examples
offers as downloads) opens in Colab the copy the repository holds in
``notebooks/<language>/<page>.ipynb``: what the build offers, without outputs
(``make notebooks`` writes them; tests/test_notebooks.py keeps them current).
"""

import os
from pathlib import Path, PurePosixPath

from mkdocs.plugins import get_plugin_logger

log = get_plugin_logger(__name__)
NOTEBOOKS = "notebooks"  # beside mkdocs.yml
COLAB = "https://colab.research.google.com/github/{repository}/blob/main/{path}"
OPEN_IN_COLAB = {"en": "Open in Colab", "zh": "在 Colab 中打开"}
DOWNLOADS = '<p class="cb-downloads">'  # run-examples' links under the title


def repository():
    return os.environ.get("CONVBLOCKS_REPOSITORY", "").strip() or None


def on_pre_page(page, config, files):
    name = repository()
    if name:
        page.edit_url = f"https://github.com/{name}/edit/main/docs/{page.file.src_uri}"
    return page


def colab_notebook(page, config):
    """``notebooks/<language>/<page>.ipynb`` if the page offers a notebook, else None."""
    source = PurePosixPath(page.file.src_uri)
    run_examples = config.plugins.get("run-examples")
    downloads = run_examples.config.downloads if run_examples else []
    if source.suffix != ".ipynb" and not (source.suffix == ".md" and source.stem in downloads):
        return None
    return (PurePosixPath(NOTEBOOKS) / source.with_suffix(".ipynb")).as_posix()


def on_page_content(html, page, config, files):
    name = repository()
    path = colab_notebook(page, config) if name else None
    if path is None:
        return html
    if not (Path(config.config_file_path).parent / path).is_file():
        log.warning("%s is not in the repository: run `make notebooks`", path)
    language = page.file.src_uri.split("/", 1)[0]
    label = OPEN_IN_COLAB.get(language, OPEN_IN_COLAB["en"])
    link = f'<a href="{COLAB.format(repository=name, path=path)}">{label}</a>'
    start = html.find(DOWNLOADS)
    if start >= 0:  # after the page's download links
        end = html.index("</p>", start)
        return f"{html[:end]} · {link}{html[end:]}"
    return f"{DOWNLOADS}{link}</p>\n{html}"
