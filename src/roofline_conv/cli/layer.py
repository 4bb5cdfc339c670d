"""`roofline-conv layer | project | measure | crossover`: one layer from flags or a file."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from ..conventions import Algorithm
from ..report import Table
from .common import (
    add_backend,
    add_format,
    number_text,
    add_layer_arguments,
    DIMENSION_FLAGS,
    add_precision_traffic,
    dimension_flag,
    layer_dimensions,
    layer_from_args,
    refuse_layer_flags,
    load_device,
    per_device,
    positive_threads,
    progress,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "layer", help="describe one layer: params, MACs, FLOP, bytes, intensity (exact, with units)",
        description="Every quantity of one layer, exact and with its unit; with --device, its roofline projection too.",
        epilog="example: roofline-conv layer depsep --in 128 --out 128 -k 3 --size 224 --precision fp16",
    )
    add_layer_arguments(p)
    add_precision_traffic(p)
    p.add_argument("--device", action="append", default=[], help="also project on this device (repeatable)")
    p.add_argument("--algorithm", choices=tuple(a.value for a in Algorithm),
                   help="convolution algorithm the bound assumes where it applies (default: the device's known choice)")
    add_format(p)
    p.set_defaults(handler=run_layer)

    p = sub.add_parser(
        "project", help="project a layer, a network file or a zoo model onto devices (roofline)",
        description="Roofline projection: per op, the unit, its lowering, compute and memory time, the binding roof, "
        "attainable FLOP/s and layers/s. DepSeps and networks are projected part by part.",
        epilog="example: roofline-conv project --study depsep --device v100-sxm2 --device tpuv2-core --precision bf16",
    )
    add_layer_arguments(p)
    p.add_argument("--model", help="a zoo model instead of a layer (e.g. mobilenet_v2)")
    p.add_argument("--device", action="append", required=True, help="device id or device TOML (repeatable)")
    add_precision_traffic(p)
    p.add_argument("--unit", help="run every op on this unit (overrides the device's choice)")
    p.add_argument("--lowering", choices=("vector", "per_channel_gemm", "block_diagonal"),
                   help="depthwise lowering on matrix units (overrides the device's)")
    p.add_argument("--algorithm", choices=tuple(a.value for a in Algorithm),
                   help="convolution algorithm the bound assumes where it applies (default: the device's known choice)")
    p.add_argument("--raw", action="store_true", help="the bound alone: leave out the device's fitted or calibrated expected-time terms (expected = bound)")
    add_format(p)
    p.set_defaults(handler=run_project)

    p = sub.add_parser(
        "measure", help="time a layer (or, with --backend torch, a network) on this machine",
        description="Measure one layer on this CPU (numpy kernels, or PyTorch's with --backend torch; warm-up, median "
        "and IQR of repeats); with --backend torch also a network file or a zoo model (--model), its whole forward "
        "pass; with --device-file (from `calibrate`), its prediction and the error beside.",
        epilog="examples: roofline-conv measure conv --in 64 --size 56 --repeats 7\n"
               "          roofline-conv measure --backend torch --layout channels_last --model resnet18",
    )
    add_layer_arguments(p)
    p.add_argument("--model", help="a zoo model instead of a layer (--backend torch)")
    p.add_argument("--precision", choices=("fp32", "fp64", "bf16", "fp16"), default="fp32",
                   help="dtype: fp32 or fp64; bf16 and fp16 with --backend torch (default fp32)")
    p.add_argument("--repeats", type=int, default=5, help="timed samples (default 5)")
    p.add_argument("--threads", type=int, help="BLAS threads, or torch's with --backend torch (default: the library's)")
    add_backend(p)
    p.add_argument("--memory-limit", type=number_text, help="refuse above this many bytes: an integer or e-notation such as 8e9, "
                   "as ROOFLINE_CONV_MEMORY_LIMIT (default: half the available memory)")
    p.add_argument("--device-file", help="a calibrated device TOML to predict with")
    add_format(p)
    p.set_defaults(handler=run_measure)

    p = sub.add_parser(
        "crossover", help="where a layer turns compute-bound, or where DepSep beats a conv (solved with sympy)",
        description="VARIABLE batch|channels|in_channels|out_channels|input_size: the smallest value at which the "
        "layer is compute-bound on the device. VARIABLE N|M|Dk: the values for which DepSep is predicted faster "
        "than the standard conv (other dimensions from --in/--out/-k/--size, default the study's layer).",
        epilog="examples: roofline-conv crossover batch pointwise --in 256 --size 14 --device v100-sxm2\n"
               "          roofline-conv crossover N --device tpuv2-core --precision bf16",
    )
    p.add_argument("variable", choices=("batch", "channels", "in_channels", "out_channels", "input_size", "N", "M", "Dk"))
    add_layer_arguments(p)
    p.add_argument("--device", required=True, help="device id or device TOML")
    add_precision_traffic(p)
    p.add_argument("--max", type=int, default=4096, help="largest value searched (default 4096)")
    add_format(p)
    p.set_defaults(handler=run_crossover)


def run_layer(args: argparse.Namespace) -> list[Table]:
    layer = layer_from_args(args)
    if not hasattr(layer, "table") or hasattr(layer, "nodes"):
        raise ValueError("`layer` describes one layer; for a network file use `roofline-conv network FILE`")
    rows = [[name, value, unit] for name, value, unit in layer.table(args.precision, args.traffic)]
    gemms = getattr(layer, "gemm", None)
    if gemms is not None:
        named = list(zip(("depthwise ", "pointwise "), gemms)) if isinstance(gemms, tuple) else [("", gemms)]
        for prefix, g in named:
            rows += [[f"{prefix}GEMM m", g.m, "rows: output pixels (batch x H_out x W_out)"],
                     [f"{prefix}GEMM n", g.n, f"columns: output channels, in {g.groups} group(s)"],
                     [f"{prefix}GEMM k", g.k, "reduction length per output (C_in/groups x K_h x K_w)"]]
    tables = [Table(title=repr(layer), columns=["quantity", "value", "unit"], rows=rows, name="layer",
                    notes=["1 MAC = 2 FLOP; bytes = elements x bytes per element; MB = 10^6 bytes."])]
    for spec in args.device:
        device = load_device(spec)
        tables += per_device([device.project(layer, precision=args.precision, traffic=args.traffic,
                                             algorithm=args.algorithm).table()], device.id, len(args.device) > 1)
    return tables


def _model_or_layer(args: argparse.Namespace, verb: str) -> Any:
    """The zoo model (--model, the network ``verb``) or the layer the flags describe."""
    if not args.model:
        return layer_from_args(args)
    from .. import zoo

    refuse_layer_flags(args, "--model", f"the zoo model is the network {verb}", kind=True)
    if args.file:
        raise ValueError("--file does not apply with --model: give one of them")
    return zoo.get(args.model, batch=args.batch)


def run_project(args: argparse.Namespace) -> list[Table]:
    target = _model_or_layer(args, "projected")
    tables = []
    for spec in args.device:
        device = load_device(spec)
        p = device.project(target, precision=args.precision, traffic=args.traffic, unit=args.unit,
                           lowering=args.lowering, calibrated=not args.raw, algorithm=args.algorithm)
        tables += per_device([p.table(), p.expected_table()], device.id, len(args.device) > 1)
    return tables


def run_measure(args: argparse.Namespace) -> list[Table]:
    from ..measure.calibrate import measure_layer
    from ..measure.guard import parse_memory_limit
    from ..roofline import project

    threads = positive_threads(args.threads)
    dimension_flag(args.repeats, "--repeats")
    limit = None if args.memory_limit is None else parse_memory_limit(args.memory_limit, "--memory-limit")
    from ..measure.backends import backend_options

    backend, layout, torch_device = backend_options(args.backend, args.layout, args.torch_device)
    layer = _measured_target(args)
    how = dict(backend=backend, layout=layout, torch_device=torch_device)
    kernels = f"PyTorch, {args.torch_device}, {args.layout}" if args.backend == "torch" else "numpy kernels"
    progress(f"measuring {layer!r} ({args.repeats} samples, {kernels})")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = measure_layer(layer, args.precision, repeats=args.repeats, threads=threads, memory_limit=limit, **how)
    rows: list[list[Any]] = [
        ["median time", m.seconds * 1e3, "ms"],
        ["IQR / median", m.rel_spread, "(noisy above 0.1)"],
        ["samples", m.repeats, f"x {m.number} calls each"],
        ["attained", layer.flops / m.seconds / 1e9, "GFLOP/s"],
        ["batches per second", 1 / m.seconds, f"1/s (batches of {getattr(layer, 'batch', 1)} images: 1 / time)"],
    ]
    if args.device_file:
        device = load_device(args.device_file)
        raw = float(project(layer, device, args.precision, calibrated=False).time)
        cal = float(project(layer, device, args.precision).expected_time)
        rows += [["predicted (roofline)", raw * 1e3, "ms"], ["predicted (calibrated)", cal * 1e3, "ms"],
                 ["calibrated error", cal / m.seconds - 1, "(predicted - measured) / measured"]]
    notes = [str(w.message).split(". Samples")[0] for w in caught]
    return [Table(name="measurement", title=f"measured on this machine ({kernels}): {layer!r}, {args.precision}",
                  columns=["quantity", "value", "unit"], rows=rows, notes=notes)]


def _measured_target(args: argparse.Namespace) -> Any:
    """The layer, network file or zoo model `measure` times; a network only with --backend torch."""
    target = _model_or_layer(args, "measured")
    if hasattr(target, "nodes") and args.backend != "torch":
        raise ValueError("the numpy kernels time one conv or DepSep layer; measure a network with --backend torch")
    return target


def run_crossover(args: argparse.Namespace) -> list[Table]:
    from ..crossover import compute_bound_threshold, depsep_faster
    from ..layers import Conv2d

    hi = dimension_flag(args.max, "--max")
    if args.variable in ("N", "M", "Dk"):
        dims = _depsep_dimensions(args)
        device = load_device(args.device)
        wins = depsep_faster(device, args.variable, precision=args.precision, traffic=args.traffic, hi=hi, **dims)
        rows = [[args.variable, str(wins.regions), wins.regions.method,
                 ", ".join(str(r) for r in wins.regions.roots) or "-"]]
        return [Table(title=f"DepSep vs conv on {device.id} at {args.precision}: "
                      + ", ".join(f"{k}={v}" for k, v in dims.items()),
                      columns=["variable", "DepSep predicted faster for", "method", "exact roots"], rows=rows,
                      name="crossover")]
    layer = layer_from_args(args)
    if not isinstance(layer, Conv2d):
        raise ValueError(f"crossover {args.variable} takes one conv layer (conv, depthwise or pointwise), "
                         f"not a {type(layer).__name__}; for a DepSep, ask for each part: KIND depthwise or pointwise")
    device = load_device(args.device)
    th = compute_bound_threshold(layer, device, args.variable, args.precision, args.traffic, hi=hi)
    rows = [[args.variable, "never (up to --max)" if th.value is None else th.value, th.regions.method,
             readable(th.compute_time, args.variable), readable(th.memory_time, args.variable)]]
    return [Table(title=f"{layer!r} on {device.id} at {args.precision}: {th}", name="crossover",
                  columns=["variable", "compute-bound from", "method", "compute time (s)", "memory time (s)"], rows=rows)]


def readable(expr: Any, variable: str) -> str:
    """A time expression with its variable named and 4 significant digits:
    ``2.055e-7*batch`` rather than ``2.05520896e-7*x``."""
    import sympy

    expr = sympy.sympify(expr)
    named = expr.xreplace({s: sympy.Symbol(variable) for s in expr.free_symbols})
    return str(named.xreplace({n: sympy.Float(n, 4) for n in named.atoms(sympy.Float)}))


_SEARCHED = {"N": "out_channels", "M": "in_channels", "Dk": "kernel_size"}


def _depsep_dimensions(args: argparse.Namespace) -> dict[str, Any]:
    """The fixed dimensions of `crossover N|M|Dk` (a conv and a DepSep, stride 1, 'same'
    padding): --in, --out, -k, --size (default the study's) and --batch, less the one searched.
    Flags that do not apply (KIND, --stride, --padding, ...) and the searched dimension's own
    flag are refused, never ignored."""
    searched = _SEARCHED[args.variable]
    flags = dict(DIMENSION_FLAGS)
    not_here = [("KIND", args.kind), ("--file", args.file), ("--study", args.study or None),
                ("--stride", None if args.stride == 1 else args.stride), ("--padding", args.padding),
                ("--dilation", args.dilation), ("--groups", args.groups), ("--bias", args.bias or None),
                (flags[searched], getattr(args, searched))]
    for flag, value in not_here:
        if value is not None:
            why = (f"{args.variable} is the {searched} searched over [1, --max]" if flag == flags[searched]
                   else "it compares a conv with a DepSep at stride 1, 'same' padding, from --in/--out/-k/--size/--batch")
            raise ValueError(f"{flag} does not apply to `crossover {args.variable}`: {why}")
    dims = layer_dimensions(args)
    del dims[searched]
    return dict(dims, batch=dimension_flag(args.batch, "--batch"))
