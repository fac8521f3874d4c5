import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import pytest

ROOT = Path(__file__).resolve().parents[1]


def build(block, input_shape, *args, **kwargs):
    """A model of ``block`` alone on an input of ``input_shape``."""
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, block(inputs, *args, **kwargs))


def build_site(site_dir, **environment):
    """``mkdocs build --strict`` of the whole site into ``site_dir`` (with the example cache)."""
    env = {name: value for name, value in os.environ.items() if name != "CONVBLOCKS_REPOSITORY"}
    env.update(NO_MKDOCS_2_WARNING="1", **environment)
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return Path(site_dir)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The whole site, both languages, built once for the session."""
    return build_site(tmp_path_factory.mktemp("site"))
