"""mkdocs-run-examples: run the Python fences of each page at build time, show their output.

See ``plugin.py`` for the flow, ``fences.py`` for the markers, ``pool.py`` for the
processes that run the pages, ``keys.py`` for the cache key. Enable it in mkdocs.yml
as ``- run-examples``.
"""

__version__ = "0.1.0"
