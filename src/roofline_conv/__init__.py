"""roofline_conv: what a convolution costs, how fast it can run on a device, and how fast it does.

    >>> from roofline_conv import Conv2d, DepSep
    >>> Conv2d(128, 128, kernel_size=3, input_size=224, padding=1).macs
    7398752256

Device constants (``V100``, ``TPUv2``, ``XeonE5_2698v4``, ...) are loaded from the packaged
catalog on first access; importing the package reads no files.
"""

from __future__ import annotations

from typing import Any

from .conventions import FLOPS_PER_MAC, MB, PRECISIONS, TRAFFIC_MODELS
from .layers import (
    Add,
    AvgPool2d,
    BatchNorm2d,
    Conv2d,
    DepSep,
    Depthwise,
    Flatten,
    GemmShape,
    GlobalAvgPool,
    HardSigmoid,
    HardSwish,
    Layer,
    LayerError,
    Linear,
    MaxPool2d,
    Pointwise,
    ReLU,
    ReLU6,
    Scale,
    Sigmoid,
    SiLU,
    SqueezeExcitation,
)
from .symbols import B, Df, Dk, M, N

__version__ = "0.1.0"

_LAZY_MODULE_ATTRS = {
    "project": "roofline_conv.roofline",
    "ridge_point": "roofline_conv.roofline",
    "Projection": "roofline_conv.roofline",
    "Device": "roofline_conv.devices",
    "devices": "roofline_conv.devices",
    "Network": "roofline_conv.network",
    "Sequential": "roofline_conv.network",
    "Residual": "roofline_conv.network",
    "NetworkError": "roofline_conv.network",
    "network": "roofline_conv.network",
    "zoo": "roofline_conv.zoo",
    "training": "roofline_conv.training",
    "sweep": "roofline_conv.sweeps",
    "plot": "roofline_conv.plot",
    "plot_roofline": "roofline_conv.plot",
    "plot_sweep": "roofline_conv.plot",
    "BYTES_PER_ELEMENT": "roofline_conv.conventions",
    "plot_predicted_vs_measured": "roofline_conv.plot",
}
_LAZY_MODULES = {"devices", "network", "zoo", "training", "plot"}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY_MODULE_ATTRS:
        module = importlib.import_module(_LAZY_MODULE_ATTRS[name])
        return module if name in _LAZY_MODULES else getattr(module, name)
    if name[:1].isupper():
        devices = importlib.import_module("roofline_conv.devices")
        try:
            return getattr(devices, name)
        except AttributeError:
            pass
    raise AttributeError(f"module 'roofline_conv' has no attribute {name!r}")


__all__ = [
    "Conv2d", "DepSep", "Depthwise", "Pointwise", "Layer", "LayerError", "GemmShape",
    "Dk", "M", "N", "Df", "B",
    "FLOPS_PER_MAC", "BYTES_PER_ELEMENT", "MB", "PRECISIONS", "TRAFFIC_MODELS",
    "project", "ridge_point", "Projection", "Device", "devices",
    "Linear", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "BatchNorm2d", "ReLU", "ReLU6", "Sigmoid", "SiLU",
    "HardSigmoid", "HardSwish", "Add", "Scale", "Flatten", "SqueezeExcitation",
    "Network", "Sequential", "Residual", "NetworkError", "network", "zoo", "training",
    "sweep", "plot", "plot_roofline", "plot_sweep", "plot_predicted_vs_measured",
]
