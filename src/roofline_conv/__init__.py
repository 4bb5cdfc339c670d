"""roofline_conv: what a convolution costs, how fast it can run on a device, and how fast it does.

    >>> from roofline_conv import Conv2d, DepSep
    >>> Conv2d(128, 128, kernel_size=3, input_size=224, padding=1).macs
    7398752256

Device constants (``V100``, ``TPUv2``, ``XeonE5_2698v4``, ...) are loaded from the packaged
catalog on first access; importing the package reads no files.
"""

from __future__ import annotations

from typing import Any

from .conventions import BYTES_PER_ELEMENT, FLOPS_PER_MAC, MB, PRECISIONS, TRAFFIC_MODELS
from .layers import Conv2d, DepSep, Depthwise, GemmShape, Layer, LayerError, Pointwise
from .symbols import B, Df, Dk, M, N

__version__ = "0.1.0"

_LAZY_MODULE_ATTRS = {
    "project": "roofline_conv.roofline",
    "ridge_point": "roofline_conv.roofline",
    "Projection": "roofline_conv.roofline",
    "Device": "roofline_conv.devices",
    "devices": "roofline_conv.devices",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY_MODULE_ATTRS:
        module = importlib.import_module(_LAZY_MODULE_ATTRS[name])
        return module if name == "devices" else getattr(module, name)
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
]
