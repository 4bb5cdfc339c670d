"""`roofline-conv plot`: roofline and sweep charts to PNG, SVG or PDF."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..report import Table
from .common import (
    add_chart_size,
    add_format,
    add_layer_arguments,
    chart_options,
    add_precision_traffic,
    int_list,
    layer_from_args,
    load_device,
    progress,
    sweep_dimensions,
    sweep_quantity,
    write_atomically,
)

SWEEP_DIMENSIONS = ("in_channels", "out_channels", "channels", "kernel_size", "input_size", "stride", "batch")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "plot", help="write a roofline chart (layers on devices) or a sweep chart",
        description="CHART roofline: every compute and memory roof of each --device, ridge points marked, the layer "
        "(flags, --file, --study; default the study's conv and DepSep) as points. CHART sweep: --quantity "
        "(intensity, macs, traffic, time, ...) vs a swept --dimension for conv and DepSep, with ridge lines.",
        epilog="examples: roofline-conv plot roofline --device v100-sxm2 --device tpuv2-core -o roofline.png\n"
               "          roofline-conv plot sweep --dimension out_channels --values 16,64,256,1024 --device v100-sxm2 -o s.svg",
    )
    p.add_argument("chart", choices=("roofline", "sweep"))
    add_layer_arguments(p)
    p.add_argument("--device", action="append", required=True, help="device id or TOML (repeatable)")
    add_precision_traffic(p)
    p.add_argument("--normalise", action="store_true", help="roofline: several devices on normalised axes")
    p.add_argument("--dimension", choices=SWEEP_DIMENSIONS,
                   help="sweep: the swept dimension (default out_channels; 'channels' sweeps in and out together)")
    p.add_argument("--values", type=int_list, help="sweep: comma-separated values (default 8,16,...,1024)")
    p.add_argument("--quantity", type=sweep_quantity,
                   help="sweep: the quantity on the y axis (default intensity; also macs, flops, traffic, time, "
                   "attainable, ...: roofline_conv.sweeps.QUANTITIES)")
    p.add_argument("--output", "-o", required=True, help="the chart file (.png, .svg or .pdf)")
    add_chart_size(p)
    add_format(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> list[Table]:
    # Loaded here, not at module level: matplotlib and sympy add seconds to every CLI start.
    from .. import study
    from ..plot import FORMATS, plot_roofline, plot_sweep, save

    suffix = Path(args.output).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"-o {args.output}: the chart format comes from the extension, which must be one of "
                         f"{', '.join(FORMATS)}")
    only = {"roofline": (("--normalise", args.normalise),),
            "sweep": (("--dimension", args.dimension), ("--values", args.values), ("--quantity", args.quantity))}
    for chart, flags in only.items():
        for flag, value in flags:
            if chart != args.chart and value not in (None, False):
                raise ValueError(f"{flag} applies to `plot {chart}` only, not to `plot {args.chart}`")
    devices = [load_device(d) for d in args.device]
    if args.chart == "roofline":
        if args.kind or args.file or args.study:
            layer = layer_from_args(args)
            points: Any = [(repr(layer) if len(repr(layer)) < 40 else type(layer).__name__, layer)]
        else:
            conv, sep = study.layers(batch=args.batch)
            points = [("standard", conv), ("DepSep", sep)]
        fig = plot_roofline(devices if len(devices) > 1 else devices[0], points, args.precision,
                            traffic=args.traffic, normalise=args.normalise, **chart_options(args))
    else:
        values = args.values or [8, 16, 32, 64, 128, 256, 512, 1024]
        dimension, quantity = args.dimension or "out_channels", args.quantity or "intensity"
        fixed = sweep_dimensions(args)
        dims: Any = ("in_channels", "out_channels") if dimension == "channels" else dimension
        for d in (dims if isinstance(dims, tuple) else (dims,)):
            fixed.pop(d, None)
        kinds = (args.kind,) if args.kind else ("conv", "depsep")
        fig = plot_sweep(dims, values, quantity, kinds=kinds, devices=devices, precision=args.precision,
                         traffic=args.traffic, **chart_options(args), **fixed)
    progress(f"writing {args.output}")
    write_atomically(args.output, lambda tmp: save(fig, tmp))
    return [Table(name="chart", title="chart written", columns=["file", "chart", "devices"],
                  rows=[[args.output, args.chart, ", ".join(d.id for d in devices)]])]
