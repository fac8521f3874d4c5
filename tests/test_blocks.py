"""The tutorial's examples give the tutorial's numbers; every block has the right shapes."""

import pytest
from helpers import KERAS, LazyModule, block_model

keras, convblocks = LazyModule("keras"), LazyModule("convblocks")
pytestmark = KERAS


def test_one_vgg_block_has_the_tutorials_38720_params():
    model = block_model(convblocks.vgg_block, (256, 256, 3), 64, 2)
    assert model.count_params() == 38_720
    assert model.output.shape == (None, 128, 128, 64)


def test_three_vgg_blocks_have_the_tutorials_2325568_params():
    inputs = keras.Input(shape=(256, 256, 3))
    x = convblocks.vgg_block(inputs, 64, 2)
    x = convblocks.vgg_block(x, 128, 2)
    x = convblocks.vgg_block(x, 256, 4)
    model = keras.Model(inputs, x)
    assert model.count_params() == 2_325_568
    assert model.output.shape == (None, 32, 32, 256)


def test_vgg_block_layers_are_the_tutorials():
    model = block_model(convblocks.vgg_block, (256, 256, 3), 64, 2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Conv2D", "Conv2D", "MaxPooling2D"]
    assert all(layer.activation.__name__ == "relu" for layer in model.layers[1:3])


def test_vgg_block_with_batch_norm():
    model = block_model(convblocks.vgg_block, (32, 32, 3), 16, 2, batch_norm=True)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Conv2D", "BatchNormalization", "Activation"] * 2 + ["MaxPooling2D"]
    # No conv bias: 3*3*3*16 + 3*3*16*16 kernels, 4*16 BN values per conv.
    assert model.count_params() == 432 + 2304 + 2 * 64
    assert model.output.shape == (None, 16, 16, 16)


def test_naive_inception_module_has_the_tutorials_6272_params():
    model = block_model(convblocks.naive_inception_module, (256, 256, 3), 64, 128, 32)
    assert model.count_params() == 6_272
    # 64 + 128 + 32 convolution channels and the 3 pooled input channels.
    assert model.output.shape == (None, 256, 256, 227)


def test_projected_inception_3a_then_3b_has_the_tutorials_513120_params():
    inputs = keras.Input(shape=(256, 256, 3))
    x = convblocks.inception_module(inputs, 64, 96, 128, 16, 32, 32)
    assert x.shape == (None, 256, 256, 256)
    x = convblocks.inception_module(x, 128, 128, 192, 32, 96, 64)
    assert x.shape == (None, 256, 256, 480)
    assert keras.Model(inputs, x).count_params() == 513_120


def test_residual_module_with_projection_has_the_tutorials_38976_params():
    model = block_model(convblocks.residual_module, (256, 256, 3), 64)
    assert model.count_params() == 38_976
    assert model.output.shape == (None, 256, 256, 64)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert sorted(tuple(conv.kernel.shape[:2]) for conv in convs) == [(1, 1), (3, 3), (3, 3)]
    assert all(isinstance(conv.kernel_initializer, keras.initializers.HeNormal) for conv in convs)


def test_residual_module_identity_shortcut_adds_the_input_itself():
    model = block_model(convblocks.residual_module, (32, 32, 64), 64)
    add = next(layer for layer in model.layers if isinstance(layer, keras.layers.Add))
    assert model.input in [node for node in add.input]
    assert model.count_params() == 2 * (3 * 3 * 64 * 64 + 64)


@pytest.mark.parametrize(("batch_norm", "params"), [(False, 38_976), (True, 38_976 + 3 * 4 * 64)])
def test_residual_module_stride_2_halves_the_map(batch_norm, params):
    model = block_model(
        convblocks.residual_module, (256, 256, 3), 64, strides=2, batch_norm=batch_norm
    )
    assert model.output.shape == (None, 128, 128, 64)
    assert model.count_params() == params


def test_residual_module_projects_when_only_the_stride_changes():
    model = block_model(convblocks.residual_module, (32, 32, 64), 64, strides=2)
    assert model.output.shape == (None, 16, 16, 64)
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in model.layers) == 3


def test_bottleneck_residual_module_shapes_and_params():
    model = block_model(convblocks.bottleneck_residual_module, (56, 56, 64), 64)
    assert model.output.shape == (None, 56, 56, 256)
    # ResNet-50's conv2_1: 1×1 64→64, 3×3 64→64, 1×1 64→256, projection 64→256,
    # each with bias and 4 BN values per channel.
    convs = (64 * 64 + 64) + (9 * 64 * 64 + 64) + (64 * 256 + 256) + (64 * 256 + 256)
    assert model.count_params() == convs + 4 * (64 + 64 + 256 + 256)


def test_bottleneck_residual_module_downsamples_with_a_stride():
    model = block_model(convblocks.bottleneck_residual_module, (56, 56, 256), 128, strides=2)
    assert model.output.shape == (None, 28, 28, 512)
    strided = [
        tuple(layer.kernel.shape[:2])
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D) and layer.strides == (2, 2)
    ]
    assert strided == [(1, 1), (1, 1)]  # the projection and the 1×1 reduction


def test_bottleneck_identity_shortcut_has_no_projection():
    model = block_model(convblocks.bottleneck_residual_module, (14, 14, 256), 64)
    assert sum(isinstance(layer, keras.layers.Conv2D) for layer in model.layers) == 3
    assert model.output.shape == (None, 14, 14, 256)


def test_bottleneck_expansion_is_an_option():
    model = block_model(convblocks.bottleneck_residual_module, (14, 14, 32), 32, expansion=2)
    assert model.output.shape == (None, 14, 14, 64)
