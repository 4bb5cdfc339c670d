"""What a plan allocates, in bytes: its scratch buffers, its output and its run-time temporaries.

Plans size their buffers here (:func:`buffer_specs`) and guard their allocations with
:func:`plan_footprint` before making any; the measurement memory estimate
(:mod:`roofline_conv.measure.memory`) adds the inputs and weights to the same numbers.

Temporaries are what one run allocates and frees again: the weights re-laid out for the GEMM
(standard kind) or the tap loop (NHWC depthwise), the depthwise weights as Python floats (NCHW,
one channel per block), numpy's ufunc buffers (a broadcast multiply or bias add may buffer up
to ``np.getbufsize()`` elements per operand: :data:`UFUNC_OPERANDS` operands), and the Python
bookkeeping of the run (the block list, worker futures: at most :data:`PYTHON_BYTES` plus
:data:`PYTHON_BYTES_PER_BLOCK` per column block).
"""

from __future__ import annotations

import math

import numpy as np

from ..machine import l2_cache_bytes
from . import depthwise, im2col, pointwise
from .geometry import ConvGeometry
from .im2col import DEFAULT_BLOCK_BYTES
from .workspace import BufferSpecs

__all__ = ["KINDS", "PYTHON_BYTES", "PYTHON_BYTES_PER_BLOCK", "UFUNC_OPERANDS", "buffer_specs", "plan_footprint",
           "plan_workspace_bytes"]

KINDS = ("standard", "depthwise", "pointwise")
"""Kernel kinds (algorithms); ``"standard"`` is im2col + GEMM, for a layer of kind ``"conv"``."""
PYTHON_BYTES = 64 * 1024
"""Allowance for the Python objects of one run (frames, futures, views; measured: under 20 kB)."""
PYTHON_BYTES_PER_BLOCK = 256
"""Allowance per im2col column block (its tuple in the block list, a view per block)."""
UFUNC_OPERANDS = 3
"""Operands of the kernels' elementwise ufuncs (two inputs, one output), each possibly buffered."""
_FLOAT_BYTES, _LIST_BYTES, _SLOT_BYTES = 32, 64, 8  # a Python float, an empty list, a list slot


def buffer_specs(g: ConvGeometry, kind: str, block_bytes: int, dw_budget: int,
                 workers: int = 1) -> BufferSpecs:
    """name -> (shape, needs zero border) of every scratch buffer of a plan."""
    if kind == "standard":
        return im2col.buffer_specs(g, block_bytes, workers)
    if kind == "depthwise":
        return depthwise.buffer_specs(g, dw_budget)
    if kind == "pointwise":
        return pointwise.buffer_specs(g)
    raise ValueError(f"kind={kind!r} must be 'standard', 'depthwise' or 'pointwise'")


def plan_workspace_bytes(g: ConvGeometry, kind: str = "standard",
                         block_bytes: int | None = None, workers: int | None = None,
                         cache_bytes: int | None = None) -> int:
    """Bytes of scratch memory a :class:`~.plan.ConvPlan` for ``g`` allocates (output excluded).

    ``workers``: standard-conv worker threads (``None``: the most a run may use,
    :func:`.im2col.max_workers`, which is what a plan preallocates)."""
    bb = block_bytes or DEFAULT_BLOCK_BYTES
    if workers is None:
        workers = im2col.max_workers(g, bb) if kind == "standard" else 1
    specs = buffer_specs(g, kind, bb, cache_bytes or l2_cache_bytes() // 2, workers)
    return sum(math.prod(s) for s, _ in specs.values()) * g.itemsize


def _nested_list_bytes(shape: tuple[int, ...]) -> int:
    """Upper bound of the bytes ``ndarray.tolist()`` allocates for an array of ``shape``."""
    lists, total = 1, 0
    for n in shape:
        total += lists * (_LIST_BYTES + _SLOT_BYTES * n)
        lists *= n
    return total + lists * _FLOAT_BYTES


def _temporary_bytes(g: ConvGeometry, kind: str, block_bytes: int, budget: int) -> int:
    weights = g.Co * g.Cg * g.Kh * g.Kw
    n = PYTHON_BYTES + UFUNC_OPERANDS * np.getbufsize() * g.itemsize
    if kind == "standard":
        n += weights * g.itemsize + PYTHON_BYTES_PER_BLOCK * im2col.n_blocks(g, block_bytes)
    elif kind == "depthwise":
        if g.layout == "NHWC":
            n += weights * g.itemsize
        elif g.Co == g.C and depthwise.blocking(g, budget) == 1:
            n += _nested_list_bytes((g.C, 1, g.Kh, g.Kw))
    return n


def plan_footprint(g: ConvGeometry, kind: str = "standard", block_bytes: int | None = None,
                   cache_bytes: int | None = None, workers: int | None = None) -> dict[str, int]:
    """Bytes a plan allocates, by part: ``workspace`` (scratch, for the most workers a run may
    use), ``output`` (its own output buffer) and ``temporaries`` (allocated and freed by each
    run). Inputs and weights, which the caller makes, are not included."""
    bb = block_bytes or DEFAULT_BLOCK_BYTES
    budget = cache_bytes or l2_cache_bytes() // 2
    return {"workspace": plan_workspace_bytes(g, kind, bb, workers, budget),
            "output": math.prod(g.out_shape) * g.itemsize,
            "temporaries": _temporary_bytes(g, kind, bb, budget)}
