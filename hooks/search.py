"""MkDocs hook: load jieba's dictionary in the background as the build starts.

Material's search plugin cuts the Chinese pages into words with jieba, which loads
its dictionary (about 0.6 s) on first use, at the very end of a cold build, after the
training notebook. Loaded while the examples run, it is ready by then.
"""

import threading


def on_config(config):
    try:
        import jieba
    except ImportError:
        return config
    threading.Thread(target=jieba.initialize, daemon=True).start()
    return config
