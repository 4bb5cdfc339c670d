"""The seed study, reproduced: its layer, its published figures (data/study.toml, read by
:mod:`roofline_conv.study_data`), its tables.

``analytic_table()`` recomputes the study's analytic table from the public API (the study's
analytic layer: 'same' padding, no bias) and puts the study's printed figures beside the exact
values, plus the columns the study left out (FLOPs proper, unfused DepSep traffic, fp32). The
measured tables, predicted with the configurations the study really ran ('valid' padding, bias,
batch 16; the real CIFAR CNN, Adam, mixed precision), are :mod:`roofline_conv.study_predict`'s,
re-exported here.
"""

from __future__ import annotations

from typing import Any

from .conventions import FLOPS_PER_MAC, MB, bytes_per_element
from .layers import Conv2d, DepSep
from .report import Table
from .study_data import data, layer_label, layer_spec
from .study_predict import (
    benchmark_layers,
    cifar_rows,
    cifar_table,
    measured_rows,
    prediction_rows,
    prediction_table,
    project_benchmark,
)

CONVENTION = (
    "Convention: 1 MAC = 2 FLOP; the study's \"FLOPs\" are MACs. Bytes = elements x bytes per "
    "element (fp16 2 B, fp32 4 B); MB = 10^6 bytes. Traffic 'compulsory' = weights + input + output "
    "once (DepSep intermediate stays on chip: the study's memory access); 'unfused' also writes and "
    "reads back the depthwise output. Intensity = FLOP / byte."
)


def layers(batch: Any = 1) -> tuple[Conv2d, DepSep]:
    """The study's layer (Dk=3, M=N=128, Df=224, stride 1, 'same'): (standard, DepSep)."""
    spec = layer_spec()
    args = (spec.in_channels, spec.out_channels, spec.kernel_size, spec.input_size)
    return (Conv2d(*args, padding=spec.padding, batch=batch), DepSep(*args, padding=spec.padding, batch=batch))


def analytic_table(batch: Any = 1) -> Table:
    """The study's analytic table, exact, beside its printed figures, plus the corrected columns."""
    conv, sep = layers(batch)
    pub = data()["analytic"]
    n, dk2 = layer_spec().out_channels, layer_spec().kernel_size ** 2
    rows: list[list[Any]] = []

    def row(quantity: str, unit: str, a: Any, b: Any, printed: str | None) -> None:
        ratio = (b / a) if a else None
        rows.append([quantity, unit, a, b, ratio, printed])

    row("params", "parameters", conv.params, sep.params, " / ".join(pub["params_printed"]))
    row("MACs (the study's \"FLOPs\")", "MAC", conv.macs, sep.macs, " / ".join(pub["flops_printed"]))
    row("FLOPs (2 x MACs)", "FLOP", conv.flops, sep.flops, None)
    for precision in ("fp16", "fp32"):
        bpe = bytes_per_element(precision)
        for model in ("compulsory", "unfused"):
            printed_mem = printed_ai = None
            if precision == "fp16" and model == "compulsory":
                printed_mem = " / ".join(f"{v:.1f}" for v in pub["memory_printed_mb"])
                printed_ai = " / ".join(f"{v:.1f}" for v in pub["intensity_printed"])
            ta, tb = conv.traffic(model, precision), sep.traffic(model, precision)
            row(f"memory access, {model}, {precision} ({bpe} B/elem)", "bytes", ta, tb, None)
            row(f"memory access, {model}, {precision}", "MB", ta / MB, tb / MB, printed_mem)
            row(f"intensity, {model}, {precision}", "FLOP/byte",
                conv.intensity(model, precision), sep.intensity(model, precision), printed_ai)
    return Table(
        title=f"The study's layer, analytic ({layer_label()}, batch {batch})",
        columns=["quantity", "unit", "standard", "DepSep", "DepSep / standard", "study printed (std / DepSep)"],
        rows=rows,
        notes=[
            CONVENTION,
            f"MAC ratio DepSep/standard = 1/N + 1/Dk^2 = 1/{n} + 1/{dk2} = {1 / n + 1 / dk2:.4f}.",
            f"Intensity at fp16 equals MACs per element moved ({FLOPS_PER_MAC} FLOP / 2 B), which is why "
            "the study's 569.5 and 68.4 come out of its MAC and element counts.",
        ],
    )


