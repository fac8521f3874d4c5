"""Run a page's fences and capture what each prints and the images it writes.

A page runs in one namespace, in a scratch directory, with stdout captured per
fence. Before each fence that does not continue the one before, the Keras session
is cleared, so layer names are those a reader gets running that listing fresh.
"""

import contextlib
import gc
import hashlib
import io
import logging
import os
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import oxipng

IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif"}  # files a fence writes that are shown

log = logging.getLogger("mkdocs.plugins.run_examples")


@dataclass
class FenceOutput:
    """What one fence printed, and the images it wrote (file name, sha256, bytes)."""

    stdout: str = ""
    images: list = field(default_factory=list)
    skipped: bool = False


@dataclass
class PageRun:
    outputs: list  # one FenceOutput per fence
    seconds: float


class ExampleError(Exception):
    """A fence raised: the message names the page and the fence, with the traceback."""


def run_page(page_name, fences):
    """Run ``fences`` (from :func:`find_fences`) in order; raise ExampleError on failure."""
    start = time.perf_counter()
    namespace = {"__name__": "__main__"}
    outputs = []
    with (
        _frozen_heap(),
        tempfile.TemporaryDirectory(prefix="run-examples-") as workdir,
        contextlib.chdir(workdir),
        _environment(COLUMNS="250", MPLBACKEND="Agg"),
    ):
        for fence in fences:
            if fence.skip:
                outputs.append(FenceOutput(skipped=True))
                continue
            if not fence.continues:
                _clear_keras_session()
            before = _image_digests(Path(workdir))
            outputs.append(_run_fence(page_name, fence, namespace))
            outputs[-1].images = _new_images(Path(workdir), before)
    return PageRun(outputs=outputs, seconds=time.perf_counter() - start)


def _run_fence(page_name, fence, namespace):
    filename = f"{page_name}, fence {fence.index}"
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        code = compile(fence.code, filename, "exec")
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            exec(code, namespace)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        # Drop this module's frame: the traceback starts in the example.
        error.__traceback__ = error.__traceback__.tb_next or error.__traceback__
        trace = "".join(traceback.format_exception(error))
        raise ExampleError(f"{filename} raised {type(error).__name__}:\n{trace}") from None
    for warning in caught:
        log.info("%s: %s: %s", filename, warning.category.__name__, warning.message)
    if stderr.getvalue().strip():
        log.info("%s wrote to stderr (not shown on the page):\n%s", filename, stderr.getvalue())
    return FenceOutput(stdout=stdout.getvalue())


def _clear_keras_session():
    """Reset Keras' layer names and global state, as a fresh Python would have them.

    Without Python's full garbage collection, which costs 0.2 s per call once
    TensorFlow is loaded: the automatic one frees the old models all the same.
    """
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.utils.clear_session(free_memory=False)


def _image_digests(workdir):
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(workdir.iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES
    }


def _new_images(workdir, before):
    """Images written or rewritten by the last fence, as (name, sha256, bytes)."""
    images = []
    for name, digest in _image_digests(workdir).items():
        if before.get(name) != digest:
            data = _compressed((workdir / name).read_bytes())
            images.append((name, hashlib.sha256(data).hexdigest(), data))
    return images


def _compressed(data):
    """A large PNG recompressed without loss (the same pixels): Graphviz's compress poorly.

    plot_model's diagrams at its default 200 dpi weigh 150-250 KB; oxipng's fastest
    level halves that in about half a second, so only PNGs over 100 KB get it.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 100_000:
        return data
    return oxipng.optimize_from_memory(data, level=0)


@contextlib.contextmanager
def _frozen_heap():
    """Keep objects alive before the page (MkDocs', TensorFlow's) out of garbage collection.

    Building a large model triggers full collections, and each would walk the million
    objects TensorFlow creates on import; frozen, they are skipped until the page is done.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _environment(**variables):
    """Set environment variables while the examples run.

    COLUMNS: model.summary() sizes its table from the terminal; a fixed width, wide
    enough that rich never cuts a table, keeps pages the same from build to build.
    MPLBACKEND: matplotlib draws off screen (a notebook's kernel keeps its own).
    """
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
