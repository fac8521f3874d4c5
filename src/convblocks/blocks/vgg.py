"""The VGG block (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
Large-Scale Image Recognition")."""

import keras

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, n_filters=checks.count, n_conv=checks.count)
# --8<-- [start:vgg_block]
def vgg_block(
    layer_in: keras.KerasTensor, n_filters: int, n_conv: int, *, batch_norm: bool = False
) -> keras.KerasTensor:
    """`n_conv` 3×3 'same' convolutions with ReLU, then a 2×2 max pool of stride 2.

    Args:
        layer_in: Input tensor, 4-D channels-last.
        n_filters: Number of filters of each convolution.
        n_conv: Number of convolutions.
        batch_norm: Whether to add batch normalization after each convolution,
            before its ReLU (the convolution then drops its redundant bias).

    Returns:
        Output tensor of the block, half the height and width of `layer_in`.

    Raises:
        TypeError: If `layer_in` is not a tensor, or `n_filters` or `n_conv` is not
            an integer.
        ValueError: If `layer_in` is not 4-D channels-last, or `n_filters` or
            `n_conv` is less than 1.
    """
    for _ in range(n_conv):
        if batch_norm:
            layer_in = layers.Conv2D(n_filters, (3, 3), padding="same", use_bias=False)(layer_in)
            layer_in = layers.BatchNormalization()(layer_in)
            layer_in = layers.Activation("relu")(layer_in)
        else:
            layer_in = layers.Conv2D(n_filters, (3, 3), padding="same", activation="relu")(layer_in)
    return layers.MaxPooling2D((2, 2), strides=(2, 2))(layer_in)
    # --8<-- [end:vgg_block]
