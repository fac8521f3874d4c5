"""Each block's snippet section is a program of its own: no convblocks needed."""

import inspect
import json
import subprocess
import sys

import markdown
from helpers import ROOT

from convblocks import vgg_block

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


def expand(markdown_text):
    """Expand ``--8<--`` lines as the site does, with pymdownx.snippets."""
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": {"base_path": [str(ROOT)], "check_paths": True}},
    )
    return "\n".join(md.preprocessors["snippet"].run(markdown_text.splitlines()))


def listing(section):
    """What a reader copies: the module's imports and the block's section, then a use of it."""
    module, call, _ = SECTIONS[section]
    path = f"src/convblocks/blocks/{module}"
    source = expand(f'--8<-- "{path}:imports"\n--8<-- "{path}:{section}"')
    return f"import keras\n{source}\ninputs = keras.Input(shape=(64, 64, 3))\n" + (
        f"params = keras.Model(inputs, {call}).count_params()\n"
    )


def test_each_section_runs_without_convblocks():
    """Every listing, run in one new Python where ``import convblocks`` fails."""
    for section in SECTIONS:
        assert "convblocks" not in listing(section)
        assert f"def {section}(" in listing(section)
    runner = "\n".join(
        [
            "import json, sys",
            "sys.modules['convblocks'] = None  # a reader's Python, without the package",
            "results = {}",
            "for name, code in json.loads(sys.stdin.read()).items():",
            "    namespace = {}",
            "    exec(code, namespace)",
            "    results[name] = namespace['params']",
            "print(json.dumps(results))",
        ]
    )
    programs = json.dumps({name: listing(name) for name in SECTIONS})
    result = subprocess.run(
        [sys.executable, "-c", runner],
        input=programs,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    params = json.loads(result.stdout.splitlines()[-1])
    assert params == {name: expected for name, (_, _, expected) in SECTIONS.items()}


def test_sections_are_the_library_code():
    """The section is cut from the function the library runs, not a copy."""
    section = expand('--8<-- "src/convblocks/blocks/vgg.py:vgg_block"')
    source = inspect.getsource(vgg_block)
    assert source.startswith("@checks.checked(")
    function = source.split("# --8<-- [start:vgg_block]\n")[1].split("# --8<-- [end:vgg_block]")[0]
    assert section.strip() == function.strip()
