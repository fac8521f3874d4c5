"""MkDocs hook: "Edit this page" and "Open in Colab" links, when the repository is known.

The repository ("owner/name" on GitHub) comes from the environment variable
CONVBLOCKS_REPOSITORY (the Pages workflow sets it). mkdocs.yml sets no ``repo_url``
on purpose: with it, Material's header fetches the repository's facts from GitHub's
API on every visit, and this site makes no request to a third-party host.
"""

import os

COLAB = "https://colab.research.google.com/github/{repository}/blob/main/docs/{path}"
OPEN_IN_COLAB = {"en": "Open in Colab", "zh": "在 Colab 中打开"}


def repository():
    return os.environ.get("CONVBLOCKS_REPOSITORY", "").strip() or None


def on_pre_page(page, config, files):
    name = repository()
    if name:
        page.edit_url = f"https://github.com/{name}/edit/main/docs/{page.file.src_uri}"
    return page


def on_page_content(html, page, config, files):
    name = repository()
    if not name or not page.file.src_uri.endswith(".ipynb"):
        return html
    language = page.file.src_uri.split("/", 1)[0]
    url = COLAB.format(repository=name, path=page.file.src_uri)
    label = OPEN_IN_COLAB.get(language, OPEN_IN_COLAB["en"])
    return f'<p class="cb-downloads"><a href="{url}">{label}</a></p>\n{html}'
