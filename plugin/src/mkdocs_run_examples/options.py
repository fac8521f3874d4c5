"""The plugin's options, as ``mkdocs.yml`` sets them (the README's table says what each does)."""

from mkdocs.config import base
from mkdocs.config import config_options as c

# Here, not in pool.py, which a build imports only when a page must run.
START_METHODS = ("auto", "forkserver", "fork", "spawn")


# MkDocs' Config.__init_subclass__ is not annotated.
class RunExamplesConfig(base.Config):  # type: ignore[no-untyped-call]
    cache_dir = c.Type(str, default=".cache/run-examples")
    preload = c.ListOfItems(c.Type(str), default=[])  # imported once, before any page runs
    workers = c.Type(int, default=0)  # 0: one per core
    timeout = c.Type((int, float), default=300)  # seconds for one page's run
    output_limit = c.Type(int, default=100_000)  # characters one fence may print on the page
    sources = c.Type(dict, default={})  # import name -> directory: code importing it depends on it
    lock_file = c.Optional(c.Type(str))  # its bytes go in the cache key
    downloads = c.ListOfItems(c.Type(str), default=[])  # pages (file stems) offered as .ipynb/.py
    # Requirements ("convblocks[plot]") the offered notebooks install first, pinned to the
    # versions installed at build time; the scripts name them in a comment.
    install = c.ListOfItems(c.Type(str), default=[])
    labels = c.Type(dict, default={})  # language -> {LABELS key: text}
    # How each page's process starts: auto (forkserver where Python can fork, else
    # spawn), forkserver, fork or spawn (see pool.py).
    start_method = c.Choice(START_METHODS, default="auto")
