"""Vectorised sweep throughput: >= 1e6 conv configurations per second on one core.

Each quantity (MACs, traffic bytes, intensity, predicted time on a V100; and DepSep time on a
TPUv2 core) is evaluated over 1e6 random valid configurations (batch, channels, groups, kernel,
input size, stride, padding all varying). numpy's elementwise ufuncs run on one thread, so this is
a one-core figure (no BLAS call is involved).

The target is asserted from a best-of-3 timing loop, so it is checked even under
``--benchmark-disable`` (the default test command); with ``make bench`` pytest-benchmark times it
as well. ``pytest benchmarks/bench_sweep.py -s`` prints the configurations per second.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from roofline_conv.sweeps import sweep

N = 1_000_000
TARGET = 1e6  # configurations per second
CASES = {
    "macs": ("macs", None, "conv"),
    "traffic": ("traffic", None, "conv"),
    "intensity": ("intensity", None, "conv"),
    "time-v100": ("time", "v100-sxm2", "conv"),
    "time-tpuv2-depsep": ("time", "tpuv2-core", "depsep"),
}


def _configs(kind: str) -> dict:
    rng = np.random.default_rng(2024)
    groups = rng.integers(1, 5, N)
    kw = dict(batch=rng.integers(1, 33, N), in_channels=groups * rng.integers(1, 129, N),
              out_channels=groups * rng.integers(1, 129, N), kernel_size=rng.integers(1, 8, N),
              input_size=rng.integers(7, 225, N), stride=rng.integers(1, 3, N), padding=rng.integers(0, 4, N))
    if kind == "conv":
        kw["groups"] = groups
    return kw


def _best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("case", list(CASES))
def test_sweep_throughput(benchmark, case):
    quantity, device, kind = CASES[case]
    kw = _configs(kind)
    run = lambda: sweep(quantity, device, kind=kind, **kw)  # noqa: E731
    out = run()  # compiles (once) and checks the shape
    assert out.shape == (N,) and np.isfinite(out.astype(float)).all()
    benchmark(run)
    seconds = _best_of(run)
    rate = N / seconds
    print(f"\nsweep {case}: {seconds * 1e3:.1f} ms for {N:,} configurations = {rate / 1e6:.1f} M configs/s")
    assert rate >= TARGET, f"{case}: {rate:,.0f} configurations/s is below the {TARGET:,.0f}/s target"
