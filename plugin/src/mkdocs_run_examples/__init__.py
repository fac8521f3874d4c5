"""mkdocs-run-examples: run the Python fences of each page at build time, show their output.

See ``plugin.py`` for the flow, ``fences.py`` for the markers, ``cache.py`` for the
cache key. Enable it in mkdocs.yml as ``- run-examples``.
"""

__version__ = "0.1.0"
