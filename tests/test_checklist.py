"""The Contributing page's checklists, checked: every public block has each step done,
every page is reachable, and what is missing is named, step by step.

Read from the sources (no Keras imported), so that a contributor sees the list at once.
"""

import ast
import re
import shutil
from pathlib import Path

import yaml
from helpers import ROOT

BLOCKS = Path("src/convblocks/blocks")


def public_blocks(root):
    """{block name: its module's file name} of every public function of the blocks."""
    return {
        node.name: path.name
        for path in sorted((root / BLOCKS).glob("*.py"))
        if path.name != "__init__.py"
        for node in ast.parse(path.read_text("utf-8")).body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }


def exported(root):
    """The names of ``convblocks.__all__``."""
    tree = ast.parse((root / "src/convblocks/__init__.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__all__"]:
            return set(ast.literal_eval(node.value))
    return set()


def missing_steps(root):
    """{block: [each step of the checklist not done, in its order, as a sentence]}."""
    text = {path: (root / path).read_text("utf-8") for path in CHECKED_FILES}
    pages = "\n".join(p.read_text("utf-8") for p in sorted((root / "docs/en").glob("*.md")))
    missing = {}
    for block, module in public_blocks(root).items():
        source = (root / BLOCKS / module).read_text("utf-8")
        dotted = f"convblocks.blocks.{module.removesuffix('.py')}.{block}"
        steps = [
            (f"# --8<-- [start:{block}]" in source, f"a snippet section in {BLOCKS / module}"),
            (block in exported(root), "exported: in convblocks/__init__.py and its __all__"),
            (f"::: {dotted}\n" in text["docs/en/api.md"], f"`::: {dotted}` in docs/en/api.md"),
            (f"::: {dotted}\n" in text["docs/zh/api.md"], f"`::: {dotted}` in docs/zh/api.md"),
            (
                f'--8<-- "{BLOCKS / module}:{block}"' in pages,
                f'a page of docs/en/ includes it: --8<-- "{BLOCKS / module}:{block}"',
            ),
            (
                f"convblocks.{block}" in text["tests/test_blocks.py"],
                "tests/test_blocks.py: its counts and shapes",
            ),
            (
                f'("{block}", ' in text["tests/test_checks.py"],
                "tests/test_checks.py: an entry of BLOCKS (its bad arguments)",
            ),
            (
                f'"{block}": (' in text["tests/test_snippets.py"],
                "tests/test_snippets.py: an entry of SECTIONS (its section runs alone)",
            ),
        ]
        absent = [step for done, step in steps if not done]
        if absent:
            missing[block] = absent
    return missing


CHECKED_FILES = [
    "docs/en/api.md",
    "docs/zh/api.md",
    "tests/test_blocks.py",
    "tests/test_checks.py",
    "tests/test_snippets.py",
]


def pages_outside_the_nav(root):
    """The pages of docs/en/ neither in mkdocs.yml's nav nor named in its not_in_nav."""
    config = yaml.load((root / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)
    in_nav = set(re.findall(r"[\w./-]+\.(?:md|ipynb)", yaml.safe_dump(config["nav"])))
    not_in_nav = set(config.get("not_in_nav", "").split())
    pages = {p.name for p in (root / "docs/en").iterdir() if p.suffix in (".md", ".ipynb")}
    return sorted(pages - in_nav - not_in_nav)


def test_every_block_has_each_step_of_the_checklist():
    assert missing_steps(ROOT) == {}


def test_every_page_is_in_the_navigation_or_said_not_to_be():
    assert pages_outside_the_nav(ROOT) == []


def test_a_new_block_is_told_each_step_it_misses_until_none(tmp_path):
    """A new block module, as a contributor starts it: each step is named until done."""
    root = tmp_path / "repository"
    for path in [BLOCKS, Path("docs/en"), *map(Path, CHECKED_FILES)]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (ROOT / path).is_dir() else shutil.copy
        copy(ROOT / path, root / path)
    shutil.copy(ROOT / "src/convblocks/__init__.py", root / "src/convblocks/__init__.py")
    shutil.copy(ROOT / "mkdocs.yml", root / "mkdocs.yml")
    module = root / BLOCKS / "densenet.py"
    module.write_text("def dense_block(inputs, n_layers, growth_rate):\n    return inputs\n")
    assert [len(steps) for steps in missing_steps(root).values()] == [8]

    def do(path, old, new):
        (root / path).write_text((root / path).read_text("utf-8").replace(old, new, 1))

    dotted = "convblocks.blocks.densenet.dense_block"
    edits = [
        (module, "def ", "# --8<-- [start:dense_block]\ndef "),
        ("src/convblocks/__init__.py", "__all__ = [", '__all__ = [\n    "dense_block",'),
        (
            "docs/en/api.md",
            "\n",
            f"\n::: {dotted}\n",
        ),
        ("docs/zh/api.md", "\n", f"\n::: {dotted}\n"),
        ("docs/en/vgg.md", "\n", '\n--8<-- "src/convblocks/blocks/densenet.py:dense_block"\n'),
        ("tests/test_blocks.py", "\n", "\n# convblocks.dense_block\n"),
        ("tests/test_checks.py", "BLOCKS = [", 'BLOCKS = [\n    ("dense_block", {}),'),
        ("tests/test_snippets.py", "SECTIONS = {", 'SECTIONS = {\n    "dense_block": (),'),
    ]
    for done, (path, old, new) in enumerate(edits, start=1):
        do(path, old, new)
        left = missing_steps(root).get("dense_block", [])
        assert len(left) == len(edits) - done, left
    assert missing_steps(root) == {}
    (root / "docs/en/dense.md").write_text("# Dense blocks\n")
    assert pages_outside_the_nav(root) == ["dense.md"]
