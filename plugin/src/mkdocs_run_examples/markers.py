"""What the markers before a fence ask for, evaluated as pytest-codeblocks and pytest do.

pytest-codeblocks turns each ``<!--pytest.mark.X(...)-->`` comment into a pytest mark with
``eval(text, {"sys": sys, "pytest": pytest})``, and its own keywords into marks or flags
(``expect-error`` is ``pytest.mark.xfail``, ``skipif(c)`` is ``pytest.mark.skipif(c,
reason='')``). The build evaluates the same text in the same namespace, with a stand-in
for ``pytest.mark`` that records the mark, so that it needs no pytest; then it applies
pytest's rules for ``skip``, ``skipif``, ``xfail`` and ``timeout``
(``_pytest/skipping.py``: any true condition applies the mark; a boolean one needs
``reason=``; a string one fails under pytest-codeblocks, whose items have no module).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

# A marker's text, as pytest-codeblocks reads a comment alone on its line; and this plugin's.
MARKER = re.compile(
    r"^[ \t]*<!--[-\s]*(?P<marker>pytest-codeblocks:.*|pytest\.mark\..*|run-examples:.*)-->\s*$"
)
SKIPFILE = "<!--pytest-codeblocks:skipfile-->"
KNOWN = (
    "pytest-codeblocks' cont, skip, skipif(...), importorskip(...), expect-error, "
    "expected-output, expected-output-ignore-whitespace; pytest.mark.skip, skipif, xfail, "
    "timeout; run-examples:show-value"
)


class MarkerError(ValueError):
    """A marker that pytest-codeblocks would reject, or that the build cannot apply;
    ``index``: its place among the markers given to ``steer``."""

    index = 0


@dataclass
class Steering:
    """What the markers before one fence ask for (the ``records.Fence`` fields they set)."""

    continues: bool = False
    skip: bool = False
    expect_error: bool = False
    raises: tuple[str, ...] = ()
    strict: bool = False
    importorskip: str = ""
    timeout: float | None = None
    show_value: bool = False
    expected_output: str = ""  # "" or the keyword: the fence after it is an expected output

    def fence_fields(self) -> dict[str, Any]:
        return {
            "continues": self.continues,
            "skip": self.skip,
            "expect_error": self.expect_error,
            "raises": self.raises,
            "strict": self.strict,
            "importorskip": self.importorskip,
            "timeout": self.timeout,
            "show_value": self.show_value,
        }


@dataclass(frozen=True)
class _Mark:
    """``pytest.mark.NAME`` or ``pytest.mark.NAME(*args, **kwargs)``, recorded."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __call__(self, *args: Any, **kwargs: Any) -> _Mark:
        return _Mark(self.name, args, kwargs)


class _MarkRecorder:
    def __getattr__(self, name: str) -> _Mark:
        return _Mark(name)


NAMESPACE = {"sys": sys, "pytest": SimpleNamespace(mark=_MarkRecorder())}


def steer(markers: list[str]) -> Steering:
    """The steering of a fence by ``markers`` (their texts, in order); MarkerError for one
    that pytest-codeblocks rejects or that does not evaluate."""
    steering = Steering()
    for index, marker in enumerate(markers):
        try:
            _steer(marker, steering)
        except MarkerError as error:
            error.index = index
            raise
    return steering


def _steer(marker: str, steering: Steering) -> None:
    if marker.startswith("pytest-codeblocks:"):
        _keyword(marker.partition(":")[2].strip("- "), steering)
    elif marker.startswith("run-examples:"):
        if marker.partition(":")[2].strip("- ") != "show-value":
            raise MarkerError(f"<!--{marker}-->: unknown; the markers are {KNOWN}")
        steering.show_value = True
    else:
        _apply(_evaluate(marker), steering)


def _keyword(keyword: str, steering: Steering) -> None:
    """A ``pytest-codeblocks:`` keyword, as its ``extract_from_buffer`` reads it."""
    if keyword == "cont":
        steering.continues = True
    elif keyword in ("expected-output", "expected-output-ignore-whitespace"):
        steering.expected_output = keyword
    elif keyword == "skip":
        steering.skip = True
    elif keyword.startswith("skipif"):
        found = re.match(r"skipif\((.*)\)", keyword)
        if found is None:
            raise MarkerError("pytest-codeblocks:skipif: write skipif(condition)")
        _apply(_evaluate(f"pytest.mark.skipif({found[1]}, reason='')"), steering)
    elif keyword.startswith("importorskip"):
        found = re.match(r"importorskip\((.*)\)", keyword)
        if found is None:
            raise MarkerError("pytest-codeblocks:importorskip: write importorskip(module)")
        steering.importorskip = found[1]  # as written: pytest-codeblocks imports the text
    elif keyword in ("expect-error", "expect-exception"):
        _apply(_Mark("xfail"), steering)
    elif keyword == "skipfile":
        raise MarkerError("pytest-codeblocks:skipfile only works as the file's first line")
    else:
        raise MarkerError(f'unknown pytest-codeblocks keyword "{keyword}"; it knows {KNOWN}')


def _evaluate(marker: str) -> _Mark:
    try:
        mark = eval(marker, dict(NAMESPACE))
    except Exception as error:
        raise MarkerError(f"<!--{marker}--> does not evaluate: {error!r}") from None
    if not isinstance(mark, _Mark):
        raise MarkerError(f"<!--{marker}--> is not a pytest mark")
    return mark


def _apply(mark: _Mark, steering: Steering) -> None:
    """pytest's meaning of ``mark`` (other marks mean nothing to a run)."""
    if mark.name == "skip":
        steering.skip = True
    elif mark.name == "skipif":
        steering.skip = steering.skip or _holds(mark)
    elif mark.name == "xfail" and _holds(mark):
        if not mark.kwargs.get("run", True):
            steering.skip = True  # pytest reports it xfailed without running it
        steering.expect_error = True
        steering.raises = _exception_names(mark.kwargs.get("raises"))
        steering.strict = bool(mark.kwargs.get("strict", False))
    elif mark.name == "timeout":
        seconds = mark.args[0] if mark.args else mark.kwargs.get("timeout")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool):
            raise MarkerError("pytest.mark.timeout: give the seconds, timeout(600)")
        steering.timeout = float(seconds)


def _holds(mark: _Mark) -> bool:
    """Whether a skipif or xfail mark applies: no condition, or any condition true."""
    conditions = mark.args or ((mark.kwargs["condition"],) if "condition" in mark.kwargs else ())
    if not conditions:
        return True
    for condition in conditions:
        if isinstance(condition, str):
            raise MarkerError(
                f"pytest.mark.{mark.name}({condition!r}): pytest-codeblocks cannot evaluate a "
                "string condition (pytest reads it with the test's module, which a code block "
                "has not): write the condition itself, with reason=..."
            )
        if mark.kwargs.get("reason") is None:
            raise MarkerError(
                f"pytest.mark.{mark.name}: give reason=... with a boolean condition (pytest's rule)"
            )
        if condition:
            return True
    return False


def _exception_names(raises: object) -> tuple[str, ...]:
    """``raises=`` as ``module.Name`` strings, which cross to the page's process."""
    if raises is None:
        return ()
    classes = raises if isinstance(raises, tuple) else (raises,)
    names = []
    for cls in classes:
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise MarkerError(f"pytest.mark.xfail: raises={raises!r} is not an exception class")
        names.append(f"{cls.__module__}.{cls.__qualname__}")
    return tuple(names)
