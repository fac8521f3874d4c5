"""Argument checks shared by every public function.

Each check takes the argument's name and value and raises ``TypeError`` (wrong
kind of value) or ``ValueError`` (right kind, bad value) with a message naming
both, so a bad call fails here rather than deep inside TensorFlow.
"""

import functools
import inspect
import numbers

import keras


def checked(**checks):
    """Decorate a function so each named argument is checked before the call."""

    def decorate(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            arguments = signature.bind(*args, **kwargs).arguments
            for name, check in checks.items():
                if name in arguments:
                    check(name, arguments[name])
            return func(*args, **kwargs)

        return wrapper

    return decorate


def count(name, value):
    """A positive integer: a number of filters, of convolutions, a stride."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def feature_map(name, value):
    """A 4-D channels-last tensor (batch, height, width, channels), channels known."""
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


def _looks_channels_first(height, width, channels):
    """An image-like (C, H, W) layout: few 'rows', square and larger 'width x channels'."""
    return height in (1, 3, 4) and width == channels and channels > 4


def image_shape(name, value):
    """An input shape (height, width, channels) of positive integers."""
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


def one_of(*allowed):
    """A check that the value is a positive integer among ``allowed``."""

    def check(name, value):
        count(name, value)
        if value not in allowed:
            choices = ", ".join(repr(a) for a in allowed)
            raise ValueError(f"{name} must be one of {choices}, got {value!r}")

    return check


def model(name, value):
    """A Keras model."""
    if not isinstance(value, keras.Model):
        raise TypeError(f"{name} must be a keras.Model, got {type(value).__name__}")
