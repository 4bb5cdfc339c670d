"""`roofline-conv calibrate`: this machine's roofs, fitted ceilings, a device file; the held-out
and noise gate (exit 3), repeated runs (the spread of the ceilings), the network-layer check."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..report import Table
from .common import add_backend, add_format, device_table, positive_threads, progress, write_text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate", help="measure this machine's roofs, fit ceilings, write a device file",
        description="Measure this machine: GEMM plateau per dtype, STREAM triad, in-cache copy, the BLAS in use and "
        "the theoretical vector peak; time a training set of layers with the numpy kernels (or PyTorch's, "
        "--backend torch: device this-machine-torch, GEMM roof from torch.matmul) and fit per-op-class "
        "expected-time terms (ceilings, overhead, reduction and size ramps); report predicted vs measured on "
        "held-out layers; write the device as TOML. Exit 3 (with a warning) when the held-out median |error| "
        "exceeds 25 % or the timings were too noisy (median IQR/median > 10 %), or repeated runs' ceilings "
        "differ by more than 10 %: the device file is then written only with --write-anyway.",
        epilog="examples: roofline-conv calibrate --quick --output this-machine.toml\n"
               "          roofline-conv calibrate --threads 1 --runs 3 --check-networks\n"
               "          roofline-conv calibrate --backend torch --layout channels_last -o this-machine-torch.toml",
    )
    p.add_argument("--quick", action="store_true", help="smaller micro-benchmarks and layer sets (~5 s)")
    p.add_argument("--threads", type=int, help="BLAS threads, or torch's with --backend torch (default: the library's)")
    add_backend(p, torch_device=False)
    p.add_argument("--output", "-o", help="write the calibrated device TOML here (the last run's)")
    p.add_argument("--write-anyway", action="store_true",
                   help="write --output even when the calibration is poor or noisy (exit 3 all the same)")
    p.add_argument("--runs", type=int, default=1,
                   help="calibrate this many times in a row and report the spread of the fitted ceilings (default 1)")
    p.add_argument("--check-networks", action="store_true",
                   help="after each run, time every distinct conv of MobileNetV2, ResNet-18 and EfficientNet-B0 "
                        "(batch 1; never fitted on) and report the expected time's median and p90 |error|, with and "
                        "without the size terms (a few minutes)")
    add_format(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> list[Table]:
    from ..measure.calibrate import MAX_CEILING_SPREAD, calibrate, ceiling_spread, ceilings
    from ..measure.evaluation import evaluate
    from .process import EXIT_POOR_FIT

    threads = positive_threads(args.threads)
    runs = positive_threads(args.runs, "--runs")
    results, evaluations = [], []
    for i in range(runs):
        if runs > 1:
            progress(f"calibration run {i + 1} of {runs}")
        result = calibrate(quick=args.quick, threads=threads, progress=progress, backend=args.backend,
                           layout=args.layout)
        results.append(result)
        if args.check_networks:
            evaluations.append(evaluate({"with size terms": result.device, "constant per class": result.baseline},
                                        threads=threads, backend=args.backend, layout=args.layout, progress=progress))
    result = results[-1]
    problems = [f"run {i}: {p}" if runs > 1 else p for i, r in enumerate(results, 1) for p in r.problems()]
    tables = [device_table(result.device), result.training.table(), result.holdout.table()]
    tables[1].name, tables[2].name = "training", "holdout"
    if runs > 1:
        spread = ceiling_spread([r.device for r in results])
        wide = [k for k, v in spread.items() if v > MAX_CEILING_SPREAD]
        if wide:
            problems.append(f"the fitted ceilings of {runs} runs differ by more than {MAX_CEILING_SPREAD:.0%}: "
                            + ", ".join(wide))
        values = [ceilings(r.device) for r in results]
        tables.append(Table(
            title=f"Repeatability: fitted ceilings of {runs} runs",
            columns=["ceiling", *[f"run {i}" for i in range(1, runs + 1)], "spread ((max - min)/median)"],
            rows=[[k, *[v.get(k) for v in values], s] for k, s in spread.items()],
            notes=["noise (median IQR/median of the layer timings) per run: "
                   + ", ".join(f"{r.noise:.0%}" for r in results),
                   f"within {MAX_CEILING_SPREAD:.0%}: " + ("yes" if not wide else "no")], name="repeatability"))
    if evaluations:
        tables.append(evaluations[-1].table())
        tables[-1].name = "evaluation"
        if runs > 1:
            tables.append(Table(
                title="Network layers the fit never saw, per run", columns=["run", "fit", "median abs error", "p90 abs error"],
                rows=[[i, name, e.median(name), e.p90(name)] for i, e in enumerate(evaluations, 1) for name in e.predicted],
                name="evaluation_runs"))
    if args.output and (not problems or args.write_anyway):
        write_text(args.output, result.device.to_toml())
        progress(f"wrote {args.output}")
    if problems:
        not_written = f"; {args.output} not written (use --write-anyway)" if args.output and not args.write_anyway else ""
        print(f"roofline-conv calibrate: warning: {'; '.join(problems)}{not_written}", file=sys.stderr, flush=True)
        args.exit_code = EXIT_POOR_FIT
    return tables
