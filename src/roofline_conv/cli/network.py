"""`roofline-conv network`: a zoo network's per-layer table, roofline or training step."""

from __future__ import annotations

import argparse
from typing import Any

from ..report import Table
from .common import (add_chart_size, add_format, add_precision_traffic, chart_options, dimension_flag, key_value,
                     load_device, per_device, progress, write_atomically)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "network",
        help="a zoo network's per-layer costs and roofline (or training step)",
        description="Per-layer table and totals of a zoo network: parameters, MACs, FLOP, bytes, intensity; with "
        "--device also each layer's unit, binding roof, time and share of the total time. "
        "MODEL 'list' lists the zoo.",
        epilog="examples: roofline-conv network mobilenet_v2 --device v100-sxm2 --precision fp16\n"
               "          roofline-conv network resnet50 --device v100-sxm2 --chart resnet50.png --top 12",
    )
    p.add_argument("model", help="zoo model (mobilenet_v1, mobilenet_v2, efficientnet_b0, resnet18, resnet50, vgg16, "
                   "cifar_cnn), 'list', or a network TOML/JSON file (see docs/cli.md)")
    p.add_argument("--device", action="append", default=[],
                   help="device id (e.g. v100-sxm2) or device TOML for the roofline columns (repeatable: "
                   "tables per device, named layers:ID and totals:ID)")
    add_precision_traffic(p)
    p.add_argument("--batch", type=int, default=1, help="images per batch (default 1)")
    p.add_argument("--fuse", action=argparse.BooleanOptionalAction, default=None,
                   help="fold BatchNorm and activations into the preceding conv (default: fused)")
    p.add_argument("--training", action="store_true", help="a training step (forward + backward) instead")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam"), help="with --training: add the update")
    p.add_argument("--skip-input-grad", action="store_true",
                   help="with --training: skip the first layer's data gradient")
    p.add_argument("--top", type=int, metavar="K",
                   help="only the K heaviest rows (by time with --device, else by MACs); the total stays the network's; "
                   "with --chart, the K slowest layers are labelled (default 10)")
    p.add_argument("--depth", type=int, metavar="N",
                   help="sum the layers per parent module: the first N dot-separated parts of their names "
                   "(layer1.0.conv1 at depth 1: layer1)")
    p.add_argument("--option", "-O", type=key_value, action="append", default=[], metavar="KEY=VALUE",
                   help="builder option, e.g. -O alpha=0.5 -O resolution=160 (repeatable)")
    p.add_argument("--chart", metavar="FILE", help="with --device: write the per-layer roofline chart here "
                   "(.png, .svg or .pdf) and add the table of its layers by time")
    add_chart_size(p)
    add_format(p)
    p.set_defaults(handler=run)


def _option_value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def run(args: argparse.Namespace) -> list[Table]:
    from .. import training, zoo

    if args.model == "list":
        rows = []
        for name in zoo.list():
            net = zoo.get(name)
            rows.append([name, net.params, net.macs, len(net), "x".join(map(str, net.input_shape))])
        return [Table(title="zoo models (defaults)", columns=["model", "params", "MACs", "layers", "input"], rows=rows,
                      name="models")]
    top, depth = dimension_flag(args.top, "--top"), dimension_flag(args.depth, "--depth")
    if args.training and (top or depth):
        raise ValueError(f"{'--top' if top else '--depth'} applies to the per-layer table, not with --training")
    if not args.training:
        for flag, value in (("--optimizer", args.optimizer), ("--skip-input-grad", args.skip_input_grad or None)):
            if value is not None:
                raise ValueError(f"{flag} applies with --training only (a training step)")
    options: dict[str, Any] = {}
    for key, value in args.option:
        if key in options:
            raise ValueError(f"-O {key}= is given twice; give each option once")
        options[key] = _option_value(value)
    devices = [load_device(d) for d in args.device]
    if args.model.endswith((".toml", ".json")):
        from .. import files

        net = files.load(args.model)
        if not hasattr(net, "with_batch"):
            raise ValueError(f"{args.model} describes a single layer; use `roofline-conv layer --file` for it")
        if args.batch != 1:
            net = net.with_batch(args.batch)
    else:
        try:
            net = zoo.get(args.model, batch=args.batch, **options)
        except TypeError as exc:  # an option the builder does not take
            raise ValueError(f"model {args.model!r}: {exc}") from None
    if args.chart is None:
        for flag, value in (("--figsize", args.figsize), ("--dpi", args.dpi)):
            if value is not None:
                raise ValueError(f"{flag} applies with --chart only")
    elif len(devices) != 1 or args.training:
        raise ValueError("--chart needs one --device (the roofline's device) and no --training")
    if args.training:
        step = training.step(net, skip_input_grad=args.skip_input_grad, optimizer=args.optimizer, traffic=args.traffic)
        tables = [_named(step.table(args.precision), "step"), _named(step.totals(args.precision), "totals")]
        for device in devices:
            tables += per_device([_named(step.project(device, args.precision).table(), "projection")], device.id,
                                 len(devices) > 1)
        return tables
    if not devices:
        return [net.table(args.precision, args.traffic, args.fuse, None, top=top, depth=depth),
                net.totals(args.precision, args.traffic, args.fuse, None)]
    tables = []
    if args.chart is not None:
        tables.append(_chart(args, net, devices[0]))
    for device in devices:
        tables += per_device([net.table(args.precision, args.traffic, args.fuse, device, top=top, depth=depth),
                              net.totals(args.precision, args.traffic, args.fuse, device)], device.id, len(devices) > 1)
    return tables


def _named(table: Table, name: str) -> Table:
    table.name = name
    return table


def _chart(args: argparse.Namespace, net: Any, device: Any) -> Table:
    """--chart: the per-layer roofline written to the file; the table of its layers by time."""
    from pathlib import Path

    from ..plot import FORMATS, save
    from ..plot.network_chart import network_chart_table, plot_network_roofline

    if Path(args.chart).suffix.lower() not in FORMATS:
        raise ValueError(f"--chart {args.chart}: the chart format comes from the extension, which must be one of "
                         f"{', '.join(FORMATS)}")
    top = args.top if args.top else 10  # --top K: the K slowest layers labelled (default 10)
    fig = plot_network_roofline(net, device, args.precision, traffic=args.traffic, top=top, fuse=args.fuse,
                                **chart_options(args))
    progress(f"writing {args.chart}")
    write_atomically(args.chart, lambda tmp: save(fig, tmp))
    return _named(network_chart_table(net, device, args.precision, traffic=args.traffic, top=top, fuse=args.fuse), "chart")
