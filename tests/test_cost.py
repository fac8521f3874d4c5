"""MACs and costs: hand-checked layers, the GoogLeNet and ResNet papers' figures."""

import pytest
from helpers import KERAS, LazyModule, block_model, counted_model

keras, convblocks = LazyModule("keras"), LazyModule("convblocks")
# Every test here counts; none runs a model.
pytestmark = [KERAS, pytest.mark.usefixtures("shapes_only")]


def test_macs_of_a_convolution_and_a_dense_layer_by_hand():
    inputs = keras.Input(shape=(8, 8, 3))
    x = keras.layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same", name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(5, name="dense")(x)
    macs = convblocks.count_macs(keras.Model(inputs, x))
    conv = 4 * 4 * 4 * (3 * 3 * 3)  # 4×4 output, 4 filters, 3×3×3 each
    dense = (4 * 4 * 4) * 5
    assert macs.per_layer == {"conv": conv, "dense": dense}
    assert macs.total == conv + dense


def test_grouped_convolution_and_nested_models_are_counted():
    inner_in = keras.Input(shape=(4, 4, 8))
    inner = keras.Model(inner_in, keras.layers.Conv2D(8, 1, groups=4, name="grouped")(inner_in))
    inputs = keras.Input(shape=(4, 4, 8))
    macs = convblocks.count_macs(keras.Model(inputs, inner(inputs)))
    assert macs.per_layer == {"grouped": 4 * 4 * 8 * 2}


def test_vgg_block_macs():
    macs = convblocks.count_macs(block_model(convblocks.vgg_block, (256, 256, 3), 64, 2))
    assert macs.total == 256 * 256 * 64 * 9 * (3 + 64)


def test_googlenet_table_1_inception_3a_row():
    """159K params (weights only, K = 1024) and 128M ops at 28×28×192."""
    cost = convblocks.block_cost(
        convblocks.inception_module, (28, 28, 192), *convblocks.models.GOOGLENET_MODULES["3a"]
    )
    assert cost.weights == 163_328
    assert cost.weights // 1024 == 159  # 159.5K, which the paper truncates
    assert round(cost.macs / 1e6) == 128


def test_reductions_make_the_projected_module_cheaper_than_the_naive_one():
    """With 3a's 1×1, 3×3 and 5×5 widths, the reductions cut MACs and weights 2.37-fold."""
    naive = convblocks.block_cost(convblocks.naive_inception_module, (28, 28, 192), 64, 128, 32)
    projected = convblocks.block_cost(
        convblocks.inception_module, (28, 28, 192), *convblocks.models.GOOGLENET_MODULES["3a"]
    )
    assert naive.macs == 28 * 28 * 192 * (64 + 9 * 128 + 25 * 32) == 303_464_448
    assert projected.macs == 128_049_152
    assert naive.weights == 192 * (64 + 9 * 128 + 25 * 32) == 387_072
    assert projected.weights == 163_328


@pytest.mark.parametrize(("depth", "paper_flops"), [(18, 1.8e9), (34, 3.6e9), (50, 3.8e9)])
def test_resnet_table_1_flops_within_3_percent(depth, paper_flops):
    """The paper's "FLOPs" are multiply-adds of the convolutions and the classifier."""
    assert convblocks.count_macs(counted_model(convblocks.resnet, depth)).total == pytest.approx(
        paper_flops, rel=0.03
    )


def test_model_cost_counts_kernel_weights_apart_from_biases():
    cost = convblocks.model_cost(block_model(convblocks.vgg_block, (256, 256, 3), 64, 2))
    assert cost.params == 38_720
    assert cost.weights == 38_720 - 2 * 64
    assert (
        cost.macs
        == convblocks.count_macs(block_model(convblocks.vgg_block, (256, 256, 3), 64, 2)).total
    )
