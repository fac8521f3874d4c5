"""The cache key covers what a page uses of the package, down to the definitions."""

from pathlib import Path

from mkdocs_run_examples.cache import sources_digest
from mkdocs_run_examples.dependencies import reached_sources

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = {
    "__init__.py": '"""A package."""\nfrom pkg.a import f\nfrom pkg.b import g\n',
    "a.py": "from pkg import util\n\n\n@util.decorate\ndef f():\n    return util.h()\n",
    "b.py": "from .c import SCALE\n\nCONST = 2\n\n\ndef g():\n    return CONST * SCALE\n",
    "c.py": "SCALE = 10\nUNUSED = 0\n",
    "util.py": "def h():\n    return 1\n\n\ndef decorate(function):\n    return function\n",
}


def package(tmp_path, **changes):
    directory = tmp_path / "pkg"
    directory.mkdir(exist_ok=True)
    for name, text in {**PACKAGE, **changes}.items():
        (directory / name).write_text(text)
    return {"pkg": str(directory)}


def reached(listings, sources):
    return "\n".join(reached_sources(listings, "pkg", sources["pkg"]))


def test_only_the_definitions_a_listing_reaches(tmp_path):
    sources = package(tmp_path)
    text = reached(["from pkg import g\nprint(g())"], sources)
    assert "def g" in text and "CONST = 2" in text and "SCALE = 10" in text
    assert "def f" not in text and "def h" not in text and "UNUSED" not in text
    text = reached(["from pkg import f"], sources)
    assert "def h" in text and "def decorate" in text and "def g" not in text


def test_an_edit_changes_the_digest_of_the_pages_that_use_it_only(tmp_path):
    uses_f, uses_g = ["from pkg import f"], ["x = 1", "from pkg.b import g"]
    before = [sources_digest(listing, package(tmp_path)) for listing in (uses_f, uses_g)]
    edited = package(tmp_path, **{"util.py": PACKAGE["util.py"].replace("1", "2")})
    after = [sources_digest(listing, edited) for listing in (uses_f, uses_g)]
    assert before[0] != after[0] and before[1] == after[1]
    assert sources_digest(["import os"], edited) == sources_digest([], edited)


def test_a_module_import_or_unparsable_code_counts_everything(tmp_path):
    sources = package(tmp_path)
    everything = reached(["import pkg"], sources)
    assert all(name in everything for name in ("def f", "def g", "def h", "UNUSED"))
    assert reached(["from pkg import (g"], sources) == everything
    assert "def g" in reached(["%matplotlib inline\nfrom pkg import g"], sources)


def test_residual_pages_do_not_depend_on_the_vgg_block():
    sources = ROOT / "src" / "convblocks"
    text = "\n".join(reached_sources(["from convblocks import resnet"], "convblocks", sources))
    assert "def residual_module" in text and "def checked" in text
    assert "def vgg_block" not in text
