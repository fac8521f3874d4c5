"""The example cache: keys that say why a page runs again, runs stored whole, eviction."""

import dataclasses
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from mkdocs_run_examples import environment
from mkdocs_run_examples.environment import Environment
from mkdocs_run_examples.fences import find_fences
from mkdocs_run_examples.keys import Key, Reason, explain, page_key
from mkdocs_run_examples.labels import language_labels
from mkdocs_run_examples.records import Failure, FailureKind, FenceOutput, PageRun
from mkdocs_run_examples.store import RunCache

PARTS = {
    "python": "3.11.7 (main, Jan  1 2024, 00:00:00) [GCC 12.2.0]",
    "dot": "dot - graphviz version 2.43.0 (0)",
    "plugin": "a" * 64,
    "lock": None,
    "distributions": {"keras": "3.15.1", "numpy": "2.4.6", "rich": "14.0.0"},
}
ENVIRONMENT = Environment.from_parts(PARTS)
# Modules the process of every job runs (see execution.py): the plugin's digest covers them.
JOB_RUNS = ("execution", "records", "runner", "describe", "figures", "notebooks")


def fence(code, skip=False, continues=False, expect_error=False):
    return SimpleNamespace(
        code=code, skip=skip, continues=continues, expect_error=expect_error, timeout=None
    )


def image(data):
    return ("plot.png", hashlib.sha256(data).hexdigest(), data)


def a_run(*images, stdout="3\n"):
    return PageRun(
        outputs=[
            FenceOutput(stdout=stdout, images=list(images), truncated=12, error=""),
            FenceOutput(skipped=True),
            FenceOutput(error="Traceback (most recent call last):\nZeroDivisionError\n"),
        ],
        seconds=1.5,
    )


def a_failure():
    return Failure(1, FailureKind.RAISED, "ZeroDivisionError: division by zero")


# Storing runs


def test_a_run_round_trips_with_every_field(tmp_path):
    run = a_run(image(b"png"))
    key = page_key([fence("print(3)")], ENVIRONMENT, {})
    assert RunCache(tmp_path).put(key, run, page="p.md")
    again = RunCache(tmp_path).get(key.digest)
    assert again == run
    assert again.outputs[0].truncated == 12 and again.outputs[2].error.endswith("Error\n")
    assert RunCache(tmp_path).get("other") is None
    assert list((tmp_path / "images").iterdir()) == [
        tmp_path / "images" / f"{image(b'png')[1]}.png"
    ]


def test_records_without_the_new_fields_still_load(tmp_path):
    data = b"old"
    record = {
        "outputs": [{"stdout": "1\n", "skipped": False, "images": [["a.png", "d1"]]}],
        "seconds": 2.0,
    }
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "d1.png").write_bytes(data)
    (tmp_path / "old.json").write_text(json.dumps(record))
    run = RunCache(tmp_path).get("old")
    assert run.outputs == [FenceOutput(stdout="1\n", images=[("a.png", "d1", data)])]
    assert run.seconds == 2.0


def test_a_failed_run_is_not_stored(tmp_path):
    run = dataclasses.replace(a_run(), failure=a_failure())
    key = page_key([fence("1 / 0")], ENVIRONMENT, {})
    store = RunCache(tmp_path)
    assert store.put(key, run, page="p.md") is False
    assert store.get(key) is None and RunCache(tmp_path).get(key) is None
    assert store.reasons("p.md", key) == ["not in the cache"]


def test_notebook_outputs_round_trip(tmp_path):
    key = page_key([fence("x = 1")], ENVIRONMENT, {})
    outputs = [[{"output_type": "stream", "name": "stdout", "text": "1\n"}], []]
    RunCache(tmp_path).put_notebook(key, outputs, page="train.ipynb")
    assert RunCache(tmp_path).get_notebook(key.digest) == outputs
    assert RunCache(tmp_path).get_notebook("other") is None


# The environment


