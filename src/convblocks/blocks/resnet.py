"""Residual modules (He et al. 2016, "Deep Residual Learning for Image Recognition")."""

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, n_filters=checks.count, strides=checks.count)
# --8<-- [start:residual_module]
def residual_module(layer_in, n_filters, *, strides=1, batch_norm=False):
    """Two 3×3 convolutions whose output is added to the input, then a ReLU.

    The shortcut is the identity when the input already has ``n_filters`` channels
    and the same size; otherwise a 1×1 convolution projects it (option B of the
    paper). ``strides=2`` halves the feature map in the first convolution and the
    projection; ``batch_norm=True`` adds batch normalization after each convolution.
    """

    def conv(x, kernel_size, strides=1):
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
def bottleneck_residual_module(layer_in, n_filters, *, strides=1, expansion=4):
    """A 1×1 reduction to ``n_filters``, a 3×3 convolution, a 1×1 expansion to
    ``expansion * n_filters``, each batch-normalized, added to the shortcut, then a ReLU.

    As in ResNet-50, ``strides`` goes on the first 1×1 convolution, and a 1×1
    projection shortcut is used where the shape changes.
    """
    n_out = expansion * n_filters

    def conv_bn(x, filters, kernel_size, strides=1):
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
