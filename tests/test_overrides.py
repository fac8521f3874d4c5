"""The theme overrides are Material's own partials with a stated change: each one is
compared with the partial of the installed Material, so an upgrade that changes the
original fails here instead of being silently masked by an old copy."""

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
    # A link to the whole site as a PDF in the page's language (tests/site_pdf.py).
    "partials/actions.html": (
        "{% if page.edit_url %}",
        "<a href=\"{{ ('pdf/convblocks-' ~ i18n_page_locale ~ '.pdf') | url }}\" "
        'title="Download the site as a PDF" class="md-content__button md-icon">'
        '{% include ".icons/material/file-pdf-box.svg" %}</a>\n{% if page.edit_url %}',
    ),
}


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
    assert overrides == set(CHANGES)


def test_each_override_is_the_installed_partial_with_its_one_change():
    for name, (original, changed) in CHANGES.items():
        upstream = body((MATERIAL / name).read_text("utf-8"))
        override = body((ROOT / "overrides" / name).read_text("utf-8"))
        assert upstream.count(original) == 1, f"Material's {name} changed: update the override"
        assert override == upstream.replace(original, changed), (
            f"overrides/{name} is no longer Material's {name} with the one change"
        )
