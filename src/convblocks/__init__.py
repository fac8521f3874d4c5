"""ConvBlocks: the building blocks of the milestone CNNs, in Keras 3.

VGG blocks, naive and projected Inception modules, residual and bottleneck
residual modules (``convblocks.blocks``); the VGG, GoogLeNet and ResNet networks
assembled from them (``convblocks.models``); and what they cost in parameters and
multiply-accumulates (``convblocks.cost``).
"""

from convblocks.blocks.inception import inception_module, naive_inception_module
from convblocks.blocks.resnet import bottleneck_residual_module, residual_module
from convblocks.blocks.vgg import vgg_block
from convblocks.cost import Cost, MacCount, block_cost, count_macs, model_cost
from convblocks.models import googlenet, resnet, vgg

__version__ = "0.2.0"

__all__ = [
    "Cost",
    "MacCount",
    "__version__",
    "block_cost",
    "bottleneck_residual_module",
    "count_macs",
    "googlenet",
    "inception_module",
    "model_cost",
    "naive_inception_module",
    "residual_module",
    "resnet",
    "vgg",
    "vgg_block",
]
