"""`roofline-conv calibrate`: this machine's roofs, fitted ceilings, a device file."""

from __future__ import annotations

import argparse
from typing import Any

from ..report import Table
from .common import add_backend, add_format, device_table, positive_threads, progress, write_text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate", help="measure this machine's roofs, fit ceilings, write a device file",
        description="Measure this machine: GEMM plateau per dtype, STREAM triad, in-cache copy, the BLAS in use and "
        "the theoretical vector peak; time a training set of layers with the numpy kernels (or PyTorch's, "
        "--backend torch: device this-machine-torch, GEMM roof from torch.matmul) and fit per-op-class "
        "ceilings; report predicted vs measured on held-out layers; write the device as TOML.",
        epilog="examples: roofline-conv calibrate --quick --output this-machine.toml\n"
               "          roofline-conv calibrate --backend torch --layout channels_last -o this-machine-torch.toml",
    )
    p.add_argument("--quick", action="store_true", help="smaller micro-benchmarks and layer sets (~5 s)")
    p.add_argument("--threads", type=int, help="BLAS threads, or torch's with --backend torch (default: the library's)")
    add_backend(p, torch_device=False)
    p.add_argument("--output", "-o", help="write the calibrated device TOML here")
    add_format(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> list[Table]:
    from ..measure.calibrate import calibrate

    result = calibrate(quick=args.quick, threads=positive_threads(args.threads), progress=progress, backend=args.backend,
                       layout=args.layout)
    if args.output:
        write_text(args.output, result.device.to_toml())
        progress(f"wrote {args.output}")
    return [device_table(result.device), result.training.table(), result.holdout.table()]
