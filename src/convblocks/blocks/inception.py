"""Inception modules (Szegedy et al. 2015, "Going Deeper with Convolutions")."""

# --8<-- [start:imports]
from keras import layers

# --8<-- [end:imports]
from convblocks import checks


@checks.checked(layer_in=checks.feature_map, f1=checks.count, f2=checks.count, f3=checks.count)
# --8<-- [start:naive_inception_module]
def naive_inception_module(layer_in, f1, f2, f3):
    """Parallel 1×1, 3×3 and 5×5 convolutions and a 3×3 max pool, concatenated on channels."""
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
def inception_module(layer_in, f1, f2_in, f2_out, f3_in, f3_out, f4_out):
    """The Inception module with 1×1 reductions before the 3×3 and 5×5 convolutions
    and a 1×1 projection after the pool (Figure 2b of the paper)."""
    conv1 = layers.Conv2D(f1, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = layers.Conv2D(f2_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv3 = layers.Conv2D(f2_out, (3, 3), padding="same", activation="relu")(conv3)
    conv5 = layers.Conv2D(f3_in, (1, 1), padding="same", activation="relu")(layer_in)
    conv5 = layers.Conv2D(f3_out, (5, 5), padding="same", activation="relu")(conv5)
    pool = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(layer_in)
    pool = layers.Conv2D(f4_out, (1, 1), padding="same", activation="relu")(pool)
    return layers.concatenate([conv1, conv3, conv5, pool], axis=-1)
    # --8<-- [end:inception_module]
