"""Analysing the same network twice: the second projection is a look-up.

A network keeps its projections per device and settings (``projection.engine``), so a table with
a device and then its totals, or ``project(net, d)`` called again, cost almost nothing the second
time. Measured on a freshly built ResNet-50 (zoo cache cleared): the fresh analysis (build +
per-layer table + projection on v100-sxm2) against a second projection of the same network, both
in the same run; the figures are printed (``pytest benchmarks -s``).
"""

from __future__ import annotations

import time

from roofline_conv import devices, zoo
from roofline_conv.roofline import project

DEVICE = devices.get("v100-sxm2")


def fresh_analysis():
    zoo._cached.cache_clear()
    net = zoo.get("resnet50")
    net.table(device=DEVICE)
    return net, project(net, DEVICE)


def test_a_second_projection_costs_little(benchmark):
    fresh_analysis()  # imports and the catalog, once
    first, again = [], []
    for _ in range(5):
        t = time.perf_counter()
        net, p = fresh_analysis()
        first.append(time.perf_counter() - t)
        t = time.perf_counter()
        q = project(net, DEVICE)
        again.append(time.perf_counter() - t)
        assert q is p and net.project(DEVICE) is p
    print(f"\n[repeat] ResNet-50 fresh analysis {min(first) * 1e3:.1f} ms; the same projection again "
          f"{min(again) * 1e6:.0f} us ({min(first) / min(again):.0f}x less)")
    assert min(again) * 20 < min(first)
    net, _ = fresh_analysis()
    benchmark.pedantic(lambda: project(net, DEVICE), rounds=20, iterations=1)


def test_another_setting_is_a_new_projection():
    net, p = fresh_analysis()
    assert project(net, DEVICE, "fp32") is not p
    assert project(net, DEVICE, fuse=False).time != p.time
    assert project(net, DEVICE) is p
