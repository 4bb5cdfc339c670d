"""Running a layer on this machine with the numpy kernels: its memory estimate, a runner with
preallocated buffers, and its measured time.

A layer is run by the kernel its own :attr:`~roofline_conv.layers.Conv2d.kind` names:
``"depthwise"`` by the depthwise tap loop, an unpadded ``"pointwise"`` by one GEMM, anything
else (``"conv"``, or a padded 1x1) by the standard im2col + GEMM kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..layers import Conv2d, DepSep, Layer
from .kernels import ConvPlan, DepsepPlan
from .memory import check_memory, estimate_conv_bytes
from .timing import Measurement, measure

__all__ = ["DTYPES", "Progress", "kernel_kind", "layer_memory_bytes", "measure_layer", "measure_layers",
           "runner"]

Progress = Callable[[str], None]

DTYPES = {"fp32": np.float32, "fp64": np.float64}
"""Precisions the numpy kernels can measure, and their dtypes."""


def quiet(_: str) -> None:
    """A :data:`Progress` that reports nothing."""


def _shapes(layer: Conv2d) -> tuple[tuple[int, ...], tuple[int, ...]]:
    x = tuple(int(v) for v in layer.input_shape)
    w = (int(layer.out_channels), int(layer.in_channels) // int(layer.groups), *map(int, layer.kernel_size))
    return x, w


def kernel_kind(layer: Conv2d) -> str:
    """The :class:`~.kernels.ConvPlan` kind that runs ``layer`` (see the module docstring)."""
    if layer.kind == "depthwise":
        return "depthwise"
    if layer.kind == "pointwise" and layer.padding == ((0, 0), (0, 0)):
        return "pointwise"  # the pointwise kernel subsamples a stride but does not pad
    return "standard"


def _dtype(precision: str) -> Any:
    if precision not in DTYPES:
        raise ValueError(f"precision={precision!r} cannot be measured with numpy kernels; use fp32 or fp64")
    return DTYPES[precision]


def layer_memory_bytes(layer: Layer, precision: str = "fp32") -> int:
    """Bytes a measurement of ``layer`` allocates (inputs, weights, outputs, kernel workspace)."""
    dtype = _dtype(precision)
    if isinstance(layer, DepSep):
        x, w_dw = _shapes(layer.depthwise)
        _, w_pw = _shapes(layer.pointwise)
        return estimate_conv_bytes(x, (w_dw, w_pw[:2]), stride=layer.depthwise.stride,
                                   padding=layer.depthwise.padding, dilation=layer.depthwise.dilation,
                                   dtype=dtype, kind="depsep")
    assert isinstance(layer, Conv2d)
    x, w = _shapes(layer)
    return estimate_conv_bytes(x, w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                               groups=int(layer.groups), dtype=dtype, kind=kernel_kind(layer))


def runner(layer: Layer, precision: str = "fp32", memory_limit: int | None = None, seed: int = 0) -> Callable[[], Any]:
    """A zero-argument callable running ``layer`` once with preallocated, warmed buffers.

    Refuses (``MemoryLimitError``) before allocating when the estimate exceeds ``memory_limit``
    (default: half the available memory).
    """
    if layer.is_symbolic:
        raise ValueError("a symbolic layer cannot be measured; give every dimension a number")
    check_memory(layer_memory_bytes(layer, precision), memory_limit, what=f"measuring {layer!r}")
    dtype = _dtype(precision)
    rng = np.random.default_rng(seed)
    if isinstance(layer, DepSep):
        dw, pw = layer.parts
        x_shape, w_dw_shape = _shapes(dw)
        _, w_pw_shape = _shapes(pw)
        dplan = DepsepPlan(x_shape, w_dw_shape, w_pw_shape[:2], stride=dw.stride, padding=dw.padding,
                           dilation=dw.dilation, dtype=dtype)
        x = rng.standard_normal(x_shape).astype(dtype)
        w_dw = rng.standard_normal(w_dw_shape).astype(dtype)
        w_pw = rng.standard_normal(w_pw_shape[:2]).astype(dtype)
        return lambda: dplan.run(x, w_dw, w_pw)
    if not isinstance(layer, Conv2d):
        raise ValueError(f"cannot measure a {type(layer).__name__}")
    x_shape, w_shape = _shapes(layer)
    plan = ConvPlan(x_shape, w_shape, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                    groups=int(layer.groups), dtype=dtype, kind=kernel_kind(layer))
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    return lambda: plan.run(x, w)


def measure_layer(layer: Layer, precision: str = "fp32", *, repeats: int = 5, threads: int | None = None,
                  memory_limit: int | None = None) -> Measurement:
    """Median-of-``repeats`` wall time of ``layer`` on this machine (a ``Measurement``)."""
    fn = runner(layer, precision, memory_limit)
    return measure(fn, warmup=1, repeats=repeats, threads=threads, label=repr(layer), min_time=0.01)


def measure_layers(layers: Iterable[Layer], precision: str = "fp32", *, repeats: int = 5,
                   threads: int | None = None, memory_limit: int | None = None,
                   progress: Progress = quiet) -> list[tuple[Layer, Measurement]]:
    """Measure each layer (one ``Measurement`` each), reporting progress."""
    layers = list(layers)
    out = []
    for i, layer in enumerate(layers, 1):
        progress(f"[{i}/{len(layers)}] measuring {layer!r}")
        out.append((layer, measure_layer(layer, precision, repeats=repeats, threads=threads, memory_limit=memory_limit)))
    return out
