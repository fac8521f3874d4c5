"""What a model or a block costs: parameters and multiply-accumulates (MACs)."""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
from keras import layers

from convblocks import checks


@dataclass(frozen=True)
class MacCount:
    """Multiply-accumulates of one forward pass of one example."""

    total: int
    """MACs of all Conv2D and Dense layers."""
    per_layer: dict[str, int]
    """Layer name -> MACs, for every Conv2D and Dense layer."""


@dataclass(frozen=True)
class Cost:
    """Parameters (all, and kernel weights only) and MACs of a model or block."""

    params: int
    """All parameters, as ``model.count_params()``."""
    weights: int
    """Kernel weights of Conv2D and Dense layers only: no biases, no batch-norm values."""
    macs: int
    """Multiply-accumulates of one forward pass of one example."""


def _layer_macs(layer: layers.Layer) -> int | None:
    if isinstance(layer, layers.Conv2D):
        # The kernel is (height, width, input channels per group, filters).
        kernel_height, kernel_width, channels_per_group, _ = layer.kernel.shape
        per_output: int = kernel_height * kernel_width * channels_per_group
    elif isinstance(layer, layers.Dense):
        per_output = layer.kernel.shape[0]  # the inputs
    else:
        return None
    outputs: int = math.prod(layer.output.shape[1:])
    return outputs * per_output


def _flat_layers(model: keras.Model) -> Iterator[layers.Layer]:
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        else:
            yield layer


@checks.checked(model=checks.model)
def count_macs(model: keras.Model) -> MacCount:
    """MACs of every Conv2D and Dense layer of `model` and their total.

    A k×k convolution from C_in to C_out channels on an H×W output costs
    H·W·C_out·k·k·C_in MACs; a dense layer costs inputs × units. Biases,
    activations, pooling and batch normalization are not counted, as in the papers.

    Args:
        model: A built Keras model; layers of nested models are counted too.

    Returns:
        The total and the MACs of each layer, by layer name.

    Raises:
        TypeError: If `model` is not a `keras.Model`.
    """
    per_layer: dict[str, int] = {}
    for layer in _flat_layers(model):
        macs = _layer_macs(layer)
        if macs is not None:
            per_layer[layer.name] = macs
    return MacCount(total=sum(per_layer.values()), per_layer=per_layer)


@checks.checked(model=checks.model)
def model_cost(model: keras.Model) -> Cost:
    """Parameters, kernel weights (no biases, no batch-norm statistics) and MACs.

    Args:
        model: A built Keras model; layers of nested models are counted too.

    Returns:
        The model's parameters, kernel weights and MACs.

    Raises:
        TypeError: If `model` is not a `keras.Model`.
    """
    weights = sum(
        math.prod(layer.kernel.shape)
        for layer in _flat_layers(model)
        if isinstance(layer, layers.Conv2D | layers.Dense)
    )
    return Cost(params=model.count_params(), weights=weights, macs=count_macs(model).total)


@checks.checked(input_shape=checks.image_shape)
def block_cost(
    block: Callable[..., keras.KerasTensor],
    input_shape: tuple[int, int, int] | list[int],
    *args: Any,
    **kwargs: Any,
) -> Cost:
    """Cost of `block(layer_in, *args, **kwargs)` applied to an input of `input_shape`.

    The block is built with weights that have shapes but no values (counting needs no
    more), which makes this fast even for large blocks.

    Args:
        block: A block function, such as `vgg_block`, that takes a tensor first and
            returns a tensor.
        input_shape: Shape `(height, width, channels)` of one input, without the
            batch dimension.
        *args: The block's other positional arguments.
        **kwargs: The block's keyword arguments.

    Returns:
        The parameters, kernel weights and MACs of the block alone.

    Raises:
        TypeError: If `block` is not callable, or `input_shape` is not a tuple or
            list of integers.
        ValueError: If `input_shape` does not have 3 positive entries or looks
            channels-first.

    Examples:
        >>> from convblocks import naive_inception_module
        >>> block_cost(naive_inception_module, (256, 256, 3), 64, 128, 32).params
        6272
    """
    if not callable(block):
        raise TypeError(f"block must be a block function, got {block!r}")
    with keras.StatelessScope(initialize_variables=False):
        inputs = keras.Input(shape=input_shape)
        return model_cost(keras.Model(inputs, block(inputs, *args, **kwargs)))
