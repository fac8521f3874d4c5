"""What a model or a block costs: parameters and multiply-accumulates (MACs)."""

import math
from dataclasses import dataclass

import keras
from keras import layers

from convblocks import checks


@dataclass(frozen=True)
class MacCount:
    """Multiply-accumulates of one forward pass of one example."""

    total: int
    """MACs of all Conv2D and Dense layers."""
    per_layer: dict
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


def _layer_macs(layer):
    if isinstance(layer, layers.Conv2D):
        # The kernel is (height, width, input channels per group, filters).
        kernel_height, kernel_width, channels_per_group, _ = layer.kernel.shape
        return math.prod(layer.output.shape[1:]) * kernel_height * kernel_width * channels_per_group
    if isinstance(layer, layers.Dense):
        return math.prod(layer.output.shape[1:]) * layer.kernel.shape[0]
    return None


def _flat_layers(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        else:
            yield layer


@checks.checked(model=checks.model)
def count_macs(model):
    """MACs of every Conv2D and Dense layer of ``model`` and their total.

    A k×k convolution from C_in to C_out channels on an H×W output costs
    H·W·C_out·k·k·C_in MACs; a dense layer costs inputs × units. Biases,
    activations, pooling and batch normalization are not counted, as in the papers.
    """
    per_layer = {}
    for layer in _flat_layers(model):
        macs = _layer_macs(layer)
        if macs is not None:
            per_layer[layer.name] = macs
    return MacCount(total=sum(per_layer.values()), per_layer=per_layer)


@checks.checked(model=checks.model)
def model_cost(model):
    """Parameters, kernel weights (no biases, no batch-norm statistics) and MACs."""
    weights = sum(
        math.prod(layer.kernel.shape)
        for layer in _flat_layers(model)
        if isinstance(layer, layers.Conv2D | layers.Dense)
    )
    return Cost(params=model.count_params(), weights=weights, macs=count_macs(model).total)


@checks.checked(input_shape=checks.image_shape)
def block_cost(block, input_shape, *args, **kwargs):
    """Cost of ``block(layer_in, *args, **kwargs)`` applied to an input of ``input_shape``.

    The block is built with weights that have shapes but no values (counting needs no
    more), which makes this fast even for large blocks.

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
