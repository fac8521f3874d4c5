"""The theme overrides are Material's own partials with a stated change, and main.html
with the blocks it rewrites: each is compared with the installed Material, so an upgrade
that changes the original fails here instead of being silently masked by an old copy."""

import re
from pathlib import Path

import material
from helpers import ROOT

MATERIAL = Path(material.__file__).parent / "templates"
# override -> (the original's line, the override's line): the only change each makes.
CHANGES = {
    "partials/search.html": (
        '<div class="md-search" data-md-component="search" role="dialog">',
        '<div class="md-search" data-md-component="search" role="dialog" '
        "aria-label=\"{{ lang.t('search') }}\">",
    ),
    # Material's zh names search 查找 here, 搜索 in the field and its messages.
    "partials/languages/zh.html": ('"search": "查找",', '"search": "搜索",'),
    # A link to the whole site as a PDF in the page's language (tests/site_pdf.py).
    "partials/actions.html": (
        "{% if page.edit_url %}",
        "<a href=\"{{ ('pdf/convblocks-' ~ i18n_page_locale ~ '.pdf') | url }}\" "
        'title="Download the site as a PDF" class="md-content__button md-icon">'
        '{% include ".icons/material/file-pdf-box.svg" %}</a>\n{% if page.edit_url %}',
    ),
}
# Blocks of Material's base.html that main.html rewrites -> the line of the block the
# rewrite is based on.
BLOCKS = {"htmltitle": "<title>{{ page.title | striptags }} - {{ config.site_name }}</title>"}


def body(text):
    """The template without its leading Jinja comment (Material's "generated" notice,
    the override's note of what it changes)."""
    if text.startswith("{#"):
        text = text[text.index("#}") + 2 :]
    return text.strip("\n")


def test_every_override_is_listed_here():
    overrides = {
        p.relative_to(ROOT / "overrides").as_posix() for p in (ROOT / "overrides").rglob("*.html")
    }
    assert overrides == {*CHANGES, "main.html"}


def test_each_override_is_the_installed_partial_with_its_one_change():
    for name, (original, changed) in CHANGES.items():
        upstream = body((MATERIAL / name).read_text("utf-8"))
        override = body((ROOT / "overrides" / name).read_text("utf-8"))
        assert upstream.count(original) == 1, f"Material's {name} changed: update the override"
        assert override == upstream.replace(original, changed), (
            f"overrides/{name} is no longer Material's {name} with the one change"
        )


def test_main_extends_materials_base_and_rewrites_only_its_listed_blocks():
    upstream = body((MATERIAL / "main.html").read_text("utf-8"))
    main = body((ROOT / "overrides" / "main.html").read_text("utf-8"))
    assert upstream == '{% extends "base.html" %}', "Material's main.html changed"
    assert main.startswith(upstream + "\n")
    assert re.findall(r"{% block (\w+)", main) == list(BLOCKS)
    base = (MATERIAL / "base.html").read_text("utf-8")
    for name, line in BLOCKS.items():
        [block] = re.findall(rf"{{% block {name} %}}(.*?){{% endblock %}}", base, re.DOTALL)
        assert line in block, f"Material's {name} block changed: update main.html"
