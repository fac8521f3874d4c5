"""The MkDocs hooks of hooks/, one function at a time: no site build, no TensorFlow.

Each test's docstring names a change to its hook that makes it fail.
"""

import importlib.util
import logging
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import jieba
import pytest
from helpers import ROOT
from jinja2 import DictLoader, Environment, FileSystemBytecodeCache
from mkdocs.config import load_config

from mkdocs_run_examples.offered import offered_notebooks


def load_hook(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


repository, interface, sitemaps, templates, search = map(
    load_hook, ["repository", "interface", "sitemaps", "templates", "search"]
)


@pytest.fixture(scope="module")
def config():
    """The site's mkdocs.yml with its plugins loaded (about 2 s, the imports)."""
    return load_config(str(ROOT / "mkdocs.yml"))


def page(src_uri):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), edit_url=None)


# --- repository.py: "Edit this page" and "Open in Colab" -------------------------------

TITLE, BODY = '<h1 id="vgg">VGG</h1>\n', "<p>Text.</p>\n"
DOWNLOAD_LINKS = '<p class="cb-downloads"><a href="vgg.ipynb" download>Notebook</a></p>\n'
OPEN_IN_COLAB = {"en": "Open in Colab", "zh": "在 Colab 中打开"}


@pytest.fixture
def known_repository(monkeypatch):
    monkeypatch.setenv("CONVBLOCKS_REPOSITORY", "someone/convblocks")


def test_edit_url_only_when_the_repository_is_known(monkeypatch):
    """Fails if the URL loses docs/ (``edit/main/{page.file.src_uri}``)."""
    monkeypatch.setenv("CONVBLOCKS_REPOSITORY", "someone/convblocks")
    edit_url = repository.on_pre_page(page("zh/vgg.md"), None, None).edit_url
    assert edit_url == "https://github.com/someone/convblocks/edit/main/docs/zh/vgg.md"
    monkeypatch.delenv("CONVBLOCKS_REPOSITORY")
    # Fails if on_pre_page sets it anyway (``if True:``).
    assert repository.on_pre_page(page("zh/vgg.md"), None, None).edit_url is None


def test_every_offered_notebook_opens_in_colab(config, known_repository, caplog):
    """Fails if notebook pages get no link (``source.suffix != ".ipynb"`` dropped)."""
    offered = offered_notebooks(ROOT / "mkdocs.yml")
    assert {"en/train.ipynb", "zh/train.ipynb", "en/vgg.ipynb", "zh/vgg.ipynb"} <= set(offered)
    downloads = config.plugins["run-examples"].config.downloads
    for path in offered:
        language, name = path.split("/")
        stem = PurePosixPath(name).stem
        source = f"{language}/{stem}.md" if stem in downloads else path  # else a notebook page
        assert (ROOT / "docs" / source).is_file()
        colab = f"https://colab.research.google.com/github/someone/convblocks/blob/main/notebooks/{path}"
        link = f'<a href="{colab}">{OPEN_IN_COLAB[language]}</a>'
        if source.endswith(".md"):  # run-examples' download links under the title
            content = TITLE + DOWNLOAD_LINKS + BODY
            # Fails if the link goes before the download links (``end = start``).
            expected = TITLE + DOWNLOAD_LINKS.replace("</p>", f" · {link}</p>") + BODY
        else:
            content = TITLE + BODY
            expected = f'<p class="cb-downloads">{link}</p>\n' + content
        assert repository.on_page_content(content, page(source), config, None) == expected, path
        assert (ROOT / "notebooks" / path).is_file()
    assert not caplog.records  # fails if the warning is for notebooks that are there


def test_no_colab_link_without_a_notebook_or_the_repository(config, monkeypatch):
    """Fails if every Markdown page gets a link (``and source.stem in downloads`` dropped)."""
    monkeypatch.setenv("CONVBLOCKS_REPOSITORY", "someone/convblocks")
    assert repository.on_page_content(BODY, page("en/api.md"), config, None) == BODY
    monkeypatch.delenv("CONVBLOCKS_REPOSITORY")
    # Fails if the link is made without the repository (``if name else None`` dropped).
    assert repository.on_page_content(BODY, page("en/vgg.md"), config, None) == BODY