def this_machine_row(device: Any = None, *, quick: bool = True, repeats: int = 5, threads: int | None = None,
                     progress: Any = None) -> dict[str, Any]:
    """The study's layer measured on this CPU (fp32, batch 1, numpy kernels), standard and DepSep
    interleaved, beside the uncalibrated and calibrated predictions for this machine.

    ``device``: a measured (ideally calibrated) ``Device``; when None, this machine is measured
    and calibrated first (``quick`` sets the size of that run).
    """
    from .measure.calibrate import calibrate, runner
    from .measure.harness import compare_interleaved
    from .roofline import project

    say = progress or (lambda _msg: None)
    if device is None:
        device = calibrate(quick=quick, threads=threads, progress=say).device
    conv, sep = layers(batch=1)
    say("measuring the study layer: standard conv and DepSep, interleaved ...")
    timings = compare_interleaved({"standard": runner(conv), "depsep": runner(sep)}, repeats=repeats, threads=threads)
    measured_c, measured_s = 1 / timings["standard"].seconds, 1 / timings["depsep"].seconds
    raw_c = float(project(conv, device, "fp32", calibrated=False).per_second)
    raw_s = float(project(sep, device, "fp32", calibrated=False).per_second)
    cal_c = float(project(conv, device, "fp32").expected_per_second)
    cal_s = float(project(sep, device, "fp32").expected_per_second)
    return dict(
        platform="this machine", device=device.id, cpu=device.environment.get("cpu") if device.environment else None,
        blas=device.environment.get("blas") if device.environment else None, precision="fp32", batch=1,
        measured_conv_per_s=measured_c, measured_depsep_per_s=measured_s, measured_speedup=measured_s / measured_c,
        spread_conv=timings["standard"].rel_spread, spread_depsep=timings["depsep"].rel_spread,
        predicted_conv_per_s=raw_c, predicted_depsep_per_s=raw_s, predicted_speedup=raw_s / raw_c,
        calibrated_conv_per_s=cal_c, calibrated_depsep_per_s=cal_s, calibrated_speedup=cal_s / cal_c,
    )


def this_machine_table(row: dict[str, Any]) -> Table:
    """:func:`this_machine_row` as a table: measured beside predicted, with units."""
    published = next(r for r in measured_rows() if r["id"] == "e5-2698v4")
    pub_c, pub_s = published["conv_per_s"]
    return Table(
        title="The study's layer on this machine (fp32, batch 1, numpy kernels) beside the study's Xeon",
        columns=["platform", "what", "standard (conv/s)", "DepSep (conv/s)", "DepSep speed-up"],
        rows=[
            ["this machine", "measured (median)", row["measured_conv_per_s"], row["measured_depsep_per_s"], row["measured_speedup"]],
            ["this machine", "predicted, roofline on measured roofs", row["predicted_conv_per_s"], row["predicted_depsep_per_s"], row["predicted_speedup"]],
            ["this machine", "expected, calibrated terms", row["calibrated_conv_per_s"], row["calibrated_depsep_per_s"], row["calibrated_speedup"]],
            ["Xeon E5-2698 v4 (study, batch 16)", "published", pub_c, pub_s, pub_s / pub_c],
        ],
        notes=[
            f"This machine: {row['cpu']}; BLAS: {row['blas']}. Spread (IQR/median): standard "
            f"{row['spread_conv']:.1%}, DepSep {row['spread_depsep']:.1%}.",
            "Predicted rows are upper-bound roofline times on this machine's measured GEMM and STREAM roofs; "
            "calibrated rows lower those roofs by the per-op-class efficiencies fitted on other layers.",
        ],
    )


__all__ = ["CONVENTION", "layers", "analytic_table", "this_machine_row", "this_machine_table", "data",
           "benchmark_layers", "project_benchmark", "measured_rows", "prediction_rows", "prediction_table",
           "cifar_rows", "cifar_table"]
