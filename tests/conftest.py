import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras


def build(block, input_shape, *args, **kwargs):
    """A model of ``block`` alone on an input of ``input_shape``."""
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, block(inputs, *args, **kwargs))
