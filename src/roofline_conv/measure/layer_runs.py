"""Running a layer on this machine with the numpy kernels: its memory estimate, a runner with
preallocated buffers, and its measured time. :func:`measure_layer` and :func:`measure_layers`
also time with PyTorch (``backend="torch"``, :mod:`.torch_runs`; see :mod:`.backends`).

A layer is run by the kernel its own :attr:`~roofline_conv.layers.Conv2d.kind` names:
``"depthwise"`` by the depthwise tap loop, an unpadded ``"pointwise"`` by one GEMM, anything
else (``"conv"``, or a padded 1x1) by the standard im2col + GEMM kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..conventions import parse_precision
from ..layers import Conv2d, DepSep, Layer
from ..validation import integer, shown
from .arguments import count, threads_argument
from .backends import backend_options
from .guard import check_memory, memory_limit_argument, normal_array
from .kernels import ConvPlan, DepsepPlan
from .memory import conv_memory_breakdown
from .timing import Measurement, measure
from .torch_runs import TORCH_DTYPES, measure_torch

__all__ = ["DTYPES", "Progress", "kernel_kind", "layer_memory_breakdown", "layer_memory_bytes", "measurable_dtype", "measure_layer",
           "measure_layers", "runner"]

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


def measurable_dtype(precision: Any) -> Any:
    """The numpy dtype that measures ``precision`` (fp32 or fp64); a ``ValueError`` otherwise."""
    p = parse_precision(precision)
    if p.value not in DTYPES:
        raise ValueError(f"precision={p.value!r} cannot be measured with numpy kernels; use fp32 or fp64")
    return DTYPES[p.value]


def _measurable(layer: Any) -> Layer:
    if not isinstance(layer, (Conv2d, DepSep)):
        raise ValueError(f"layer={shown(layer)} cannot be measured: the numpy kernels run Conv2d "
                         "(conv, depthwise, pointwise) and DepSep layers")
    if layer.is_symbolic:
        raise ValueError("a symbolic layer cannot be measured; give every dimension a number")
    return layer


def layer_memory_breakdown(layer: Layer, precision: str = "fp32") -> dict[str, int]:
    """Bytes a measurement of ``layer`` allocates, by part (``input``, ``weights``, ``output``,
    ``workspace`` with every worker thread's buffers, ``temporaries`` of a run, ``total``), as
    :func:`~.memory.conv_memory_breakdown`."""
    layer = _measurable(layer)
    dtype = measurable_dtype(precision)
    if isinstance(layer, DepSep):
        x, w_dw = _shapes(layer.depthwise)
        _, w_pw = _shapes(layer.pointwise)
        return conv_memory_breakdown(x, (w_dw, w_pw[:2]), stride=layer.depthwise.stride,
                                     padding=layer.depthwise.padding, dilation=layer.depthwise.dilation,
                                     dtype=dtype, kind="depsep")
    x, w = _shapes(layer)
    return conv_memory_breakdown(x, w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                                 groups=int(layer.groups), dtype=dtype, kind=kernel_kind(layer))


def layer_memory_bytes(layer: Layer, precision: str = "fp32") -> int:
    """Bytes a measurement of ``layer`` allocates: inputs, weights, output, kernel workspace
    (every worker thread's buffers) and a run's temporaries (see :func:`layer_memory_breakdown`)."""
    return layer_memory_breakdown(layer, precision)["total"]


def runner(layer: Layer, precision: str = "fp32", memory_limit: int | None = None, seed: int = 0) -> Callable[[], Any]:
    """A zero-argument callable running ``layer`` once with preallocated, warmed buffers.

    Refuses (``MemoryLimitError``) before allocating when :func:`layer_memory_bytes` exceeds
    ``memory_limit`` (bytes; default: ``ROOFLINE_CONV_MEMORY_LIMIT`` or half the available
    memory). The inputs are standard normals made in the measured dtype (``seed``, an int >= 0).
    """
    layer = _measurable(layer)
    memory_limit = memory_limit_argument(memory_limit)
    seed = integer(seed, "seed", minimum=0)
    check_memory(layer_memory_bytes(layer, precision), memory_limit, what=f"measuring {layer!r}")
    dtype = measurable_dtype(precision)
    rng = np.random.default_rng(seed)
    if isinstance(layer, DepSep):
        dw, pw = layer.parts
        x_shape, w_dw_shape = _shapes(dw)
        _, w_pw_shape = _shapes(pw)
        dplan = DepsepPlan(x_shape, w_dw_shape, w_pw_shape[:2], stride=dw.stride, padding=dw.padding,
                           dilation=dw.dilation, dtype=dtype, memory_limit=memory_limit)
        x = normal_array(rng, x_shape, dtype)
        w_dw = normal_array(rng, w_dw_shape, dtype)
        w_pw = normal_array(rng, w_pw_shape[:2], dtype)
        return lambda: dplan.run(x, w_dw, w_pw)
    x_shape, w_shape = _shapes(layer)
    plan = ConvPlan(x_shape, w_shape, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                    groups=int(layer.groups), dtype=dtype, kind=kernel_kind(layer), memory_limit=memory_limit)
    x = normal_array(rng, x_shape, dtype)
    w = normal_array(rng, w_shape, dtype)
    return lambda: plan.run(x, w)


def _torch_measurable(layer: Any, precision: Any) -> Layer:
    p = parse_precision(precision)
    if p.value not in TORCH_DTYPES:
        raise ValueError(f"precision={p.value!r} cannot be measured with the torch backend; use one of "
                         f"{', '.join(TORCH_DTYPES)}")
    if not isinstance(layer, Layer):
        raise ValueError(f"layer={shown(layer)} cannot be measured: give a layer or a network")
    if layer.is_symbolic:
        raise ValueError("a symbolic layer cannot be measured; give every dimension a number")
    return layer


def measure_layer(layer: Layer, precision: str = "fp32", *, repeats: int = 5, threads: int | None = None,
                  memory_limit: int | None = None, backend: str = "numpy", layout: str = "nchw",
                  torch_device: str = "cpu") -> Measurement:
    """Median-of-``repeats`` wall time of ``layer`` on this machine (a ``Measurement``);
    ``repeats`` an int >= 1, ``threads`` ``None`` or an int >= 1 (BLAS threads; torch's
    ``set_num_threads`` with the torch backend).

    ``backend`` ``"numpy"`` (this package's kernels: Conv2d and DepSep layers, fp32/fp64, NCHW)
    or ``"torch"`` (PyTorch: any concrete layer or a whole network, fp32/fp64/bf16/fp16,
    ``layout`` ``"nchw"`` or ``"channels_last"``, ``torch_device`` ``"cpu"`` or ``"cuda"``)."""
    backend, layout, torch_device = backend_options(backend, layout, torch_device)
    repeats = count(repeats, "repeats")
    threads = threads_argument(threads)
    if backend == "torch":
        layer = _torch_measurable(layer, precision)
        return measure_torch(layer, precision, repeats=repeats, threads=threads, layout=layout, device=torch_device,
                             memory_limit=memory_limit)
    fn = runner(layer, precision, memory_limit)
    return measure(fn, warmup=1, repeats=repeats, threads=threads, label=repr(layer), min_time=0.01)


def measure_layers(layers: Iterable[Layer], precision: str = "fp32", *, repeats: int = 5,
                   threads: int | None = None, memory_limit: int | None = None,
                   progress: Progress = quiet, backend: str = "numpy", layout: str = "nchw",
                   torch_device: str = "cpu") -> list[tuple[Layer, Measurement]]:
    """Measure each layer (one ``Measurement`` each, by ``backend`` as :func:`measure_layer`),
    reporting progress. Every layer and argument is checked before the first is measured."""
    if isinstance(layers, (Layer, str)) or not hasattr(layers, "__iter__"):
        raise ValueError(f"layers={shown(layers)} must be an iterable of layers (for one layer use measure_layer)")
    layers = list(layers)
    repeats = count(repeats, "repeats")
    threads = threads_argument(threads)
    memory_limit = memory_limit_argument(memory_limit)
    backend, layout, torch_device = backend_options(backend, layout, torch_device)
    if backend == "numpy":
        measurable_dtype(precision)
    for i, layer in enumerate(layers):
        try:
            _torch_measurable(layer, precision) if backend == "torch" else _measurable(layer)
        except ValueError as exc:
            raise ValueError(f"layers[{i}]: {exc}") from None
    out = []
    how = f" with torch ({torch_device}, {layout})" if backend == "torch" else ""
    for i, layer in enumerate(layers, 1):
        progress(f"[{i}/{len(layers)}] measuring {layer!r}{how}")
        out.append((layer, measure_layer(layer, precision, repeats=repeats, threads=threads, memory_limit=memory_limit,
                                         backend=backend, layout=layout, torch_device=torch_device)))
    return out
