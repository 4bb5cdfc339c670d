"""Calibration: this machine as a measured ``Device``, per-op-class efficiency ceilings, and
predict-vs-measure on layers held out of the fit.

* :func:`measure_machine` runs the micro-benchmarks (GEMM plateau per dtype, STREAM triad,
  in-cache copy) and returns a ``Device`` (id ``this-machine``, every figure ``measured``) with
  two compute ceilings, as in the roofline paper: ``gemm`` (measured BLAS plateau, used for
  projection) and ``fma`` (the theoretical vector peak from cores x clock x ISA, shown beside
  it). The BLAS numpy uses is recorded in ``device.environment``.
* :func:`fit_efficiencies` times a training set of layers with the numpy kernels and fits, per
  op class (conv, depthwise, pointwise), a compute and a memory efficiency: the calibrated
  prediction is ``max(compute_time / e_compute, memory_time / e_memory)`` per op, i.e. the
  roofs lowered to ``e x peak`` and ``e x bandwidth``. They are stored on the device
  (``device.efficiency``) and shown in every calibrated projection: ceilings, not hidden fudge.
* :func:`compare` measures layers and puts the uncalibrated and calibrated predictions beside,
  with the relative error per layer and the median absolute error.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..layers import Conv2d, DepSep, Depthwise, Layer, Pointwise
from ..report import Table

Progress = Callable[[str], None]

DTYPES = {"fp32": np.float32, "fp64": np.float64}
OP_CLASSES = ("conv", "depthwise", "pointwise")


def _quiet(_: str) -> None:
    pass


# --------------------------------------------------------------------------------------
# running a layer with the numpy kernels
# --------------------------------------------------------------------------------------
def _shapes(layer: Conv2d) -> tuple[tuple[int, ...], tuple[int, ...]]:
    x = tuple(int(v) for v in layer.input_shape)
    w = (int(layer.out_channels), int(layer.in_channels) // int(layer.groups), *map(int, layer.kernel_size))
    return x, w


def _kind(layer: Conv2d) -> str:
    if layer.kind == "depthwise":
        return "depthwise"
    if layer.kind == "pointwise" and layer.padding == ((0, 0), (0, 0)):
        return "pointwise"
    return "standard"


def layer_memory_bytes(layer: Layer, precision: str = "fp32") -> int:
    """Bytes a measurement of ``layer`` allocates (inputs, weights, outputs, kernel workspace)."""
    from .harness import estimate_conv_bytes

    dtype = _dtype(precision)
    if isinstance(layer, DepSep):
        x, w_dw = _shapes(layer.depthwise)
        _, w_pw = _shapes(layer.pointwise)
        return estimate_conv_bytes(x, (w_dw, w_pw[:2]), stride=layer.depthwise.stride,
                                   padding=layer.depthwise.padding, dilation=layer.depthwise.dilation,
                                   dtype=dtype, kind="depsep")
    assert isinstance(layer, Conv2d)
    x, w = _shapes(layer)
    return estimate_conv_bytes(x, w, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                               groups=int(layer.groups), dtype=dtype, kind=_kind(layer))


def _dtype(precision: str) -> Any:
    if precision not in DTYPES:
        raise ValueError(f"precision={precision!r} cannot be measured with numpy kernels; use fp32 or fp64")
    return DTYPES[precision]


def runner(layer: Layer, precision: str = "fp32", memory_limit: int | None = None, seed: int = 0) -> Callable[[], Any]:
    """A zero-argument callable running ``layer`` once with preallocated, warmed buffers.

    Refuses (``MemoryLimitError``) before allocating when the estimate exceeds ``memory_limit``
    (default: half the available memory).
    """
    from .harness import check_memory
    from .kernels import ConvPlan, DepsepPlan

    if layer.is_symbolic:
        raise ValueError("a symbolic layer cannot be measured; give every dimension a number")
    check_memory(layer_memory_bytes(layer, precision), memory_limit, what=f"measuring {layer!r}")
    dtype = _dtype(precision)
    rng = np.random.default_rng(seed)
    if isinstance(layer, DepSep):
        dw, pw = layer.parts
        x_shape, w_dw_shape = _shapes(dw)
        _, w_pw_shape = _shapes(pw)
        plan = DepsepPlan(x_shape, w_dw_shape, w_pw_shape[:2], stride=dw.stride, padding=dw.padding,
                          dilation=dw.dilation, dtype=dtype)
        x = rng.standard_normal(x_shape).astype(dtype)
        w_dw = rng.standard_normal(w_dw_shape).astype(dtype)
        w_pw = rng.standard_normal(w_pw_shape[:2]).astype(dtype)
        return lambda: plan.run(x, w_dw, w_pw)
    if not isinstance(layer, Conv2d):
        raise ValueError(f"cannot measure a {type(layer).__name__}")
    x_shape, w_shape = _shapes(layer)
    kind = _kind(layer)
    plan = ConvPlan(x_shape, w_shape, stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                    groups=int(layer.groups), dtype=dtype, kind=kind)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    return lambda: plan.run(x, w)


def measure_layer(layer: Layer, precision: str = "fp32", *, repeats: int = 5, threads: int | None = None,
                  memory_limit: int | None = None) -> Any:
    """Median-of-``repeats`` wall time of ``layer`` on this machine (a ``Measurement``)."""
    from .harness import measure

    fn = runner(layer, precision, memory_limit)
    return measure(fn, warmup=1, repeats=repeats, threads=threads, label=repr(layer), min_time=0.01)


# --------------------------------------------------------------------------------------
# this machine as a Device
# --------------------------------------------------------------------------------------
def measure_machine(*, quick: bool = False, threads: int | None = None, progress: Progress = _quiet) -> Any:
    """Measure this machine's roofs and return them as a ``Device`` (id ``this-machine``)."""
    from ..devices import Device
    from .harness import blas_info, thread_limit
    from .microbench import (cache_bandwidth, cpu_info, gemm_peak, openblas_coretype, stream_bandwidth,
                             theoretical_vector_peak, vector_width)

    info = cpu_info()
    blas = blas_info()
    coretype = openblas_coretype(warn=True)
    peaks: dict[str, Any] = {}
    theory: dict[str, Any] = {}
    blas_text = _blas_text(blas)
    for precision, dtype in DTYPES.items():
        progress(f"GEMM plateau, {precision} ...")
        res = gemm_peak(dtype, threads=threads, quick=quick)
        curve = ", ".join(f"n={n}: {f / 1e9:.1f}" for n, f in res.curve)
        peaks[precision] = dict(
            value=res.best_flops, provenance="measured",
            source=f"roofline-conv calibrate: numpy matmul, square n={res.best_size} ({blas_text})",
            note=f"GFLOP/s by size: {curve}" + ("" if res.plateau else " (no plateau reached)"),
        )
        peak = theoretical_vector_peak(info, dtype)
        width = vector_width(info)
        if peak and width:
            isa, bits = width
            lanes = bits // (8 * np.dtype(dtype).itemsize)
            mhz = info.get("max_mhz") or info.get("base_mhz") or info.get("current_mhz")
            theory[precision] = dict(
                value=peak, provenance="derived", source=f"/proc/cpuinfo: {info.get('model_name')}",
                derivation=f"{info['physical_cores']} cores x 2 FMA units x {lanes} lanes ({isa}) x 2 FLOP x {mhz:g} MHz",
                note="assumes 2 FMA pipes per core; a VM's reported clock may not be the sustained clock",
            )
    progress("STREAM triad (DRAM bandwidth) ...")
    with thread_limit(threads):
        stream = stream_bandwidth(quick=quick)
        progress("in-cache copy bandwidth ...")
        cache = cache_bandwidth(quick=quick)
    units: dict[str, Any] = {"gemm": dict(kind="vector", peaks=peaks,
                                          description="measured BLAS GEMM plateau (the attainable compute roof)")}
    if theory:
        units["fma"] = dict(kind="vector", peaks=theory, description="theoretical vector FMA peak (the second ceiling)")
    memory: dict[str, Any] = {
        "dram": dict(bandwidth=dict(
            value=stream.triad_bytes_per_s, provenance="measured",
            source=f"roofline-conv calibrate: STREAM triad on 3 x {stream.nbytes_per_array / 1e6:.0f} MB arrays",
            note=f"copy {stream.copy_bytes_per_s / 1e9:.2f} GB/s; {stream.notes}"),
            description="main memory, STREAM triad"),
    }
    cache_bytes = info.get("caches", {}).get(cache.level) if isinstance(info.get("caches"), dict) else None
    memory[cache.level.lower()] = dict(
        bandwidth=dict(value=cache.copy_bytes_per_s, provenance="measured",
                       source=f"roofline-conv calibrate: copy of {cache.nbytes_per_array / 1e3:.0f} kB arrays",
                       note=cache.notes),
        capacity=dict(value=cache_bytes, provenance="measured", source="/sys/devices/system/cpu/cpu0/cache")
        if cache_bytes else None,
        description=f"{cache.level} cache, in-cache copy")
    if memory[cache.level.lower()]["capacity"] is None:
        del memory[cache.level.lower()]["capacity"]
    environment = {"cpu": str(info.get("model_name")), "physical_cores": str(info.get("physical_cores")),
                   "isa": ",".join(k for k, v in info["isa"].items() if v) or "unknown",
                   "numpy": np.__version__, "blas": blas_text, "threads": str(threads or blas.get("num_threads"))}
    if coretype:
        environment["OPENBLAS_CORETYPE"] = coretype
    data = dict(
        id="this-machine", name=f"This machine: {info.get('model_name') or 'unknown CPU'}", kind="cpu",
        family="measured", cores=info.get("physical_cores") or None, units=units, memory=memory,
        unit_for={"conv": ["gemm"], "pointwise": ["gemm"], "depthwise": ["gemm"]},
        depthwise_lowering=dict(method="vector", assumption=False,
                                source="roofline_conv.measure kernels: the depthwise conv is a vectorised tap loop"),
        environment=environment,
        notes=_ceiling_note(peaks, theory, coretype),
    )
    return Device.from_dict(data, source="<measured>")


