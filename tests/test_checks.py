"""Bad arguments raise ValueError or TypeError naming the argument and the value."""

import numpy as np
import pytest
from helpers import KERAS, LazyModule

keras, convblocks = LazyModule("keras"), LazyModule("convblocks")
pytestmark = KERAS

IMAGE = (32, 32, 3)
BLOCKS = [  # by name: collecting the tests imports no Keras
    ("vgg_block", {"n_filters": 8, "n_conv": 2}),
    ("naive_inception_module", {"f1": 4, "f2": 8, "f3": 2}),
    ("inception_module", dict(f1=4, f2_in=4, f2_out=8, f3_in=2, f3_out=4, f4_out=4)),
    ("residual_module", {"n_filters": 8}),
    ("bottleneck_residual_module", {"n_filters": 8}),
]
COUNTS = [(block, name, kwargs) for block, kwargs in BLOCKS for name in kwargs]
BAD_COUNTS = [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("64", TypeError)]
BAD_COUNTS += [(True, TypeError), (None, TypeError)]


def block_id(value):
    return value if isinstance(value, str) and value in dict(BLOCKS) else None


@pytest.mark.parametrize(("block", "name", "kwargs"), COUNTS, ids=lambda v: block_id(v) or "")
@pytest.mark.parametrize(("value", "error"), BAD_COUNTS)
def test_bad_filter_and_conv_counts(block, name, kwargs, value, error):
    with pytest.raises(error, match=rf"^{name} must be a positive integer, got {value!r}"):
        getattr(convblocks, block)(keras.Input(shape=IMAGE), **{**kwargs, name: value})


@pytest.mark.parametrize("block", ["residual_module", "bottleneck_residual_module"])
@pytest.mark.parametrize(("value", "error"), [(0, ValueError), (1.5, TypeError)])
def test_bad_strides(block, value, error):
    with pytest.raises(error, match=rf"^strides must be a positive integer, got {value}"):
        getattr(convblocks, block)(keras.Input(shape=IMAGE), 8, strides=value)


def test_numpy_integers_are_counts():
    assert convblocks.vgg_block(keras.Input(shape=IMAGE), np.int64(8), np.int32(1)).shape[-1] == 8


@pytest.mark.parametrize(("block", "kwargs"), BLOCKS, ids=block_id)
def test_input_must_be_a_4d_tensor(block, kwargs):
    with pytest.raises(TypeError, match=r"^layer_in must be a 4-D Keras tensor .*got list"):
        getattr(convblocks, block)([[1.0]], **kwargs)
    with pytest.raises(ValueError, match=r"^layer_in must be 4-D .*got shape \(None, 32, 3\)"):
        getattr(convblocks, block)(keras.Input(shape=(32, 3)), **kwargs)
    with pytest.raises(ValueError, match=r"^layer_in must be 4-D .*\(None, 8, 8, 8, 3\) \(5-D\)"):
        getattr(convblocks, block)(keras.Input(shape=(8, 8, 8, 3)), **kwargs)


@pytest.mark.parametrize(("block", "kwargs"), BLOCKS, ids=block_id)
def test_channels_first_input_is_refused(block, kwargs):
    with pytest.raises(ValueError, match=r"^layer_in looks channels-first \(shape \(None, 3, 64"):
        getattr(convblocks, block)(keras.Input(shape=(3, 64, 64)), **kwargs)


@pytest.mark.parametrize(("block", "kwargs"), BLOCKS, ids=block_id)
def test_channels_first_data_format_is_refused(block, kwargs):
    keras.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match=r"^layer_in: .*image_data_format\(\) is 'channels_f"):
            getattr(convblocks, block)(keras.Input(shape=IMAGE), **kwargs)
    finally:
        keras.config.set_image_data_format("channels_last")


@pytest.mark.parametrize(("block", "kwargs"), BLOCKS, ids=block_id)
def test_unknown_channel_dimension_is_refused(block, kwargs):
    with pytest.raises(ValueError, match=r"^layer_in has an unknown channel dimension: .*None\)"):
        getattr(convblocks, block)(keras.Input(shape=(None, None, None)), **kwargs)


def test_small_feature_maps_are_not_mistaken_for_channels_first():
    assert convblocks.vgg_block(keras.Input(shape=(4, 4, 512)), 8, 1).shape == (None, 2, 2, 8)
    assert convblocks.residual_module(keras.Input(shape=(3, 3, 3)), 8).shape == (None, 3, 3, 8)


def test_missing_argument_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="n_conv"):
        convblocks.vgg_block(keras.Input(shape=IMAGE), 8)


@pytest.mark.parametrize(
    ("build", "message", "error"),
    [
        (lambda: convblocks.vgg(18), r"^depth must be one of 11, 13, 16, 19, got 18", ValueError),
        (lambda: convblocks.vgg(16.0), r"^depth must be a positive integer, got 16.0", TypeError),
        (
            lambda: convblocks.resnet(20),
            r"^depth must be one of 18, 34, 50, 101, 152, got 20",
            ValueError,
        ),
        (
            lambda: convblocks.resnet("50"),
            r"^depth must be a positive integer, got '50'",
            TypeError,
        ),
        (
            lambda: convblocks.vgg(16, classes=0),
            r"^classes must be a positive integer, got 0",
            ValueError,
        ),
        (
            lambda: convblocks.googlenet(classes=-1),
            r"^classes must be a positive integer",
            ValueError,
        ),
        (
            lambda: convblocks.resnet(18, input_shape=224),
            r"^input_shape must be a tuple",
            TypeError,
        ),
        (
            lambda: convblocks.resnet(18, input_shape=(224, 224)),
            r"^input_shape must have 3",
            ValueError,
        ),
        (
            lambda: convblocks.googlenet(input_shape=(224, 224, 0)),
            r"^input_shape channels must be a positive integer, got 0",
            ValueError,
        ),
        (
            lambda: convblocks.vgg(16, input_shape=(3, 224, 224)),
            r"^input_shape looks channels-first \(\(3, 224, 224\)\).*\(224, 224, 3\)",
            ValueError,
        ),
        (
            lambda: convblocks.count_macs("resnet"),
            r"^model must be a keras.Model, got str",
            TypeError,
        ),
        (
            lambda: convblocks.model_cost(None),
            r"^model must be a keras.Model, got NoneType",
            TypeError,
        ),
        (
            lambda: convblocks.block_cost(convblocks.vgg_block, (3, 64, 64), 8, 1),
            r"^input_shape looks",
            ValueError,
        ),
        (
            lambda: convblocks.block_cost("vgg", (64, 64, 3)),
            r"^block must be a block function",
            TypeError,
        ),
    ],
)
def test_bad_model_arguments(build, message, error):
    with pytest.raises(error, match=message):
        build()
