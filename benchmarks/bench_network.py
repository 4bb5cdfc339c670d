"""Whole-network analysis speed: EfficientNet-B0 built and projected on every catalog device.

Target (docs/networks.md): building EfficientNet-B0 (159 layers, 16 squeeze-excitations) from
its specs and projecting it on all 16 catalog devices, ``for d in devices.all_devices():
project(net, d)``, takes < 50 ms once warm (imports done, formulas compiled, catalog read).
Numeric layers evaluate their compiled formulas once and cache them; sympy stays out of the loop.

The machine is shared and noisy, so the target is asserted as a ratio to a trivial pure-Python
baseline measured interleaved with it (best of N each): on the reference machine the baseline
takes 6.0 ms, so 50 ms is 8.3 baselines. The absolute figures are printed (``pytest benchmarks
-s``); with ``--benchmark-enable`` pytest-benchmark times the same functions.
"""

from __future__ import annotations

import gc
import time

import pytest

from roofline_conv import devices, zoo
from roofline_conv.roofline import project
from roofline_conv.zoo import models

TARGET_S = 0.050
BASELINE_REFERENCE_S = 0.0060  # the baseline on the machine where the target was set
RATIO_TARGET = TARGET_S / BASELINE_REFERENCE_S
REPEATS = 9


def _precision(dev) -> str:
    try:
        dev.choose_unit("conv", "fp16")
        return "fp16"
    except ValueError:
        return "fp32"


DEVICES = [(d, _precision(d)) for d in devices.all_devices()]


def build_and_project() -> list:
    """EfficientNet-B0 built from scratch (not the zoo's cache), projected on every device."""
    net = models.efficientnet_b0()
    return [project(net, d, p) for d, p in DEVICES]


def project_cached() -> list:
    """The zoo's (cached, immutable) EfficientNet-B0 projected on every device."""
    net = zoo.get("efficientnet_b0")
    return [project(net, d, p) for d, p in DEVICES]


def baseline() -> list:
    """A fixed pure-Python workload (dicts, floats, strings) to normalise the machine's speed."""
    out = []
    for i in range(20000):
        d = {"a": i * 0.5, "b": i / 3.0}
        out.append((max(d.values()), f"{i}"))
    return out


def _best(fns: dict, repeats: int = REPEATS) -> dict[str, float]:
    best = {k: float("inf") for k in fns}
    gc.collect()
    for _ in range(repeats):  # interleaved, so a noisy burst hits all of them
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


@pytest.fixture(scope="module")
def warm():
    build_and_project()
    project_cached()
    baseline()


def test_build_and_project_every_device(benchmark, warm, speed_targets):
    benchmark.pedantic(build_and_project, rounds=5, iterations=1, warmup_rounds=1)
    attempts = []
    for _ in range(3):
        best = _best({"analysis": build_and_project, "cached": project_cached, "baseline": baseline})
        ratio = best["analysis"] / best["baseline"]
        attempts.append(ratio)
        print(f"\n[network] EfficientNet-B0 built + projected on {len(DEVICES)} devices: "
              f"{best['analysis'] * 1e3:.1f} ms (zoo-cached network: {best['cached'] * 1e3:.1f} ms); "
              f"baseline {best['baseline'] * 1e3:.2f} ms; ratio {ratio:.2f} (target {RATIO_TARGET:.2f} "
              f"= {TARGET_S * 1e3:.0f} ms on the reference machine)")
        if ratio <= RATIO_TARGET:
            break
    assert min(attempts) <= RATIO_TARGET or not speed_targets, f"ratios {attempts} above {RATIO_TARGET:.2f}"


def test_projection_results_are_complete(warm):
    results = build_and_project()
    assert len(results) == len(DEVICES) == len(devices.list()) >= 23
    assert all(len(p.parts) == 159 and p.time > 0 for p in results)


def test_table_with_device(benchmark, warm):
    net = zoo.get("efficientnet_b0")
    t = benchmark.pedantic(lambda: net.table(device="v100-sxm2"), rounds=3, iterations=1)
    assert len(t.rows) == 160
