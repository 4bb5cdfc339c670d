"""Crossovers solved with sympy, checked by substituting back."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep, Depthwise, Pointwise, devices
from roofline_conv.crossover import MAX_SCAN, X, compute_bound_threshold, depsep_faster, search_range, sign_regions
from roofline_conv.roofline import project
from roofline_conv.validation import MAX_DIMENSION


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


# ---- invalid arguments: refused up front, each error naming the argument ------------------------
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

not_ints = st.one_of(st.floats(), st.integers(1, 64).map(float), st.booleans(), st.text(max_size=4), st.none(),
                     st.just([8]), st.just(np.float64(8)), st.just(2.5), st.just(np.True_))
below_one = st.integers(-2**70, 0)
too_big = st.integers(MAX_DIMENSION + 1, 2**90)


@SETTINGS
@given(data=st.data())
def test_depsep_faster_refuses_bad_dimensions_naming_them(data):
    argument = data.draw(st.sampled_from(["in_channels", "kernel_size", "input_size", "batch"]))
    value = data.draw(st.one_of(not_ints.filter(lambda v: v is not None), below_one, too_big))
    with pytest.raises(ValueError, match=argument):
        depsep_faster("v100-sxm2", "N", **{argument: value})


@SETTINGS
@given(data=st.data())
def test_search_ranges_are_checked(data):
    which, (lo_value, hi_value) = data.draw(st.one_of(
        st.tuples(st.one_of(not_ints, below_one, too_big), st.integers(1, 64)).map(lambda t: ("lo", t)),
        st.tuples(st.integers(1, 64), st.one_of(not_ints, below_one, too_big)).map(lambda t: ("hi", t)),
        st.integers(2, MAX_DIMENSION).flatmap(lambda a: st.tuples(st.just(a), st.integers(1, a - 1))).map(
            lambda t: ("hi", t)),
    ))
    with pytest.raises(ValueError, match=rf"{which}="):
        depsep_faster("v100-sxm2", "M", lo=lo_value, hi=hi_value)
    with pytest.raises(ValueError, match=rf"{which}="):
        search_range(lo_value, hi_value)
    if which == "hi" and isinstance(hi_value, int) and not isinstance(hi_value, bool) and hi_value < 1:
        with pytest.raises(ValueError, match="hi="):
            compute_bound_threshold(Pointwise(8, 8, 8), "v100-sxm2", "batch", hi=hi_value)


@SETTINGS
@given(variable=st.one_of(st.text(max_size=6).filter(lambda s: s not in ("N", "M", "Dk")), st.none(), st.integers()),
       threshold_variable=st.one_of(st.text(max_size=6).filter(
           lambda s: s not in ("batch", "channels", "in_channels", "out_channels", "input_size")), st.integers()),
       precision=st.text(max_size=5).filter(lambda s: s not in ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8",
                                                                "compulsory", "unfused", "im2col")))
def test_bad_variables_and_precisions_are_named(variable, threshold_variable, precision):
    with pytest.raises(ValueError, match="variable="):
        depsep_faster("v100-sxm2", variable)
    with pytest.raises(ValueError, match="variable="):
        compute_bound_threshold(Pointwise(8, 8, 8), "v100-sxm2", threshold_variable)
    with pytest.raises(ValueError, match="precision="):
        depsep_faster("v100-sxm2", "N", precision=precision)
    with pytest.raises(ValueError, match="precision="):
        compute_bound_threshold(Pointwise(8, 8, 8), "v100-sxm2", "batch", precision=precision)


@pytest.mark.parametrize("device", [5, None, ["v100-sxm2"], "no-such-device"])
def test_bad_devices_are_named(device):
    with pytest.raises(ValueError, match="device"):
        depsep_faster(device, "N")
    with pytest.raises(ValueError, match="device"):
        compute_bound_threshold(Pointwise(8, 8, 8), device, "batch")


@pytest.mark.parametrize("variable, argument", [("N", "out_channels"), ("M", "in_channels"), ("Dk", "kernel_size")])
def test_the_searched_dimension_cannot_also_be_fixed(variable, argument):
    with pytest.raises(ValueError, match=rf"{argument}=64 cannot be given with variable='{variable}'"):
        depsep_faster("v100-sxm2", variable, **{argument: 64})


def test_empty_and_huge_ranges_are_refused():
    with pytest.raises(ValueError, match=r"hi=0 must be >= 1"):
        depsep_faster("v100-sxm2", "N", hi=0)   # was: "no N in [1, 0]"
    with pytest.raises(ValueError, match=r"hi=5 must be >= lo=10"):
        depsep_faster("v100-sxm2", "N", lo=10, hi=5)
    with pytest.raises(ValueError, match=r"more than the 65,536 an exact scan evaluates"):
        compute_bound_threshold(Pointwise(16, 16, 56), "v100-sxm2", "channels", hi=MAX_SCAN + 1)
    with pytest.raises(ValueError, match=r"hi=1 must be >= lo=5"):
        sign_regions(X - 3, X, 5, 1)


def test_layers_and_variables_that_would_be_invalid_are_refused():
    v100 = devices.get("v100-sxm2")
    with pytest.raises(ValueError, match="layer="):
        compute_bound_threshold(DepSep(8, 8, 3, 8), v100, "batch")
    with pytest.raises(ValueError, match="layer="):
        compute_bound_threshold("conv", v100, "batch")
    with pytest.raises(ValueError, match="int dimensions"):
        compute_bound_threshold(Conv2d(sp.Symbol("c", integer=True, positive=True), 8, 3, 8), v100, "batch")
    with pytest.raises(ValueError, match="out_channels .4. a multiple of in_channels .3."):
        compute_bound_threshold(Conv2d(3, 4, 3, 8), v100, "channels")
    with pytest.raises(ValueError, match="grouped conv .groups=2."):
        compute_bound_threshold(Conv2d(8, 8, 3, 8, groups=2), v100, "in_channels")
    with pytest.raises(ValueError, match="grouped conv .groups=8."):
        compute_bound_threshold(Depthwise(8, 3, 8), v100, "out_channels")
    # input_size starts where the kernel fits: a 7x7 unpadded kernel needs input_size >= 7
    th = compute_bound_threshold(Conv2d(64, 64, 7, 8), v100, "input_size", precision="fp32", hi=64)
    assert th.regions.lo == 7 and th.value is not None and th.value >= 7
    with pytest.raises(ValueError, match="hi=4 must be >= 7, the smallest input_size"):
        compute_bound_threshold(Conv2d(64, 64, 7, 8), v100, "input_size", hi=4)


def test_sign_regions_checks_its_arguments():
    y = sp.Symbol("y")
    with pytest.raises(ValueError, match=r"expr=x \+ y must be an expression in x alone \(it also holds y\)"):
        sign_regions(X + y, X, 1, 5)
    with pytest.raises(ValueError, match="x="):
        sign_regions(X - 3, "x", 1, 5)
    with pytest.raises(ValueError, match="strict="):
        sign_regions(X - 3, X, 1, 5, strict="no")
    with pytest.raises(ValueError, match="lo="):
        sign_regions(X - 3, X, 1.0, 5)
    assert sign_regions(X - 3, X, -5, 5).ranges == ((-5, 2),)   # a generic solver: any integer range