def fake_distributions(*found):
    """Distributions as importlib.metadata gives them: a .dist-info folder, or metadata."""

    def distributions():
        for folder, metadata in found:
            yield SimpleNamespace(
                _path=Path("/site-packages") / folder,
                metadata=metadata,
                version=metadata and metadata["Version"],
            )

    return distributions


def test_every_distribution_is_in_the_environment(monkeypatch):
    monkeypatch.setattr(
        environment.importlib.metadata,
        "distributions",
        fake_distributions(
            ("rich-14.0.0.dist-info", None),
            ("Keras-3.15.1.dist-info", None),
            ("rich-13.0.0.dist-info", None),  # further on sys.path: import finds the first
            ("convblocks.egg-info", {"Name": "ConvBlocks", "Version": "0.1.0"}),
            ("scikit_learn-1.9.1.dist-info", None),
        ),
    )
    before = Environment.current()
    assert before.parts["distributions"] == {
        "convblocks": "0.1.0",
        "keras": "3.15.1",
        "rich": "14.0.0",
        "scikit-learn": "1.9.1",
    }
    monkeypatch.setattr(
        environment.importlib.metadata,
        "distributions",
        fake_distributions(
            ("rich-14.1.0.dist-info", None),
            ("Keras-3.15.1.dist-info", None),
            ("convblocks.egg-info", {"Name": "ConvBlocks", "Version": "0.1.0"}),
            ("pydot-4.0.1.dist-info", None),
        ),
    )
    after = Environment.current()
    assert after.digest != before.digest
    assert explain(
        page_key([fence("x = 1")], before, {}).manifest,
        page_key([fence("x = 1")], after, {}).manifest,
    ) == ["pydot added", "rich 14.0.0 → 14.1.0", "scikit-learn removed"]


def test_the_real_environment(tmp_path):
    start = time.perf_counter()
    environment = Environment.current()
    seconds = time.perf_counter() - start
    print(
        f"\nEnvironment.current(): {seconds * 1000:.1f} ms for "
        f"{len(environment.parts['distributions'])} distributions"
    )
    parts = environment.parts
    assert parts["distributions"]["keras"] and parts["python"].startswith(
        ".".join(map(str, os.sys.version_info[:2]))
    )
    assert parts["dot"] and parts["lock"] is None and len(parts["plugin"]) == 64
    assert Environment.current().digest == environment.digest
    lock = tmp_path / "requirements.lock"
    lock.write_text("keras==3.15.1\n")
    locked = Environment.current(lock)
    assert locked.parts["lock"] and locked.digest != environment.digest
    assert Environment.current(tmp_path / "missing.lock").parts["lock"] is None
    lock.write_text("keras==3.15.2\n")
    assert explain(
        page_key([], locked, {}).manifest, page_key([], Environment.current(lock), {}).manifest
    ) == ["the lock file changed"]


def test_environment_changes_are_explained():
    def changed(**parts):
        old = page_key([fence("x = 1")], ENVIRONMENT, {})
        new = page_key([fence("x = 1")], Environment.from_parts({**PARTS, **parts}), {})
        assert new.digest != old.digest
        return explain(old.manifest, new.manifest)

    assert changed(python="3.12.1 (main) [GCC]") == ["Python 3.11.7 → 3.12.1"]
    assert changed(dot="dot - graphviz version 12.0.0") == ["Graphviz dot changed"]
    assert changed(plugin="b" * 64) == ["the plugin's runner changed"]
    assert changed(lock="c" * 64) == ["the lock file changed"]
    assert changed(distributions={**PARTS["distributions"], "keras": "3.15.2"}) == [
        "keras 3.15.1 → 3.15.2"
    ]


