"""The VGG block (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
Large-Scale Image Recognition")."""

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, n_filters=checks.count, n_conv=checks.count)
# --8<-- [start:vgg_block]
def vgg_block(layer_in, n_filters, n_conv, *, batch_norm=False):
    """``n_conv`` 3×3 'same' convolutions with ReLU, then a 2×2 max pool of stride 2.

    With ``batch_norm=True`` each convolution is followed by batch normalization
    before its ReLU (and drops its now redundant bias).
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
