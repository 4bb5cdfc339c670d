"""The memory estimate is what a measurement allocates: compared with the peak numpy and Python
allocation tracemalloc records (numpy reports its buffers to tracemalloc) while a layer's runner
is built and run twice.

Tolerances: every buffer the estimate counts as kept (inputs, weights, output, workspace) is
sized by the same code that allocates it, so the peak is at least that part (to 1 kB); the
estimate's ``temporaries`` is an allowance (re-laid-out weights, numpy's ufunc buffers of up to
``3 x np.getbufsize()`` elements, 64 kB of Python bookkeeping) that must cover the rest, so
``estimate >= peak``. The fixed part of that allowance is at most ~260 kB (fp64), so on these
layers (peaks of 0.7-13 MB, chosen so the allowance stays under a fifth of the peak)
``estimate <= 1.25 x peak``; measured here: 1.015-1.19. The largest peak is ~13 MB.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from roofline_conv import Conv2d, DepSep, Depthwise, Pointwise
from roofline_conv.measure.guard import normal_array
from roofline_conv.measure.kernels import ConvPlan, DepsepPlan
from roofline_conv.measure.kernels.im2col import max_workers
from roofline_conv.measure.layer_runs import layer_memory_breakdown, runner
from roofline_conv.measure.memory import conv_memory_breakdown
from roofline_conv.measure.threads import thread_limit

LAYERS = [
    Conv2d(32, 32, 3, 56, padding=1, batch=2),  # two workers where threadpoolctl and 2 CPUs allow
    Conv2d(16, 32, 3, 112, stride=2, padding=(1, 2), dilation=2, groups=2),
    Conv2d(8, 16, 3, 128),  # unpadded, blocked by rows
    Conv2d(16, 16, 1, 96, padding=1),  # a padded 1x1 runs the standard kernel
    Depthwise(64, 3, 56, padding=1, batch=2),
    Depthwise(32, 5, 64, stride=2, padding=2, multiplier=2, batch=2),
    Pointwise(64, 128, 56),
    Pointwise(64, 64, 80, stride=2, groups=2),
    DepSep(32, 64, 3, 64, padding=1),
]
ALLOWANCE_SLACK = 1024  # bytes: numpy's array headers and views beyond the buffers


def _peak(make_and_run) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        keep = make_and_run()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    del keep
    return peak


@pytest.fixture(scope="module", autouse=True)
def _first_use_out_of_the_way():
    """Imports, the worker pool and numpy's caches are made once, outside the measured peaks."""
    for layer in (Conv2d(32, 32, 3, 56, padding=1, batch=2), Depthwise(4, 3, 8, padding=1), DepSep(4, 8, 3, 8),
                  Pointwise(4, 4, 8, stride=2)):
        for precision in ("fp32", "fp64"):
            runner(layer, precision)()


def _check(estimate: dict[str, int], peak: int) -> None:
    kept = estimate["total"] - estimate["temporaries"]
    assert peak >= kept - ALLOWANCE_SLACK, "a buffer the estimate counts was not allocated"
    assert estimate["total"] >= peak, f"under-estimate by {peak - estimate['total']} bytes"
    assert estimate["total"] <= 1.25 * peak


@pytest.mark.parametrize("precision", ["fp32", "fp64"])
@pytest.mark.parametrize("layer", LAYERS, ids=repr)
def test_the_estimate_covers_the_peak_allocation_of_a_measurement(layer, precision):
    def make_and_run():
        fn = runner(layer, precision)
        fn()
        fn()
        return fn

    _check(layer_memory_breakdown(layer, precision), _peak(make_and_run))


def test_the_two_worker_layer_really_has_two_workers():
    plan = ConvPlan((2, 32, 56, 56), (32, 32, 3, 3), padding=1, warm=False)
    expected = max_workers(plan.geometry, plan.block_bytes)
    assert plan.workers == expected
    if expected < 2:
        pytest.skip("one CPU or no threadpoolctl: the kernels run no worker threads here")
    b = conv_memory_breakdown((2, 32, 56, 56), (32, 32, 3, 3), padding=1)
    assert b["workspace"] == plan.workspace_bytes == plan.footprint["workspace"]


@pytest.mark.parametrize("kw", [
    dict(x=(2, 40, 40, 16), w=(32, 8, 3, 3), padding=((1, 0), (2, 1)), groups=2, layout="NHWC",
         block_bytes=40_000, workers=2),
    dict(x=(1, 16, 96, 96), w=(16, 16, 3, 3), padding=1, dilation=2, block_bytes=50_000, workers=2),
    dict(x=(1, 96, 96, 24), w=(48, 1, 3, 3), padding=1, layout="NHWC", kind="depthwise"),
    dict(x=(2, 48, 48, 32), w=(32, 1, 5, 5), stride=2, padding=2, layout="NHWC", kind="depthwise"),
    dict(x=(1, 24, 120, 120), w=(24, 1, 3, 3), padding=1, kind="depthwise", cache_bytes=1),  # weights as floats
    dict(x=(2, 60, 60, 64), w=(96, 64), layout="NHWC", kind="pointwise", stride=2),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_plan_allocates_its_footprint(kw, dtype):
    kw = dict(kw)
    x_shape, w_shape = kw.pop("x"), kw.pop("w")
    rng = np.random.default_rng(0)

    def make_and_run():
        plan = ConvPlan(x_shape, w_shape, dtype=dtype, **kw)
        x, w = normal_array(rng, x_shape, dtype), normal_array(rng, w_shape, dtype)
        plan.run(x, w)
        plan.run(x, w)
        return plan

    plan = ConvPlan(x_shape, w_shape, dtype=dtype, warm=False, **kw)
    inputs = (np.prod(x_shape) + np.prod(w_shape)) * np.dtype(dtype).itemsize
    estimate = dict(plan.footprint, input=int(inputs))
    estimate["total"] = sum(estimate.values())
    _check(estimate, _peak(make_and_run))
    if not {"block_bytes", "cache_bytes", "workers"} & set(kw):  # the measurement estimate, same numbers
        b = conv_memory_breakdown(x_shape, w_shape, dtype=dtype, **kw)
        assert b["total"] == estimate["total"]


def test_a_plan_made_under_one_thread_has_buffers_for_every_worker_a_run_may_use():
    """Built under ``thread_limit(1)`` and run with all threads: no buffer is allocated late."""
    x_shape, w_shape = (2, 32, 56, 56), (32, 32, 3, 3)
    rng = np.random.default_rng(1)
    x, w = normal_array(rng, x_shape, np.float32), normal_array(rng, w_shape, np.float32)
    with thread_limit(1):
        plan = ConvPlan(x_shape, w_shape, padding=1)
    held = plan.workspace.nbytes
    plan.run(x, w)
    assert plan.workspace.nbytes == held == plan.workspace_bytes


def test_a_depsep_plan_makes_no_unused_output_for_its_depthwise_stage():
    plan = DepsepPlan((1, 16, 32, 32), (16, 1, 3, 3), (32, 16), padding=1, dtype=np.float64)
    assert plan.dw._out is None
    assert plan.workspace.nbytes == plan.footprint["workspace"]  # both stages' scratch and the intermediate
