"""roofline_conv: what a convolution costs, how fast it can run on a device, and how fast it does.

    >>> from roofline_conv import Conv2d, DepSep
    >>> Conv2d(128, 128, kernel_size=3, input_size=224, padding=1).macs
    7398752256

Every public name (layers, symbols, conventions, device constants such as ``V100``, ``TPUv2``,
``XeonE5_2698v4``, ...) is loaded on first access (PEP 562): importing the package imports
nothing and reads no files, so the ``roofline-conv`` command starts, and answers Ctrl-C, before
any heavy import (see ``cli.main``).
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """Every public name, imported on first access (see ``_names``)."""
    from ._names import attribute

    return attribute(name)


def __dir__() -> "list[str]":
    return sorted(set(globals()) | set(__all__))


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
