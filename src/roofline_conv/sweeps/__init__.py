"""Vectorised sweeps: one formula evaluated over numpy arrays of dimensions, no Python loop.

    >>> import numpy as np
    >>> from roofline_conv.sweeps import sweep
    >>> sweep("macs", in_channels=np.array([64, 128]), out_channels=128, kernel_size=3,
    ...       input_size=224, padding=1).tolist()
    [3699376128, 7398752256]

Every count is the **same** sympy expression the scalar layers use (``layers.formulas.FORMULAS``),
for parts built by the layer classes' own constructors on symbols (:mod:`.symbolic`), composed
into traffic by ``layers.base.Layer`` itself, then compiled once per (kind, quantity, traffic
model, precision) with ``sympy.lambdify(..., modules="numpy")`` and a printer that keeps integer
arithmetic integer (:mod:`.compiled`), so counts are exact ``int64`` (or exact Python ints in an
``object`` array when a sweep could overflow 63 bits).

Predicted times use the one roofline arithmetic of :mod:`roofline_conv.projection` (placement,
``gemm_utilisation``, ``leaf_times``, which accept numpy arrays), element by element
(:mod:`.device`): the unit for each element's op kind (classified per element by the rule
``Conv2d.kind`` uses), tile padding on matrix units, the device's depthwise lowering, efficiency
ceilings of a calibrated device, compute and per-level memory times and the binding roof; a DepSep
is the sum of its parts, its intermediate charged to neither part under ``compulsory``.

Any dimension may be a dask array: ``sweep()`` then returns a lazy dask array, block by block
(:mod:`.lazy`). :func:`explore` evaluates a whole grid of kinds, dimensions, devices and precisions
into one tidy pandas table, here or on a dask.distributed cluster (:mod:`.design`, :mod:`.grid`).
"""

from . import compiled
from ..validation import MAX_DIMENSION
from .design import explore
from .evaluate import sweep
from .quantities import COUNT_QUANTITIES, DEVICE_QUANTITIES, KINDS, QUANTITIES
from .symbolic import SWEEP_ARGS, expression

__all__ = ["sweep", "explore", "expression", "QUANTITIES", "COUNT_QUANTITIES", "DEVICE_QUANTITIES", "KINDS", "SWEEP_ARGS",
           "MAX_DIMENSION"]


def __getattr__(name: str) -> int:
    """``COMPILE_COUNT``: how many count functions have been compiled so far (read live)."""
    if name == "COMPILE_COUNT":
        return compiled.COMPILE_COUNT
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