def test_a_missing_notebook_is_reported(config, known_repository, caplog, tmp_path):
    """Fails without the ``log.warning``."""
    config_file = tmp_path / "mkdocs.yml"  # no notebooks/ beside it
    elsewhere = SimpleNamespace(plugins=config.plugins, config_file_path=str(config_file))
    with caplog.at_level(logging.WARNING):
        html = repository.on_page_content(BODY, page("en/vgg.md"), elsewhere, None)
    assert "notebooks/en/vgg.ipynb is not in the repository" in caplog.text
    assert "colab.research.google.com" in html


# --- interface.py: the interface's words, absolute alternates --------------------------


def test_the_theme_takes_the_i18n_builds_language_before_mkdocstrings_reads_it(config):
    """Fails without ``@event_priority(50)`` (mkdocstrings' on_config would read the theme's
    language first), or if on_config sets no language."""
    events = config.plugins.events["config"]
    hook = config.plugins["hooks/interface.py"].on_config
    assert events.index(hook) < events.index(config.plugins["mkdocstrings"].on_config)
    i18n, language = config.plugins["i18n"], config.theme["language"]
    i18n.current_language = "zh"  # as it is when it starts the Chinese build
    try:
        assert hook(config).theme["language"] == "zh"
    finally:
        i18n.current_language, config.theme["language"] = None, language


def test_localize_replaces_exactly_the_english_escaped():
    """Fails if ``placeholder`` leaves ATTRIBUTES, or ``html.escape`` goes (``&amp;``)."""
    words = {"Permanent link": "永久链接", "Tom & Jerry": "猫<和>鼠"}
    page = (
        '<a title="Permanent link" aria-label="Tom &amp; Jerry">¶</a>'
        '<img alt="Permanent link"><input placeholder="Permanent link">'
        "<button>\n  Tom &amp; Jerry\n</button>"
    )
    assert interface.localize(page, words) == (
        '<a title="永久链接" aria-label="猫&lt;和&gt;鼠">¶</a>'
        '<img alt="永久链接"><input placeholder="永久链接">'
        "<button>\n  猫&lt;和&gt;鼠\n</button>"
    )


def test_localize_leaves_longer_texts_alone():
    """Fails if a text matches without its end (``(\\s*)<`` dropped)."""
    page = '<p>Permanent link here</p><span data-title="Permanent link"></span>'
    # data-title fails if an attribute matches without a space before it (``(?<=\\s)``).
    assert interface.localize(page, {"Permanent link": "永久链接"}) == page
    assert interface.localize(page, {}) == page  # fails without the early return (KeyError)


SITE_URL = "https://example.org/convblocks/"
ALTERNATES = (
    '<head>\n<link rel="alternate" href="./" hreflang="zh">\n'
    '<link rel="alternate" href="../../vgg/" hreflang="en">\n</head>'
)


def test_alternates_are_made_absolute_with_an_x_default(config):
    """Fails if hrefs are joined to site_url instead of the page's URL."""
    site = SimpleNamespace(site_url=SITE_URL, plugins=config.plugins)
    script = interface.SERVED_ELSEWHERE.format(site_url=f'"{SITE_URL}"')
    assert interface.absolute_alternates(ALTERNATES, "zh/vgg/", site) == (
        "<head>\n"
        f'<link rel="alternate" href="{SITE_URL}zh/vgg/" hreflang="zh" data-relative="./">\n'
        f'<link rel="alternate" href="{SITE_URL}vgg/" hreflang="en" data-relative="../../vgg/">\n'
        # Fails if the x-default is the first alternate, zh (``x_default = matches[0][1]``).
        f'<link rel="alternate" href="{SITE_URL}vgg/" hreflang="x-default" '
        'data-relative="../../vgg/">\n'
        f"{script}\n</head>"
    )


def test_alternates_unchanged_without_site_url_or_alternates(config):
    """Fails if ``not config.site_url`` is not checked (the hrefs become "absolute")."""
    no_site_url = SimpleNamespace(site_url=None, plugins=config.plugins)
    assert interface.absolute_alternates(ALTERNATES, "zh/vgg/", no_site_url) == ALTERNATES
    site = SimpleNamespace(site_url=SITE_URL, plugins=config.plugins)
    assert interface.absolute_alternates("<head></head>", "zh/vgg/", site) == "<head></head>"


def test_default_language_is_the_i18n_plugins(config):
    """Fails if the first language that is not the default is taken (``not language.default``)."""
    assert interface.default_language(config) == "en"
    assert interface.default_language(SimpleNamespace(plugins={})) is None


# --- sitemaps.py: a sitemap.xml beside every page ---------------------------------------

PAGES = ["index.html", "vgg/index.html", "zh/index.html", "zh/vgg/index.html", "api/index.html"]