def _blas_text(blas: dict[str, Any]) -> str:
    parts = [str(blas.get(k)) for k in ("library", "version", "architecture") if blas.get(k)]
    threads = blas.get("num_threads")
    return " ".join(parts) + (f", {threads} threads" if threads else "") if parts else "BLAS unknown"


def _ceiling_note(peaks: dict[str, Any], theory: dict[str, Any], coretype: str | None) -> str:
    lines = []
    for precision in peaks:
        if precision in theory:
            ratio = peaks[precision]["value"] / theory[precision]["value"]
            lines.append(f"{precision}: measured GEMM roof is {ratio:.0%} of the theoretical vector peak")
    if coretype:
        lines.append(f"OPENBLAS_CORETYPE={coretype} is set: OpenBLAS may be pinned to older, slower kernels")
    return "; ".join(lines) or "measured"


# --------------------------------------------------------------------------------------
# layer sets: realistic CNN layers (ResNet / MobileNet shapes, batch 1)
# --------------------------------------------------------------------------------------
def training_layers(quick: bool = False) -> list[Conv2d]:
    """Layers the efficiencies are fitted on: per class, a spread of intensities."""
    layers: list[Conv2d] = [
        Conv2d(64, 64, 3, 56, padding=1), Conv2d(256, 256, 3, 14, padding=1), Conv2d(32, 64, 3, 112, padding=1),
        Conv2d(3, 32, 3, 224, stride=2, padding=1), Conv2d(512, 512, 3, 7, padding=1), Conv2d(32, 32, 3, 224, padding=1),
        Depthwise(64, 3, 112, padding=1), Depthwise(256, 3, 28, padding=1), Depthwise(512, 3, 14, padding=1),
        Depthwise(96, 3, 112, stride=2, padding=1), Depthwise(672, 5, 14, padding=2), Depthwise(32, 3, 224, padding=1),
        Pointwise(32, 16, 112), Pointwise(64, 128, 56), Pointwise(256, 512, 14), Pointwise(1024, 1024, 7),
        Pointwise(96, 24, 56), Pointwise(32, 64, 224),
    ]
    if quick:
        return [layers[i] for i in (0, 1, 2, 5, 6, 7, 8, 11, 12, 13, 14, 16, 17)]
    return layers


