"""What a page's images show and what ran its code, for the page to say in words.

While a page runs, :func:`watch` notes, for each file that ``keras.utils.plot_model`` or
matplotlib's ``savefig`` writes, the facts the page's alt text is made of: a model's
inputs, outputs and layers, or a chart's titles and axis labels. :func:`alt_text` turns
them into a sentence in the page's language (its ``labels``); :func:`versions` names the
Python, Keras and backend that ran the page. In a notebook's kernel,
:func:`describe_inline_figures` puts a figure's facts in the metadata of its PNG output.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
import platform
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch", "numpy": "NumPy"}
MAX_RUNS = 12  # layers listed in order up to this many runs of one kind; by kind beyond

# What an image shows, as JSON (it is stored with the page's run): a model's
# ``{"kind": "model", "inputs": [...], "outputs": [...], "layers": [[kind, count], ...]}``
# (model_facts), a chart's ``{"kind": "chart", "texts": [...]}`` (chart_facts).
Facts = dict[str, Any]


# Keras and matplotlib ship no type information this package can use (Keras none, and
# the plugin does not depend on matplotlib): what is read of their objects.
class _Tensor(Protocol):
    @property
    def shape(self) -> Iterable[int | None]: ...


class _Model(Protocol):
    @property
    def layers(self) -> Iterable[object]: ...

    @property
    def inputs(self) -> Iterable[_Tensor]: ...

    @property
    def outputs(self) -> Iterable[_Tensor]: ...


class _Axes(Protocol):
    def get_title(self) -> str: ...

    def get_xlabel(self) -> str: ...

    def get_ylabel(self) -> str: ...


class _Figure(Protocol):
    def get_axes(self) -> Sequence[_Axes]: ...

    def get_label(self) -> object: ...


@contextlib.contextmanager
def watch() -> Iterator[Notes]:
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


class Notes(dict[str, Facts]):
    def __init__(self) -> None:
        super().__init__()
        # (owner, attribute, original): a module or class, its function before the wrap
        self.patched: list[tuple[object, str, Callable[..., object]]] = []

    def patch(self) -> None:
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

    def _wrap(
        self, owner: object, name: str, facts_of: Callable[..., tuple[object, Facts]]
    ) -> None:
        """Wrap ``owner.name``; ``facts_of`` takes the call's arguments, gives the file
        written and its facts."""
        original: Callable[..., object] = getattr(owner, name)

        @functools.wraps(original)
        def noted(*args: object, **kwargs: object) -> object:
            try:
                return original(*args, **kwargs)
            finally:  # even if it raised: plot_model raises after writing an SVG
                with contextlib.suppress(Exception):  # a description never fails a page
                    path, facts = facts_of(*args, **kwargs)
                    if isinstance(path, (str, os.PathLike)):  # as the runner names images
                        self[Path(os.path.relpath(path)).as_posix()] = facts

        setattr(owner, name, noted)
        self.patched.append((owner, name, original))


def model_facts(model: _Model) -> Facts:
    """A Keras model's input and output shapes, and its layers as runs of one kind."""
    kinds = (type(layer).__name__ for layer in model.layers)
    runs: list[list[str | int]] = [[kind, len(list(run))] for kind, run in itertools.groupby(kinds)]
    return {
        "kind": "model",
        "inputs": [_shape(tensor) for tensor in model.inputs],
        "outputs": [_shape(tensor) for tensor in model.outputs],
        "layers": runs,
    }


def _shape(tensor: _Tensor) -> str:
    return "×".join("?" if size is None else str(size) for size in tuple(tensor.shape)[1:])


def chart_facts(figure: _Figure) -> Facts:
    """A matplotlib figure's title and its axes' titles and labels, each once, in order."""
    suptitle = getattr(figure, "_suptitle", None)  # private: no type for it
    texts: list[str] = [suptitle.get_text()] if suptitle else []
    for axes in figure.get_axes():
        texts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
    return {"kind": "chart", "texts": list(dict.fromkeys(text for text in texts if text))}


def alt_text(name: str, facts: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """The image's alt text in the page's language; its file name if nothing is known."""
    separator = labels["separator"]
    if facts.get("kind") == "model":
        runs = facts["layers"]
        if len(runs) <= MAX_RUNS:
            layers = labels["layers_in_order"].format(
                layers=separator.join(_run(kind, count) for kind, count in runs)
            )
        else:
            totals: collections.Counter[str] = collections.Counter()
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


def _run(kind: str, count: int) -> str:
    return kind if count == 1 else f"{kind} × {count}"


def versions() -> dict[str, str]:
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


def describe_inline_figures() -> None:
    """In an IPython kernel: from the next cell on, each matplotlib figure it displays as
    PNG carries ``{"run-examples": facts}`` in its output's metadata: its chart's facts
    and its ``label`` (``costs.zh``: the Chinese page's, see ``languages``)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("describe_inline_figures runs in an IPython kernel")

    def wrap(*_: object) -> None:  # each cell: %matplotlib inline registers its printer in a cell
        figure = sys.modules.get("matplotlib.figure")  # once the notebook imported it
        formatter = shell.display_formatter.formatters["image/png"]
        if figure is None:
            return
        try:
            printer = formatter.lookup_by_type(figure.Figure)
        except (AttributeError, KeyError):
            return
        if not isinstance(printer, _DescribedPrinter):
            formatter.for_type(figure.Figure, _DescribedPrinter(printer))

    shell.events.register("pre_run_cell", wrap)
    shell.events.register("post_run_cell", wrap)


class _DescribedPrinter:
    """IPython's PNG printer of a matplotlib figure, giving the figure's facts and label
    as the output's metadata too."""

    def __init__(self, printer: Callable[[_Figure], object]) -> None:
        self.printer = printer

    def __call__(self, figure: _Figure) -> tuple[object, dict[str, Facts]]:
        facts = {**chart_facts(figure), "label": str(figure.get_label())}
        return self.printer(figure), {"run-examples": facts}
