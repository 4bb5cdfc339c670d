"""Timing layers and networks with PyTorch's kernels (the torch backend, see :mod:`.backends`).

A run is one forward pass of the module :mod:`.torch_modules` builds, in eval mode under
``torch.inference_mode()`` (no autograd bookkeeping), on a preallocated input of standard
normals in the measured dtype and memory format (``nchw``: contiguous; ``channels_last``: the
input and the module's weights in ``torch.channels_last``, as PyTorch recommends for oneDNN
and tensor cores). Timing is the shared harness (:func:`.timing.measure`: warm-up, an untimed
call before each sample, samples of >= 10 ms, median and IQR, the noise warning), so a torch
:class:`~.timing.Measurement` reads exactly like a numpy one.

Threads: ``threads=n`` sets ``torch.set_num_threads(n)`` for the measurement and restores the
previous count afterwards (:func:`torch_threads`); ``None`` leaves PyTorch's own count.
CUDA: each timed call ends with ``torch.cuda.synchronize()``, so the wall time covers the
kernels, not just their launch; inputs and weights live on the GPU before timing starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from ..conventions import parse_precision
from ..layers import Layer
from ..validation import integer
from .arguments import count, threads_argument
from .backends import load_torch
from .guard import check_memory, memory_limit_argument
from .timing import Measurement, measure
from .torch_modules import module_input_shape, torch_module

__all__ = ["TORCH_DTYPES", "torch_dtype", "torch_environment", "torch_matmul", "torch_memory_bytes", "torch_runner",
           "torch_threads", "measure_torch"]

TORCH_DTYPES = {"fp32": "float32", "fp64": "float64", "bf16": "bfloat16", "fp16": "float16"}
"""Precisions the torch backend measures, and the ``torch`` dtype of each."""


def torch_dtype(torch: Any, precision: Any) -> Any:
    """The ``torch`` dtype measuring ``precision``; a ``ValueError`` naming it otherwise."""
    p = parse_precision(precision)
    if p.value not in TORCH_DTYPES:
        raise ValueError(f"precision={p.value!r} cannot be measured with the torch backend; use one of "
                         f"{', '.join(TORCH_DTYPES)}")
    return getattr(torch, TORCH_DTYPES[p.value])


@contextlib.contextmanager
def torch_threads(torch: Any, threads: int | None) -> Iterator[None]:
    """``torch.set_num_threads(threads)`` within the block, the previous count restored after;
    ``None`` leaves it as it is."""
    if threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_memory_bytes(layer: Layer, itemsize: int) -> int:
    """Bytes a torch measurement holds: the input, the parameters (and BatchNorm's running
    statistics) and every node's output (a network's forward keeps them all until it returns)."""
    nodes = getattr(layer, "nodes", None)
    layers = [n.layer for n in nodes] if nodes is not None else [layer]
    outputs = sum(int(x.output_elements) for x in layers)
    buffers = sum(int(getattr(x, "buffers", 0) or 0) for x in layers)
    return (int(layer.input_elements) + int(layer.params) + buffers + outputs) * itemsize


def torch_runner(layer: Layer, precision: str = "fp32", *, layout: str = "nchw", device: str = "cpu",
                 memory_limit: int | None = None, seed: int = 0) -> tuple[Callable[[], Any], Any]:
    """(a zero-argument callable running ``layer`` forward once, the ``torch`` module). The
    module and its input are made, converted and placed before it returns; call it under
    ``torch.inference_mode()``. Refuses (``MemoryLimitError``) before allocating when
    :func:`torch_memory_bytes` exceeds ``memory_limit``."""
    torch = load_torch(device)
    dtype = torch_dtype(torch, precision)
    memory_limit = memory_limit_argument(memory_limit)
    seed = integer(seed, "seed", minimum=0)
    if getattr(layer, "is_symbolic", False):
        raise ValueError("a symbolic layer cannot be measured; give every dimension a number")
    itemsize = torch.empty((), dtype=dtype).element_size()
    check_memory(torch_memory_bytes(layer, itemsize), memory_limit, what=f"measuring {layer!r} with torch")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = torch_module(torch, layer)
    shape = module_input_shape(layer)
    x = torch.randn(shape, generator=gen, dtype=torch.float32).to(dtype)
    module = module.to(device=device, dtype=dtype)
    x = x.to(device)
    if layout == "channels_last" and x.dim() == 4:
        module = module.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if device == "cuda":
        def run() -> Any:
            y = module(x)
            torch.cuda.synchronize()
            return y
        return run, torch
    return (lambda: module(x)), torch


def measure_torch(layer: Layer, precision: str = "fp32", *, repeats: int = 5, threads: int | None = None,
                  layout: str = "nchw", device: str = "cpu", memory_limit: int | None = None) -> Measurement:
    """Median-of-``repeats`` wall time of ``layer`` (or a network's forward pass) with PyTorch,
    a :class:`~.timing.Measurement` labelled with the layer, layout and device."""
    repeats = count(repeats, "repeats")
    threads = threads_argument(threads)
    fn, torch = torch_runner(layer, precision, layout=layout, device=device, memory_limit=memory_limit)
    label = f"{layer!r} [torch {device}, {layout}]"
    with torch_threads(torch, threads), torch.inference_mode():
        m = measure(fn, warmup=2, repeats=repeats, label=label, min_time=0.01)
    return dataclasses.replace(m, threads=threads) if threads is not None else m


def torch_matmul(dtype: Any, device: str = "cpu") -> Callable[[int], Callable[[], Any]]:
    """For :func:`~.microbench.gemm_peak`: given ``n``, a callable doing one square n x n
    ``torch.matmul`` into a preallocated output (``dtype`` a numpy float dtype)."""
    torch = load_torch(device)
    tdtype = getattr(torch, str(dtype))

    def make(n: int) -> Callable[[], Any]:
        gen = torch.Generator().manual_seed(n)
        a = torch.randn((n, n), generator=gen).to(device=device, dtype=tdtype)
        b = torch.randn((n, n), generator=gen).to(device=device, dtype=tdtype)
        c = torch.empty((n, n), device=device, dtype=tdtype)
        if device == "cuda":
            return lambda: (torch.matmul(a, b, out=c), torch.cuda.synchronize())
        return lambda: torch.matmul(a, b, out=c)

    return make


def torch_environment(threads: int | None = None) -> dict[str, str]:
    """What a torch-calibrated device records about the PyTorch that timed it."""
    torch = load_torch()
    env = {"backend": "torch", "torch": str(torch.__version__),
           "torch_threads": str(threads or torch.get_num_threads()),
           "mkldnn (oneDNN)": str(bool(torch.backends.mkldnn.is_available()))}
    mkl = getattr(torch.backends, "mkl", None)
    if mkl is not None:
        env["mkl"] = str(bool(mkl.is_available()))
    return env
