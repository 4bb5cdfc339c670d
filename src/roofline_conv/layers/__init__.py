"""Layer descriptors: immutable, exact, symbolic-capable."""

from .base import Layer
from .conv import Conv2d, Depthwise, GemmShape, Pointwise
from .depsep import DepSep
from .dims import LayerError
from .elementwise import (
    ACTIVATIONS,
    OPS_PER_ELEMENT,
    Activation,
    Add,
    BatchNorm2d,
    Flatten,
    HardSigmoid,
    HardSwish,
    ReLU,
    ReLU6,
    Scale,
    Sigmoid,
    SiLU,
)
from .linear import Linear
from .pool import AvgPool2d, GlobalAvgPool, MaxPool2d
from .se import SqueezeExcitation

__all__ = [
    "Layer", "Conv2d", "Depthwise", "Pointwise", "DepSep", "GemmShape", "LayerError",
    "Linear", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "BatchNorm2d",
    "Activation", "ReLU", "ReLU6", "Sigmoid", "SiLU", "HardSigmoid", "HardSwish", "ACTIVATIONS",
    "OPS_PER_ELEMENT", "Add", "Scale", "Flatten", "SqueezeExcitation",
]
