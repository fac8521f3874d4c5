"""A page's cache key, made of exactly what can change its output, and why it changed.

A page's :class:`Key` covers:

- the code of every fence that runs, after includes, with its markers (continues
  the fence before, expects an error); of a skipped fence only that it is there;
- the source of each definition of the configured source packages that the code
  reaches (see ``dependencies``), by qualified name;
- the bytes of each data file beside the page that the code names (see ``page_files``);
- the :class:`~environment.Environment` (see ``environment``).

Beside its digest, a key has a manifest: short digests of each of those parts,
stored with the page's last run, so that :func:`explain` (and
``store.RunCache.reasons``) can say why a page runs again: "code of fence 3
changed", "convblocks.blocks.vgg.vgg_block changed", "data file data/points.csv
changed", "keras 3.15.1 → 3.15.2": each a :class:`Reason`, which says it in English and
in the words of the ``labels`` option.

The Chinese page of an English one has the same code, hence the same key: it
reuses the English run.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mkdocs_run_examples.dependencies import reached_definitions
from mkdocs_run_examples.environment import FORMAT, Environment
from mkdocs_run_examples.labels import LABELS

SHORT = 16  # hex digits of the manifest's digests
# A fence's markers that change how it runs (its timeout does not change its output):
# {marker: the fence's attribute}.
MARKERS = {"skip": "skip", "continues": "continues", "expect-error": "expect_error"}
# The other fields of a fence that change how it runs or what it shows.
OTHER_MARKERS = (
    "raises",
    "strict",
    "importorskip",
    "expected_output",
    "ignore_whitespace",
    "shell",
    "show_value",
    "problem",
)
# {marker: the labels of its reasons, (now set, no longer set)}
MARKER_CHANGES = {
    "skip": ("reason_now_skipped", "reason_no_longer_skipped"),
    "continues": ("reason_now_continues", "reason_no_longer_continues"),
    "expect-error": ("reason_now_expects_error", "reason_no_longer_expects_error"),
}


class Reason(str):
    """Why a page runs: its English text, ``LABELS[label]`` filled with ``fields``; another
    language's words for it are its ``label`` in that language's labels."""

    label: str
    fields: dict[str, Any]

    def __new__(cls, label: str, **fields: Any) -> Reason:
        reason = super().__new__(cls, LABELS[label].format(**fields))
        reason.label, reason.fields = label, fields
        return reason

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:
        """What pickle and copy make it again from (not its text)."""
        return (self.label,), self.fields

    def say(self, labels: Mapping[str, str]) -> str:
        """The reason in the words of ``labels`` (``labels.language_labels``)."""
        return labels[self.label].format(**self.fields)

    def stored(self) -> list[Any]:
        """The reason as JSON: ``[label, fields]``."""
        return [self.label, self.fields]

    @classmethod
    def from_stored(cls, value: Any) -> Reason | None:
        """The reason :meth:`stored` gave, or None if ``value`` is none this code knows."""
        try:
            label, fields = value
            return cls(label, **fields)
        except (KeyError, TypeError, ValueError, IndexError):
            return None


class Listing(Protocol):
    """A fence, or a notebook's code cell seen as one (``expect_error`` and ``figures``,
    when it has them, count too)."""

    @property
    def code(self) -> str: ...

    @property
    def skip(self) -> bool: ...

    @property
    def continues(self) -> bool: ...


@dataclass(frozen=True, eq=False)
class Key:
    """A page's cache key: ``digest`` names its files; ``manifest`` (JSON-able) explains it.

    Keys are equal, and hash, by digest.
    """

    digest: str
    manifest: dict[str, Any]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __str__(self) -> str:
        return self.digest


def page_key(
    fences: Sequence[Listing],
    environment: Environment,
    sources: Mapping[str, str | Path],
    files: Mapping[str, bytes] | None = None,
) -> Key:
    """The key of a page's ``fences`` (or a notebook's code cells).

    ``environment``: an :class:`~environment.Environment`; ``sources``: {import name:
    directory} of the packages whose reached definitions count; ``files``: the data
    files the fences read ({path from the page's folder: bytes}).
    """
    digest = hashlib.sha256(f"{FORMAT}\0{environment.digest}\0".encode())
    manifest_fences = []
    for fence in fences:
        markers = _markers(fence)
        code = None if fence.skip else _sha256(fence.code.encode())
        figures = getattr(fence, "figures", ())
        if figures:  # what the prose evaluates after it is its code too
            code = _sha256(f"{code}\0{json.dumps(figures)}".encode())
        digest.update(f"fence {' '.join(markers)} {code}\0".encode())
        manifest_fences.append({"code": code and code[:SHORT], "markers": markers})
    listings = [f.code for f in fences if not f.skip and not getattr(f, "shell", "")]
    definitions = {}
    for name, directory in sorted(sources.items()):
        for qualified, text in reached_definitions(listings, name, directory).items():
            definitions[qualified] = text_digest = _sha256(text.encode())
            digest.update(f"{qualified}\0{text_digest}\0".encode())
    data = {name: _sha256(content) for name, content in sorted((files or {}).items())}
    for name, file_digest in data.items():  # none: the keys of pages without files as before
        digest.update(f"file {name}\0{file_digest}\0".encode())
    manifest = {
        "format": FORMAT,
        "fences": manifest_fences,
        "definitions": {name: value[:SHORT] for name, value in definitions.items()},
        "files": {name: value[:SHORT] for name, value in data.items()},
        "environment": environment.parts,
    }
    return Key(digest=digest.hexdigest(), manifest=manifest)


def _markers(fence: Listing) -> list[str]:
    """The fence's markers, as the manifest lists them: those of MARKERS by name, the
    others (xfail's arguments, importorskip, an expected output, a shell...) with their
    value, which changes the key too."""
    markers = [marker for marker, attribute in MARKERS.items() if getattr(fence, attribute, False)]
    for attribute in OTHER_MARKERS:
        value = getattr(fence, attribute, None)
        if value:
            markers.append(f"{attribute}={json.dumps(value)}")
    return markers


def explain(
    old_manifest: Mapping[str, Any] | None, new_manifest: Mapping[str, Any]
) -> list[Reason]:
    """Why a page with ``new_manifest`` cannot reuse the run stored with ``old_manifest``.

    Reasons, most specific first: fences, then definitions, data files, then the
    environment. ``["not in the cache"]`` when nothing is known before; ``[]`` when the
    manifests are the same.
    """
    if not old_manifest:
        return [Reason("reason_not_in_cache")]
    if old_manifest.get("format") != new_manifest.get("format"):
        return [Reason("reason_format")]
    reasons = _explain_fences(old_manifest.get("fences", []), new_manifest.get("fences", []))
    reasons += _explain_mapping(
        old_manifest.get("definitions", {}),
        new_manifest.get("definitions", {}),
        lambda name, old, new: Reason("reason_changed", name=name),
    )
    reasons += _explain_mapping(
        old_manifest.get("files", {}),
        new_manifest.get("files", {}),
        lambda name, old, new: Reason("reason_file_changed", name=name),
        "reason_file_added",
        "reason_file_removed",
    )
    reasons += _explain_environment(
        old_manifest.get("environment", {}), new_manifest.get("environment", {})
    )
    return reasons


def _explain_fences(
    old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> list[Reason]:
    def entry(fence: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...]]:
        return fence.get("code"), tuple(fence.get("markers", ()))

    old_entries, new_entries = [entry(f) for f in old], [entry(f) for f in new]
    reasons = []
    matcher = difflib.SequenceMatcher(None, old_entries, new_entries, autojunk=False)
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for i, j in zip(range(i1, i1 + paired), range(j1, j1 + paired), strict=True):
            (old_code, old_markers), (new_code, new_markers) = old_entries[i], new_entries[j]
            if old_code != new_code and old_code is not None and new_code is not None:
                reasons.append(Reason("reason_code_changed", fence=j + 1))
            for marker, (now, no_longer) in MARKER_CHANGES.items():
                if (marker in new_markers) != (marker in old_markers):
                    reasons.append(Reason(now if marker in new_markers else no_longer, fence=j + 1))
            if {m for m in old_markers if "=" in m} != {m for m in new_markers if "=" in m}:
                reasons.append(Reason("reason_markers_changed", fence=j + 1))
        reasons += [Reason("reason_fence_removed", fence=i + 1) for i in range(i1 + paired, i2)]
        reasons += [Reason("reason_fence_added", fence=j + 1) for j in range(j1 + paired, j2)]
    return reasons


def _explain_mapping(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    changed: Callable[[str, Any, Any], Reason],
    added: str = "reason_added",
    removed: str = "reason_removed",
) -> list[Reason]:
    """Names of ``new`` not in ``old`` (the label ``added``), of ``old`` not in ``new``
    (``removed``), and of both whose value differs (``changed``)."""
    reasons = []
    for name in sorted(old.keys() | new.keys()):
        if name not in old:
            reasons.append(Reason(added, name=name))
        elif name not in new:
            reasons.append(Reason(removed, name=name))
        elif old[name] != new[name]:
            reasons.append(changed(name, old[name], new[name]))
    return reasons


def _explain_environment(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Reason]:
    if old == new:
        return []
    if "digest" in old or "digest" in new:  # given as a bare digest: nothing to compare
        return [Reason("reason_environment")]
    reasons = []
    if old.get("python") != new.get("python"):
        before, after = str(old.get("python")), str(new.get("python"))
        if before.split()[:1] != after.split()[:1]:
            before, after = before.split()[0], after.split()[0]
        reasons.append(Reason("reason_version", name="Python", before=before, after=after))
    if old.get("dot") != new.get("dot"):
        reasons.append(Reason("reason_dot"))
    if old.get("plugin") != new.get("plugin"):
        reasons.append(Reason("reason_runner"))
    if old.get("lock") != new.get("lock"):
        reasons.append(Reason("reason_lock"))
    reasons += _explain_mapping(
        old.get("distributions", {}),
        new.get("distributions", {}),
        lambda name, before, after: Reason("reason_version", name=name, before=before, after=after),
    )
    return reasons or [Reason("reason_environment")]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
