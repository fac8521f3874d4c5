"""The plugin in a project that is not the ConvBlocks site: the README's quick start as
written, the labels of the language a site is built in (with mkdocs-static-i18n or
without), the execution report's JSON kept out of the site unless asked for, the stylesheet
before the site's own, and failures that show no path of the machine that built the site.

Each test builds a real site in a temporary folder with this Python's MkDocs.
"""

import html
import os
import re
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from test_example_site import run_python

from mkdocs_run_examples.labels import word_space

README = Path(__file__).parents[1] / "README.md"
# A fence of the README with a file name: ```yaml title="mkdocs.yml" (its closing fence
# as long as its opening one: the page's own fences are inside a longer one).
TITLED_FENCE = re.compile(
    r'^(?P<fence>`{3,})\w+ title="(?P<name>[^"]+)"\n(?P<text>.*?)^(?P=fence)$',
    re.MULTILINE | re.DOTALL,
)
PRINTED = re.compile(r'<pre class="cb-stdout[^"]*"><code>(.*?)</code></pre>', re.DOTALL)
PROVENANCE = re.compile(r'<p class="cb-provenance">(.*?)</p>')
DOWNLOADS = re.compile(r'<p class="cb-downloads">(.*?)</p>')
PAGE = "# Page\n\n```python\nprint(6 * 7)\n```\n"


def mkdocs(project, *arguments, env=None):
    """``mkdocs <arguments>`` run in ``project`` by this Python, its output captured."""
    return run_python(project, "-m", "mkdocs", *arguments, env=env)


