"""Whole networks: layer specs without input sizes, ``Sequential`` and ``Residual`` blocks, shape
propagation, totals and per-layer tables, fusion, projection.

    >>> from roofline_conv.network import Sequential, conv, batchnorm, relu, global_avgpool, flatten, linear
    >>> net = Sequential([conv(16, 3, padding=1), batchnorm(), relu(),
    ...                   global_avgpool(), flatten(), linear(10)], input_shape=(3, 32, 32))
    >>> net.params, net.macs
    (634, 442528)

See ``docs/networks.md``.
"""

from .builders import (
    activation,
    avgpool,
    batchnorm,
    conv,
    depsep,
    depthwise,
    flatten,
    global_avgpool,
    hardsigmoid,
    hardswish,
    linear,
    maxpool,
    named,
    pointwise,
    relu,
    relu6,
    se,
    sigmoid,
    silu,
    swish,
)
from .core import Network
from .fusion import FUSION_HEADS
from .graph import NetworkError, Node, shape_str
from .specs import Fixed, LayerSpec, Residual, Sequential, Spec, as_spec

__all__ = [
    "Network", "Node", "NetworkError", "Sequential", "Residual", "Spec", "LayerSpec", "Fixed", "FUSION_HEADS",
    "shape_str", "as_spec", "named",
    "conv", "depthwise", "pointwise", "depsep", "linear", "maxpool", "avgpool", "global_avgpool", "batchnorm",
    "activation", "relu", "relu6", "sigmoid", "silu", "swish", "hardsigmoid", "hardswish", "flatten", "se",
]
