"""What the papers report, to set beside what the models and blocks of ConvBlocks cost.

The figures are copied as the papers print them, in the papers' own units (each
comment names the table or section). Nothing here is computed: compare them with
``convblocks.cost`` to see which ones reproduce. ``MODEL_PARAMS`` and
``MODEL_MULTIPLY_ADDS`` collect the whole-network figures under the names the
site uses ("VGG-16", "GoogLeNet", "ResNet-50"…), as plain counts.
"""

# Simonyan & Zisserman (2014), "Very Deep Convolutional Networks for Large-Scale Image
# Recognition", Table 2: "Number of parameters (in millions)" of each configuration of Table 1.
VGG_PARAMS_MILLIONS: dict[str, int] = {
    "A": 133,
    "A-LRN": 133,
    "B": 133,
    "C": 134,
    "D": 138,
    "E": 144,
}

# The configuration of Table 1 that convblocks.models.vgg(depth) builds. C (16 layers, three of
# them 1×1 convolutions) and A-LRN (A with local response normalization) are not built.
VGG_CONFIGURATIONS: dict[int, str] = {11: "A", 13: "B", 16: "D", 19: "E"}

# Szegedy et al. (2015), "Going Deeper with Convolutions", Table 1, the nine Inception modules:
# (params, ops). "params" are kernel weights without biases, in K = 1024; "ops" are
# multiply-adds, in M = 10**6. Keys as in convblocks.models.GOOGLENET_MODULES.
GOOGLENET_MODULES: dict[str, tuple[int, int]] = {
    "3a": (159, 128),
    "3b": (380, 304),
    "4a": (364, 73),
    "4b": (437, 88),
    "4c": (463, 100),
    "4d": (580, 119),
    "4e": (840, 170),
    "5a": (1072, 54),
    "5b": (1388, 71),
}

# Szegedy et al. (2015): Table 1 prints no total; its params column adds up to about 6.8M
# (in the table's own unit, K = 1024 kernel weights). Section 1: "the models were designed to
# keep a computational budget of 1.5 billion multiply-adds at inference time".
GOOGLENET_PARAMS: float = 6.8e6
GOOGLENET_MULTIPLY_ADDS: float = 1.5e9

# He, Zhang, Ren & Sun (2016), "Deep Residual Learning for Image Recognition", Table 1, last
# row: "FLOPs" of each depth, which Section 3.3 counts as multiply-adds ("3.6 billion FLOPs
# (multiply-adds)" for the 34-layer network).
RESNET_FLOPS: dict[int, float] = {18: 1.8e9, 34: 3.6e9, 50: 3.8e9, 101: 7.6e9, 152: 11.3e9}

# He et al. (2016), Section 4.1: "VGG-16/19 nets (15.3/19.6 billion FLOPs)". The VGG paper
# itself gives no such figure.
VGG_FLOPS: dict[int, float] = {16: 15.3e9, 19: 19.6e9}

MODEL_PARAMS: dict[str, float] = {
    **{f"VGG-{depth}": VGG_PARAMS_MILLIONS[c] * 1e6 for depth, c in VGG_CONFIGURATIONS.items()},
    "GoogLeNet": GOOGLENET_PARAMS,
}
MODEL_MULTIPLY_ADDS: dict[str, float] = {
    **{f"VGG-{depth}": flops for depth, flops in VGG_FLOPS.items()},
    "GoogLeNet": GOOGLENET_MULTIPLY_ADDS,
    **{f"ResNet-{depth}": flops for depth, flops in RESNET_FLOPS.items()},
}
