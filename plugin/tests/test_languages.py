"""Images drawn for one language (``languages``): ``cost.de.svg`` on the German page only.

The names and labels that say a language, which page shows what, and a real build of a
site in two languages (mkdocs-static-i18n) whose page and notebook draw a chart in each
language, in one run.
"""

import html
import re

import pytest
from test_out_of_the_box import built, project, two_languages

from mkdocs_run_examples.languages import file_language, named_language, shown
from mkdocs_run_examples.notebooks import figure_facts, for_language

SITE_LANGUAGES = ["en", "zh", "pt-BR"]
FIGURE = re.compile(r'<figure class="cb-image">.*?</figure>', re.DOTALL)
ALT = re.compile(r' alt="([^"]*)"')
CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>")
PRINTED = re.compile(r'<pre class="cb-stdout"><code>(.*?)</code></pre>', re.DOTALL)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
INLINE_PNG = re.compile(r'<img alt="([^"]*)"[^>]*? src="data:image/png;base64,([^"]+)"')

# Drawn once per language, as the page's code: saved under a name that ends with its
# language, or shown labelled with it; the last figure names no language.
PAGE_CODE = """\
import uuid

import matplotlib.pyplot as plt

print(uuid.uuid4())  # the same on both pages: one run
for language, title in {"en": "cost", "de": "Kosten"}.items():
    fig, ax = plt.subplots(label=f"cost.{language}")
    ax.set_title(title)
    fig.savefig(f"cost.{language}.svg")
    plt.show()
fig, ax = plt.subplots()
ax.set_title("42")
fig.savefig("both.png")
"""
NOTEBOOK_CELLS = [
    "%matplotlib inline\nimport uuid\n\nimport matplotlib.pyplot as plt\n\nprint(uuid.uuid4())",
    'for language, title in {"en": "cost", "de": "Kosten"}.items():\n'
    '    fig, ax = plt.subplots(label=f"cost.{language}")\n'
    "    ax.set_title(title)\n"
    "    plt.show()",
]


@pytest.mark.parametrize(
    ("label", "language"),
    [
        ("cost.zh", "zh"),
        ("cost.pt-BR", "pt-BR"),
        ("cost.zh_CN", "zh_CN"),
        ("cost", ""),  # no language
        ("zh", ""),  # a name, not a name and its language
        ("Figure 1. Loss", ""),  # not a code
        ("model.v2", ""),
    ],
)
def test_a_figure_s_label_names_its_language_after_its_last_dot(label, language):
    assert named_language(label) == language


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("cost.zh.svg", "zh"),
        ("plots/cost.en.png", "en"),
        ("figure-3.zh.png", "zh"),
        ("cost.svg", ""),
        ("zh.svg", ""),
        ("plot.v2.png", ""),
    ],
)
def test_a_file_names_its_language_before_its_suffix(name, language):
    assert file_language(name) == language


@pytest.mark.parametrize(
    ("name", "page_language", "expected"),
    [
        ("cost.zh.svg", "zh", True),
        ("cost.zh.svg", "en", False),  # another of the site's languages
        ("cost.en.svg", "zh", False),
        ("cost.svg", "en", True),  # named after no language: every page shows it
        ("cost.pt_BR.svg", "pt-BR", True),  # one code, in any spelling
        ("cost.fr.svg", "en", True),  # not a language of this site: a name like any other
        ("cost.new.svg", "zh", True),
    ],
)
def test_a_page_shows_its_language_s_images_and_those_of_no_language(name, page_language, expected):
    assert shown(file_language(name), page_language, SITE_LANGUAGES) is expected


def test_a_site_of_one_language_shows_every_image():
    """Without mkdocs-static-i18n the plugin knows no languages: nothing is left out."""
    assert shown("zh", "", []) and shown("en", "", [])


def test_a_notebook_keeps_the_figures_of_its_language_and_their_facts_in_order():
    def figure(label, texts):
        facts = {"kind": "chart", "texts": texts, "label": label}
        return {
            "output_type": "display_data",
            "data": {"image/png": "iVBORw0KGgo="},
            "metadata": {"image/png": {"run-examples": facts}},
        }

    printed = {"output_type": "stream", "name": "stdout", "text": "42\n"}
    cells = [
        {"outputs": [printed], "execution_count": 1},
        {
            "outputs": [
                figure("cost.en", ["cost"]),
                figure("cost.zh", ["开销"]),
                figure("", ["both"]),
            ],
            "execution_count": 2,
        },
    ]
    chinese = for_language(cells, "zh", ["en", "zh"])
    assert chinese[0] == cells[0]
    assert [facts["texts"] for facts in figure_facts(chinese)] == [["开销"], ["both"]]
    english = for_language(cells, "en", ["en", "zh"])
    assert [facts["texts"] for facts in figure_facts(english)] == [["cost"], ["both"]]
    assert len(cells[1]["outputs"]) == 3  # the run's record is left as it was


def test_each_language_s_page_and_notebook_show_its_charts_from_one_run(tmp_path):
    """A site in English and German: the page saves and shows a chart per language, the
    notebook shows one per language; each page shows its own language's and the one
    named after none, with its alt text; both pages print the same run's uuid."""
    import nbformat

    i18n = two_languages("de", "Deutsch")
    config = {
        "site_name": "charts",
        "theme": {"name": "mkdocs"},
        # Imported before the page, as a site that draws charts would: its savefig is
        # watched from the first fence on (a chart's alt text is made of its words).
        "plugins": [
            {"i18n": i18n},
            {"run-examples": {"preload": ["matplotlib.pyplot"]}},
            "mkdocs-jupyter",
        ],
    }
    page = f"# Chart\n\n```python\n{PAGE_CODE}```\n"
    folder = project(tmp_path, config, {"en/index.md": page, "de/index.md": page})
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Book")]
        + [nbformat.v4.new_code_cell(code) for code in NOTEBOOK_CELLS]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for language in ("en", "de"):
        nbformat.write(notebook, folder / "docs" / language / "book.ipynb")
    site = built(folder)

    pages = {language: site / prefix for language, prefix in [("en", ""), ("de", "de/")]}
    shown_on, printed = {}, {}
    for language, where in pages.items():
        text = (where / "index.html").read_text(encoding="utf-8")
        shown_on[language] = {
            CAPTION.search(figure)[1]: html.unescape(ALT.search(figure)[1])
            for figure in FIGURE.findall(text)
        }
        printed[language] = PRINTED.findall(text)
    # Each drawing described by its own words (the plugin's labels are English on both).
    assert shown_on["en"] == {
        "cost.en.svg": "Chart: cost",
        "figure-1.en.png": "Chart: cost",
        "both.png": "Chart: 42",
    }
    assert shown_on["de"] == {
        "cost.de.svg": "Chart: Kosten",
        "figure-2.de.png": "Chart: Kosten",
        "both.png": "Chart: 42",
    }
    assert printed["en"] == printed["de"] != []

    books = {
        language: (where / "book" / "index.html").read_text(encoding="utf-8")
        for language, where in pages.items()
    }
    figures = {language: INLINE_PNG.findall(text) for language, text in books.items()}
    assert [html.unescape(alt) for alt, _ in figures["en"]] == ["Chart: cost"]
    assert [html.unescape(alt) for alt, _ in figures["de"]] == ["Chart: Kosten"]
    assert figures["en"][0][1] != figures["de"][0][1]  # two drawings
    uuids = {language: UUID.findall(text) for language, text in books.items()}
    assert uuids["en"] == uuids["de"] != []  # of one run
