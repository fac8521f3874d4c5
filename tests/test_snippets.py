"""Each block's snippet section is a program of its own: no convblocks needed."""

import inspect
import sys

import pytest
from helpers import KERAS, LazyModule, site_expander

convblocks = LazyModule("convblocks")
pytestmark = KERAS

SECTIONS = {
    "vgg_block": ("vgg.py", "vgg_block(inputs, 64, 2)", 38_720),
    "naive_inception_module": (
        "inception.py",
        "naive_inception_module(inputs, 64, 128, 32)",
        6_272,
    ),
    "inception_module": (
        "inception.py",
        "inception_module(inputs, 64, 96, 128, 16, 32, 32)",
        124_384,
    ),
    "residual_module": ("resnet.py", "residual_module(inputs, 64)", 38_976),
    "bottleneck_residual_module": ("resnet.py", "bottleneck_residual_module(inputs, 16)", 4_368),
}


def listing(section):
    """What a reader copies: the module's imports and the block's section, then a use of it."""
    module, call, _ = SECTIONS[section]
    path = f"src/convblocks/blocks/{module}"
    source = site_expander().expand(f'--8<-- "{path}:imports"\n--8<-- "{path}:{section}"')
    return f"import keras\n{source}\ninputs = keras.Input(shape=(64, 64, 3))\n" + (
        f"params = keras.Model(inputs, {call}).count_params()\n"
    )


def test_each_section_runs_without_convblocks(monkeypatch):
    """Every listing, run where ``import convblocks`` fails, as in a reader's Python."""
    # The package itself too: imported or not yet, whatever ran before in this process.
    imported = [name for name in sys.modules if name.split(".")[0] == "convblocks"]
    for name in {"convblocks", *imported}:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError):
        import convblocks.blocks.vgg  # noqa: F401
    params = {}
    for section in SECTIONS:
        code = listing(section)
        assert "convblocks" not in code and f"def {section}(" in code
        namespace = {}
        exec(compile(code, f"<{section}>", "exec"), namespace)
        params[section] = namespace["params"]
    assert params == {name: expected for name, (_, _, expected) in SECTIONS.items()}


def test_sections_are_the_library_code():
    """The section is cut from the function the library runs, not a copy."""
    section = site_expander().expand('--8<-- "src/convblocks/blocks/vgg.py:vgg_block"')
    source = inspect.getsource(convblocks.vgg_block)
    assert source.startswith("@checks.checked(")
    function = source.split("# --8<-- [start:vgg_block]\n")[1].split("# --8<-- [end:vgg_block]")[0]
    assert section.strip() == function.strip()
