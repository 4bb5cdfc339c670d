"""Standard conv vs DepSep: what each costs and how fast each can run, on every catalog device.

The study's question in one table: DepSep needs ~8x fewer FLOPs, so is it ~8x faster? For the
study's layer (3x3, 128 -> 128, 224 x 224, batch 1) this prints, per device, the roofline bound
for both, the binding roof and the predicted DepSep speed-up.

    python examples/depsep_vs_conv.py [--precision fp16] [--traffic unfused] [--batch 16]
"""

from __future__ import annotations

import argparse
import sys

from roofline_conv import Conv2d, DepSep, devices
from roofline_conv.roofline import project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="fp16", help="fp16 (default), bf16, fp32, ...")
    parser.add_argument("--traffic", default="compulsory", help="compulsory (default), unfused or im2col")
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args(argv)

    conv = Conv2d(128, 128, 3, 224, padding=1, batch=args.batch)
    sep = DepSep(128, 128, 3, 224, padding=1, batch=args.batch)
    print(f"{'':26}{'standard':>12}{'DepSep':>12}{'ratio':>8}")
    print(f"{'MACs':26}{conv.macs:>12,}{sep.macs:>12,}{sep.macs / conv.macs:>8.3f}")
    print(f"{'traffic (bytes, ' + args.precision + ')':26}{conv.traffic(args.traffic, args.precision):>12,}"
          f"{sep.traffic(args.traffic, args.precision):>12,}"
          f"{sep.traffic(args.traffic, args.precision) / conv.traffic(args.traffic, args.precision):>8.3f}")
    print(f"{'intensity (FLOP/byte)':26}{conv.intensity(args.traffic, args.precision):>12.1f}"
          f"{sep.intensity(args.traffic, args.precision):>12.1f}\n")
    print(f"{'device':24}{'std conv/s':>12}{'DepSep conv/s':>15}{'speed-up':>10}  binding roofs (std | DepSep parts)")
    for device in devices.all_devices():
        precision = args.precision
        if not all(_runs(device, kind, precision) for kind in ("conv", "depthwise", "pointwise")):
            precision = "bf16" if _runs(device, "conv", "bf16") else "fp32"
        pc = project(conv, device, precision, args.traffic)
        ps = project(sep, device, precision, args.traffic)
        print(f"{device.id:24}{float(pc.images_per_second):>12,.0f}{float(ps.images_per_second):>15,.0f}"
              f"{float(ps.images_per_second / pc.images_per_second):>10.2f}  {pc.bound} | {ps.bound}"
              + ("" if precision == args.precision else f"  (at {precision})"))
    return 0


def _runs(device, kind: str, precision: str) -> bool:
    try:
        device.choose_unit(kind, precision)
        return True
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
