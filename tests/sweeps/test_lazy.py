"""sweep() over dask arrays: lazy, block by block, element for element the numpy sweep."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv import LayerError
from roofline_conv.sweeps import sweep
from roofline_conv.sweeps.lazy import holds_dask

da = pytest.importorskip("dask.array")

COUNTS = ["macs", "params", "traffic", "intensity", "output_width"]
TIMES = ["time", "executed_flops"]


def _configs(seed: int, n: int, kind: str) -> dict:
    """``n`` random valid configurations of ``kind`` (every dimension varying, pairs included)."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(1, 4, n) if kind in ("conv", "pointwise") else None
    cin = rng.integers(1, 40, n) * (groups if groups is not None else 1)
    kw = dict(batch=rng.integers(1, 9, n), in_channels=cin, input_size=(rng.integers(9, 40, n), rng.integers(9, 40, n)),
              stride=rng.integers(1, 3, n), bias=rng.integers(0, 2, n).astype(bool))
    if kind != "pointwise":
        kw.update(kernel_size=(rng.integers(1, 6, n), rng.integers(1, 4, n)), padding=rng.integers(0, 3, n),
                  dilation=rng.integers(1, 3, n))
    if kind in ("conv", "pointwise"):
        kw.update(groups=groups, out_channels=rng.integers(1, 40, n) * groups)
    elif kind == "depsep":
        kw.update(out_channels=rng.integers(1, 64, n), depth_multiplier=rng.integers(1, 3, n))
    else:
        kw.update(depth_multiplier=rng.integers(1, 3, n))
    return kw


def _chunked(kw: dict, chunks: int) -> dict:
    """Every array as a dask array of ``chunks``-long blocks (pairs item by item)."""
    wrap = lambda v: da.from_array(v, chunks=chunks) if isinstance(v, np.ndarray) else v  # noqa: E731
    return {k: tuple(wrap(x) for x in v) if isinstance(v, tuple) else wrap(v) for k, v in kw.items()}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), chunks=st.integers(40, 300), kind=st.sampled_from(
    ["conv", "depsep", "depthwise", "pointwise"]), device=st.sampled_from(["v100-sxm2", "tpuv2-core", "a100-sxm-40gb"]))
def test_a_lazy_sweep_is_the_numpy_sweep_element_for_element(seed, chunks, kind, device):
    kw = _configs(seed, 500, kind)
    lazy = _chunked(kw, chunks)
    for q in COUNTS:
        got = sweep(q, kind=kind, **lazy)
        assert isinstance(got, da.Array) and got.shape == (500,)
        want = sweep(q, kind=kind, **kw)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.compute(), want, err_msg=q)
    for q in TIMES:
        got = sweep(q, device, "fp16", kind=kind, **lazy)
        np.testing.assert_array_equal(got.compute(), sweep(q, device, "fp16", kind=kind, **kw), err_msg=q)


def test_grids_broadcast_and_align_chunks_like_numpy():
    """A dask column against a dask row of other chunks, a numpy row, a list, a pair item and a
    per-side padding item: one 2-d grid, as numpy broadcasts it."""
    cin = np.array([16, 32, 48, 64, 96])[:, None]
    sizes = np.array([7, 14, 28, 56])
    kernel_w = np.array([1, 3, 5, 3])
    kw = dict(in_channels=cin, out_channels=[8, 16, 24, 32], kernel_size=(3, kernel_w), input_size=sizes,
              padding=((1, np.array([0, 1, 2, 1])), (1, 1)), batch=2)
    lazy = dict(kw, in_channels=da.from_array(cin, chunks=(2, 1)), kernel_size=(3, da.from_array(kernel_w, chunks=3)),
                padding=((1, da.from_array(np.array([0, 1, 2, 1]), chunks=1)), (1, 1)))
    for q in ["macs", "traffic", "intensity"]:
        got = sweep(q, **lazy)
        assert got.shape == (5, 4)
        np.testing.assert_array_equal(got.compute(), sweep(q, **kw))
    np.testing.assert_array_equal(sweep("time", "h100-sxm", "bf16", **lazy).compute(), sweep("time", "h100-sxm", "bf16", **kw))
    h, w = sweep("output_size", **lazy)
    want_h, want_w = sweep("output_size", **kw)
    np.testing.assert_array_equal(h.compute(), want_h)
    np.testing.assert_array_equal(w.compute(), want_w)


@pytest.mark.parametrize("lazy_in, lazy_out, chunks", [
    (True, False, ((2, 1), (1,))),  # the only full second axis is a numpy row
    (True, True, ((1, 1, 1), (1,))),
    (False, True, ((3,), (1,))),  # a dask row against a numpy column
])
def test_the_result_has_the_broadcast_shape_whichever_array_is_lazy(lazy_in, lazy_out, chunks):
    cin = np.array([8, 16, 32])[:, None]
    cout = np.array([[8, 24, 40, 56]])
    sizes = np.array([7, 14, 28, 56])
    lazy = dict(in_channels=da.from_array(cin, chunks=chunks) if lazy_in else cin,
                out_channels=da.from_array(cout, chunks=(1, 3)) if lazy_out else cout)
    got = sweep("macs", kernel_size=3, input_size=sizes, **lazy)
    assert got.shape == (3, 4)
    np.testing.assert_array_equal(got.compute(), sweep("macs", in_channels=cin, out_channels=cout, kernel_size=3,
                                                       input_size=sizes))


