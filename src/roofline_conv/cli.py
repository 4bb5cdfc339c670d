"""The ``roofline-conv`` command line.

Exit codes: 0 success, 1 an error in the input (one clear line on stderr), 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Sequence

from .conventions import TRAFFIC_MODELS
from .report import FORMATS, Table, render_tables


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _load_device_file(path: str | None) -> Any:
    if path is None:
        return None
    from .devices import Device

    return Device.from_toml(path)


def _study(args: argparse.Namespace) -> list[Table]:
    from . import study

    tables = [
        study.analytic_table(batch=args.batch),
        study.prediction_table(args.traffic),
        study.prediction_table(args.traffic, plain=True),
    ]
    if args.measure:
        device = _load_device_file(args.device_file)
        row = study.this_machine_row(device, quick=True, threads=args.threads, progress=_progress)
        tables.append(study.this_machine_table(row))
    return tables


def _calibrate(args: argparse.Namespace) -> list[Table]:
    from .measure.calibrate import calibrate

    result = calibrate(quick=args.quick, threads=args.threads, progress=_progress)
    text = result.device.to_toml()
    if args.output:
        _write_atomically(args.output, text)
        _progress(f"wrote {args.output}")
    return [_device_table(result.device), result.training.table(), result.holdout.table()]


def _device_table(device: Any) -> Table:
    rows: list[list[Any]] = []
    for name, unit in device.units.items():
        for precision, fig in unit.peaks.items():
            rows.append([f"compute: {name}", precision, fig.value / 1e9, "GFLOP/s", fig.provenance, fig.derivation or fig.source])
    for name, level in device.memory.items():
        rows.append([f"memory: {name}", "", level.bandwidth.value / 1e9, "GB/s", level.bandwidth.provenance, level.bandwidth.source])
    for op, eff in (device.efficiency or {}).items():
        rows.append([f"efficiency: {op}", "", eff.compute, "x compute peak", "measured", eff.source])
        rows.append([f"efficiency: {op}", "", eff.memory, "x bandwidth", "measured", eff.source])
    return Table(title=f"{device.name} [{device.id}]", columns=["roof", "precision", "value", "unit", "provenance", "source"],
                 rows=rows, notes=[device.notes or "", "; ".join(f"{k}={v}" for k, v in (device.environment or {}).items())])


def _write_atomically(path: str, text: str) -> None:
    """Write via a temporary file and rename, so an interrupt leaves no partial file."""
    import os
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".roofline-conv-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roofline-conv",
        description="What a convolution costs, how fast it can run on a device, and why.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "study",
        help="reproduce the seed study end to end",
        description="Reproduce the seed study: its analytic table exactly, with units, "
        "the convention it uses, and the corrected FLOP and unfused columns; then the roofline "
        "prediction beside every published measurement (V100, TPUv2, Xeon E5-2698 v4).",
        epilog="example: roofline-conv study --format csv",
    )
    p.add_argument("--batch", type=int, default=1, help="images per batch of the analytic table (default 1)")
    p.add_argument("--traffic", choices=TRAFFIC_MODELS, default="compulsory",
                   help="traffic model of the predictions (default compulsory)")
    p.add_argument("--no-measure", dest="measure", action="store_false",
                   help="skip measuring the study layer on this machine")
    p.add_argument("--device-file", help="a calibrated device TOML (from `calibrate --output`) to predict this machine with")
    p.add_argument("--threads", type=int, help="BLAS threads for measurements (default: the library's)")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.set_defaults(handler=_study)

    p = sub.add_parser(
        "calibrate",
        help="measure this machine's roofs, fit efficiencies, write a device file",
        description="Measure this machine: GEMM plateau per dtype, STREAM triad, in-cache copy, the BLAS in use "
        "and the theoretical vector peak; time a training set of layers with the numpy kernels and fit per-op-class "
        "efficiency ceilings; report predicted vs measured on held-out layers; write the device as TOML.",
        epilog="example: roofline-conv calibrate --quick --output this-machine.toml",
    )
    p.add_argument("--quick", action="store_true", help="smaller micro-benchmarks and layer sets (~10 s)")
    p.add_argument("--threads", type=int, help="BLAS threads (default: the library's)")
    p.add_argument("--output", "-o", help="write the calibrated device TOML here")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.set_defaults(handler=_calibrate)
    _add_network_parser(sub)
    return parser


def _add_network_parser(sub: Any) -> None:
    p = sub.add_parser(
        "network",
        help="a zoo network's per-layer costs and roofline (or training step)",
        description="Per-layer table and totals of a zoo network: parameters, MACs, FLOP, bytes, intensity; with "
        "--device also each layer's unit, binding roof, time and share of the total time. "
        "MODEL 'list' lists the zoo.",
        epilog="example: roofline-conv network mobilenet_v2 --device v100-sxm2 --precision fp16",
    )
    p.add_argument("model", help="zoo model (mobilenet_v1, mobilenet_v2, efficientnet_b0, resnet18, resnet50, vgg16, "
                   "cifar_cnn), or 'list'")
    p.add_argument("--device", help="catalog device id (e.g. v100-sxm2) for the roofline columns")
    p.add_argument("--precision", default="fp16", help="precision (default fp16)")
    p.add_argument("--batch", type=int, default=1, help="images per batch (default 1)")
    p.add_argument("--traffic", choices=TRAFFIC_MODELS, default="compulsory", help="traffic model (default compulsory)")
    p.add_argument("--fuse", action=argparse.BooleanOptionalAction, default=None,
                   help="fold BatchNorm and activations into the preceding conv (default: fused)")
    p.add_argument("--training", action="store_true", help="a training step (forward + backward) instead")
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam"), help="with --training: add the update")
    p.add_argument("--skip-input-grad", action="store_true",
                   help="with --training: skip the first layer's data gradient")
    p.add_argument("--option", "-O", action="append", default=[], metavar="KEY=VALUE",
                   help="builder option, e.g. -O alpha=0.5 -O resolution=160 (repeatable)")
    p.add_argument("--format", choices=FORMATS, default="md", help="output format (default md)")
    p.set_defaults(handler=_network)


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


def _network(args: argparse.Namespace) -> list[Table]:
    from . import training, zoo

    if args.model == "list":
        rows = []
        for name in zoo.list():
            net = zoo.get(name)
            rows.append([name, net.params, net.macs, len(net), "x".join(map(str, net.input_shape))])
        return [Table(title="zoo models (defaults)", columns=["model", "params", "MACs", "layers", "input"], rows=rows)]
    options: dict[str, Any] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--option {item!r} must be KEY=VALUE, e.g. alpha=0.5")
        options[key.strip()] = _option_value(value.strip())
    device = None
    if args.device is not None:
        from .devices import get

        device = get(args.device)
    try:
        net = zoo.get(args.model, batch=args.batch, **options)
    except TypeError as exc:  # an option the builder does not take
        raise ValueError(f"model {args.model!r}: {exc}") from None
    if args.training:
        step = training.step(net, skip_input_grad=args.skip_input_grad, optimizer=args.optimizer, traffic=args.traffic)
        tables = [step.table(args.precision), step.totals(args.precision)]
        if device is not None:
            tables.append(step.project(device, args.precision).table())
        return tables
    return [net.table(args.precision, args.traffic, args.fuse, device),
            net.totals(args.precision, args.traffic, args.fuse, device)]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``roofline-conv``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], list[Table]] = args.handler
    try:
        tables = handler(args)
    except ValueError as exc:
        print(f"roofline-conv {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(render_tables(tables, args.format))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
