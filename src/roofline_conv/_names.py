"""Where each public name of the package lives: ``roofline_conv.__getattr__`` (PEP 562) imports
it from here on first access, so that importing the package imports nothing."""

_LAYERS = ("Add", "AvgPool2d", "BatchNorm2d", "Conv2d", "DepSep", "Depthwise", "Flatten", "GemmShape",
           "GlobalAvgPool", "HardSigmoid", "HardSwish", "Layer", "LayerError", "Linear", "MaxPool2d",
           "Pointwise", "ReLU", "ReLU6", "Scale", "Sigmoid", "SiLU", "SqueezeExcitation")
_LAZY_MODULE_ATTRS = {
    **{name: "roofline_conv.layers" for name in _LAYERS},
    **{name: "roofline_conv.symbols" for name in ("B", "Df", "Dk", "M", "N")},
    **{name: "roofline_conv.conventions" for name in ("FLOPS_PER_MAC", "MB", "PRECISIONS", "TRAFFIC_MODELS",
                                                      "BYTES_PER_ELEMENT")},
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
    "plot_predicted_vs_measured": "roofline_conv.plot",
}
_LAZY_MODULES = {"devices", "network", "zoo", "training", "plot"}


def attribute(name: str) -> object:
    """``roofline_conv.<name>``: the public names above, then the package's submodules
    (``roofline_conv.layers`` without importing it first, as when the package imported them
    eagerly), then device constants (``V100``, ...)."""
    import importlib

    if name in _LAZY_MODULE_ATTRS:
        module = importlib.import_module(_LAZY_MODULE_ATTRS[name])
        return module if name in _LAZY_MODULES else getattr(module, name)
    if name.isidentifier() and not name.startswith("__"):
        if name[:1].islower():
            try:
                return importlib.import_module(f"roofline_conv.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"roofline_conv.{name}":
                    raise
        else:
            devices = importlib.import_module("roofline_conv.devices")
            try:
                return getattr(devices, name)
            except AttributeError:
                pass
    raise AttributeError(f"module 'roofline_conv' has no attribute {name!r}")
