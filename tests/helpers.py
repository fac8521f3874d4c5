"""What several test files share: the repository root, a model of one block, and the one
way the tests run ``mkdocs build``. Imported by name (``from helpers import ...``); the
fixtures are in conftest.py, which no test imports."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def block_model(block, input_shape, *args, **kwargs):
    """A model of ``block`` alone on an input of ``input_shape``."""
    import keras  # here, not at the top: pytest-xdist's controller imports conftest too

    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, block(inputs, *args, **kwargs))


def mkdocs_build(project=ROOT, *options, **environment):
    """``mkdocs build --strict`` of ``project`` (the site by default, with its example
    cache), without the repository variable unless given; the CompletedProcess."""
    env = {name: value for name, value in os.environ.items() if name != "CONVBLOCKS_REPOSITORY"}
    env.update(NO_MKDOCS_2_WARNING="1", **environment)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", *options],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
    )


def build_site(site_dir, **environment):
    """The whole site built into ``site_dir``; the build must pass."""
    result = mkdocs_build(ROOT, "-d", str(site_dir), **environment)
    assert result.returncode == 0, result.stderr[-5000:]
    return Path(site_dir)
