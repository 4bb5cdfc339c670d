"""Checking a calibration on layers of real networks that the fit never saw.

The evaluation set is not a list anyone chose: it is every distinct convolution (conv,
depthwise, pointwise) of the zoo's MobileNetV2, ResNet-18 and EfficientNet-B0 at batch 1
(:data:`EVALUATION_MODELS`, :func:`network_convs`). No training layer of the calibration
(``data/calibration_layers.toml``) is among them (``tests/measure/test_evaluation.py``).

:func:`evaluate` measures them on this machine (numpy or torch backend) and compares each with
the calibrated device's ``expected_time``: per layer the relative error, overall the median and
the 90th percentile of |error| (:class:`Evaluation`). The targets of issue 14 are a median
<= 10 % and a p90 <= 25 % (:data:`TARGET_MEDIAN`, :data:`TARGET_P90`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..devices import Device
from ..layers import Conv2d
from ..report import Table
from ..roofline import project
from .arguments import count, threads_argument
from .backends import backend_options
from .layer_runs import Progress, measure_layers, quiet

__all__ = ["EVALUATION_MODELS", "TARGET_MEDIAN", "TARGET_P90", "Evaluation", "evaluate", "layer_key", "network_convs",
           "predict"]

EVALUATION_MODELS = ("mobilenet_v2", "resnet18", "efficientnet_b0")
"""The zoo networks whose every distinct conv the evaluation measures."""
TARGET_MEDIAN = 0.10
"""Target median |relative error| of the expected time on the evaluation layers."""
TARGET_P90 = 0.25
"""Target 90th percentile |relative error| on the evaluation layers."""


def layer_key(layer: Conv2d) -> tuple[Any, ...]:
    """What makes two convs the same work: kind, channels, kernel, input size, stride, padding,
    dilation, groups (names and bias aside)."""
    return (layer.kind, layer.in_channels, layer.out_channels, layer.kernel_size, tuple(layer.input_shape[1:]),
            layer.stride, layer.padding, layer.dilation, layer.groups)


def network_convs(models: Sequence[str] = EVALUATION_MODELS, batch: int = 1) -> list[Conv2d]:
    """Every distinct :class:`~roofline_conv.layers.Conv2d` of the zoo ``models`` at ``batch``,
    in network order (first appearance)."""
    from .. import zoo

    found: dict[tuple[Any, ...], Conv2d] = {}
    for name in models:
        for node in zoo.get(name, batch=count(batch, "batch")).nodes:
            if isinstance(node.layer, Conv2d):
                found.setdefault(layer_key(node.layer), node.layer)
    return list(found.values())


def predict(layer: Conv2d, device: Device, precision: str = "fp32") -> float:
    """The calibrated device's expected time of ``layer``, in seconds."""
    return float(project(layer, device, precision).expected_time)


@dataclass(frozen=True)
class Evaluation:
    """Measured vs expected time on the evaluation layers, for one or more calibrated devices
    (e.g. the fit with the size terms and the constant-per-class fit, on the same timings)."""

    layers: tuple[Conv2d, ...]
    measured: tuple[float, ...]
    """Seconds, median wall time per layer."""
    predicted: dict[str, tuple[float, ...]]
    """Name of the fit -> expected time per layer, seconds."""
    backend: str = "numpy"

    def errors(self, name: str) -> np.ndarray:
        """(expected - measured) / measured per layer, for the fit ``name``."""
        return np.array(self.predicted[name]) / np.array(self.measured) - 1

    def median(self, name: str) -> float:
        """Median |relative error| of the fit ``name``."""
        return float(np.median(np.abs(self.errors(name))))

    def p90(self, name: str) -> float:
        """90th percentile |relative error| of the fit ``name``."""
        return float(np.percentile(np.abs(self.errors(name)), 90))

    def meets_target(self, name: str) -> bool:
        """Median and p90 within :data:`TARGET_MEDIAN` and :data:`TARGET_P90`."""
        return self.median(name) <= TARGET_MEDIAN and self.p90(name) <= TARGET_P90

    def summary(self) -> list[str]:
        """One line per fit: median and p90 |error| and whether the target is met."""
        return [f"{name}: median |error| {self.median(name):.1%}, p90 {self.p90(name):.1%} on {len(self.layers)} "
                f"network layers ({self.backend}); target median <= {TARGET_MEDIAN:.0%}, p90 <= {TARGET_P90:.0%}: "
                + ("met" if self.meets_target(name) else "NOT met") for name in self.predicted]

    def table(self) -> Table:
        """Per layer: measured, and each fit's expected time and error; the summary as notes."""
        names = list(self.predicted)
        rows = [[repr(layer), layer.kind, t * 1e3, *[v for n in names for v in (self.predicted[n][i] * 1e3,
                                                                             self.errors(n)[i])]]
                for i, (layer, t) in enumerate(zip(self.layers, self.measured))]
        columns = ["layer", "class", "measured (ms)", *[c for n in names for c in (f"{n} expected (ms)", f"{n} error")]]
        return Table(title=f"Network layers the fit never saw ({', '.join(EVALUATION_MODELS)}; batch 1)",
                     columns=columns, rows=rows, notes=self.summary())


def evaluate(devices: Device | dict[str, Device], layers: Iterable[Conv2d] | None = None, precision: str = "fp32", *,
             measured: Sequence[tuple[Conv2d, Any]] | None = None, repeats: int = 3, threads: int | None = None,
             backend: str = "numpy", layout: str = "nchw", progress: Progress = quiet) -> Evaluation:
    """Measure ``layers`` (default: :func:`network_convs`; or use ``measured`` pairs) and compare
    with the expected time of each calibrated device in ``devices`` (one, or name -> device)."""
    repeats = count(repeats, "repeats")
    threads = threads_argument(threads)
    backend, layout, _ = backend_options(backend, layout, "cpu")
    if isinstance(devices, Device):
        devices = {devices.id: devices}
    if measured is None:
        measured = measure_layers(network_convs() if layers is None else layers, precision, repeats=repeats,
                                  threads=threads, progress=progress, backend=backend, layout=layout)
    pairs = list(measured)
    return Evaluation(tuple(layer for layer, _ in pairs), tuple(float(m.seconds) for _, m in pairs),
                      {name: tuple(predict(layer, dev, precision) for layer, _ in pairs) for name, dev in devices.items()},
                      backend)
