"""Crossovers solved with sympy, checked by substituting back."""

from __future__ import annotations

import sympy as sp
import pytest

from roofline_conv import Conv2d, Depthwise, Pointwise, devices
from roofline_conv.crossover import X, compute_bound_threshold, depsep_faster, sign_regions
from roofline_conv.roofline import project


def _compute_bound(layer, device, precision="fp16"):
    p = project(layer, device, precision)
    return p.compute_time >= max(p.memory_time.values())


@pytest.mark.parametrize("device_id", ["v100-sxm2", "tpuv2-core", "dgx1-host-2x-e5-2698v4"])
def test_batch_threshold_by_substitution(device_id):
    device = devices.get(device_id)
    precision = "fp32" if device.kind == "cpu" else "fp16"
    layer = Pointwise(64, 64, 14)
    th = compute_bound_threshold(layer, device, "batch", precision)
    if th.value is None:
        assert not _compute_bound(layer.replace(batch=th.regions.hi), device, precision)
        return
    assert _compute_bound(layer.replace(batch=th.value), device, precision)
    if th.value > 1:
        assert not _compute_bound(layer.replace(batch=th.value - 1), device, precision)


def test_channel_and_size_thresholds_v100():
    v100 = devices.get("v100-sxm2")
    th = compute_bound_threshold(Pointwise(16, 16, 56), v100, "channels", hi=4096)
    assert th.regions.method == "scan" or th.regions.roots
    assert _compute_bound(Pointwise(th.value, th.value, 56), v100)
    assert not _compute_bound(Pointwise(th.value - 1, th.value - 1, 56), v100)
    # CUDA cores (fp32 on V100) have no tile padding: solved exactly by sympy
    th32 = compute_bound_threshold(Pointwise(16, 16, 56), v100, "channels", precision="fp32", hi=4096)
    assert th32.regions.method == "sympy"
    assert _compute_bound(Pointwise(th32.value, th32.value, 56), v100, "fp32")
    assert not _compute_bound(Pointwise(th32.value - 1, th32.value - 1, 56), v100, "fp32")
    size = compute_bound_threshold(Conv2d(64, 64, 3, 8, padding=1), v100, "input_size", precision="fp32", hi=2048)
    assert size.value is None or _compute_bound(Conv2d(64, 64, 3, size.value, padding=1), v100, "fp32")


def test_depthwise_never_compute_bound_on_v100():
    th = compute_bound_threshold(Depthwise(128, 3, 56, padding=1), devices.get("v100-sxm2"), "batch", hi=1 << 20)
    assert th.value is None and "memory-bound" in str(th)


def test_depsep_faster_range_by_substitution():
    for device_id, precision in (("v100-sxm2", "fp16"), ("tpuv2-core", "bf16"), ("dgx1-host-2x-e5-2698v4", "fp32")):
        wins = depsep_faster(device_id, "N", precision=precision, hi=1024)
        device = devices.get(device_id)
        from roofline_conv import DepSep
        for n in (1, 2, 64, 128, 255, 1024) + tuple(v for r in wins.regions.ranges for v in r):
            t_conv = project(Conv2d(128, n, 3, 224, padding="same"), device, precision).time
            t_sep = project(DepSep(128, n, 3, 224, padding="same"), device, precision).time
            assert (n in wins.regions) == (t_sep < t_conv), (device_id, n)


def test_depsep_faster_kernel_size_cpu_is_sympy():
    wins = depsep_faster("dgx1-host-2x-e5-2698v4", "Dk", precision="fp32", lo=1, hi=15)
    assert wins.regions.method == "sympy"
    assert 3 in wins.regions and "Dk" in str(wins)


def test_sign_regions_exact():
    expr = (X - 3) * (X - 10)  # negative strictly between 3 and 10
    r = sign_regions(expr, X, 1, 20)
    assert r.ranges == ((4, 9),) and r.method == "sympy"
    assert sign_regions(expr, X, 1, 20, strict=False).ranges == ((3, 10),)
    scan = sign_regions(sp.ceiling(X / 4) - 2, X, 1, 20)
    assert scan.method == "scan" and scan.ranges == ((1, 4),)


def test_crossover_errors():
    with pytest.raises(ValueError, match="variable='depth'"):
        compute_bound_threshold(Conv2d(8, 8, 3, 16), "v100-sxm2", "depth")
    with pytest.raises(ValueError, match="variable='K'"):
        depsep_faster("v100-sxm2", "K")
