"""Layer descriptors: immutable, exact, symbolic-capable."""

from .base import Layer
from .conv import Conv2d, Depthwise, GemmShape, Pointwise
from .depsep import DepSep
from .dims import LayerError

__all__ = ["Layer", "Conv2d", "Depthwise", "Pointwise", "DepSep", "GemmShape", "LayerError"]
