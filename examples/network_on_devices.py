"""Whole networks on every catalog device: inference bound per image, and which layers dominate.

For each zoo model (batch 1 and 32, fused conv+BN+activation), the predicted images/s on each
device at its natural precision, and for one (model, device) pair the layers that take the most
time with their binding roof, the per-layer view the roofline gives that FLOP counts do not.

    python examples/network_on_devices.py [--model mobilenet_v2] [--device v100-sxm2]
"""

from __future__ import annotations

import argparse
import sys

from roofline_conv import devices, zoo
from roofline_conv.roofline import project

MODELS = ("mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "vgg16")


def natural_precision(device) -> str:
    return "bf16" if device.kind == "tpu" else "fp32" if device.kind == "cpu" else "fp16"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mobilenet_v2", choices=MODELS, help="model for the per-layer view")
    parser.add_argument("--device", default="v100-sxm2", help="device for the per-layer view")
    args = parser.parse_args(argv)

    targets = [devices.get(d) for d in ("v100-sxm2", "a100-sxm-40gb", "h100-sxm", "tpuv2-core", "tpuv4-chip",
                                        "xeon-e5-2698v4", "epyc-9654")]
    print("predicted images/s (roofline bound), batch 1 / batch 32")
    print(f"{'model':16}{'GMACs':>7}{'Mparams':>9}" + "".join(f"{d.id:>22}" for d in targets))
    for name in MODELS:
        net1, net32 = zoo.get(name, batch=1), zoo.get(name, batch=32)
        cells = []
        for d in targets:
            p = natural_precision(d)
            a = float(project(net1, d, p).images_per_second)
            b = float(project(net32, d, p).images_per_second)
            cells.append(f"{a:,.0f} / {b:,.0f}")
        print(f"{name:16}{net1.macs / 1e9:7.2f}{net1.params / 1e6:9.2f}" + "".join(f"{c:>22}" for c in cells))

    device = devices.get(args.device)
    precision = natural_precision(device)
    net = zoo.get(args.model)
    p = project(net, device, precision)
    total = float(p.time)
    print(f"\n{args.model} on {device.id} at {precision}: {total * 1e6:,.0f} us per image, "
          f"{float(p.images_per_second):,.0f} images/s; the 8 slowest layers:")
    rows = sorted(zip(net.layers, p.parts), key=lambda lp: -float(lp[1].time))[:8]
    for layer, part in rows:
        print(f"  {float(part.time) * 1e6:8.1f} us {float(part.time) / total:6.1%}  {part.bound:22} "
              f"{float(part.intensity):7.1f} FLOP/B  {part.name:24} {type(layer).__name__}")
    memory_bound = sum(float(q.time) for q in p.parts if q.bound.startswith("memory")) / total
    print(f"memory-bound layers take {memory_bound:.0%} of the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