def test_nothing_is_computed_until_asked():
    calls = []

    def make(block):
        calls.append(len(block))
        return block

    cin = da.from_array(np.arange(1, 101), chunks=25).map_blocks(make, dtype=np.int64, meta=np.empty(0, np.int64))
    lazy = sweep("macs", in_channels=cin, out_channels=8, kernel_size=3, input_size=16, padding=1)
    assert calls == []
    assert lazy.numblocks == (4,)
    assert lazy.sum().compute() == sum(sweep("macs", in_channels=np.arange(1, 101), out_channels=8, kernel_size=3,
                                             input_size=16, padding=1).tolist())
    assert sorted(calls) == [25, 25, 25, 25]


def test_zero_dimensional_and_empty_dask_arrays():
    assert sweep("macs", in_channels=da.from_array(np.array(5)), out_channels=3, kernel_size=3,
                 input_size=8).compute() == sweep("macs", in_channels=5, out_channels=3, kernel_size=3, input_size=8)
    empty = sweep("time", "v100-sxm2", in_channels=da.zeros((0,), dtype=np.int64, chunks=3), out_channels=2,
                  kernel_size=1, input_size=4)
    assert empty.shape == (0,) and empty.compute().shape == (0,)


def test_counts_past_2_62_stay_exact_and_past_int64_raise():
    cin = np.array([2**20, 2])
    kw = dict(out_channels=2**20, kernel_size=1, input_size=2**8, batch=2**6)
    exact = sweep("macs", in_channels=cin, **kw)
    assert exact.dtype == object  # the numpy sweep's guard: exact Python ints
    lazy = sweep("macs", in_channels=da.from_array(cin, chunks=1), **kw)
    assert lazy.dtype == np.int64 and lazy.compute().tolist() == exact.tolist() == [2**62, 2**43]
    with pytest.raises(ValueError, match="passes int64 in a lazy sweep"):
        sweep("macs", in_channels=da.from_array(np.array([2**31]), chunks=1), out_channels=2**31, kernel_size=3,
              input_size=2**10, batch=2**20).compute()


@pytest.mark.parametrize("change, message", [
    (dict(in_channels=da.ones(3, chunks=2)), "in_channels: a dask array of floats"),
    (dict(input_size=(8, da.ones(3, dtype=bool, chunks=2))), r"input_size\[1\]: a dask array of bools"),
    (dict(in_channels=da.from_array(np.array(["a", "b", "c"]))), "in_channels: a dask array of <U1"),
    (dict(quantity="nope"), "quantity='nope' is not a sweep quantity"),
    (dict(device="v100-sxm2"), "device='v100-sxm2' does not apply"),
    (dict(quantity="time"), "needs device="),
    (dict(depth_multiplier=da.ones(3, dtype=int, chunks=1)), "depth_multiplier applies to kind='depsep'"),
    (dict(kernel_size=da.ones(2, dtype=int, chunks=1)), r"do not broadcast together: in_channels\(3,\), kernel_size\(2,\)"),
    (dict(out_channels=[2.0, 4.0, 8.0]), "out_channels=.* must be integers, not floats"),
    (dict(precision="fp99"), "precision='fp99'"),
])
def test_arguments_are_checked_before_anything_is_computed(change, message):
    calls = []
    cin = da.from_array(np.array([4, 8, 16]), chunks=2).map_blocks(lambda b: calls.append(1) or b, dtype=np.int64,
                                                                 meta=np.empty(0, np.int64))
    kw = dict(in_channels=cin, out_channels=8, kernel_size=3, input_size=16)
    quantity = change.pop("quantity", "macs")
    with pytest.raises(ValueError, match=message):
        sweep(quantity, **{**kw, **change})
    assert calls == []


def test_unknown_shapes_are_refused():
    x = da.from_array(np.array([1, 2, 3]), chunks=2)
    with pytest.raises(LayerError, match="unknown shape"):
        sweep("macs", in_channels=x[x > 1], out_channels=2, kernel_size=1, input_size=4)


def test_values_are_checked_block_by_block_when_computed():
    cin = da.from_array(np.array([96, 63, 66, 64, 65, 96]), chunks=3)
    lazy = sweep("macs", in_channels=cin, out_channels=96, groups=3, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match=r"groups does not divide in_channels in 2 of 3 configurations .*"
                                         r"first at index 0: groups=3, in_channels=64.*block \[3:6\]"):
        lazy.compute()
    with pytest.raises(LayerError, match="bias must be True/False"):
        sweep("params", in_channels=8, out_channels=8, kernel_size=1, input_size=4,
              bias=da.from_array(np.array([0, 1, 2]), chunks=2)).compute()


def test_a_device_error_of_a_block_names_the_block():
    """Which units a sweep needs depends on the op kinds its values hold, so it is known per block."""
    lazy = sweep("time", "tpuv2-core", "fp32", in_channels=da.from_array(np.array([8, 16, 32]), chunks=2),
                 out_channels=8, kernel_size=3, input_size=8)
    with pytest.raises(ValueError, match=r"no unit for 'conv' at precision 'fp32'.*in the block \[(0:2|2:3)\]"):
        lazy.compute()


def test_bool_dask_arrays_are_bias_flags():
    bias = np.array([True, False, True])
    got = sweep("params", in_channels=8, out_channels=4, kernel_size=3, input_size=4, bias=da.from_array(bias, chunks=2))
    np.testing.assert_array_equal(got.compute(), sweep("params", in_channels=8, out_channels=4, kernel_size=3,
                                                       input_size=4, bias=bias))


def test_holds_dask_looks_into_pairs_and_per_side_padding():
    x = da.ones(2, dtype=int, chunks=1)
    assert not holds_dask(dict(in_channels=np.arange(3), kernel_size=(1, 3), padding=((0, 1), (1, 1))))
    assert holds_dask(dict(in_channels=1, padding=((0, x), (1, 1))))
    assert holds_dask(dict(kernel_size=(x, 3)))