def holdout_layers(quick: bool = False) -> list[Layer]:
    """Layers NOT used for fitting, to report honest errors on."""
    layers: list[Layer] = [
        Conv2d(96, 96, 3, 28, padding=1), Conv2d(192, 192, 3, 14, padding=1), Conv2d(384, 384, 3, 7, padding=1),
        Conv2d(64, 128, 3, 56, stride=2, padding=1), Conv2d(16, 16, 3, 112, padding=1),
        Conv2d(128, 128, 3, 28, padding=1),
        Depthwise(32, 3, 112, padding=1), Depthwise(144, 3, 56, padding=1), Depthwise(384, 3, 14, padding=1),
        Depthwise(960, 3, 7, padding=1), Depthwise(240, 5, 28, padding=2), Depthwise(144, 3, 56, stride=2, padding=1),
        Pointwise(32, 64, 112), Pointwise(144, 24, 56), Pointwise(512, 512, 14), Pointwise(960, 160, 7),
        Pointwise(16, 96, 112), Pointwise(384, 64, 14),
    ]
    if quick:
        return [layers[i] for i in (0, 1, 3, 7, 8, 10, 12, 13, 14)]
    return layers


# --------------------------------------------------------------------------------------
# fitting and comparing
# --------------------------------------------------------------------------------------
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


def _op_class(layer: Layer) -> str:
    return "depsep" if isinstance(layer, DepSep) else layer.kind  # type: ignore[attr-defined]