def a_copy_of_the_plugin(tmp_path):
    """A copy of this package's folder, which the digest can be pointed at and edited in."""
    copy = tmp_path / "mkdocs_run_examples"
    shutil.copytree(environment.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_the_plugin_digest_covers_the_modules_a_job_runs_and_no_other(tmp_path):
    package = a_copy_of_the_plugin(tmp_path)
    found = environment.job_modules(package)
    print(f"\nthe job's modules: {', '.join(found)}")
    assert {f"mkdocs_run_examples.{name}" for name in JOB_RUNS} <= found.keys()
    before = environment.plugin_digest(package)
    for path in found.values():
        text = path.read_text(encoding="utf-8")
        path.write_text(f"{text}\n# edited\n", encoding="utf-8")
        assert environment.plugin_digest(package) != before, path.name
        path.write_text(text, encoding="utf-8")
    assert environment.plugin_digest(package) == before
    for name in ("render.py", "plugin.py", "store.py"):  # the build's own modules
        assert f"mkdocs_run_examples.{name[:-3]}" not in found
        with (package / name).open("a", encoding="utf-8") as file:
            file.write("\nEDITED = True\n")
        assert environment.plugin_digest(package) == before, name


def test_a_module_the_job_comes_to_import_is_covered(tmp_path):
    package = a_copy_of_the_plugin(tmp_path)
    before = environment.plugin_digest(package)
    with (package / "runner.py").open("a", encoding="utf-8") as file:
        file.write("\n\ndef _later():\n    from . import render\n")
    assert "mkdocs_run_examples.render" in environment.job_modules(package)
    edited = environment.plugin_digest(package)
    assert edited != before
    with (package / "render.py").open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    assert environment.plugin_digest(package) != edited


def test_the_plugin_digest_is_kept_for_the_files_as_they_are(tmp_path):
    package = a_copy_of_the_plugin(tmp_path)
    memo = tmp_path / "cache" / "environment" / "plugin.json"
    found = environment.plugin_digest(package)
    assert environment.plugin_digest(package, memo) == found
    kept = json.loads(memo.read_text())
    assert kept["digest"] == found
    # Read, not found again: a digest the memo holds for these files is the answer.
    memo.write_text(json.dumps({**kept, "digest": "kept"}))
    assert environment.plugin_digest(package, memo) == "kept"
    # A module of the build changes the files, not the digest: found again, kept again.
    with (package / "render.py").open("a", encoding="utf-8") as file:
        file.write("\nEDITED = True\n")
    assert environment.plugin_digest(package, memo) == found
    assert json.loads(memo.read_text())["files"] != kept["files"]
    # A module a job runs changes both.
    with (package / "runner.py").open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    edited = environment.plugin_digest(package)
    assert edited != found
    assert environment.plugin_digest(package, memo) == edited
    memo.write_text("{not json")
    assert environment.plugin_digest(package, memo) == edited
    assert json.loads(memo.read_text())["digest"] == edited


def test_every_form_of_import_is_followed(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    modules = {
        "__init__": "",
        "execution": (
            "import os\nimport pkg.a\nfrom pkg import b\nfrom .c import name\n"
            "from . import d as dee\nfrom .sub import h\n\n\n"
            "def run():\n    from pkg.e import g\n"
        ),
        "a": "",
        "b": "",
        "c": "name = 1",
        "d": "",
        "e": "g = 1",
        "sub/__init__": "",
        "sub/h": "from .. import i\n",
        "i": "",
        "never": "",
    }
    for name, text in modules.items():
        (package / f"{name}.py").write_text(text)
    found = environment.job_modules(package)
    assert list(found) == [
        "pkg",
        *(f"pkg.{name}" for name in ("a", "b", "c", "d", "e", "execution", "i")),
        "pkg.sub",
        "pkg.sub.h",
    ]
    assert found["pkg.sub"] == package / "sub" / "__init__.py"


# Keys and their explanations


def test_explain_fences():
    def key(*fences):
        return page_key(list(fences), ENVIRONMENT, {}).manifest

    a, b, c, d = (fence(f"print({n})") for n in "abcd")
    assert explain(None, key(a)) == ["not in the cache"]
    assert explain(key(a, b), key(a, b)) == []
    assert explain(key(a, b, c), key(a, d, c)) == ["code of fence 2 changed"]
    assert explain(key(a, b, c), key(a, d, b, c)) == ["fence 2 added"]
    assert explain(key(a, b, c), key(a, c)) == ["fence 2 removed"]
    assert explain(key(a, b, c), key(a, b, c, d)) == ["fence 4 added"]
    assert explain(key(a, b), key(a, SimpleNamespace(**{**vars(b), "skip": True}))) == [
        "fence 2 is now skipped"
    ]
    assert explain(key(a, b), key(a, SimpleNamespace(**{**vars(b), "expect_error": True}))) == [
        "fence 2 now expects an error"
    ]


def test_the_code_of_a_skipped_fence_is_not_in_the_key():
    shown = page_key([fence("x = 1"), fence("raise SystemExit", skip=True)], ENVIRONMENT, {})
    other = page_key([fence("x = 1"), fence("raise KeyError", skip=True)], ENVIRONMENT, {})
    assert shown == other and shown.digest == other.digest
    ran = page_key([fence("x = 1"), fence("raise KeyError")], ENVIRONMENT, {})
    assert ran != shown and explain(shown.manifest, ran.manifest) == [
        "fence 2 is no longer skipped"
    ]


def test_explain_definitions(tmp_path):
    source = tmp_path / "pkg"
    source.mkdir()
    (source / "__init__.py").write_text("")
    blocks = "def vgg():\n    return 1\n\n\ndef resnet():\n    return 2\n"
    (source / "blocks.py").write_text(blocks)
    sources = {"pkg": source}
    vgg_page = [fence("from pkg.blocks import vgg\nprint(vgg())")]
    plain = [fence("print(1)")]
    before = page_key(vgg_page, ENVIRONMENT, sources)
    plain_before = page_key(plain, ENVIRONMENT, sources)
    assert before.manifest["definitions"].keys() == {"pkg.blocks.vgg"}
    (source / "blocks.py").write_text(
        "def vgg():\n    return 10\n\n\ndef resnet():\n    return 2\n"
    )
    after = page_key(vgg_page, ENVIRONMENT, sources)
    assert explain(before.manifest, after.manifest) == ["pkg.blocks.vgg changed"]
    assert page_key(plain, ENVIRONMENT, sources) == plain_before
    both = [fence("from pkg.blocks import vgg, resnet\nprint(vgg(), resnet())")]
    assert explain(after.manifest, page_key(both, ENVIRONMENT, sources).manifest) == [
        "code of fence 1 changed",
        "pkg.blocks.resnet added",
    ]
    whole = page_key([fence("import pkg")], ENVIRONMENT, sources)
    assert "pkg (whole package)" in whole.manifest["definitions"]
    json.dumps(whole.manifest)  # stored as it is


def test_prose_does_not_change_the_key_and_pages_keyed_alike_share_it(tmp_path):
    page = "```python\nprint(1)\n```\n"
    key = page_key(find_fences(page), ENVIRONMENT, {})
    assert page_key(find_fences(f"Prose.\n\n{page}"), ENVIRONMENT, {}) == key
    assert isinstance(key, Key) and {key: 1}[Key(key.digest, {})] == 1


def test_reasons_compare_with_the_last_stored_run_of_the_page(tmp_path):
    store = RunCache(tmp_path)
    old = page_key([fence("print(1)")], ENVIRONMENT, {})
    assert store.reasons("vgg.md", old) == ["not in the cache"]
    store.put(old, a_run(), page="vgg.md")
    new = page_key([fence("print(2)")], ENVIRONMENT, {})
    assert RunCache(tmp_path).reasons("vgg.md", new) == ["code of fence 1 changed"]
    assert RunCache(tmp_path).reasons("resnet.md", new) == ["not in the cache"]
    (tmp_path / f"{old.digest}.json").unlink()  # the same key, its run gone
    assert RunCache(tmp_path).reasons("vgg.md", old) == ["not in the cache"]


def test_a_reason_is_its_english_text_and_says_itself_in_other_words():
    before = page_key([fence("print(1)"), fence("x = 1")], ENVIRONMENT, {})
    after = page_key([fence("print(2)")], ENVIRONMENT, {})
    reasons = explain(before.manifest, after.manifest)
    assert reasons == ["code of fence 1 changed", "fence 2 removed"]  # as the log says them
    labels = language_labels(
        "zh",
        {
            "zh": {
                "reason_code_changed": "第 {fence} 个代码块的代码有改动",
                "reason_fence_removed": "删除了第 {fence} 个代码块",
            }
        },
    )
    assert [reason.say(labels) for reason in reasons] == [
        "第 1 个代码块的代码有改动",
        "删除了第 2 个代码块",
    ]
    stored = json.loads(json.dumps([reason.stored() for reason in reasons]))
    again = [Reason.from_stored(value) for value in stored]
    assert again == reasons and [r.fields for r in again] == [{"fence": 1}, {"fence": 2}]
    assert Reason.from_stored(["reason_no_such_label", {}]) is None
    assert Reason.from_stored(["reason_code_changed", {"line": 1}]) is None  # not its field
    assert Reason.from_stored("not in the cache") is None


def test_the_cache_keeps_why_each_stored_run_ran(tmp_path):
    """Why a run ran is kept with it: a later build that takes it from the cache says it."""
    store = RunCache(tmp_path)
    old = page_key([fence("print(1)")], ENVIRONMENT, {})
    assert store.reasons("vgg.md", old) == ["not in the cache"]  # a build asks, then runs
    store.put(old, a_run(), "vgg.md")
    assert RunCache(tmp_path).ran_because("vgg.md", old) == ["not in the cache"]
    new = page_key([fence("print(2)")], ENVIRONMENT, {})
    assert RunCache(tmp_path).ran_because("vgg.md", new) is None  # the page's run is old's
    store.reasons("vgg.md", new)
    store.put(new, a_run(), "vgg.md")
    [reason] = RunCache(tmp_path).ran_because("vgg.md", new)
    assert reason == "code of fence 1 changed" and reason.label == "reason_code_changed"
    notebook = page_key([fence("6 * 7")], ENVIRONMENT, {})
    store.reasons("train.ipynb", notebook)
    store.put_notebook(notebook, {"cells": []}, page="train.ipynb")
    assert RunCache(tmp_path).ran_because("train.ipynb", notebook) == ["not in the cache"]
    store.put(old, a_run(), "old.md")  # stored without asking why (as before reasons were kept)
    assert RunCache(tmp_path).ran_because("old.md", old) is None


# Eviction


def age(directory, seconds=3600):
    """Make ``directory`` and all in it look written ``seconds`` ago (by a past build)."""
    past = time.time() - seconds
    for path in [directory, *(directory.rglob("*") if directory.is_dir() else [])]:
        os.utime(path, (past, past))


def files(directory):
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def test_eviction_keeps_what_the_build_used_across_languages_and_rebuilds(tmp_path):
    shared, only_a, new_a = image(b"shared"), image(b"only a"), image(b"new a")
    key_a = page_key([fence("a = 1")], ENVIRONMENT, {})
    key_b = page_key([fence("b = 1")], ENVIRONMENT, {})
    key_c = page_key([fence("c = 1")], ENVIRONMENT, {})
    key_nb = page_key([fence("nb = 1")], ENVIRONMENT, {})

    # A first build: English runs the pages, Chinese reuses them; then eviction.
    store = RunCache(tmp_path)
    store.begin()
    store.put(key_a, a_run(shared, only_a), page="a.md")
    store.put(key_b, a_run(shared), page="b.md")
    store.put(key_c, a_run(), page="c.md")
    store.put_notebook(key_nb, [[]], page="train.ipynb")
    for folder in ("nb1", "nb2"):
        (tmp_path / "notebooks" / folder).mkdir(parents=True)
        (tmp_path / "notebooks" / folder / "train.ipynb").write_text("{}")
    store.use_path(tmp_path / "notebooks" / "nb1" / "train.ipynb")
    (tmp_path / "rendered" / "en-1").mkdir(parents=True)
    (tmp_path / "rendered" / "en-1" / "x.html").write_text("mkdocs-jupyter's")
    (tmp_path / f".{key_a.digest}.json.k3j4h5g6").write_text("half")
    age(tmp_path / "notebooks" / "nb2")  # left by an older build
    age(tmp_path / f".{key_a.digest}.json.k3j4h5g6")
    (tmp_path / f".{key_b.digest}.json.w1r2i3t4").write_text("another build is writing this")
    for key in (key_a, key_b, key_c):
        assert store.get(key.digest) is not None  # the Chinese pages
    assert store.get_notebook(key_nb.digest) == [[]]
    removed = store.evict()
    assert {p.name for p in removed} == {"nb2", f".{key_a.digest}.json.k3j4h5g6"}
    assert (tmp_path / f".{key_b.digest}.json.w1r2i3t4").exists()
    age(tmp_path)

    # A later build (a new process): a.md edited, c.md deleted, the notebook ran again.
    store = RunCache(tmp_path)
    store.begin()
    assert store.reasons("a.md", page_key([fence("a = 2")], ENVIRONMENT, {})) == [
        "code of fence 1 changed"
    ]
    key_a2 = page_key([fence("a = 2")], ENVIRONMENT, {})
    store.put(key_a2, a_run(new_a), page="a.md")
    assert store.get(key_b) is not None
    assert store.get_notebook(key_nb) == [[]]
    (tmp_path / "notebooks" / "nb3").mkdir()
    (tmp_path / "notebooks" / "nb3" / "train.ipynb").write_text("{}")
    store.use_path(tmp_path / "notebooks" / "nb3")
    (tmp_path / "images" / ".fresh.png.f1r2e3s4").write_text("another build is writing this")
    for _ in range(2):  # the second language, then serve's rebuilds
        for key in (key_a2, key_b):
            assert store.get(key.digest) is not None
        assert store.get_notebook(key_nb.digest) == [[]]
        store.evict()
        assert files(tmp_path) == {
            f"{key_a2.digest}.json",
            f"{key_b.digest}.json",
            f"{key_nb.digest}.notebook.json",
            f"images/{shared[1]}.png",
            f"images/{new_a[1]}.png",
            "images/.fresh.png.f1r2e3s4",
            "manifests/a.md.json",
            "manifests/b.md.json",  # kept though only read: its run is kept
            "manifests/train.ipynb.json",
            "notebooks/nb3/train.ipynb",
            "rendered/en-1/x.html",
        }
        store.begin()
    assert RunCache(tmp_path).get(key_b).outputs[0].images == [shared]
    assert RunCache(tmp_path).get(key_a2).outputs[0].images == [new_a]


def test_eviction_keeps_what_another_build_just_used(tmp_path):
    key = page_key([fence("a = 1")], ENVIRONMENT, {})
    RunCache(tmp_path).put(key, a_run(image(b"x")), page="a.md")
    age(tmp_path)
    other, this = RunCache(tmp_path), RunCache(tmp_path)
    this.begin()
    assert other.get(key) is not None  # touches it: a build in another process uses it
    assert this.evict() == []
    age(tmp_path)
    assert len(RunCache(tmp_path).evict()) == 3  # the run, its image, its manifest
    assert RunCache(tmp_path).get(key) is None


def test_a_run_held_in_memory_is_stored_again_if_another_build_removed_it(tmp_path):
    key = page_key([fence("a = 1")], ENVIRONMENT, {})
    store = RunCache(tmp_path)
    store.put(key, a_run(image(b"x")), page="a.md")
    age(tmp_path)
    RunCache(tmp_path).evict()
    assert RunCache(tmp_path).get(key) is None
    store.begin()
    assert store.get(key) is not None
    assert RunCache(tmp_path).get(key) == a_run(image(b"x"))


@pytest.mark.parametrize("keep_by", ["use", "evict"])
def test_a_run_kept_by_the_caller_survives(tmp_path, keep_by):
    key = page_key([fence("a = 1")], ENVIRONMENT, {})
    RunCache(tmp_path).put(key, a_run(), page="a.md")
    age(tmp_path)
    store = RunCache(tmp_path)
    if keep_by == "use":
        store.use(key)
        store.evict()
    else:
        store.evict(keep={key.digest})
    assert RunCache(tmp_path).get(key) is not None
