"""Whole networks assembled from the blocks: VGG, GoogLeNet and ResNet."""

import keras
from keras import layers

from convblocks import checks
from convblocks.blocks.inception import inception_module
from convblocks.blocks.resnet import bottleneck_residual_module, residual_module
from convblocks.blocks.vgg import vgg_block

# Convolutions per block for each configuration of Table 1 of the paper (A, B, D, E).
VGG_CONFIGS: dict[int, tuple[int, int, int, int, int]] = {
    11: (1, 1, 2, 2, 2),
    13: (2, 2, 2, 2, 2),
    16: (2, 2, 3, 3, 3),
    19: (2, 2, 4, 4, 4),
}
VGG_FILTERS: tuple[int, int, int, int, int] = (64, 128, 256, 512, 512)


@checks.checked(
    depth=checks.one_of(*VGG_CONFIGS),
    input_shape=checks.image_shape,
    classes=checks.count,
)
def vgg(
    depth: int = 16,
    *,
    input_shape: tuple[int, int, int] | list[int] = (224, 224, 3),
    classes: int = 1000,
    include_top: bool = True,
    batch_norm: bool = False,
) -> keras.Model:
    """VGG-11, 13, 16 or 19 (configurations A, B, D, E) made of five `vgg_block` blocks.

    The head is the paper's: two 4096-unit dense layers with dropout 0.5, then a
    softmax over `classes`. Without batch norm the weights have the same shapes, in
    the same order, as `keras.applications.VGG16` / `VGG19`.

    Args:
        depth: Number of weight layers: 11, 13, 16 or 19.
        input_shape: Shape `(height, width, channels)` of one input image.
        classes: Number of classes of the softmax.
        include_top: Whether to include the dense head; without it the model
            ends with the last block's max pool.
        batch_norm: Whether to add batch normalization after each convolution.

    Returns:
        The model, named `vgg{depth}`.

    Raises:
        TypeError: If `depth` or `classes` is not an integer, or `input_shape` is
            not a tuple or list of integers.
        ValueError: If `depth` is not 11, 13, 16 or 19, `classes` is less than 1,
            or `input_shape` does not have 3 positive entries or looks channels-first.
    """
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for n_filters, n_conv in zip(VGG_FILTERS, VGG_CONFIGS[depth], strict=True):
        x = vgg_block(x, n_filters, n_conv, batch_norm=batch_norm)
    if include_top:
        x = layers.Flatten()(x)
        for _ in range(2):
            x = layers.Dense(4096, activation="relu")(x)
            x = layers.Dropout(0.5)(x)
        x = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, x, name=f"vgg{depth}")


# Filter counts of Table 1 of the paper, in the order of inception_module's arguments:
# #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj.
GOOGLENET_MODULES: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def _max_pool(x: keras.KerasTensor) -> keras.KerasTensor:
    return layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same")(x)


def _auxiliary_classifier(x: keras.KerasTensor, classes: int) -> keras.KerasTensor:
    """The side classifier attached to 4a and 4d during training (Section 5)."""
    x = layers.AveragePooling2D((5, 5), strides=(3, 3))(x)
    x = layers.Conv2D(128, (1, 1), padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(1024, activation="relu")(x)
    x = layers.Dropout(0.7)(x)
    return layers.Dense(classes, activation="softmax")(x)


@checks.checked(input_shape=checks.image_shape, classes=checks.count)
def googlenet(
    *,
    input_shape: tuple[int, int, int] | list[int] = (224, 224, 3),
    classes: int = 1000,
    auxiliary_classifiers: bool = False,
) -> keras.Model:
    """GoogLeNet as in Table 1 of the paper, without local response normalization.

    Args:
        input_shape: Shape `(height, width, channels)` of one input image.
        classes: Number of classes of each softmax.
        auxiliary_classifiers: Whether to add the side classifiers on 4a and 4d
            (Section 5) as the second and third outputs of the model.

    Returns:
        The model, named `googlenet`: one output, or three with
        `auxiliary_classifiers=True`.

    Raises:
        TypeError: If `classes` is not an integer, or `input_shape` is not a tuple
            or list of integers.
        ValueError: If `classes` is less than 1, or `input_shape` does not have 3
            positive entries or looks channels-first.
    """
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2), padding="same", activation="relu")(inputs)
    x = _max_pool(x)
    x = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(x)
    x = layers.Conv2D(192, (3, 3), padding="same", activation="relu")(x)
    x = _max_pool(x)
    side_outputs: list[keras.KerasTensor] = []
    for name, filters in GOOGLENET_MODULES.items():
        if name in ("4a", "5a"):
            x = _max_pool(x)
        x = inception_module(x, *filters)
        if auxiliary_classifiers and name in ("4a", "4d"):
            side_outputs.append(_auxiliary_classifier(x, classes))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(
        inputs, [outputs, *side_outputs] if side_outputs else outputs, name="googlenet"
    )


# Residual modules per stage (conv2_x … conv5_x) for each depth of Table 1 of the paper.
RESNET_STAGES: dict[int, tuple[int, int, int, int]] = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}
RESNET_FILTERS: tuple[int, int, int, int] = (64, 128, 256, 512)


@checks.checked(
    depth=checks.one_of(*RESNET_STAGES),
    input_shape=checks.image_shape,
    classes=checks.count,
)
def resnet(
    depth: int = 50,
    *,
    input_shape: tuple[int, int, int] | list[int] = (224, 224, 3),
    classes: int = 1000,
    include_top: bool = True,
) -> keras.Model:
    """ResNet-18, 34, 50, 101 or 152.

    18 and 34 stack batch-normalized `residual_module` blocks; 50, 101 and 152 stack
    `bottleneck_residual_module` blocks, and have the same weight shapes, in the same
    order, as `keras.applications.ResNet50` / `101` / `152`. Each stage after
    the first starts with a stride of 2.

    Args:
        depth: Number of layers: 18, 34, 50, 101 or 152.
        input_shape: Shape `(height, width, channels)` of one input image.
        classes: Number of classes of the softmax.
        include_top: Whether to include the head (global average pooling and the
            softmax); without it the model ends with the last residual module.

    Returns:
        The model, named `resnet{depth}`.

    Raises:
        TypeError: If `depth` or `classes` is not an integer, or `input_shape` is
            not a tuple or list of integers.
        ValueError: If `depth` is not 18, 34, 50, 101 or 152, `classes` is less than
            1, or `input_shape` does not have 3 positive entries or looks
            channels-first.
    """
    inputs = keras.Input(shape=input_shape)
    x = layers.ZeroPadding2D((3, 3))(inputs)
    x = layers.Conv2D(64, (7, 7), strides=(2, 2))(x)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.ZeroPadding2D((1, 1))(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, (n_filters, n_modules) in enumerate(
        zip(RESNET_FILTERS, RESNET_STAGES[depth], strict=True)
    ):
        for index in range(n_modules):
            strides = 2 if stage > 0 and index == 0 else 1
            if depth < 50:
                x = residual_module(x, n_filters, strides=strides, batch_norm=True)
            else:
                x = bottleneck_residual_module(x, n_filters, strides=strides)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, x, name=f"resnet{depth}")
