"""Calibration: this machine as a measured ``Device``, per-op-class efficiency ceilings, and
predict-vs-measure on layers held out of the fit.

* :func:`~.this_machine.measure_machine` runs the micro-benchmarks and returns a ``Device``
  (id ``this-machine``, every figure ``measured``) with two compute ceilings: ``gemm``
  (measured BLAS plateau, used for projection) and ``fma`` (the theoretical vector peak).
* :func:`~.fit.fit_efficiencies` fits, per op class (conv, depthwise, pointwise), a compute
  and a memory efficiency to the training layers timed with the numpy kernels
  (:mod:`.layer_runs`, layer sets in :mod:`.layer_sets`): the roofs lowered to ``e x peak`` and
  ``e x bandwidth``. They are stored on the device (``device.efficiency``) and shown in every
  calibrated projection: ceilings, not hidden fudge.
* :func:`~.comparison.compare` puts the uncalibrated and calibrated predictions beside the
  measured times, with the relative error per layer and the median absolute error.

:func:`calibrate` runs all three; the names above are re-exported here.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ..devices import Device
from .backends import backend_options
from .comparison import Comparison, Row, compare, describe_efficiency, timed_with
from .fit import OP_CLASSES, fit_efficiencies, op_class
from ..validation import flag
from .arguments import count, threads_argument
from .layer_runs import (DTYPES, Progress, layer_memory_bytes, measurable_dtype, measure_layer, measure_layers, quiet,
                         runner)
from .layer_sets import holdout_layers, training_layers
from .this_machine import measure_machine
from .timing import DEFAULT_NOISE_THRESHOLD

__all__ = [
    "DTYPES",
    "OP_CLASSES",
    "MAX_CEILING_SPREAD",
    "MAX_HELD_OUT_ERROR",
    "MAX_NOISE",
    "Calibration",
    "Comparison",
    "Progress",
    "Row",
    "calibrate",
    "ceiling_spread",
    "ceilings",
    "compare",
    "describe_efficiency",
    "fit_efficiencies",
    "holdout_layers",
    "layer_memory_bytes",
    "measure_layer",
    "measure_layers",
    "measure_machine",
    "op_class",
    "runner",
    "threads_used",
    "training_layers",
]


MAX_HELD_OUT_ERROR = 0.25
"""A calibration is poor when its held-out median |error| exceeds this (25 %)."""
MAX_NOISE = DEFAULT_NOISE_THRESHOLD
"""The machine was too noisy when the median IQR / median of the layer timings exceeds this."""
MAX_CEILING_SPREAD = 0.10
"""Repeated calibrations agree when every fitted ceiling is within this of the others' median."""


@dataclass(frozen=True)
class Calibration:
    """What ``roofline-conv calibrate`` produces: the calibrated device, both comparisons, the
    noise of the timings, and the constant-per-class fit on the same timings (``baseline``:
    ceilings and overhead only, without the size terms, kept to compare against)."""

    device: Device
    training: Comparison
    holdout: Comparison
    noise: float = math.nan
    """Median IQR / median of the training and held-out layer timings (dimensionless)."""
    baseline: Device | None = None

    @property
    def held_out_error(self) -> float:
        """Median |relative error| of the expected time on the held-out layers."""
        return self.holdout.median_abs_error()

    def problems(self, max_error: float = MAX_HELD_OUT_ERROR, max_noise: float = MAX_NOISE) -> list[str]:
        """Why this calibration should not be trusted (empty when it can be): a held-out median
        |error| above ``max_error``, timings noisier than ``max_noise``."""
        found = []
        if not self.held_out_error <= max_error:
            found.append(f"held-out median |error| {self.held_out_error:.0%} exceeds {max_error:.0%}")
        if not self.noise <= max_noise:
            found.append(f"the machine was too noisy: median IQR/median of the timings {self.noise:.0%} "
                         f"exceeds {max_noise:.0%} (other load? try --threads 1 on an idle machine)")
        return found


def ceilings(device: Device) -> dict[str, float]:
    """The fitted ceilings in absolute terms: per op class, compute ceiling (FLOP/s) and memory
    ceiling (bytes/s) = efficiency x the device's measured GEMM peak and bandwidth."""
    peak, bandwidth = device.peak("gemm", "fp32"), device.bandwidth()
    out = {}
    for cls, e in device.efficiency.items():
        out[f"{cls} compute (FLOP/s)"] = e.compute * peak
        out[f"{cls} memory (B/s)"] = e.memory * bandwidth
    return out


def ceiling_spread(devices: Sequence[Device]) -> dict[str, float]:
    """Per ceiling (:func:`ceilings`), (max - min) / median over repeated calibrations."""
    values = [ceilings(d) for d in devices]
    keys = [k for k in values[0] if all(k in v for v in values)]
    return {k: (max(v[k] for v in values) - min(v[k] for v in values)) / statistics.median(v[k] for v in values)
            for k in keys}


def calibrate(*, quick: bool = False, threads: int | None = None, precision: str = "fp32",
              repeats: int = 5, progress: Progress = quiet, backend: str = "numpy",
              layout: str = "nchw") -> Calibration:
    """Measure this machine, fit efficiencies on the training layers, compare on held-out ones.

    ``backend="torch"`` times the layers with PyTorch on the CPU (in ``layout`` ``"nchw"`` or
    ``"channels_last"``) and measures the GEMM roof with ``torch.matmul``: the device
    (id ``this-machine-torch``) and its fitted ceilings describe PyTorch's kernels.

    The arguments are checked before anything runs (``repeats`` an int >= 1, ``threads``
    ``None`` or an int >= 1, ``precision`` fp32 or fp64, ``backend`` numpy or torch)."""
    quick = flag(quick, "quick")
    threads = threads_argument(threads)
    repeats = count(repeats, "repeats")
    backend, layout, _ = backend_options(backend, layout, "cpu")
    measurable_dtype(precision)
    how = dict(backend=backend, layout=layout)
    device = measure_machine(quick=quick, threads=threads, progress=progress, backend=backend)
    train = measure_layers(training_layers(quick), precision, repeats=repeats, threads=threads, progress=progress, **how)
    fit = dict(precision=precision, timed_with=timed_with(backend, layout), slots=threads_used(device, threads))
    baseline = fit_efficiencies(device, train, terms=False, **fit)
    device = fit_efficiencies(device, train, **fit)
    training = compare([], device, precision, measured=train, held_out=False, **how)
    hold = measure_layers(holdout_layers(quick), precision, repeats=repeats, threads=threads, progress=progress, **how)
    holdout = compare([], device, precision, measured=hold, held_out=True, **how)
    noise = statistics.median(float(m.rel_spread) for _, m in train + hold)
    return Calibration(device, training, holdout, noise, baseline)


def threads_used(device: Device, threads: int | None) -> int | None:
    """The threads the layers ran on (the size ramp's slots): ``threads`` when given, else the
    BLAS's thread count recorded in the device's environment (None when unknown)."""
    if threads is not None:
        return threads
    found = device.environment.get("threads")
    try:
        return int(found) if found is not None else None
    except (TypeError, ValueError):
        return None
