"""The roofline arithmetic, written once for every value type: exact Python ints (and floats),
sympy expressions (symbolic layers, crossovers) and numpy arrays (sweeps, calibration grids).

One op on one unit (a *leaf*): compute time = executed FLOPs / (peak x e_compute); memory time
per level = bytes / (bandwidth x e_memory); the time is the largest of them (the roofline) or,
under a fitted ceiling that does not overlap, compute plus the slowest memory; plus the
ceiling's fixed overhead. :func:`leaf_times` is that arithmetic; ``project()``, ``sweep()`` and
the calibration fit all call it. sympy is imported only when a value is symbolic (a value can
only be a sympy object once sympy is loaded), so numeric projection never imports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

from .._sympy import is_symbolic, sympy
from ..conventions import FLOPS_PER_MAC

if TYPE_CHECKING:  # pragma: no cover
    import sympy as sp

Number = Union[int, float, "sp.Expr"]


def is_num(*values: Any) -> bool:
    """True when no value is a non-numeric sympy expression (ints, floats, sympy numbers)."""
    for v in values:
        if type(v) is int or type(v) is float:  # the common case, checked first for speed
            continue
        if is_symbolic(v):
            return False
    return True


def _is_array(*values: Any) -> bool:
    return any(hasattr(v, "dtype") for v in values)


def ceil_div(a: Any, b: Any) -> Any:
    """ceil(a / b) for ints (exact), numpy integer arrays and sympy expressions."""
    if _is_array(a, b):
        return -(-a // b)
    if is_num(a):
        return -(-int(a) // b)
    sp = sympy()
    return sp.ceiling(sp.sympify(a) / b)


def ratio(a: Any, b: Any) -> Any:
    """a / b as a float for numbers (0/0 -> 0, x/0 -> inf: a layer that moves or does nothing),
    simplified for sympy expressions, element-wise for arrays."""
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float) and b != 0:  # fast path, same arithmetic
        return float(a) / float(b)
    if _is_array(a, b):
        return a / b
    if is_num(a, b):
        if b == 0:
            return 0.0 if a == 0 else math.inf
        return float(a) / float(b)
    sp = sympy()
    return sp.simplify(sp.sympify(a) / b)


def maximum(a: Any, b: Any) -> Any:
    """The larger of two times: numpy.maximum for arrays, a float for numbers, Max for sympy."""
    if type(a) is float and type(b) is float:
        return a if a >= b else b
    if _is_array(a, b):
        import numpy as np

        return np.maximum(a, b)
    if is_num(a, b):
        return max(float(a), float(b))
    return sympy().Max(a, b)


def tile_utilisation(k: Any, n: Any, tile: tuple[int, int]) -> Any:
    """Fraction of a (rows, cols) = (K, N) matrix unit doing useful work on a GEMM with
    reduction length ``k`` and ``n`` output columns: (k n) / (ceil(k/R) R ceil(n/C) C).
    ``k`` and ``n`` may be ints (exact), sympy expressions, or numpy integer arrays (vectorised)."""
    rows, cols = tile
    padded = ceil_div(k, rows) * rows * (ceil_div(n, cols) * cols)
    if _is_array(k, n):  # integer ceiling division, float ratio
        return (k * n).astype(float) / padded
    if is_num(k, n):  # exact ints: true division of ints is correctly rounded, as float(Rational) is
        return int(k) * int(n) / int(padded)
    util = sympy().sympify(k) * n / padded
    return float(util) if is_num(util) else util


def gemm_utilisation(how: str, n: Any, k: Any, groups: Any, tile: tuple[int, int]) -> Any:
    """Useful / executed MACs of a (grouped) im2col GEMM on a matrix unit lowered as ``how``:
    ``block_diagonal`` is one dense GEMM with K = k x groups whose off-block weights are zero
    (tile utilisation / groups); otherwise each group's (m, n/groups, k) GEMM on the tile."""
    if how == "block_diagonal":
        return ratio(tile_utilisation(k * groups, n, tile), groups)
    if _is_array(n, groups):
        return tile_utilisation(k, n // groups, tile)
    n_group = n // groups if is_num(n, groups) else sympy().sympify(n) / groups
    return tile_utilisation(k, n_group, tile)


def padded_utilisation(how: str, n: Any, k: Any, groups: Any, tile: tuple[int, int], taps: Any,
                       multiple: Any) -> Any:
    """:func:`gemm_utilisation` on a unit whose library pads a conv's input channels per group
    (C = k / ``taps``, taps = K_h x K_w) and output channels per group to ``multiple`` (None or 1: no padding): the
    reduction becomes ceil(C/q) q x (k / C) (C padded inside it, not the product k) and the
    columns ceil((n/groups)/q) q; the tile then pads the padded GEMM. Useful / executed MACs is
    the product of the two fractions, so a wasted MAC is counted once. GEMM lowering only."""
    if multiple is None or multiple == 1 or how != "gemm":
        return gemm_utilisation(how, n, k, groups, tile)
    if _is_array(n, groups):
        n_group = n // groups
    else:
        n_group = n // groups if is_num(n, groups) else sympy().sympify(n) / groups
    n_pad = ceil_div(n_group, multiple) * multiple
    channels = k // taps if (_is_array(k, taps) or is_num(k, taps)) else sympy().sympify(k) / taps
    k_pad = ceil_div(channels, multiple) * multiple * taps
    return ratio(n_group * k, n_pad * k_pad) * tile_utilisation(k_pad, n_pad, tile)


def executed_flops(macs: Any, bias_adds: Any, utilisation: Any) -> Any:
    """FLOPs a unit executes for ``macs`` useful MACs at ``utilisation`` (tile padding and
    lowering waste included), plus the bias adds: exact where nothing is wasted."""
    if _is_array(macs, utilisation) and not isinstance(utilisation, float):
        import numpy as np

        exact = FLOPS_PER_MAC * macs + bias_adds
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(utilisation == 1.0, exact.astype(np.float64),
                            FLOPS_PER_MAC * (macs.astype(np.float64) / utilisation) + np.asarray(bias_adds, np.float64))
    if utilisation == 1.0:
        return FLOPS_PER_MAC * macs + bias_adds
    return FLOPS_PER_MAC * ratio(macs, utilisation) + bias_adds


def combine_roofs(compute: Any, memory: Sequence[Any], overlap: bool = True,
                  maximum: Callable[[Any, Any], Any] = maximum) -> Any:
    """One op's time from its compute time and its memory time per level: the largest when the
    kernel overlaps data movement with arithmetic (the roofline), else compute plus the slowest
    memory time (it moves data, then computes: the roofs add)."""
    slowest_memory = memory[0]
    for m in memory[1:]:
        slowest_memory = maximum(slowest_memory, m)
    return maximum(compute, slowest_memory) if overlap else compute + slowest_memory


def roof_time(compute: Any, memory: Sequence[Any], efficiency: Any = None,
              maximum: Callable[[Any, Any], Any] = maximum) -> Any:
    """The predicted time of one op from its compute time and its memory time per level: the
    largest (the roofline), or, under a calibrated ceiling that does not ``overlap``, compute plus
    the largest memory time; plus the ceiling's fixed ``overhead``. ``maximum`` is the pairwise
    max (default: :func:`maximum`, which handles numbers, sympy and numpy arrays)."""
    time = combine_roofs(compute, memory, efficiency is None or efficiency.overlap, maximum)
    if efficiency is not None and efficiency.overhead:
        time = time + efficiency.overhead
    return time


def leaf_times(executed: Any, nbytes: Any, peak: float, bandwidths: Mapping[str, float],
               efficiency: Any = None) -> tuple[Any, dict[str, Any], Any]:
    """(compute time, memory time per level, time) of one op: ``executed`` FLOPs on a unit of
    ``peak`` FLOP/s, ``nbytes`` over each memory level of ``bandwidths`` (bytes/s, main memory
    first), under the fitted ``efficiency`` ceilings (``.compute``, ``.memory``, ``.overlap``,
    ``.overhead``) or the raw roofline (None). Works on numbers, sympy and numpy arrays."""
    e_compute, e_memory = (efficiency.compute, efficiency.memory) if efficiency is not None else (1.0, 1.0)
    compute = ratio(executed, peak * e_compute)
    memory = {level: ratio(nbytes, bw * e_memory) for level, bw in bandwidths.items()}
    return compute, memory, roof_time(compute, list(memory.values()), efficiency)
