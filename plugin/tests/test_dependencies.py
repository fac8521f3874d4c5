"""The cache key covers what a page uses of the package, down to the definitions."""

import os
import time

from mkdocs_run_examples.dependencies import reached_definitions

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
    return directory


def reached(listings, directory):
    return reached_definitions(listings, "pkg", directory)


def test_only_the_definitions_a_listing_reaches_by_name(tmp_path):
    directory = package(tmp_path)
    assert list(reached(["from pkg import g\nprint(g())"], directory)) == [
        "pkg.b.CONST",
        "pkg.b.g",
        "pkg.c.SCALE",
    ]
    found = reached(["from pkg import f"], directory)
    assert set(found) == {"pkg.a.f", "pkg.util.h", "pkg.util.decorate"}
    assert found["pkg.a.f"].startswith("@util.decorate\ndef f():")
    assert reached(["import os", "print(1)"], directory) == {}


def test_an_edit_changes_what_the_pages_that_use_it_reach_only(tmp_path):
    uses_f, uses_g = ["from pkg import f"], ["x = 1", "from pkg.b import g"]
    before = [reached(listing, package(tmp_path)) for listing in (uses_f, uses_g)]
    edited = package(tmp_path, **{"util.py": PACKAGE["util.py"].replace("1", "2")})
    after = [reached(listing, edited) for listing in (uses_f, uses_g)]
    assert before[1] == after[1]
    changed = {name for name in before[0] if before[0][name] != after[0][name]}
    assert changed == {"pkg.util.h"}


def test_an_edit_is_seen_even_with_the_same_size_and_time(tmp_path):
    """The parse is cached on the files' stat, whose change time no edit can set back."""
    directory = package(tmp_path)
    assert "return 1" in reached(["from pkg import f"], directory)["pkg.util.h"]
    util = directory / "util.py"
    stat = util.stat()
    time.sleep(0.05)  # past the file system clock's tick
    util.write_text(PACKAGE["util.py"].replace("1", "2"))
    os.utime(util, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert util.stat().st_size == stat.st_size
    assert "return 2" in reached(["from pkg import f"], directory)["pkg.util.h"]


def test_a_module_import_or_unparsable_code_counts_everything(tmp_path):
    directory = package(tmp_path)
    everything = reached(["import pkg"], directory)
    assert everything["pkg (whole package)"] == ""
    assert {"pkg.a.f", "pkg.b.g", "pkg.util.h", "pkg.c.UNUSED"} <= set(everything)
    assert reached(["from pkg import (g"], directory) == everything
    assert "pkg.b.g" in reached(["%matplotlib inline\nfrom pkg import g"], directory)


def test_module_code_and_names_the_package_lacks(tmp_path):
    directory = package(tmp_path, **{"c.py": "SCALE = 10\nUNUSED = 0\nprint('loaded')\n"})
    found = reached(["from pkg import g"], directory)
    assert found["pkg.c:<module code>"] == "print('loaded')"
    found = reached(["from pkg import nothing"], directory)
    assert found["pkg.nothing"] == "" and "pkg.c.UNUSED" in found


def test_pages_use_what_they_import_or_include_and_what_that_refers_to(tmp_path):
    """What "Used on these pages" lists: a listing that includes g's source (as the
    tutorial's do, with --8<--) uses g and what g refers to; one that imports f uses f and
    h, through f; one that imports the whole package is not counted for everything."""
    from types import SimpleNamespace

    from mkdocs_run_examples.usage import used_definitions

    directory = package(tmp_path)
    sources = {"pkg": directory}
    b_lines = PACKAGE["b.py"].count("\n")
    included = SimpleNamespace(
        code="def g(): ...\nprint(g())\n",
        skip=False,
        origins=(("pkg/b.py", b_lines - 1), ("page.md", 9)),  # a line inside g
    )
    imports = SimpleNamespace(code="from pkg import f\nf()\n", skip=False, origins=())
    whole = SimpleNamespace(code="import pkg\n", skip=False, origins=())
    assert used_definitions([included], sources, tmp_path) == {
        "pkg.b.g",
        "pkg.b.CONST",
        "pkg.c.SCALE",
    }
    assert used_definitions([imports], sources, tmp_path) == {
        "pkg.a.f",
        "pkg.util.h",
        "pkg.util.decorate",
    }
    assert used_definitions([whole], sources, tmp_path) == set()
