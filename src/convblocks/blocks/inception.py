"""Inception modules (Szegedy et al. 2015, "Going Deeper with Convolutions")."""

import keras

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, f1=checks.count, f2=checks.count, f3=checks.count)
# --8<-- [start:naive_inception_module]
def naive_inception_module(
    layer_in: keras.KerasTensor, f1: int, f2: int, f3: int
) -> keras.KerasTensor:
    """Parallel 1×1, 3×3 and 5×5 convolutions and a 3×3 max pool, concatenated on channels.

    Args:
        layer_in: Input tensor, 4-D channels-last.
        f1: Number of filters of the 1×1 convolution.
        f2: Number of filters of the 3×3 convolution.
        f3: Number of filters of the 5×5 convolution.

    Returns:
        Output tensor of the module: the size of `layer_in`, with
        `f1 + f2 + f3` channels plus those of `layer_in`.

    Raises:
        TypeError: If `layer_in` is not a tensor, or `f1`, `f2` or `f3` is not an
            integer.
        ValueError: If `layer_in` is not 4-D channels-last, or `f1`, `f2` or `f3` is
            less than 1.
    """
    conv1 = layers.Conv2D(f1, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = layers.Conv2D(f2, (3, 3), padding="same", activation="relu")(layer_in)
    conv5 = layers.Conv2D(f3, (5, 5), padding="same", activation="relu")(layer_in)
    pool = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(layer_in)
    return layers.concatenate([conv1, conv3, conv5, pool], axis=-1)
    # --8<-- [end:naive_inception_module]


@checks.checked(
    layer_in=checks.feature_map,
    f1=checks.count,
    f2_in=checks.count,
    f2_out=checks.count,
    f3_in=checks.count,
    f3_out=checks.count,
    f4_out=checks.count,
)
# --8<-- [start:inception_module]
def inception_module(
    layer_in: keras.KerasTensor,
    f1: int,
    f2_in: int,
    f2_out: int,
    f3_in: int,
    f3_out: int,
    f4_out: int,
) -> keras.KerasTensor:
    """The Inception module with dimension reductions (Figure 2b of the paper).

    1×1 convolutions reduce the channels before the 3×3 and 5×5 convolutions, and
    project them after the max pool.

    Args:
        layer_in: Input tensor, 4-D channels-last.
        f1: Number of filters of the 1×1 convolution.
        f2_in: Number of filters of the 1×1 reduction before the 3×3 convolution.
        f2_out: Number of filters of the 3×3 convolution.
        f3_in: Number of filters of the 1×1 reduction before the 5×5 convolution.
        f3_out: Number of filters of the 5×5 convolution.
        f4_out: Number of filters of the 1×1 projection after the 3×3 max pool.

    Returns:
        Output tensor of the module: the size of `layer_in`, with
        `f1 + f2_out + f3_out + f4_out` channels.

    Raises:
        TypeError: If `layer_in` is not a tensor, or a number of filters is not an
            integer.
        ValueError: If `layer_in` is not 4-D channels-last, or a number of filters
            is less than 1.
    """
    conv1 = layers.Conv2D(f1, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = layers.Conv2D(f2_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = layers.Conv2D(f2_out, (3, 3), padding="same", activation="relu")(conv3)
    conv5 = layers.Conv2D(f3_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv5 = layers.Conv2D(f3_out, (5, 5), padding="same", activation="relu")(conv5)
    pool = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(layer_in)
    pool = layers.Conv2D(f4_out, (1, 1), padding="same", activation="relu")(pool)
    return layers.concatenate([conv1, conv3, conv5, pool], axis=-1)
    # --8<-- [end:inception_module]
