"""MkDocs hook: a sitemap.xml wherever Material's language switcher looks for one.

Material fetches ``sitemap.xml`` relative to each ``<link rel="alternate">`` of a
page; mkdocs-static-i18n points those at the same page in each language (so the
switcher keeps the reader on the page), and writes only the root sitemap, which
lists every page of every language with its alternates. A copy next to each page
of each language answers those requests instead of a 404.
"""

import shutil
from pathlib import Path


def on_post_build(config):
    site = Path(config.site_dir)
    sitemap = site / "sitemap.xml"
    if not sitemap.exists():
        return
    for page in site.rglob("index.html"):
        if page.parent != site and not (page.parent / "sitemap.xml").exists():
            shutil.copyfile(sitemap, page.parent / "sitemap.xml")
