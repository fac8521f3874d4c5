"""What a page's images show and what ran its code, for the page to say in words.

While a page runs, :func:`watch` notes, for each file that ``keras.utils.plot_model`` or
matplotlib's ``savefig`` writes, the facts the page's alt text is made of: a model's
inputs, outputs and layers, or a chart's titles and axis labels. :func:`alt_text` turns
them into a sentence in the page's language (its ``labels``); :func:`versions` names the
Python, Keras and backend that ran the page. In a notebook's kernel,
:func:`describe_inline_figures` puts a figure's facts in the metadata of its PNG output.
"""

import collections
import contextlib
import functools
import os
import platform
import sys
from pathlib import Path

BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch", "numpy": "NumPy"}
MAX_RUNS = 12  # layers listed in order up to this many runs of one kind; by kind beyond


@contextlib.contextmanager
def watch():
    """``{file name: facts}`` filled while the block runs; the functions are restored after.

    Patches what is imported when a fence starts (:meth:`Notes.patch`): the workers
    import Keras and matplotlib before any page.
    """
    notes = Notes()
    try:
        notes.patch()
        yield notes
    finally:
        for owner, name, original in notes.patched:
            setattr(owner, name, original)


class Notes(dict):
    def __init__(self):
        super().__init__()
        self.patched = []  # (owner, attribute, original)

    def patch(self):
        """Wrap ``plot_model`` and ``Figure.savefig`` if imported and not wrapped yet."""
        done = {(owner, name) for owner, name, _ in self.patched}
        keras = sys.modules.get("keras")
        if keras is not None and (keras.utils, "plot_model") not in done:
            self._wrap(
                keras.utils,
                "plot_model",
                lambda model, to_file="model.png", **_: (to_file, model_facts(model)),
            )
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None and (figure.Figure, "savefig") not in done:
            self._wrap(
                figure.Figure, "savefig", lambda fig, fname, *_, **__: (fname, chart_facts(fig))
            )

    def _wrap(self, owner, name, facts_of):
        original = getattr(owner, name)

        @functools.wraps(original)
        def noted(*args, **kwargs):
            try:
                return original(*args, **kwargs)
            finally:  # even if it raised: plot_model raises after writing an SVG
                with contextlib.suppress(Exception):  # a description never fails a page
                    path, facts = facts_of(*args, **kwargs)
                    if isinstance(path, (str, os.PathLike)):
                        self[Path(path).name] = facts

        setattr(owner, name, noted)
        self.patched.append((owner, name, original))


def model_facts(model):
    """A Keras model's input and output shapes, and its layers as runs of one kind."""
    runs = []
    for layer in model.layers:
        kind = type(layer).__name__
        if runs and runs[-1][0] == kind:
            runs[-1][1] += 1
        else:
            runs.append([kind, 1])
    return {
        "kind": "model",
        "inputs": [_shape(tensor) for tensor in model.inputs],
        "outputs": [_shape(tensor) for tensor in model.outputs],
        "layers": runs,
    }


def _shape(tensor):
    return "×".join("?" if size is None else str(size) for size in tuple(tensor.shape)[1:])


def chart_facts(figure):
    """A matplotlib figure's title and its axes' titles and labels, each once, in order."""
    texts = [figure._suptitle.get_text()] if getattr(figure, "_suptitle", None) else []
    for axes in figure.get_axes():
        texts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
    return {"kind": "chart", "texts": list(dict.fromkeys(text for text in texts if text))}


def alt_text(name, facts, labels):
    """The image's alt text in the page's language; its file name if nothing is known."""
    separator = labels["separator"]
    if facts.get("kind") == "model":
        runs = facts["layers"]
        if len(runs) <= MAX_RUNS:
            layers = labels["layers_in_order"].format(
                layers=separator.join(_run(kind, count) for kind, count in runs)
            )
        else:
            totals = collections.Counter()
            for kind, count in runs:
                totals[kind] += count
            layers = labels["layers_by_kind"].format(
                count=totals.total(),
                layers=separator.join(_run(kind, count) for kind, count in totals.items()),
            )
        return labels["model"].format(
            inputs=separator.join(facts["inputs"]),
            outputs=separator.join(facts["outputs"]),
            layers=layers,
        )
    if facts.get("kind") == "chart" and facts["texts"]:
        return labels["chart"].format(texts=separator.join(facts["texts"]))
    return labels["image"].format(name=name)


def _run(kind, count):
    return kind if count == 1 else f"{kind} × {count}"


def versions():
    """``{"Python": "3.11.7", "Keras": "3.12.0", "TensorFlow": "2.20.0"}``: what ran the page
    (Keras and its backend if the page's process imported Keras)."""
    found = {"Python": platform.python_version()}
    keras = sys.modules.get("keras")
    if keras is not None:
        found["Keras"] = keras.__version__
        backend = keras.config.backend()
        module = sys.modules.get(backend)
        found[BACKENDS.get(backend, backend)] = getattr(module, "__version__", "")
    return found


def describe_inline_figures():
    """In an IPython kernel: from the next cell on, each matplotlib figure it displays as
    PNG carries ``{"run-examples": facts}`` in its output's metadata."""
    from IPython import get_ipython

    shell = get_ipython()

    def wrap(*_):  # each cell: %matplotlib inline registers its printer in a cell
        figure = sys.modules.get("matplotlib.figure")  # once the notebook imported it
        formatter = shell.display_formatter.formatters["image/png"]
        try:
            printer = formatter.lookup_by_type(figure.Figure)
        except (AttributeError, KeyError):
            return
        if getattr(printer, "describes", False):
            return

        def described(figure):
            return printer(figure), {"run-examples": chart_facts(figure)}

        described.describes = True
        formatter.for_type(figure.Figure, described)

    shell.events.register("pre_run_cell", wrap)
    shell.events.register("post_run_cell", wrap)
