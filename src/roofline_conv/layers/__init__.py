"""Layer descriptors: immutable, exact, symbolic-capable."""

from .base import Layer
from .conv import Conv2d, Depthwise, GemmShape, Pointwise
from .depsep import DepSep
from .dims import LayerError
from .elementwise import (
    ACTIVATIONS,
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
from .elementwise import ops_per_element
from .linear import Linear
from .pool import AvgPool2d, GlobalAvgPool, MaxPool2d
from .se import SqueezeExcitation

KINDS: tuple[str, ...] = tuple(sorted(
    {"conv", "depthwise", "pointwise"}  # a Conv2d's kind is its op kind
    | {k for c in (DepSep, Linear, MaxPool2d, AvgPool2d, GlobalAvgPool, BatchNorm2d, Add, Scale, Flatten,
                   SqueezeExcitation, *ACTIVATIONS.values()) if isinstance(k := getattr(c, "kind", None), str)}))
"""Every layer kind (``layer.kind``), the keys a ``unit=`` mapping may use besides ``"vector"``."""

__all__ = [
    "KINDS", "Layer", "Conv2d", "Depthwise", "Pointwise", "DepSep", "GemmShape", "LayerError",
    "Linear", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "BatchNorm2d",
    "Activation", "ReLU", "ReLU6", "Sigmoid", "SiLU", "HardSigmoid", "HardSwish", "ACTIVATIONS",
    "OPS_PER_ELEMENT", "Add", "Scale", "Flatten", "SqueezeExcitation",
]


def __getattr__(name: str) -> object:
    """``OPS_PER_ELEMENT`` (a dict from data/ops.toml), read on first access, not at import."""
    if name == "OPS_PER_ELEMENT":
        return ops_per_element()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
