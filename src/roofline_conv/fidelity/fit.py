"""Fitting the expected-time terms on published measurements, and checking them on others.

For each (device, op class, precision) with measurements in the fit pool, the terms of
:class:`~roofline_conv.devices.Efficiency` (compute and memory ceilings, size-ramp tile, short-
reduction ramp, per-op overhead) are chosen by a deterministic grid search minimising the mean
|log(expected / measured)| -- no optimiser, no randomness: the same data give the same figures.
The prediction is :func:`roofline_conv.projection.expected.expected_times`, the arithmetic
``project()`` uses, on the bound ``project(..., calibrated=False)`` gives.

Errors are reported only on measurements a fit did not see:

* cross-validated ("held-out"): the fit pool is cut into :data:`FOLDS` groups by layer shape
  (the same shape at another batch stays in its group); each group is predicted by terms fitted
  on the others;
* "test": the rows marked ``test`` (never used by any fit), predicted by the terms fitted on the
  whole pool -- the figures written to ``data/expected_fitted.toml``.

``python -m roofline_conv.fidelity.fit`` prints the figures and errors; ``--write`` regenerates
``data/expected_fitted.toml`` from the data files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..devices import Device, Efficiency
from ..projection.expected import Candidates, expected_times

FOLDS = 5
"""Groups the fit pool is cut into for the held-out errors."""

GRID_COMPUTE = np.geomspace(0.05, 1.0, 40)
GRID_MEMORY = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
GRID_OVERHEAD = np.concatenate([[0.0], np.geomspace(0.5e-6, 40e-6, 28)])
GRID_REDUCTION = (None, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0)
GRID_TILES = (None, (64, 64), (128, 64), (128, 128), (256, 128))
"""The candidate terms: every combination is tried; the fitted figure is one of these values."""


@dataclass(frozen=True)
class Sample:
    """One measurement: a layer timed on a device at a precision (seconds), from ``source``."""

    layer: Any
    device: str
    precision: str
    seconds: float
    source: str
    split: str = "fit"
    """'fit' (may be fitted on) or 'test' (never fitted on)."""
    label: str = ""

    @property
    def op_class(self) -> str:
        return str(self.layer.kind)

    @property
    def shape(self) -> tuple[Any, ...]:
        """The layer's shape without its batch: what cross-validation groups by."""
        c = self.layer
        return (c.in_channels, c.out_channels, c.kernel_size, c.input_size, c.stride, c.padding, c.groups)


@dataclass(frozen=True)
class Bounds:
    """The roofline parts of a list of samples, as arrays."""

    compute: np.ndarray
    memory: np.ndarray
    m: np.ndarray
    n: np.ndarray
    k: np.ndarray
    measured: np.ndarray

    @property
    def bound(self) -> np.ndarray:
        return np.maximum(self.compute, self.memory)


def bounds(samples: Sequence[Sample], dev: Device) -> Bounds:
    """Each sample's roofline compute time, main-memory time and GEMM shape on ``dev``."""
    from ..roofline import project

    rows = []
    for s in samples:
        p = project(s.layer, dev, s.precision, calibrated=False)
        g = s.layer.gemm
        rows.append((float(p.compute_time), float(p.main_memory_time), g.m, g.n, g.k, s.seconds))
    a = np.array(rows, dtype=float).reshape(-1, 6)
    return Bounds(*(a[:, i] for i in range(6)))


def _candidates(slots: int | None) -> list[tuple[Any, Any]]:
    tiles = GRID_TILES if slots else (None,)
    return [(t, r) for t in tiles for r in GRID_REDUCTION]


def fit(b: Bounds, slots: int | None, loss: Callable[[np.ndarray], np.ndarray] | None = None) -> dict[str, Any]:
    """The terms (a dict of :class:`Efficiency` fields) minimising the mean |log(expected /
    measured)| over the samples ``b``, on the candidate grid."""
    c, e, o = np.meshgrid(GRID_COMPUTE, GRID_MEMORY, GRID_OVERHEAD, indexing="ij")
    c, e, o = c.ravel(), e.ravel(), o.ravel()
    best: tuple[float, dict[str, Any]] = (math.inf, {})
    for tile, half in _candidates(slots):
        grid = Candidates(c[:, None], e[:, None], o[:, None], tile=tile, slots=slots if tile else None,
                          reduction_half=half)
        pred, _ = expected_times(b.compute[None, :], [b.memory[None, :]], grid, (b.m, b.n, b.k), words=False)
        err = np.abs(np.log(pred / b.measured[None, :])).mean(axis=1)
        i = int(np.argmin(err))
        if err[i] < best[0] - 1e-12:
            best = (float(err[i]), {"compute": float(c[i]), "memory": float(e[i]), "overhead": float(o[i]),
                                    "tile": tile, "slots": slots if tile else None, "reduction_half": half})
    return best[1]


def predict(b: Bounds, terms: dict[str, Any]) -> np.ndarray:
    """Expected times of the samples ``b`` under ``terms`` (a dict of Efficiency fields)."""
    e = Efficiency(source="fit", **terms)
    pred, _ = expected_times(b.compute, [b.memory], e, (b.m, b.n, b.k), words=False)
    return np.asarray(pred, dtype=float)


def folds(samples: Sequence[Sample], n: int = FOLDS) -> list[int]:
    """Each sample's fold: shapes sorted, dealt round-robin into ``n`` groups (deterministic)."""
    shapes = sorted({repr(s.shape) for s in samples})
    where = {shape: i % n for i, shape in enumerate(shapes)}
    return [where[repr(s.shape)] for s in samples]


def held_out(samples: Sequence[Sample], b: Bounds, slots: int | None) -> np.ndarray:
    """Each sample's expected time from terms fitted without its fold."""
    fold = np.array(folds(samples))
    out = np.empty(len(samples))
    for f in sorted(set(fold.tolist())):
        test, train = fold == f, fold != f
        if not train.any():
            out[test] = b.bound[test]
            continue
        terms = fit(_take(b, train), slots)
        out[test] = predict(_take(b, test), terms)
    return out


def _take(b: Bounds, mask: np.ndarray) -> Bounds:
    return Bounds(*(getattr(b, f)[mask] for f in ("compute", "memory", "m", "n", "k", "measured")))


def errors(pred: np.ndarray, measured: np.ndarray) -> dict[str, float]:
    """n, median and 90th-percentile |relative error| of ``pred`` against ``measured``."""
    rel = np.abs(pred / measured - 1.0)
    return {"n": int(rel.size), "median": float(np.median(rel)) if rel.size else math.nan,
            "p90": float(np.percentile(rel, 90)) if rel.size else math.nan}
