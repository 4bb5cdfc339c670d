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

__all__ = [
    "DTYPES",
    "OP_CLASSES",
    "Calibration",
    "Comparison",
    "Progress",
    "Row",
    "calibrate",
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
    "training_layers",
]


@dataclass(frozen=True)
class Calibration:
    """What ``roofline-conv calibrate`` produces: the calibrated device and both comparisons."""

    device: Device
    training: Comparison
    holdout: Comparison


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
    device = fit_efficiencies(device, train, precision, timed_with=timed_with(backend, layout))
    training = compare([], device, precision, measured=train, held_out=False, **how)
    hold = measure_layers(holdout_layers(quick), precision, repeats=repeats, threads=threads, progress=progress, **how)
    holdout = compare([], device, precision, measured=hold, held_out=True, **how)
    return Calibration(device, training, holdout)
