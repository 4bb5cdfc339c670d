"""`roofline-conv study`: the seed study end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..conventions import TRAFFIC_MODELS
from ..report import Table
from .common import add_format, load_device, positive_threads, progress, write_atomically


def register(sub: Any) -> None:
    p = sub.add_parser(
        "study", help="reproduce the seed study end to end",
        description="Reproduce the seed study: its analytic table exactly (its analytic layer: 'same' padding, no bias; "
        "with units and the convention it uses, plus the corrected FLOP and unfused columns); both measured tables "
        "predicted with the configurations the study really ran: the single layer ('valid' padding, bias, batch 16 "
        "and 1; V100 fp16, TPUv2 bf16, Xeon E5-2698 v4 fp32) and CIFAR-10 training of the real CNN (Adam, mixed "
        "precision), each with the roofline bound, the expected rate where available and the published one, and "
        "what a plain roofline gets wrong; the study layer measured on this machine beside its prediction; "
        "roofline charts written to a folder.",
        epilog="example: roofline-conv study --charts study-charts --format md",
    )
    p.add_argument("--batch", type=int, default=1, help="images per batch of the analytic table (default 1)")
    p.add_argument("--traffic", choices=TRAFFIC_MODELS, default="compulsory", help="traffic model of the predictions")
    p.add_argument("--no-measure", dest="measure", action="store_false", help="skip measuring this machine")
    p.add_argument("--device-file", help="a calibrated device TOML (from `calibrate --output`) for this machine")
    p.add_argument("--threads", type=int, help="BLAS threads for measurements (default: the library's)")
    charts = p.add_mutually_exclusive_group()
    charts.add_argument("--charts", default="study-charts", metavar="DIR", help="write roofline charts here (default study-charts)")
    charts.add_argument("--no-charts", dest="charts", action="store_const", const=None, help="write no charts")
    add_format(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> list[Table]:
    from .. import study

    threads = positive_threads(args.threads)
    if args.device_file and not args.measure:
        raise ValueError("--device-file is this machine's device for the measurement; it does nothing with --no-measure")
    if args.threads is not None and not args.measure:
        raise ValueError("--threads sets the BLAS threads of the measurement; it does nothing with --no-measure")
    tables = [
        study.analytic_table(batch=args.batch),
        study.prediction_table(args.traffic),
        study.prediction_table(args.traffic, plain=True),
        study.cifar_table(),
    ]
    row = device = None
    if args.measure:
        device = load_device(args.device_file) if args.device_file else None
        if device is None:
            from ..measure.calibrate import calibrate

            device = calibrate(quick=True, threads=threads, progress=progress).device
        row = study.this_machine_row(device, threads=threads, progress=progress)
        tables.append(study.this_machine_table(row))
    if args.charts:
        written = write_charts(Path(args.charts), args.traffic, device, row)
        tables.append(Table(title="charts written", columns=["file", "what"], rows=[[str(p), w] for p, w in written],
                            name="charts"))
    for table, name in zip(tables, ("analytic", "predictions", "predictions_plain", "cifar")):
        table.name = name
    if row is not None:
        tables[4].name = "this_machine"
    return tables


def write_charts(folder: Path, traffic: str, machine: Any = None, row: dict[str, Any] | None = None) -> list[tuple[Path, str]]:
    """The study's charts: a roofline per platform with the study layer predicted and measured, the
    intensity sweep against each platform's ridge, and this machine's roofline when measured."""
    from .. import study
    from ..devices import get
    from ..plot import plot_roofline, plot_sweep, save
    from ..study_data import layer_spec

    conv, sep = study.layers()
    bench_conv, bench_parts = study.benchmark_layers(batch=1)  # the measured rates: FLOP of the layer as run
    bench_flops = {"standard": bench_conv.flops, "DepSep": sum(p.flops for p in bench_parts)}
    written: list[tuple[Path, str]] = []

    def emit(name: str, fig: Any, what: str) -> None:
        path = folder / name
        progress(f"writing {path}")
        write_atomically(path, lambda tmp: save(fig, tmp))
        written.append((path, what))

    for r in study.measured_rows():
        if r["id"] == "v100-b1":
            continue
        device = get(r["device"])
        pub_c, pub_s = r["conv_per_s"]
        measured = {"standard": pub_c * bench_flops["standard"], "DepSep": pub_s * bench_flops["DepSep"]}
        fig = plot_roofline(device, [("standard", conv), ("DepSep", sep)], r["precision"], traffic=traffic,
                            measured=measured, parts=True, measured_label="published",
                            title=f"{r['platform']}: the study layer, predicted and published")
        emit(f"roofline_{r['id']}.png", fig, f"{r['platform']} roofline, study layer predicted vs published")
    channels = [8, 16, 32, 64, 128, 256, 512, 1024, 2048]
    spec = layer_spec()
    for precision, ids in (("fp16", ("v100-sxm2", "tpuv2-core")), ("fp32", ("dgx1-host-2x-e5-2698v4",))):
        fig = plot_sweep("out_channels", channels, "intensity", devices=[get(d) for d in ids], precision=precision,
                         in_channels=spec.in_channels, kernel_size=spec.kernel_size, input_size=spec.input_size,
                         padding=spec.padding,
                         title=f"Intensity at {precision} vs output channels (M = {spec.in_channels}, "
                         f"{spec.kernel_size}x{spec.kernel_size}, {spec.input_size}x{spec.input_size}) and ridge points")
        emit(f"intensity_vs_channels_{precision}.png", fig, f"intensity of conv and DepSep vs N at {precision}, with ridges")
    if machine is not None and row is not None:
        measured = {"standard": row["measured_conv_per_s"] * conv.flops, "DepSep": row["measured_depsep_per_s"] * sep.flops}
        fig = plot_roofline(machine, [("standard", conv), ("DepSep", sep)], "fp32", traffic=traffic, measured=measured,
                            title="This machine: the study layer, roofline bound and measured")
        emit("roofline_this_machine.png", fig, "this machine's measured roofs, study layer predicted vs measured")
    return written
