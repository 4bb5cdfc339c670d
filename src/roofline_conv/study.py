"""The seed study, reproduced: its layer, its published figures (data/study.toml, read by
:mod:`roofline_conv.study_data`), its tables.

``analytic_table()`` recomputes the study's analytic table from the public API and puts the
study's printed figures beside the exact values, plus the columns the study left out (FLOPs
proper, unfused DepSep traffic, fp32).
"""

from __future__ import annotations

from typing import Any

from .conventions import FLOPS_PER_MAC, MB, bytes_per_element
from .layers import Conv2d, DepSep
from .report import Table
from .study_data import cifar_params_printed, data, layer_label, layer_spec

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


def measured_rows() -> list[dict[str, Any]]:
    """The study's measured single-layer rows (platform, device id, precision, batch, conv/s)."""
    return list(data()["measured"])


def _plain_units(device: Any) -> dict[str, str]:
    """Every op on the fastest unit of its kind class ignoring lowering: depthwise on a vector unit."""
    vector = [name for name, unit in device.units.items() if unit.kind == "vector"]
    return {"depthwise": vector[0]} if vector else {}


def prediction_rows(traffic: str = "compulsory", plain: bool = False) -> list[dict[str, Any]]:
    """Prediction beside each published measurement of the study's layer.

    Each row: the platform, the device projected on, predicted upper-bound conv/s for the
    standard conv and the DepSep, published conv/s, implied efficiency (published / predicted),
    predicted and published DepSep speed-ups, and whether the direction and the bound hold.
    ``plain=True`` projects a plain per-unit roofline instead (depthwise on the vector unit, no
    matrix-unit lowering), to show what that gets wrong.
    """
    from .devices import get
    from .roofline import project

    rows = []
    for row in measured_rows():
        device = get(row["device"])
        conv, sep = layers(batch=row["batch"])
        unit = _plain_units(device) if plain else None
        pc = project(conv, device, row["precision"], traffic, unit=unit)
        ps = project(sep, device, row["precision"], traffic, unit=unit)
        pub_c, pub_s = row["conv_per_s"]
        pred_c, pred_s = float(pc.images_per_second), float(ps.images_per_second)
        pred_speedup, pub_speedup = pred_s / pred_c, pub_s / pub_c
        rows.append(dict(
            id=row["id"], platform=row["platform"], device=device.id, precision=row["precision"],
            batch=row["batch"], predicted_conv_per_s=pred_c, predicted_depsep_per_s=pred_s,
            published_conv_per_s=pub_c, published_depsep_per_s=pub_s,
            efficiency_conv=pub_c / pred_c, efficiency_depsep=pub_s / pred_s,
            predicted_speedup=pred_speedup, published_speedup=pub_speedup,
            direction_right=(pred_speedup > 1) == (pub_speedup > 1),
            bound_holds=pred_c >= pub_c and pred_s >= pub_s,
            conv_bound=pc.bound, depsep_bound=ps.bound, depsep_units=ps.unit, depsep_lowering=ps.lowering,
        ))
    return rows


def prediction_table(traffic: str = "compulsory", plain: bool = False) -> Table:
    """:func:`prediction_rows` as a table with units."""
    rows = prediction_rows(traffic, plain)
    kind = "plain per-unit roofline (depthwise on the vector unit)" if plain else "roofline with matrix-unit tiles and depthwise lowering"
    return Table(
        title=f"The study's layer: predicted bound vs published, {kind}, traffic '{traffic}'",
        columns=["platform", "device", "precision", "batch",
                 "predicted conv/s (std)", "published conv/s (std)", "efficiency (std)",
                 "predicted conv/s (DepSep)", "published conv/s (DepSep)", "efficiency (DepSep)",
                 "DepSep speed-up predicted", "DepSep speed-up published", "direction right", "bound >= published",
                 "DepSep units (lowering)"],
        rows=[[r["platform"], r["device"], r["precision"], r["batch"],
               r["predicted_conv_per_s"], r["published_conv_per_s"], r["efficiency_conv"],
               r["predicted_depsep_per_s"], r["published_depsep_per_s"], r["efficiency_depsep"],
               r["predicted_speedup"], r["published_speedup"], "yes" if r["direction_right"] else "NO",
               "yes" if r["bound_holds"] else "NO", f"{r['depsep_units']} ({r['depsep_lowering']})"] for r in rows],
        notes=[
            "conv/s = layers (one image each) per second; a roofline prediction is an upper bound, "
            "so efficiency = published / predicted should be <= 1.",
            "Published figures: the seed study (data/study.toml). Devices: the catalog (roofline-conv devices).",
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
            ["this machine", "predicted, calibrated ceilings", row["calibrated_conv_per_s"], row["calibrated_depsep_per_s"], row["calibrated_speedup"]],
            ["Xeon E5-2698 v4 (study)", "published", pub_c, pub_s, pub_s / pub_c],
        ],
        notes=[
            f"This machine: {row['cpu']}; BLAS: {row['blas']}. Spread (IQR/median): standard "
            f"{row['spread_conv']:.1%}, DepSep {row['spread_depsep']:.1%}.",
            "Predicted rows are upper-bound roofline times on this machine's measured GEMM and STREAM roofs; "
            "calibrated rows lower those roofs by the per-op-class efficiencies fitted on other layers.",
        ],
    )


