"""A contributor's journey, played in a copy of the repository: a new block module, an
English and a Chinese page including it with a figure in the prose; the build passes; a
one-number difference in the Chinese code fails it naming both lines; an edit of the
block under serve runs that page again; the checklist names each step still missing."""

import sys
import time
import urllib.request

from helpers import ROOT, build_copy, copy_environment
from test_checklist import missing_steps

sys.path.insert(0, str(ROOT / "plugin" / "tests"))
from test_files import free_port, serving, wait_for

BLOCK = '''"""DenseNet's dense block."""

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]


# --8<-- [start:dense_block]
def dense_block(inputs, n_layers, growth_rate):
    """``n_layers`` 3x3 convolutions, each seeing all the feature maps before it."""
    x = inputs
    for _ in range(n_layers):
        y = layers.Conv2D(growth_rate, (3, 3), padding="same", activation="relu")(x)
        x = layers.Concatenate()([x, y])
    return x
    # --8<-- [end:dense_block]
'''
FENCE = """```python
import keras

--8<-- "src/convblocks/blocks/densenet.py:imports"
--8<-- "src/convblocks/blocks/densenet.py:dense_block"

inputs = keras.Input(shape=(32, 32, 3))
model = keras.Model(inputs, dense_block(inputs, 2, 12))
print(model.count_params())
```
"""
PAGES = {
    "en": f"# Dense blocks {{#dense}}\n\n{FENCE}\nThe block has {{{{ model.count_params() }}}} "
    "parameters.\n",
    "zh": f"# 稠密块 {{#dense}}\n\n{FENCE}\n这个模块有 {{{{ model.count_params() }}}} 个参数。\n",
}


def test_a_new_block_and_its_pages_from_start_to_serve(repository):
    copy = repository
    (copy / "src/convblocks/blocks/densenet.py").write_text(BLOCK)
    for language, text in PAGES.items():
        (copy / "docs" / language / "dense.md").write_text(text, encoding="utf-8")
    config = (copy / "mkdocs.yml").read_text("utf-8")
    (copy / "mkdocs.yml").write_text(
        config.replace("  - glossary.md\n", "  - glossary.md\n  - dense.md\n", 1)
    )

    # The checklist names what the new block still lacks, step by step.
    assert len(missing_steps(copy)["dense_block"]) == 6  # not the section, not the page

    built = build_copy(copy)
    assert built.returncode == 0, built.stderr
    for folder, shown in [
        ("", "The block has 1,968 parameters"),
        ("zh/", "这个模块有 1,968 个参数"),
    ]:
        assert shown in (copy / "site" / folder / "dense" / "index.html").read_text("utf-8")

    # One number differs in the Chinese code: the build names both lines.
    chinese = copy / "docs/zh/dense.md"
    chinese.write_text(
        PAGES["zh"].replace("dense_block(inputs, 2, 12)", "dense_block(inputs, 3, 12)")
    )
    failed = build_copy(copy)
    assert failed.returncode != 0
    assert (
        "docs/zh/dense.md: its code differs from docs/en/dense.md's, at docs/en/dense.md:10 / "
        "docs/zh/dense.md:10: 'model = keras.Model(inputs, dense_block(inputs, 2, 12))' / "
        "'model = keras.Model(inputs, dense_block(inputs, 3, 12))'"
    ) in failed.stderr, failed.stderr
    chinese.write_text(PAGES["zh"], encoding="utf-8")

    # Under serve, an edit of the block runs the page again and serves the new figure.
    log = copy.parent / "serve.log"
    address = f"127.0.0.1:{free_port()}"
    block = copy / "src/convblocks/blocks/densenet.py"
    with serving(copy, log, address, copy_environment(copy)) as server:
        block.write_text(BLOCK.replace("padding=", "use_bias=False, padding="))
        wait_for(log, "running docs/en/dense.md", server, seconds=300)
        deadline = time.monotonic() + 300
        while "The block has 1,944 parameters" not in served(address, "dense/"):
            assert time.monotonic() < deadline, log.read_text("utf-8")
            time.sleep(1)
    assert log.read_text("utf-8").count("running docs/en/dense.md") == 1


def served(address, path):
    with urllib.request.urlopen(f"http://{address}/{path}", timeout=60) as response:
        return response.read().decode("utf-8")
