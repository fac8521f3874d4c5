"""The matplotlib backend of the pages' processes: ``plt.show()`` shows the open figures.

Pages run with ``MPLBACKEND=module://mkdocs_run_examples.matplotlib_backend``
(``execution.ENVIRONMENT``), matplotlib's documented way to name a backend of one's own
(see its ``backend_template.py``), as matplotlib-inline does for Jupyter. It draws as
Agg does; showing a figure (``plt.show()``, ``fig.show()``) saves it as a PNG in the
folder the page runs in, ``figure-1.png``, ``figure-2.png``, ... (numbered through the
page's run; ``figure-3.zh.png`` if its label names a language, see ``languages``), which
the runner shows below the fence as an image the fence wrote, and closes it, as
Jupyter's inline backend does. A figure never shown is not shown, as with
``python file.py``.
"""

import itertools

import matplotlib
from matplotlib._pylab_helpers import Gcf  # the open figures (as backend_template uses it)
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

from mkdocs_run_examples.languages import named_language

# SVGs name their clip paths and glyphs by a hash salted with a random number unless this
# is set: the same figure then writes the same bytes in every run.
matplotlib.rcParams["svg.hashsalt"] = matplotlib.rcParams["svg.hashsalt"] or "run-examples"
_numbers = itertools.count(1)  # of the figures shown in this page's process


class FigureManager(FigureManagerBase):
    def show(self) -> None:
        """Save the figure as the next ``figure-N.png`` (``figure-N.zh.png`` for a figure
        labelled ``name.zh``), then close it: cropped to what is drawn, as Jupyter shows
        it, and without the "Software" note, so a run writes the same bytes whatever
        matplotlib made it (Agg writes no date)."""
        figure = self.canvas.figure
        language = named_language(str(figure.get_label()))
        name = f"figure-{next(_numbers)}{f'.{language}' if language else ''}.png"
        figure.savefig(name, bbox_inches="tight", metadata={"Software": None})
        Gcf.destroy(self)

    @classmethod
    def pyplot_show(cls, *, block: bool | None = None) -> None:
        """``plt.show()``: show every open figure, in the order of their numbers (nothing
        waits for a window: ``block`` is ignored)."""
        for manager in sorted(Gcf.get_all_fig_managers(), key=lambda manager: manager.num):
            manager.show()


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager
