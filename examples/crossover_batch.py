"""At what batch does a layer become compute-bound, and where does DepSep stop winning?

Solved with sympy (exact roots of compute time = memory time), checked by substituting back.

    python examples/crossover_batch.py
"""

from __future__ import annotations

import sys

from roofline_conv import Conv2d, Depthwise, Pointwise, devices
from roofline_conv.crossover import compute_bound_threshold, depsep_faster
from roofline_conv.roofline import project


def main() -> int:
    layers = {
        "3x3 conv 64->64 @ 56": Conv2d(64, 64, 3, 56, padding=1),
        "1x1 conv 256->256 @ 14": Pointwise(256, 256, 14),
        "1x1 conv 32->32 @ 112": Pointwise(32, 32, 112),
        "depthwise 3x3 128 @ 56": Depthwise(128, 3, 56, padding=1),
    }
    targets = [("v100-sxm2", "fp16"), ("a100-sxm-40gb", "fp16"), ("h100-sxm", "fp16"),
               ("tpuv2-core", "bf16"), ("xeon-e5-2698v4", "fp32")]
    print("smallest batch at which each layer is compute-bound (none: memory-bound at every batch)")
    print(f"{'layer':26}" + "".join(f"{d:>16}" for d, _ in targets))
    for name, layer in layers.items():
        cells = []
        for device_id, precision in targets:
            th = compute_bound_threshold(layer, device_id, "batch", precision, hi=1 << 14)
            if th.value is not None:  # check by substitution
                p = project(layer.replace(batch=th.value), device_id, precision)
                assert p.compute_time >= max(p.memory_time.values())
            cells.append("none" if th.value is None else str(th.value))
        print(f"{name:26}" + "".join(f"{c:>16}" for c in cells))

    print("\noutput channels N for which DepSep is predicted faster than the standard conv "
          "(M = 128, 3x3, 224 x 224, batch 1)")
    for device_id, precision in targets:
        wins = depsep_faster(device_id, "N", precision=precision, hi=2048)
        print(f"  {device_id:16} {wins.regions}  [{wins.regions.method}]")
    print(f"\n{len(devices.list())} catalog devices; try others with devices.get(id)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