def built_pages(site):
    for path in PAGES:
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text("<html></html>")
    (site / "assets").mkdir()


def test_the_root_sitemap_is_copied_beside_every_page(tmp_path):
    """Fails if an existing sitemap is overwritten (the ``exists()`` check dropped)."""
    built_pages(tmp_path)
    (tmp_path / "sitemap.xml").write_text("root")
    (tmp_path / "api" / "sitemap.xml").write_text("own")
    sitemaps.on_post_build(SimpleNamespace(site_dir=str(tmp_path)))
    sitemap_texts = {
        path.relative_to(tmp_path).as_posix(): path.read_text()
        for path in tmp_path.rglob("sitemap.xml")
    }
    assert sitemap_texts == {
        "sitemap.xml": "root",
        "vgg/sitemap.xml": "root",
        "zh/sitemap.xml": "root",
        "zh/vgg/sitemap.xml": "root",  # fails if one level is searched (``glob("*/...")``)
        "api/sitemap.xml": "own",
    }


def test_no_sitemap_copied_without_a_root_one(tmp_path):
    """Fails if the early return goes (copyfile raises FileNotFoundError)."""
    built_pages(tmp_path)
    sitemaps.on_post_build(SimpleNamespace(site_dir=str(tmp_path)))
    assert not list(tmp_path.rglob("sitemap.xml"))


# --- templates.py: compiled templates kept between builds -------------------------------


def test_templates_compiled_in_one_build_are_loaded_by_the_next(tmp_path, monkeypatch):
    """Fails if on_env sets no bytecode cache, or puts it elsewhere than .cache/jinja."""
    config = SimpleNamespace(config_file_path=str(tmp_path / "mkdocs.yml"))
    loader = DictLoader({"page.html": "<h1>{{ title }}</h1>"})
    first = templates.on_env(Environment(loader=loader), config, None)
    assert first.get_template("page.html").render(title="VGG") == "<h1>VGG</h1>"
    assert isinstance(first.bytecode_cache, FileSystemBytecodeCache)
    assert len(list((tmp_path / ".cache" / "jinja").iterdir())) == 1
    second = templates.on_env(Environment(loader=loader), config, None)
    monkeypatch.setattr(second, "compile", lambda *args, **kwargs: pytest.fail("compiled again"))
    assert second.get_template("page.html").render(title="VGG") == "<h1>VGG</h1>"


# --- search.py: a dictionary of the site's words for jieba -------------------------------
# (An index per language, without outputs: these below, and the built site's in test_phone.py.)

FULL_DICTIONARY = """\
卷积 100 n
神经 50 n
神经网络 80 n
网络 60 n
络模 5 n
模型 40 n
图像 30 n
"""


def test_the_dictionary_keeps_the_words_of_the_runs_and_the_total(tmp_path):
    """Fails if a run's last characters are not searched (``min(...)`` without ``+ 1``)."""
    full = tmp_path / "dict.txt"
    full.write_text(FULL_DICTIONARY, encoding="utf-8")
    reduced = tmp_path / "cache" / "dict-reduced.txt"
    search._write_dictionary(full, {"卷积神经网络", "模型"}, reduced)
    lines = reduced.read_text(encoding="utf-8").splitlines()
    # Not 络模 (across two runs) nor 图像; 30 + 5 for them, so that the total stays 365:
    # fails if the UNUSED entry carries the whole total (``- sum(... kept)`` dropped).
    kept = ["卷积 100 n", "神经 50 n", "神经网络 80 n", "网络 60 n", "模型 40 n"]
    assert lines == [*kept, f"{search.UNUSED} 35 x"]
    assert sum(int(line.split(" ")[1]) for line in lines) == 365


def test_jieba_cuts_a_page_with_the_reduced_dictionary_as_with_the_whole(tmp_path):
    """Fails without the UNUSED entry (不过本站 is cut 不过/本/站). ~4 s: the whole dictionary."""
    runs = sorted(set(search.HAN.findall((ROOT / "docs" / "zh" / "vgg.md").read_text("utf-8"))))
    whole = Path(jieba.__file__).parent / "dict.txt"
    reduced = tmp_path / "reduced.txt"
    search._write_dictionary(whole, runs, reduced)
    tokenizers = [jieba.Tokenizer(dictionary=str(path)) for path in (whole, reduced)]
    for tokenizer in tokenizers:
        tokenizer.tmp_dir = str(tmp_path)  # its cache here, not in the system's temp folder
    cuts_whole, cuts_reduced = ([t.lcut(run) for run in runs] for t in tokenizers)
    assert cuts_reduced == cuts_whole


