"""MkDocs hook: the interface in the page's language, and absolute hreflang alternates.

Language: mkdocs-static-i18n builds one language after the other and sets each build's
``theme.language`` in its ``on_config``, which runs last; mkdocstrings reads it in its own,
earlier, and the Chinese API page kept English labels ("Parameters:", "required"). This
hook sets it first, so mkdocstrings-python renders with its own Chinese words.

Interface: Python-Markdown's permalinks, Material's footer and mkdocs-jupyter's code
cells are in English whatever the page's language. Each language's words are in
mkdocs.yml (mkdocs-static-i18n's per-language ``extra.interface``: English -> words);
they replace the attribute values and element texts that are exactly the English.

Alternates: Material writes a page's ``<link rel="alternate" hreflang>`` relative
(``../zh/vgg/``); search engines want absolute URLs, so they are made so from
``site_url``, with an ``x-default`` (the default language's page). The header's
language links stay relative. Material's language switcher fetches a sitemap.xml
beside each alternate: where the site is served elsewhere than ``site_url`` (the
browser tests, a preview), a one-line script points them back at that server.
"""

import html
import json
import re
from urllib.parse import urljoin

from mkdocs.plugins import event_priority

ATTRIBUTES = "title|aria-label|alt|placeholder"
ALTERNATE = re.compile(r'<link rel="alternate" href="([^"]*)" hreflang="([^"]*)">')
SERVED_ELSEWHERE = (
    "<script>location.href.startsWith({site_url})||document.querySelectorAll"
    '("link[data-relative]").forEach(l=>l.href=l.dataset.relative)</script>'
)


@event_priority(50)  # before mkdocstrings' on_config (priority 0)
def on_config(config):
    """The theme's language is the one this build of mkdocs-static-i18n is in (none before
    its first build: the theme's is the default language's)."""
    i18n = config.plugins.get("i18n")
    language = getattr(i18n, "current_language", None)
    if language and "language" in config.theme:
        config.theme["language"] = language
    return config


def on_post_page(output, page, config):
    output = localize(output, config.extra.get("interface") or {})
    return absolute_alternates(output, page.url, config)


def localize(output, words):
    """``output`` with the interface's English replaced by ``words[english]``."""
    if not words:
        return output
    escaped = {html.escape(english): html.escape(word) for english, word in words.items()}
    either = "|".join(map(re.escape, escaped))
    output = re.sub(
        rf'(?<=\s)({ATTRIBUTES})="({either})"', lambda m: f'{m[1]}="{escaped[m[2]]}"', output
    )
    return re.sub(rf">(\s*)({either})(\s*)<", lambda m: f">{m[1]}{escaped[m[2]]}{m[3]}<", output)


def absolute_alternates(output, url, config):
    """The page at ``url`` with absolute alternates, and one for ``x-default``."""
    matches = list(ALTERNATE.finditer(output))
    if not config.site_url or not matches:
        return output
    here = urljoin(config.site_url, url)

    def link(href, language):
        absolute = html.escape(urljoin(here, html.unescape(href)))
        attributes = f'href="{absolute}" hreflang="{language}" data-relative="{href}"'
        return f'<link rel="alternate" {attributes}>'

    default = default_language(config)
    x_default = next((m[1] for m in matches if m[2] == default), matches[0][1])
    end = matches[-1].end()
    head = ALTERNATE.sub(lambda m: link(m[1], m[2]), output[:end])
    script = SERVED_ELSEWHERE.format(site_url=json.dumps(config.site_url))
    return f"{head}\n{link(x_default, 'x-default')}\n{script}{output[end:]}"


def default_language(config):
    i18n = config.plugins.get("i18n")
    languages = i18n.config.languages if i18n else []
    return next((language.locale for language in languages if language.default), None)