CIFAR_PRECISION = {"gpu": "fp32", "cpu": "fp32", "tpu": "bf16"}
"""Precision of the study's CIFAR training runs: fp32 (TF 2.1 on a V100 has no TF32; the CPU),
bf16 on TPUs (XLA's default for fp32 matmuls)."""


def cifar_rows() -> list[dict[str, Any]]:
    """The study's CIFAR-10 training throughput beside the projected training step of the
    reconstructed CNN (``zoo.cifar_cnn``), plain and DepSep, per platform and batch."""
    from . import training, zoo
    from .devices import get

    rows = []
    for row in data()["cifar"]["throughput"]:
        device = get(row["device"])
        precision = CIFAR_PRECISION[device.kind]
        predicted = [float(training.step(zoo.cifar_cnn(depsep=d, batch=row["batch"])).project(device, precision).images_per_second)
                     for d in (False, True)]
        pub = row["images_per_s"]
        rows.append(dict(
            platform=row["platform"], device=device.id, precision=precision, batch=row["batch"],
            predicted_plain=predicted[0], predicted_depsep=predicted[1], published_plain=pub[0], published_depsep=pub[1],
            predicted_ratio=predicted[1] / predicted[0], published_ratio=pub[1] / pub[0],
            direction_right=(predicted[1] > predicted[0]) == (pub[1] > pub[0]),
            bound_holds=predicted[0] >= pub[0] and predicted[1] >= pub[1],
        ))
    return rows


def cifar_table() -> Table:
    """:func:`cifar_rows` as a table, with the reconstruction's parameter counts."""
    from . import zoo

    plain, sep = zoo.cifar_cnn(), zoo.cifar_cnn(depsep=True)
    printed = data()["cifar"]["params_printed"]
    pub_plain, pub_sep = cifar_params_printed()
    rows: list[list[Any]] = [["parameters", "", "", plain.params, sep.params, printed[0], printed[1],
                              sep.params / plain.params, pub_sep / pub_plain, "", ""]]
    for r in cifar_rows():
        rows.append([f"{r['platform']} training", r["precision"], r["batch"], r["predicted_plain"], r["predicted_depsep"],
                     r["published_plain"], r["published_depsep"], r["predicted_ratio"], r["published_ratio"],
                     "yes" if r["direction_right"] else "NO", "yes" if r["bound_holds"] else "NO"])
    return Table(
        title="The study's CIFAR-10 CNN: reconstruction, projected training images/s vs published",
        columns=["row", "precision", "batch", "plain (predicted)", "DepSep (predicted)", "plain (published)",
                 "DepSep (published)", "DepSep / plain predicted", "DepSep / plain published", "direction right",
                 "bound >= published"],
        rows=rows,
        notes=[
            "Parameters in elements; throughput in images/s for one training step (forward + backward, "
            "no optimizer update), projected on the catalog device as a roofline upper bound.",
            "The study gives no architecture: zoo.cifar_cnn is a reconstruction (four 3x3 convs of 128 channels "
            "+ BN + ReLU, 2x2 max-pools after conv 2 and 4, FC to 10) matching its parameter counts; its MACs "
            "depend on where the pools sit, which the counts do not pin down (see docs/zoo.md).",
            "What this shows honestly: on the CPU the direction and size of the DepSep gain follow the roofline; "
            "on the V100 the published fp32 throughput exceeds the reconstruction's fp32 bound, so the study's "
            "net had fewer MACs (earlier pools) or ran in mixed precision; on TPUs the measured rates are "
            "14-35x below the bound: at batches of 32-128 on 8 cores, per-step overheads (infeed, dispatch, "
            "BatchNorm statistics, the optimizer) dominate, which a per-layer roofline does not model, and "
            "DepSep's smaller weights and fewer ops help exactly those.",
        ],
    )
