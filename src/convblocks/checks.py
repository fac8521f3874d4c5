"""Argument checks shared by every public function.

Each check takes the argument's name and value and raises ``TypeError`` (wrong
kind of value) or ``ValueError`` (right kind, bad value) with a message naming
both, so a bad call fails here rather than deep inside TensorFlow.
"""

import functools
import inspect
import numbers
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import keras

P = ParamSpec("P")
R = TypeVar("R")

Check = Callable[[str, object], None]
"""A check: called with an argument's name and value, it raises or returns ``None``."""


def checked(**checks: Check) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so each named argument is checked before the call.

    Args:
        **checks: The check of each argument, by the argument's name.

    Returns:
        A decorator that keeps the function's signature and type.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            arguments = signature.bind(*args, **kwargs).arguments
            for name, check in checks.items():
                if name in arguments:
                    check(name, arguments[name])
            return func(*args, **kwargs)

        return wrapper

    return decorate


def count(name: str, value: object) -> None:
    """A positive integer: a number of filters, of convolutions, a stride.

    Args:
        name: The argument's name, for the message.
        value: The argument's value.

    Raises:
        TypeError: If `value` is not an integer (a `bool` is not one).
        ValueError: If `value` is less than 1.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def feature_map(name: str, value: object) -> None:
    """A 4-D channels-last tensor (batch, height, width, channels), channels known.

    Args:
        name: The argument's name, for the message.
        value: The argument's value.

    Raises:
        TypeError: If `value` has no shape.
        ValueError: If `value` is not 4-D, has an unknown channel dimension or looks
            channels-first, or if Keras is not set to channels-last.
    """
    shape = getattr(value, "shape", None)
    if shape is None:
        raise TypeError(
            f"{name} must be a 4-D Keras tensor (batch, height, width, channels), "
            f"got {type(value).__name__}"
        )
    shape = tuple(shape)
    if len(shape) != 4:
        raise ValueError(
            f"{name} must be 4-D (batch, height, width, channels), "
            f"got shape {shape} ({len(shape)}-D)"
        )
    if keras.config.image_data_format() != "channels_last":
        raise ValueError(
            f"{name}: ConvBlocks needs channels-last tensors, but "
            f"keras.config.image_data_format() is "
            f"{keras.config.image_data_format()!r}"
        )
    _, height, width, channels = shape
    if channels is None:
        raise ValueError(f"{name} has an unknown channel dimension: shape {shape}")
    if _looks_channels_first(height, width, channels):
        raise ValueError(
            f"{name} looks channels-first (shape {shape}): ConvBlocks expects "
            f"channels-last (batch, height, width, channels), e.g. "
            f"(None, {width}, {channels}, {height})"
        )


def _looks_channels_first(height: int | None, width: int | None, channels: int) -> bool:
    """An image-like (C, H, W) layout: few 'rows', square and larger 'width x channels'."""
    return height in (1, 3, 4) and width == channels and channels > 4


def image_shape(name: str, value: object) -> None:
    """An input shape (height, width, channels) of positive integers.

    Args:
        name: The argument's name, for the message.
        value: The argument's value.

    Raises:
        TypeError: If `value` is not a tuple or list, or an entry is not an integer.
        ValueError: If `value` does not have 3 entries, an entry is less than 1, or it
            looks channels-first.
    """
    if not isinstance(value, tuple | list):
        raise TypeError(f"{name} must be a tuple (height, width, channels), got {value!r}")
    if len(value) != 3:
        raise ValueError(f"{name} must have 3 entries (height, width, channels), got {value!r}")
    for axis, size in zip(("height", "width", "channels"), value, strict=True):
        count(f"{name} {axis}", size)
    if _looks_channels_first(*value):
        raise ValueError(
            f"{name} looks channels-first ({tuple(value)}): give it channels-last, "
            f"e.g. {(value[1], value[2], value[0])}"
        )


def one_of(*allowed: int) -> Check:
    """A check that the value is a positive integer among ``allowed``.

    Args:
        *allowed: The values the check accepts.

    Returns:
        The check, which raises `TypeError` as `count` does, and `ValueError` if the
        value is not among `allowed`.
    """

    def check(name: str, value: object) -> None:
        count(name, value)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")

    return check


def model(name: str, value: object) -> None:
    """A Keras model.

    Args:
        name: The argument's name, for the message.
        value: The argument's value.

    Raises:
        TypeError: If `value` is not a `keras.Model`.
    """
    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__}")
