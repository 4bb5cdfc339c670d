"""Fitting per-op-class ceilings to measured layers (``devices.Efficiency``).

Per op class, over a grid: efficiencies ``e_compute``, ``e_memory`` in [0.005, 1], a fixed
overhead in [0, 2 ms] per op, and whether compute and memory overlap (max) or add (sum). Each
candidate's prediction is the expected-time arithmetic ``project()`` uses
(:func:`roofline_conv.projection.expected.expected_times`: the roofs lowered to ``e x peak`` and
``e x bandwidth``, then the overhead); the candidate minimising the mean
``|log(predicted / measured)|`` wins, ties going to the larger efficiencies and the smaller
overhead (the roofs least changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..devices import Device
from ..layers import DepSep, Layer
from ..projection.expected import Candidates, expected_times
from ..roofline import project

__all__ = ["OP_CLASSES", "fit_efficiencies", "op_class"]

OP_CLASSES = ("conv", "depthwise", "pointwise")
"""Op classes that get a ceiling each: the layers' own ``kind`` (``Conv2d.kind``)."""

_GRID = np.geomspace(0.005, 1.0, 100)
_OVERHEAD = np.concatenate([[0.0], np.geomspace(1e-6, 2e-3, 50)])


def op_class(layer: Layer) -> str:
    """``"depsep"`` for a DepSep, else the layer's ``kind`` (conv, depthwise, pointwise, ...)."""
    return "depsep" if isinstance(layer, DepSep) else layer.kind


def fit_efficiencies(device: Device, measured: Sequence[tuple[Layer, Any]], precision: str = "fp32",
                     timed_with: str = "the numpy kernels") -> Device:
    """A copy of ``device`` with per-op-class ceilings fitted to ``measured`` layers
    (``(layer, measurement)`` pairs; a measurement needs ``.seconds``); ``timed_with`` names
    the kernels that timed them, in each ceiling's source."""
    fitted: dict[str, Any] = {}
    for cls in OP_CLASSES:
        data = []
        for layer, m in measured:
            if op_class(layer) != cls:
                continue
            p = project(layer, device, precision, calibrated=False)
            data.append((float(p.compute_time), float(p.main_memory_time), m.seconds))
        if not data:
            continue
        arr = np.array(data)
        c, mem, t = (arr[:, i][:, None, None, None] for i in range(3))
        e_c, e_m, t0 = _GRID[None, :, None, None], _GRID[None, None, :, None], _OVERHEAD[None, None, None, :]
        best: tuple[float, Any] | None = None
        for overlap in (True, False):
            pred, _ = expected_times(c, [mem], Candidates(e_c, e_m, t0, overlap=overlap), words=False)
            err = np.mean(np.abs(np.log(pred / t)), axis=0)
            i, j, k = np.unravel_index(np.argmin(err), err.shape)
            if best is None or err[i, j, k] < best[0] - 1e-9:
                best = (float(err[i, j, k]), (overlap, i, j, k, pred[:, i, j, k]))
        assert best is not None
        overlap, i, j, k, pred = best[1]
        fitted[cls] = dict(
            compute=float(_GRID[i]), memory=float(_GRID[j]), overhead=float(_OVERHEAD[k]), overlap=bool(overlap),
            layers=len(data), median_error=float(np.median(np.abs(pred / arr[:, 2] - 1))),
            source=f"fitted by roofline-conv calibrate on {len(data)} {cls} layers at {precision}, timed with {timed_with}",
        )
    return device.with_efficiency(fitted)