def test_on_config_writes_the_dictionary_once_per_text(tmp_path, monkeypatch):
    """Fails if the dictionary is written again for the same text (``if not path.exists()``)."""
    (tmp_path / "jieba").mkdir()
    (tmp_path / "jieba" / "dict.txt").write_text(FULL_DICTIONARY, encoding="utf-8")
    monkeypatch.setattr(jieba, "__file__", str(tmp_path / "jieba" / "__init__.py"))
    loaded = []
    monkeypatch.setattr(jieba, "set_dictionary", loaded.append)
    monkeypatch.setattr(jieba, "initialize", lambda: None)  # the global jieba stays as it is
    project = tmp_path / "project"
    (project / "docs" / "zh").mkdir(parents=True)
    (project / "mkdocs.yml").write_text("label: 模型\n", encoding="utf-8")
    (project / "docs" / "zh" / "vgg.md").write_text("# 卷积神经网络\n", encoding="utf-8")
    config = SimpleNamespace(
        config_file_path=str(project / "mkdocs.yml"), docs_dir=str(project / "docs"), plugins={}
    )
    search.on_config(config)
    (written,) = (project / ".cache" / "jieba").glob("dict-*.txt")
    assert "模型 40 n" in written.read_text(encoding="utf-8")  # fails without ".yml" read
    written.write_text("kept", encoding="utf-8")
    search.on_config(config)
    assert written.read_text(encoding="utf-8") == "kept"
    # A new text, a new dictionary: fails if the runs are left out of the file's digest.
    (project / "docs" / "zh" / "images.md").write_text("图像\n", encoding="utf-8")
    search.on_config(config)
    assert len(list(written.parent.glob("dict-*.txt"))) == 2
    assert loaded[:2] == [str(written)] * 2 and loaded[2] != str(written)


# --- search.py: what Material's search reads of a page, and where a page searches -------

OUTPUT = (  # run-examples' output: a summary table (a <div> in the <div>), printed text
    '<div class="cb-output">\n<div class="cb-summary"><table><tr><td>conv2d</td></tr></table>'
    '</div>\n<pre class="cb-stdout"><code>Total params: 1,792</code></pre>\n</div>'
)


def test_outputs_are_cut_out_whole_however_nested():
    """Fails if an output ends at the first ``</div>`` in it (as with Material's
    ``data-search-exclude``), or the elements around it go too."""
    html = f"<p>Before.</p>\n{OUTPUT}\n<div><p>After.</p></div>{OUTPUT}"
    assert (
        search.without_classes(html, search.NOT_INDEXED)
        == "<p>Before.</p>\n\n<div><p>After.</p></div>"
    )


def test_material_indexes_the_page_without_outputs_and_the_page_keeps_them():
    """Fails if the search plugin's index is not wrapped, or the page's content stays cut."""
    from material.plugins.search.plugin import SearchIndex

    index = SearchIndex(lang=["en"], separator=" ", pipeline=[], fields={})
    add_entry = search._indexing_without_outputs(index.add_entry_from_context)
    content = f'<h1 id="vgg">VGG</h1>\n<p>Code.</p>\n{OUTPUT}'
    shown = SimpleNamespace(content=content, meta={}, toc=[], url="vgg/", title="VGG")
    add_entry(shown)
    assert [entry["text"] for entry in index.entries] == ["<p>Code.</p>"]
    assert shown.content == content


CONFIG_SCRIPT = (  # as Material writes it (Jinja's tojson: keys sorted)
    '<script id="__config" type="application/json">'
    '{"annotate": null, "base": "../..", "features": []}</script>'
)


def test_a_chinese_page_searches_its_language_s_folder(config):
    """Fails if the base is left at the site's root (the English index), or set on an
    English page."""
    zh = search.on_post_page(CONFIG_SCRIPT, SimpleNamespace(url="zh/vgg/"), config)
    assert zh == CONFIG_SCRIPT.replace('"base": "../.."', '"base": "../../zh/"')
    missing = CONFIG_SCRIPT.replace("../..", "/")  # the 404 page's, absolute
    assert '"base": "/zh/"' in search.on_post_page(
        missing, SimpleNamespace(url="zh/404.html"), config
    )
    assert search.on_post_page(CONFIG_SCRIPT, SimpleNamespace(url="vgg/"), config) == CONFIG_SCRIPT