def project(folder, config, pages):
    """A project in ``folder``: ``config`` (a dict) as its mkdocs.yml, ``pages`` ({path
    under docs/: Markdown})."""
    for name, text in pages.items():
        (folder / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "docs" / name).write_text(text, encoding="utf-8")
    (folder / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def built(project, **env):
    """``project`` built with ``--strict`` into its site/ folder (``env``: more variables)."""
    result = mkdocs(project, "build", "--strict", "-d", "site", env={**os.environ, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


def download_links(page_html):
    """The text of each paragraph of download links: their labels as a reader sees them."""
    return [re.sub(r"<[^>]+>", "", links) for links in DOWNLOADS.findall(page_html)]


def printed(page_html):
    return [html.unescape(text) for text in PRINTED.findall(page_html)]


def test_the_readmes_quick_start_builds_as_written(tmp_path):
    """The quick start's files, as the README gives them, in an empty folder, built by the
    command it gives. Its ``pip install mkdocs-run-examples`` is not run: this Python has
    the plugin already (the checkout's), and a test installs nothing from PyPI."""
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    quick_start = quick_start.split("\n## ", 1)[0]
    files = {m["name"]: m["text"] for m in TITLED_FENCE.finditer(quick_start)}
    assert set(files) == {"mkdocs.yml", "docs/index.md"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    commands = re.findall(r"^```console\n(.*?)^```$", quick_start, re.MULTILINE | re.DOTALL)
    assert commands[0].startswith("pip install mkdocs-run-examples")
    assert commands[1].strip() == "mkdocs build --strict"
    result = mkdocs(tmp_path, "build", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    [shown] = re.findall(r"^```text\n(.*?)^```$", quick_start, re.MULTILINE | re.DOTALL)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert printed(page) == [shown.rstrip("\n")]
    assert '<link href="assets/run-examples.css" rel="stylesheet">' in page


@pytest.mark.parametrize(
    ("theme", "labels_language"),
    [
        ({"name": "mkdocs", "locale": "fr"}, "fr"),
        ({"name": "mkdocs", "locale": "pt_BR"}, "pt"),  # a region takes its language's
        ({"name": "readthedocs", "locale": "pt_BR"}, "pt-BR"),  # or its own, in any spelling
        ({"name": "material", "language": "zh-Hant"}, "zh"),
    ],
    ids=["mkdocs-fr", "mkdocs-pt_BR-from-pt", "readthedocs-pt_BR", "material-zh-Hant-from-zh"],
)
def test_labels_are_those_of_the_themes_language_without_i18n(tmp_path, theme, labels_language):
    words = f"Produit ({labels_language}) par {{versions}}."
    config = {
        "site_name": "t",
        "theme": theme,
        "plugins": [{"run-examples": {"labels": {labels_language: {"provenance": words}}}}],
    }
    site = built(project(tmp_path, config, {"index.md": PAGE}))
    page = (site / "index.html").read_text(encoding="utf-8")
    [provenance] = PROVENANCE.findall(page)
    assert provenance.startswith(f"Produit ({labels_language}) par Python ")


def two_languages(locale="zh", name="中文"):
    """mkdocs-static-i18n's options for a site in English and one more language, each in a
    folder of ``docs/``."""
    return {
        "docs_structure": "folder",
        "languages": [
            {"locale": "en", "name": "English", "default": True, "build": True},
            {"locale": locale, "name": name, "build": True},
        ],
    }


def test_labels_are_those_of_each_language_build_with_i18n(tmp_path):
    """mkdocs-static-i18n builds English, then Chinese: each page in its build's words,
    keyed by the language code, not by the folder the page is in. The two download links
    are joined as each language writes: by a space in English, by none between Chinese
    characters."""
    i18n = two_languages()
    labels = {
        "zh": {
            "provenance": "本页的输出由 {versions} 生成。",
            "notebook": "下载本页的 Jupyter 笔记本",
            "script": "或 Python 脚本",
        }
    }
    config = {
        "site_name": "t",
        "theme": {"name": "mkdocs"},
        "plugins": [{"i18n": i18n}, {"run-examples": {"labels": labels, "downloads": ["index"]}}],
    }
    pages = {"en/index.md": PAGE, "zh/index.md": PAGE.replace("Page", "页")}
    site = built(project(tmp_path, config, pages))
    chinese_page = (site / "zh" / "index.html").read_text(encoding="utf-8")
    english_page = (site / "index.html").read_text(encoding="utf-8")
    [english] = PROVENANCE.findall(english_page)
    [chinese] = PROVENANCE.findall(chinese_page)
    assert download_links(english_page) == [
        "Download this page as a Jupyter notebook or as a Python script"
    ]
    assert download_links(chinese_page) == ["下载本页的 Jupyter 笔记本或 Python 脚本"]
    assert english.startswith("The outputs on this page were produced on ")
    assert chinese.startswith("本页的输出由 Python ")
    assert '<link href="../assets/run-examples.css" rel="stylesheet">' in chinese_page


@pytest.mark.parametrize(
    ("before", "after", "space"),
    [
        ("Jupyter notebook", "or as a Python script", " "),
        ("Jupyter 笔记本", "或 Python 脚本", ""),  # Chinese: none between two characters
        ("ノートブック", "または Python スクリプト", ""),  # Japanese: kana and kanji alike
        ("Jupyter 노트북", "또는 Python 스크립트", " "),  # Korean spaces its words
        ("Jupyter 笔记本", "Python script", " "),
        ("notebook", "或 Python 脚本", " "),
    ],
    ids=["en", "zh", "ja", "ko", "zh-en", "en-zh"],
)
def test_labels_side_by_side_are_spaced_as_words_unless_both_sides_are_cjk(before, after, space):
    assert word_space(before, after) == space


@pytest.mark.parametrize(
    ("labels", "error"),
    [
        ({"fr": {"faild": "Échec"}}, "fr: unknown label 'faild'"),
        ({"fr": {"truncated": "{cont:,} de plus"}}, "fr.truncated: no field cont"),
        ({"failed": "Échec"}, "'failed' is not a language code"),
    ],
    ids=["label", "field", "language"],
)
def test_a_wrong_label_is_a_configuration_error_naming_it(tmp_path, labels, error):
    config = {"site_name": "t", "plugins": [{"run-examples": {"labels": labels}}]}
    result = mkdocs(project(tmp_path, config, {"index.md": PAGE}), "build", "--strict")
    assert result.returncode != 0
    assert error in result.stderr
    assert "running" not in result.stderr  # found before any page ran


@pytest.mark.parametrize("report", [False, True])
def test_the_execution_report_is_in_the_site_only_when_asked_for(tmp_path, report):
    options = {"cache_dir": "cache", "report": report} if report else {"cache_dir": "cache"}
    config = {"site_name": "t", "plugins": [{"run-examples": options}]}
    site = built(project(tmp_path, config, {"index.md": PAGE}))
    in_cache = tmp_path / "cache" / "report"
    assert '"executions": 1' in (in_cache / "execution-report.json").read_text()
    assert "| index.md | 1 | 1 |" in (in_cache / "execution-report.md").read_text()
    assert (site / "execution-report.json").exists() == report
    if report:
        json = (in_cache / "execution-report.json").read_bytes()
        assert (site / "execution-report.json").read_bytes() == json
    assert not (site / "execution-report.md").exists()  # the site's readers: `executions`


def test_the_sites_stylesheets_come_after_the_plugins(tmp_path):
    """The site's own rules win over the plugin's; a site's own assets/run-examples.css
    replaces the plugin's."""
    config = {"site_name": "t", "extra_css": ["site.css"], "plugins": ["run-examples"]}
    pages = {"index.md": PAGE, "site.css": ".cb-output { border: 0; }\n"}
    site = built(project(tmp_path, config, pages))
    links = re.findall(r'<link href="([^"]+)" rel="stylesheet">', (site / "index.html").read_text())
    assert links[-2:] == ["assets/run-examples.css", "site.css"]

    (tmp_path / "docs" / "assets").mkdir()
    (tmp_path / "docs" / "assets" / "run-examples.css").write_text("/* the site's */\n")
    site = built(tmp_path)
    assert (site / "assets" / "run-examples.css").read_text() == "/* the site's */\n"


def test_failures_show_no_path_of_the_machine(tmp_path):
    """A fence failing inside the standard library, one failing in a module of a package
    beside the project (found through PYTHONPATH), and an expected error raised there: the
    pages show paths from the project or from the import root, and never the project's
    folder, the environment's (sys.prefix), the home folder or the temporary folder."""
    library = tmp_path / "lib" / "helper"
    library.mkdir(parents=True)
    (library / "__init__.py").write_text("")
    (library / "broken.py").write_text(
        "def parse(text):\n    import json\n\n    return json.loads(text)\n"
    )
    expected_then_json = (
        "# A\n\n<!--pytest-codeblocks:expect-error-->\n```python\n"
        'from helper.broken import parse\nparse("[")\n```\n\n'
        '```python\nimport json\njson.loads("{")\n```\n'
    )
    in_helper = '# B\n\n```python\nfrom helper.broken import parse\nparse("{")\n```\n'
    config = {"site_name": "t", "plugins": [{"run-examples": {"cache_dir": "cache"}}]}
    folder = project(
        tmp_path / "project", config, {"index.md": expected_then_json, "b.md": in_helper}
    )
    pythonpath = os.pathsep.join(
        filter(None, [str(tmp_path / "lib"), os.environ.get("PYTHONPATH")])
    )
    result = mkdocs(
        folder, "build", "--strict", "-d", "site", env={**os.environ, "PYTHONPATH": pythonpath}
    )
    assert result.returncode != 0  # two fences failed
    first = (folder / "site" / "index.html").read_text(encoding="utf-8")
    second = (folder / "site" / "b" / "index.html").read_text(encoding="utf-8")
    [expected] = printed(first)
    assert 'File "helper/broken.py", line 4, in parse' in expected
    for page, fence in [(first, "docs/index.md:11"), (second, "docs/b.md:5")]:
        [box] = re.findall(r'<div class="admonition failure">.*?</div>', page, re.DOTALL)
        assert html.escape(f"{fence}: fence") in box
        assert 'File "json/decoder.py"' in html.unescape(box)
    assert 'File "helper/broken.py", line 4, in parse' in html.unescape(second)
    machine = {
        str(folder.resolve()),
        str(tmp_path.resolve()),
        sys.prefix,
        sys.base_prefix,
        str(Path.home()),
        tempfile.gettempdir(),
        str(Path(tempfile.gettempdir()).resolve()),
    }
    machine = {path for path in machine if len(Path(path).parts) > 1}  # not a home of "/"
    for page in (first, second):
        text = html.unescape(page)
        assert [path for path in machine if path in text] == []
    # The log names the same files the same way.
    assert 'File "helper/broken.py", line 4, in parse' in result.stderr
    assert str(tmp_path) not in result.stderr.replace(f"{folder / 'site'}", "")


def test_a_notebook_page_builds_without_i18n(tmp_path):
    """mkdocs-jupyter beside the plugin on a site of one language: the notebook runs once,
    its output and headings on its page (its anchors its own, no language's twin)."""
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# A notebook"), nbformat.v4.new_code_cell("6 * 7")]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    config = {
        "site_name": "notebook",
        "theme": {"name": "mkdocs"},
        "plugins": ["run-examples", "mkdocs-jupyter"],
    }
    folder = project(tmp_path, config, {"index.md": PAGE})
    nbformat.write(notebook, folder / "docs" / "book.ipynb")
    page = (built(folder) / "book" / "index.html").read_text(encoding="utf-8")
    assert 'id="a-notebook"' in page and "42" in page
    assert PROVENANCE.search(page)


def test_fences_as_material_users_write_them_run_and_keep_their_attributes(tmp_path):
    """``title``, ``linenums`` and ``hl_lines`` stay on the highlighted block, and the
    fence's output follows it; ```py and ~~~ fences run too."""
    page = (
        "# Attributes\n\n"
        '```python title="squares.py" linenums="1" hl_lines="2"\n'
        "squares = [n * n for n in range(4)]\nprint(squares)\n```\n\n"
        '~~~py\nprint("tildes")\n~~~\n'
    )
    config = {
        "site_name": "attributes",
        "theme": {"name": "material"},
        "markdown_extensions": ["pymdownx.highlight", "pymdownx.superfences"],
        "plugins": ["run-examples"],
    }
    html_page = (built(project(tmp_path, config, {"index.md": page})) / "index.html").read_text(
        encoding="utf-8"
    )
    assert '<span class="filename">squares.py</span>' in html_page
    assert 'class="linenos"' in html_page or "linenodiv" in html_page
    assert '<span class="hll">' in html_page
    assert printed(html_page) == ["[0, 1, 4, 9]", "tildes"]
    block, output = html_page.index("squares.py"), html_page.index("[0, 1, 4, 9]")
    assert block < output < html_page.index("tildes</code>")
