"""MkDocs hook: give jieba only the words the site's Chinese text contains.

Material's search plugin cuts each run of Chinese characters of a page into words
with jieba. Loading jieba's dictionary (349,000 words) takes about 2 s of CPU, held
under Python's lock, so it slowed every build by as much, even in a thread. Cutting
a text only ever looks up the dictionary words that occur in it, with their
frequencies and the total of all frequencies; so a dictionary of the words that occur
in the site's sources (the Chinese pages and notebooks, mkdocs.yml for the labels),
plus one entry that carries the frequency of all the others, cuts them exactly as the
whole one does, and loads in milliseconds. It is made again when those sources change
(then the whole dictionary is read once), and kept in ``.cache/jieba/``.
"""

import hashlib
import threading
from pathlib import Path

from backrefs import bre

HAN = bre.compile(r"\p{script: Han}+")  # what Material's search plugin hands to jieba
UNUSED = "\ue000"  # a private-use character, in no text: carries the other words' frequency


def on_config(config):
    try:
        import jieba
    except ImportError:
        return config
    root = Path(config.config_file_path).parent
    sources = [root / "mkdocs.yml", *sorted((Path(config.docs_dir)).rglob("*"))]
    runs = set()
    for path in sources:
        if path.suffix in {".md", ".ipynb", ".yml"}:
            runs.update(HAN.findall(path.read_text(encoding="utf-8")))
    full = Path(jieba.__file__).parent / "dict.txt"
    digest = hashlib.sha256("\n".join([str(full.stat().st_size), *sorted(runs)]).encode())
    path = root / ".cache" / "jieba" / f"dict-{digest.hexdigest()[:16]}.txt"
    if not path.exists():
        _write_dictionary(full, runs, path)
    jieba.set_dictionary(str(path))
    threading.Thread(target=jieba.initialize, daemon=True).start()
    return config


def _write_dictionary(full, runs, path):
    """The entries of ``full`` that occur in ``runs``, and one for the rest's frequency."""
    entries = [line.split(" ") for line in full.read_text(encoding="utf-8").splitlines()]
    longest = max(len(entry[0]) for entry in entries)
    substrings = {
        run[start:end]
        for run in runs
        for start in range(len(run))
        for end in range(start + 1, min(len(run), start + longest) + 1)
    }
    kept = [entry for entry in entries if entry[0] in substrings]
    rest = sum(int(entry[1]) for entry in entries) - sum(int(entry[1]) for entry in kept)
    lines = [" ".join(entry) for entry in kept] + [f"{UNUSED} {rest} x"]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(path)
