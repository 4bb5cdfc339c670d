"""The study's layer, standard conv vs DepSep, measured on this CPU and predicted.

Runs in ~15 s on 2 cores: a quick calibration of this machine (GEMM and STREAM roofs, fitted
ceilings), then the study layer (1 x 128 x 224 x 224, 3x3, 128 -> 128, fp32) measured with
the numpy kernels, standard and DepSep interleaved, beside the raw and calibrated predictions
and the study's published Xeon figures.

    python examples/predict_vs_measure.py [--size 224] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import warnings

from roofline_conv import Conv2d, DepSep
from roofline_conv.measure.calibrate import calibrate, describe_efficiency, runner
from roofline_conv.measure.harness import compare_interleaved
from roofline_conv.roofline import project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224, help="feature-map height = width (default 224, the study's)")
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: the library's)")
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore")  # noisy-measurement warnings: the spread is printed instead
    print("calibrating this machine (quick) ...", file=sys.stderr)
    result = calibrate(quick=True, threads=args.threads, progress=lambda m: print("  " + m, file=sys.stderr))
    device = result.device
    print(f"device: {device.name}; GEMM roof {device.peak('gemm', 'fp32') / 1e9:.0f} GFLOP/s, "
          f"DRAM {device.bandwidth() / 1e9:.1f} GB/s")
    print(f"ceilings: {describe_efficiency(device)}")
    print(f"held-out median |error| of the calibrated model: {result.holdout.median_abs_error():.0%}\n")

    conv = Conv2d(128, 128, 3, args.size, padding=1)
    sep = DepSep(128, 128, 3, args.size, padding=1)
    timings = compare_interleaved({"standard": runner(conv), "DepSep": runner(sep)}, repeats=5, threads=args.threads)
    rows = []
    for name, layer in (("standard", conv), ("DepSep", sep)):
        measured = 1 / timings[name].seconds
        raw = float(project(layer, device, "fp32", calibrated=False).per_second)
        calibrated = float(project(layer, device, "fp32").per_second)
        rows.append((name, measured, timings[name].rel_spread, raw, calibrated))
    print(f"study layer 1x128x{args.size}x{args.size}, 3x3, 128->128, fp32 (conv/s = layers per second)")
    print(f"{'':10} {'measured':>10} {'spread':>8} {'roofline':>10} {'calibrated':>11} {'cal. error':>10}")
    for name, measured, spread, raw, calibrated in rows:
        print(f"{name:10} {measured:10.1f} {spread:8.1%} {raw:10.1f} {calibrated:11.1f} {calibrated / measured - 1:+10.0%}")
    (_, mc, _, rc, cc), (_, ms, _, rs, cs) = rows
    print(f"\nDepSep speed-up: measured {ms / mc:.2f}x, roofline {rs / rc:.2f}x, calibrated {cs / cc:.2f}x; "
          f"the study's Xeon E5-2698 v4: 245 / 85 = {245 / 85:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
