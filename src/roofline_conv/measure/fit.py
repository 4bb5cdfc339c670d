"""Fitting per-op-class expected-time terms to measured layers (``devices.Efficiency``).

Per op class, over a grid: efficiencies ``e_compute``, ``e_memory`` in [0.005, 1], a fixed
overhead in [0, 2 ms] per op, and whether compute and memory overlap (max) or add (sum). With
``terms=True`` (the default) the size terms are searched too, each kept only where it lowers the
fit's error by more than :data:`_GAIN`:

* ``reduction_half`` (:data:`_HALVES`): a short GEMM reduction k runs at k / (k + half) of the
  ceiling (first layers with C = 3, k = 27; a depthwise conv's k = kh x kw taps);
* ``tile`` + ``slots`` (:data:`_TILES`, ``slots`` = the threads the kernels ran on): a GEMM of
  m x n outputs cut into tiles keeps only some threads busy. With one thread every tile fills
  the machine, so the size ramp is searched only when ``slots`` > 1.

Each candidate's prediction is the expected-time arithmetic ``project()`` uses
(:func:`roofline_conv.projection.expected.expected_times`); the candidate minimising the mean
``|log(predicted / measured)|`` wins, ties going to the larger efficiencies and the smaller
overhead (the roofs least changed). ``terms=False`` is the constant-per-class model (ceilings
and overhead only), kept to compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..devices import Device
from ..layers import DepSep, Layer
from ..projection.expected import Candidates, expected_times
from ..roofline import project
from ..validation import flag, integer

__all__ = ["OP_CLASSES", "fit_efficiencies", "op_class"]

OP_CLASSES = ("conv", "depthwise", "pointwise")
"""Op classes that get a ceiling each: the layers' own ``kind`` (``Conv2d.kind``)."""

_GRID = np.geomspace(0.005, 1.0, 100)
_OVERHEAD = np.concatenate([[0.0], np.geomspace(1e-6, 2e-3, 50)])
_HALVES = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0)
"""Candidate ``reduction_half`` values (GEMM reduction lengths)."""
_TILES = ((8, 8), (16, 16), (32, 32), (64, 64), (128, 128), (256, 256))
"""Candidate ``tile`` blocks (rows of m, columns of n), searched when ``slots`` > 1."""
_GAIN = 0.01
"""A size term is kept only when it lowers the mean |log error| by more than this (1 %)."""


def op_class(layer: Layer) -> str:
    """``"depsep"`` for a DepSep, else the layer's ``kind`` (conv, depthwise, pointwise, ...)."""
    return "depsep" if isinstance(layer, DepSep) else layer.kind


def _structures(terms: bool, slots: int | None) -> list[tuple[tuple[int, int] | None, float | None]]:
    """(tile, reduction_half) pairs to search, the constant model (None, None) first."""
    if not terms:
        return [(None, None)]
    tiles: list[tuple[int, int] | None] = [None, *(_TILES if slots and slots > 1 else ())]
    return [(t, h) for t in tiles for h in (None, *_HALVES)]


def _search(c: np.ndarray, mem: np.ndarray, t: np.ndarray, gemm: tuple[np.ndarray, ...],
            tile: tuple[int, int] | None, slots: int | None, half: float | None,
            coarse: bool = False) -> tuple[float, dict[str, Any], Any]:
    """The best grid candidate for one structure: (mean |log error|, fields, predictions);
    ``coarse``: every third efficiency and every second overhead (choosing the structure)."""
    grid, over = (_GRID[::3], _OVERHEAD[::2]) if coarse else (_GRID, _OVERHEAD)
    e_c, e_m, t0 = grid[None, :, None, None], grid[None, None, :, None], over[None, None, None, :]
    best: tuple[float, dict[str, Any], Any] | None = None
    for overlap in (True, False):
        cand = Candidates(e_c, e_m, t0, overlap=overlap, tile=tile, slots=slots if tile else None, reduction_half=half)
        pred, _ = expected_times(c, [mem], cand, gemm=gemm, words=False)
        err = np.mean(np.abs(np.log(pred / t)), axis=0)
        i, j, k = np.unravel_index(np.argmin(err), err.shape)
        if best is None or err[i, j, k] < best[0] - 1e-9:
            fields = dict(compute=float(grid[i]), memory=float(grid[j]), overhead=float(over[k]), overlap=overlap)
            if tile:
                fields.update(tile=tile, slots=slots)
            if half:
                fields.update(reduction_half=half)
            best = (float(err[i, j, k]), fields, pred[:, i, j, k])
    assert best is not None
    return best


def _chosen(errors: Sequence[float]) -> int:
    """Index of the structure to keep: the first (the constant model) unless another lowers the
    error by more than :data:`_GAIN`."""
    best = 0
    for i, err in enumerate(errors[1:], 1):
        if err < errors[best] - (_GAIN if best == 0 else 1e-9) and err < errors[0] - _GAIN:
            best = i
    return best


def fit_efficiencies(device: Device, measured: Sequence[tuple[Layer, Any]], precision: str = "fp32",
                     timed_with: str = "the numpy kernels", *, terms: bool = True, slots: int | None = None) -> Device:
    """A copy of ``device`` with per-op-class terms fitted to ``measured`` layers
    (``(layer, measurement)`` pairs; a measurement needs ``.seconds``); ``timed_with`` names
    the kernels that timed them, in each ceiling's source. ``terms=False``: ceilings and overhead
    only (no reduction ramp, no size ramp); ``slots``: the threads the layers ran on (the size
    ramp is searched when > 1)."""
    terms = flag(terms, "terms")
    slots = None if slots is None else integer(slots, "slots", minimum=1)
    fitted: dict[str, Any] = {}
    for cls in OP_CLASSES:
        data, shapes = [], []
        for layer, m in measured:
            if op_class(layer) != cls:
                continue
            p = project(layer, device, precision, calibrated=False)
            data.append((float(p.compute_time), float(p.main_memory_time), m.seconds))
            g = layer.gemm
            shapes.append((int(g.m), int(g.n), int(g.k)))
        if not data:
            continue
        arr, sh = np.array(data), np.array(shapes, dtype=np.int64)
        c, mem, t = (arr[:, i][:, None, None, None] for i in range(3))
        gemm = tuple(sh[:, i][:, None, None, None] for i in range(3))
        structures = _structures(terms, slots)
        if len(structures) > 1:  # choose the structure on a coarse grid, then refine it and the constant model
            coarse = [_search(c, mem, t, gemm, tile, slots, half, coarse=True)[0] for tile, half in structures]
            structures = [structures[0], structures[_chosen(coarse)]]
        found = [_search(c, mem, t, gemm, tile, slots, half) for tile, half in structures]
        _, fields, pred = found[_chosen([f[0] for f in found])]
        fitted[cls] = dict(
            **fields, layers=len(data), median_error=float(np.median(np.abs(pred / arr[:, 2] - 1))),
            source=f"fitted by roofline-conv calibrate on {len(data)} {cls} layers at {precision}, timed with {timed_with}",
        )
    return device.with_efficiency(fitted)
