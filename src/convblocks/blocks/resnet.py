"""Residual modules (He et al. 2016, "Deep Residual Learning for Image Recognition")."""

import keras

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, n_filters=checks.count, strides=checks.count)
# --8<-- [start:residual_module]
def residual_module(
    layer_in: keras.KerasTensor, n_filters: int, *, strides: int = 1, batch_norm: bool = False
) -> keras.KerasTensor:
    """Two 3×3 convolutions whose output is added to the input, then a ReLU.

    The shortcut is the identity when the input already has `n_filters` channels
    and the same size; otherwise a 1×1 convolution projects it (option B of the
    paper).

    Args:
        layer_in: Input tensor, 4-D channels-last.
        n_filters: Number of filters of each convolution.
        strides: Strides of the first convolution and of the projection; `2`
            halves the height and width.
        batch_norm: Whether to add batch normalization after each convolution.

    Returns:
        Output tensor of the module, with `n_filters` channels.

    Raises:
        TypeError: If `layer_in` is not a tensor, or `n_filters` or `strides` is
            not an integer.
        ValueError: If `layer_in` is not 4-D channels-last, or `n_filters` or
            `strides` is less than 1.
    """

    def conv(
        x: keras.KerasTensor, kernel_size: tuple[int, int], strides: int = 1
    ) -> keras.KerasTensor:
        x = layers.Conv2D(
            n_filters, kernel_size, strides=strides, padding="same", kernel_initializer="he_normal"
        )(x)
        return layers.BatchNormalization()(x) if batch_norm else x

    shortcut = layer_in
    if layer_in.shape[-1] != n_filters or strides != 1:
        shortcut = conv(layer_in, (1, 1), strides)
    x = layers.Activation("relu")(conv(layer_in, (3, 3), strides))
    x = conv(x, (3, 3))
    x = layers.add([x, shortcut])
    return layers.Activation("relu")(x)
    # --8<-- [end:residual_module]


@checks.checked(
    layer_in=checks.feature_map,
    n_filters=checks.count,
    strides=checks.count,
    expansion=checks.count,
)
# --8<-- [start:bottleneck_residual_module]
def bottleneck_residual_module(
    layer_in: keras.KerasTensor, n_filters: int, *, strides: int = 1, expansion: int = 4
) -> keras.KerasTensor:
    """A 1×1 reduction, a 3×3 and a 1×1 expansion convolution, added to the shortcut.

    Each convolution is batch-normalized, and the sum goes through a ReLU. As in
    ResNet-50, the shortcut is a 1×1 projection where the shape changes.

    Args:
        layer_in: Input tensor, 4-D channels-last.
        n_filters: Number of filters of the 1×1 reduction and the 3×3 convolution.
        strides: Strides of the first 1×1 convolution and of the projection.
        expansion: The 1×1 expansion has `expansion * n_filters` filters.

    Returns:
        Output tensor of the module, with `expansion * n_filters` channels.

    Raises:
        TypeError: If `layer_in` is not a tensor, or `n_filters`, `strides` or
            `expansion` is not an integer.
        ValueError: If `layer_in` is not 4-D channels-last, or `n_filters`,
            `strides` or `expansion` is less than 1.
    """
    n_out = expansion * n_filters

    def conv_bn(
        x: keras.KerasTensor, filters: int, kernel_size: tuple[int, int], strides: int = 1
    ) -> keras.KerasTensor:
        x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same")(x)
        return layers.BatchNormalization(epsilon=1.001e-5)(x)  # keras.applications' epsilon

    shortcut = layer_in
    if layer_in.shape[-1] != n_out or strides != 1:
        shortcut = conv_bn(layer_in, n_out, (1, 1), strides)
    x = layers.Activation("relu")(conv_bn(layer_in, n_filters, (1, 1), strides))
    x = layers.Activation("relu")(conv_bn(x, n_filters, (3, 3)))
    x = conv_bn(x, n_out, (1, 1))
    x = layers.add([shortcut, x])
    return layers.Activation("relu")(x)
    # --8<-- [end:bottleneck_residual_module]
