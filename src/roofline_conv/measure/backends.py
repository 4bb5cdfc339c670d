"""Measurement backends: which kernels time a layer, and the arguments that go with them.

* ``"numpy"`` (default): this package's own numpy kernels (:mod:`.kernels`), NCHW only.
* ``"torch"``: PyTorch's production kernels (oneDNN/MKL on the CPU, cuDNN on a GPU), in NCHW or
  ``channels_last`` memory format. PyTorch is an optional dependency
  (``pip install roofline_conv[torch]``); it is imported only when the torch backend is used,
  and a missing PyTorch is a :class:`TorchUnavailableError` (a ``ValueError``, one clear line
  in the CLI), never an ``ImportError`` traceback.

Device: ``torch_device="cpu"`` (the default) or ``"cuda"``, chosen explicitly, never
automatically: a calibrated device describes this machine's CPU roofs, and a GPU timing
silently put beside CPU predictions would mislead.
"""

from __future__ import annotations

from typing import Any

from ..validation import choice

__all__ = ["BACKENDS", "LAYOUTS", "TORCH_DEVICES", "TorchUnavailableError", "backend_argument", "backend_options",
           "layout_argument",
           "load_torch", "torch_device_argument"]

BACKENDS = ("numpy", "torch")
"""Measurement backends: the package's numpy kernels, PyTorch's production kernels."""
LAYOUTS = ("nchw", "channels_last")
"""Activation memory formats the torch backend times (the numpy backend: nchw only)."""
TORCH_DEVICES = ("cpu", "cuda")
"""Where the torch backend runs."""

INSTALL_HINT = "pip install roofline_conv[torch]"


class TorchUnavailableError(ValueError):
    """The torch backend was asked for but PyTorch (or CUDA) is not available here."""


def backend_argument(value: Any, argument: str = "backend") -> str:
    """``"numpy"`` or ``"torch"``; anything else a ``ValueError`` naming ``argument``."""
    return choice(value, argument, BACKENDS)


def layout_argument(value: Any, backend: str = "numpy", argument: str = "layout") -> str:
    """``"nchw"`` or ``"channels_last"`` (the latter with the torch backend only)."""
    layout = choice(value, argument, LAYOUTS)
    if layout != "nchw" and backend != "torch":
        raise ValueError(f"{argument}={layout!r} is measured with backend='torch' only; the numpy kernels "
                         "time NCHW (use layout='nchw' or backend='torch')")
    return layout


def torch_device_argument(value: Any, backend: str = "torch", argument: str = "torch_device") -> str:
    """``"cpu"`` or ``"cuda"``; ``"cuda"`` only with the torch backend."""
    device = choice(value, argument, TORCH_DEVICES)
    if device != "cpu" and backend != "torch":
        raise ValueError(f"{argument}={device!r} applies to backend='torch' only")
    return device


def load_torch(device: str = "cpu") -> Any:
    """The ``torch`` module, imported now; a :class:`TorchUnavailableError` saying how to
    install it when missing, or when ``device="cuda"`` and no CUDA GPU is visible."""
    try:
        import torch
    except ImportError as exc:
        raise TorchUnavailableError(
            f"backend='torch' needs PyTorch, which is not installed ({exc}); install it with: {INSTALL_HINT}"
        ) from None
    if device == "cuda" and not torch.cuda.is_available():
        raise TorchUnavailableError(
            f"torch_device='cuda' but this PyTorch ({torch.__version__}) sees no CUDA GPU; use torch_device='cpu'")
    return torch


def backend_options(backend: Any, layout: Any, torch_device: Any) -> tuple[str, str, str]:
    """``(backend, layout, torch_device)`` checked together, each error naming its argument;
    for the torch backend PyTorch (and CUDA when asked for) is checked to be there."""
    backend = backend_argument(backend)
    layout = layout_argument(layout, backend)
    torch_device = torch_device_argument(torch_device, backend)
    if backend == "torch":
        load_torch(torch_device)
    return backend, layout, torch_device
