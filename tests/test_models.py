"""Whole models built from the blocks match keras.applications and the papers."""

import numpy as np
import pytest
from helpers import KERAS, LazyModule, counted_model

keras, convblocks = LazyModule("keras"), LazyModule("convblocks")
pytestmark = KERAS

APPLICATIONS = [  # by name: collecting the tests imports no Keras
    ("vgg", 16, "VGG16", 138_357_544),
    ("vgg", 19, "VGG19", 143_667_240),
    ("resnet", 50, "ResNet50", 25_636_712),
    ("resnet", 101, "ResNet101", 44_707_176),
    ("resnet", 152, "ResNet152", 60_419_944),
]


@pytest.mark.usefixtures("shapes_only")
@pytest.mark.parametrize(
    ("builder", "depth", "reference", "params"),
    APPLICATIONS,
    ids=["vgg16", "vgg19", "r50", "r101", "r152"],
)
def test_same_weights_as_keras_applications(builder, depth, reference, params):
    builder, reference = getattr(convblocks, builder), getattr(keras.applications, reference)
    model, expected = counted_model(builder, depth), reference(weights=None)
    assert model.count_params() == expected.count_params() == params
    assert [w.shape for w in model.weights] == [w.shape for w in expected.weights]


@pytest.mark.parametrize(
    ("ours", "reference"),
    [
        (lambda shape: convblocks.vgg(16, input_shape=shape), "VGG16"),
        (lambda shape: convblocks.resnet(50, input_shape=shape), "ResNet50"),
    ],
    ids=["vgg16", "resnet50"],
)
def test_keras_applications_weights_give_the_same_predictions(ours, reference):
    # The whole network, classifier included, on 64x64 images: a ninth of the work.
    shape = (64, 64, 3)
    reference = getattr(keras.applications, reference)
    model, expected = ours(shape), reference(weights=None, input_shape=shape)
    model.set_weights(expected.get_weights())
    images = np.random.default_rng(0).uniform(0, 255, (2, *shape)).astype("float32")
    # Called directly: predict() would first trace each network into a graph.
    np.testing.assert_allclose(
        model(images, training=False), expected(images, training=False), atol=1e-6
    )


@pytest.mark.parametrize(("depth", "params"), [(11, 132_863_336), (13, 133_047_848)])
def test_vgg_configurations_a_and_b(depth, params):
    assert counted_model(convblocks.vgg, depth).count_params() == params


@pytest.mark.usefixtures("shapes_only")
def test_vgg_without_top_ends_at_the_last_pool():
    model = convblocks.vgg(16, input_shape=(64, 64, 3), include_top=False)
    assert model.output.shape == (None, 2, 2, 512)
    assert model.count_params() == 14_714_688  # keras.applications.VGG16(include_top=False)


@pytest.mark.usefixtures("shapes_only")
def test_vgg_with_batch_norm_and_few_classes():
    model = convblocks.vgg(11, input_shape=(32, 32, 3), classes=10, batch_norm=True)
    assert model.output.shape == (None, 10)
    assert sum(isinstance(x, keras.layers.BatchNormalization) for x in model.layers) == 8


def main_path(model):
    """The Conv2D and Dense layers on the longest path through ``model``: through every
    module's convolutions, past every shortcut."""
    path_to = {id(model.input): []}
    for layer in model.layers[1:]:  # called in this order, after the InputLayer
        longest = max((path_to[id(x)] for x in keras.tree.flatten(layer.input)), key=len)
        weighted = isinstance(layer, keras.layers.Conv2D | keras.layers.Dense)
        path_to[id(layer.output)] = [*longest, layer] if weighted else longest
    return path_to[id(model.output)]


@pytest.mark.parametrize(("depth", "modules"), [(18, 8), (34, 16), (50, 16), (101, 33), (152, 50)])
def test_resnet_depth_counts_weighted_layers(depth, modules):
    """The depth counts the stem, the modules' convolutions and the classifier."""
    model = counted_model(convblocks.resnet, depth)
    main = main_path(model)
    assert len(main) == depth
    assert sum(isinstance(x, keras.layers.Add) for x in model.layers) == modules
    # Off the main path, the 1×1 projections where a stage changes the shape: every stage's
    # first module but ResNet-18/34's first stage, which keeps 64 channels and the size.
    shortcuts = [x for x in model.layers if isinstance(x, keras.layers.Conv2D) and x not in main]
    assert [x.kernel_size for x in shortcuts] == [(1, 1)] * (3 if depth < 50 else 4)
    assert model.output.shape == (None, 1000)


def test_resnet18_and_34_parameters():
    assert counted_model(convblocks.resnet, 18).count_params() == 11_703_912
    assert counted_model(convblocks.resnet, 34).count_params() == 21_823_208


def test_googlenet_follows_table_1():
    model = counted_model(convblocks.googlenet)
    assert model.output.shape == (None, 1000)
    concatenations = [x for x in model.layers if isinstance(x, keras.layers.Concatenate)]
    assert [x.output.shape[1:] for x in concatenations] == [
        (28, 28, 256),
        (28, 28, 480),
        (14, 14, 512),
        (14, 14, 512),
        (14, 14, 512),
        (14, 14, 528),
        (14, 14, 832),
        (7, 7, 832),
        (7, 7, 1024),
    ]
    assert model.count_params() == 6_998_552


@pytest.mark.usefixtures("shapes_only")
def test_googlenet_auxiliary_classifiers_are_optional():
    model = convblocks.googlenet(classes=10, auxiliary_classifiers=True)
    assert [output.shape for output in model.outputs] == [(None, 10)] * 3
    assert len(convblocks.googlenet(classes=10).outputs) == 1