def measure_layers(layers: Iterable[Layer], precision: str = "fp32", *, repeats: int = 5,
                   threads: int | None = None, memory_limit: int | None = None,
                   progress: Progress = _quiet) -> list[tuple[Layer, Any]]:
    """Measure each layer (one ``Measurement`` each), reporting progress."""
    layers = list(layers)
    out = []
    for i, layer in enumerate(layers, 1):
        progress(f"[{i}/{len(layers)}] measuring {layer!r}")
        out.append((layer, measure_layer(layer, precision, repeats=repeats, threads=threads, memory_limit=memory_limit)))
    return out


_GRID = np.geomspace(0.005, 1.0, 100)
_OVERHEAD = np.concatenate([[0.0], np.geomspace(1e-6, 2e-3, 50)])


def fit_efficiencies(device: Any, measured: Sequence[tuple[Layer, Any]], precision: str = "fp32") -> Any:
    """A copy of ``device`` with per-op-class ceilings fitted to ``measured`` layers.

    Per class, over a grid: efficiencies e_compute, e_memory in [0.005, 1], a fixed overhead in
    [0, 2 ms] per op, and whether compute and memory overlap (max) or add (sum); the choice
    minimising the mean |log(predicted / measured)| wins, ties going to the larger efficiencies
    and the smaller overhead (the roofs least changed). See ``devices.Efficiency``.
    """
    from ..roofline import project

    fitted: dict[str, Any] = {}
    for op_class in OP_CLASSES:
        data = []
        for layer, m in measured:
            if _op_class(layer) != op_class:
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
            pred = (np.maximum(c / e_c, mem / e_m) if overlap else c / e_c + mem / e_m) + t0
            err = np.mean(np.abs(np.log(pred / t)), axis=0)
            i, j, k = np.unravel_index(np.argmin(err), err.shape)
            if best is None or err[i, j, k] < best[0] - 1e-9:
                best = (float(err[i, j, k]), (overlap, i, j, k, pred[:, i, j, k]))
        assert best is not None
        overlap, i, j, k, pred = best[1]
        fitted[op_class] = dict(
            compute=float(_GRID[i]), memory=float(_GRID[j]), overhead=float(_OVERHEAD[k]), overlap=bool(overlap),
            layers=len(data), median_error=float(np.median(np.abs(pred / arr[:, 2] - 1))),
            source=f"fitted by roofline-conv calibrate on {len(data)} {op_class} layers at {precision}",
        )
    return device.with_efficiency(fitted)


def compare(layers: Iterable[Layer], device: Any, precision: str = "fp32", *,
            measured: Sequence[tuple[Layer, Any]] | None = None, repeats: int = 5,
            threads: int | None = None, held_out: bool = True, progress: Progress = _quiet) -> Comparison:
    """Measure ``layers`` (or use ``measured``) and compare with ``device``'s predictions."""
    from ..roofline import project

    pairs = list(measured) if measured is not None else measure_layers(layers, precision, repeats=repeats,
                                                                        threads=threads, progress=progress)
    rows = []
    for layer, m in pairs:
        raw = float(project(layer, device, precision, calibrated=False).time)
        cal = float(project(layer, device, precision).time) if device.efficiency else None
        rows.append(Row(layer, _op_class(layer), m.seconds, m.rel_spread, raw, cal))
    notes = (f"measured: median wall time of the roofline_conv.measure numpy kernels, {precision}, batch as shown",
             "predicted: roofline on the device's roofs; calibrated: " + describe_efficiency(device))
    return Comparison(device.id, precision, tuple(rows), held_out, notes)


def describe_efficiency(device: Any) -> str:
    """The fitted ceilings of ``device`` in words."""
    if not device.efficiency:
        return "no fitted ceilings"
    return "; ".join(
        f"{k}: {'max' if v.overlap else 'sum'}(compute at {v.compute:.2f} x peak, memory at {v.memory:.2f} x bandwidth)"
        + (f" + {v.overhead * 1e6:.0f} us" if v.overhead else "")
        for k, v in device.efficiency.items())


@dataclass(frozen=True)
class Calibration:
    """What ``roofline-conv calibrate`` produces: the calibrated device and both comparisons."""

    device: Any
    training: Comparison
    holdout: Comparison


def calibrate(*, quick: bool = False, threads: int | None = None, precision: str = "fp32",
              repeats: int = 5, progress: Progress = _quiet) -> Calibration:
    """Measure this machine, fit efficiencies on the training layers, compare on held-out ones."""
    device = measure_machine(quick=quick, threads=threads, progress=progress)
    train = measure_layers(training_layers(quick), precision, repeats=repeats, threads=threads, progress=progress)
    device = fit_efficiencies(device, train, precision)
    training = compare([], device, precision, measured=train, held_out=False)
    hold = measure_layers(holdout_layers(quick), precision, repeats=repeats, threads=threads, progress=progress)
    holdout = compare([], device, precision, measured=hold, held_out=True)
    return Calibration(device, training, holdout)
