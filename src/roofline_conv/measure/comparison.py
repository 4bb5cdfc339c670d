"""Predicted vs measured: per-layer rows (uncalibrated and calibrated predictions beside the
measured time, with relative errors) and per-class median absolute errors, as a table.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..devices import Device
from ..layers import Layer
from ..report import Table
from ..roofline import project
from ..validation import flag
from .arguments import count, threads_argument
from .backends import backend_options
from .fit import OP_CLASSES, op_class
from .layer_runs import Progress, measure_layers, quiet

__all__ = ["Comparison", "Row", "compare", "describe_efficiency", "timed_with"]


@dataclass(frozen=True)
class Row:
    """One layer measured and predicted. Times in seconds; errors are (predicted - measured) / measured."""

    layer: Layer
    op_class: str
    measured: float
    spread: float
    predicted: float
    calibrated: float | None

    @property
    def error(self) -> float:
        return (self.predicted - self.measured) / self.measured

    @property
    def calibrated_error(self) -> float | None:
        return None if self.calibrated is None else (self.calibrated - self.measured) / self.measured


@dataclass(frozen=True)
class Comparison:
    """Measured vs predicted for a set of layers on one device."""

    device: str
    precision: str
    rows: tuple[Row, ...]
    held_out: bool = True
    notes: tuple[str, ...] = field(default=())

    def median_abs_error(self, calibrated: bool = True, op_class: str | None = None) -> float:
        """Median of |relative error| (calibrated by default), over all rows or one op class."""
        errs = [abs(r.calibrated_error if calibrated and r.calibrated is not None else r.error)
                for r in self.rows if op_class in (None, r.op_class)]
        return statistics.median(errs) if errs else math.nan

    def table(self) -> Table:
        """Per-layer rows and per-class medians, with units."""
        rows: list[list[Any]] = [
            [repr(r.layer), r.op_class, r.measured * 1e3, r.spread, r.predicted * 1e3, r.error,
             None if r.calibrated is None else r.calibrated * 1e3, r.calibrated_error]
            for r in self.rows
        ]
        notes = list(self.notes)
        classes = [c for c in OP_CLASSES if any(r.op_class == c for r in self.rows)]
        for c in classes:
            notes.append(f"{c}: median |error| uncalibrated {self.median_abs_error(False, c):.0%}, "
                         f"calibrated {self.median_abs_error(True, c):.0%}")
        notes.append(f"all: median |error| uncalibrated {self.median_abs_error(False):.0%}, "
                     f"calibrated {self.median_abs_error(True):.0%}"
                     + (" (layers held out of the fit)" if self.held_out else " (training layers)"))
        return Table(
            title=f"Measured vs predicted on {self.device}, {self.precision}",
            columns=["layer", "class", "measured (ms)", "spread (IQR/median)", "predicted (ms)",
                     "error", "calibrated (ms)", "calibrated error"],
            rows=rows, notes=notes,
        )


def compare(layers: Iterable[Layer], device: Device, precision: str = "fp32", *,
            measured: Sequence[tuple[Layer, Any]] | None = None, repeats: int = 5,
            threads: int | None = None, held_out: bool = True, progress: Progress = quiet,
            backend: str = "numpy", layout: str = "nchw", torch_device: str = "cpu") -> Comparison:
    """Measure ``layers`` (or use ``measured``) and compare with ``device``'s predictions
    (``repeats`` an int >= 1, ``threads`` ``None`` or an int >= 1; ``backend``, ``layout`` and
    ``torch_device`` as :func:`~.layer_runs.measure_layer`: the kernels that time them)."""
    repeats = count(repeats, "repeats")
    threads = threads_argument(threads)
    held_out = flag(held_out, "held_out")
    backend, layout, torch_device = backend_options(backend, layout, torch_device)
    pairs = list(measured) if measured is not None else measure_layers(
        layers, precision, repeats=repeats, threads=threads, progress=progress, backend=backend, layout=layout,
        torch_device=torch_device)
    rows = []
    for layer, m in pairs:
        raw = float(project(layer, device, precision, calibrated=False).time)
        cal = float(project(layer, device, precision).expected_time) if device.efficiency else None
        rows.append(Row(layer, op_class(layer), m.seconds, m.rel_spread, raw, cal))
    notes = (f"measured: median wall time of {timed_with(backend, layout, torch_device)}, {precision}, batch as shown",
             "predicted: roofline on the device's roofs; calibrated: " + describe_efficiency(device))
    return Comparison(device.id, precision, tuple(rows), held_out, notes)


def timed_with(backend: str, layout: str = "nchw", torch_device: str = "cpu") -> str:
    """The kernels a backend times, in words (table notes, fitted ceilings' sources)."""
    if backend == "torch":
        return f"PyTorch's kernels ({torch_device}, {layout})"
    return "the roofline_conv.measure numpy kernels"


def describe_efficiency(device: Device) -> str:
    """The fitted ceilings of ``device`` in words."""
    if not device.efficiency:
        return "no fitted ceilings"
    return "; ".join(
        f"{k}: {'max' if v.overlap else 'sum'}(compute at {v.compute:.2f} x peak, memory at {v.memory:.2f} x bandwidth)"
        + (f" + {v.overhead * 1e6:.0f} us" if v.overhead else "")
        for k, v in device.efficiency.items())
