"""The kernels guard their own allocations: a huge layer is a MemoryLimitError naming the
convolution, the bytes and the limit, never numpy's MemoryError; bad arguments are ValueErrors
naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roofline_conv.measure.guard import MEMORY_LIMIT_ENV, MemoryLimitError
from roofline_conv.measure.kernels import (
    ConvPlan,
    DepsepPlan,
    conv2d,
    conv_geometry,
    depsep_conv2d,
    depthwise_conv2d,
    pointwise_conv2d,
)

from ..invalid import SETTINGS, bad_counts, bad_optional_counts, non_integers

HUGE_X = (8, 512, 4096, 4096)  # 275 GB of fp32 input alone


def test_a_huge_plan_is_refused_before_allocating(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1e9")
    with pytest.raises(MemoryLimitError) as info:
        ConvPlan(HUGE_X, (512, 512, 3, 3), padding=1)
    text = str(info.value)
    assert "standard convolution (x (8, 512, 4096, 4096), w (512, 512, 3, 3)" in text
    assert "bytes" in text and "1,000,000,000 bytes" in text and MEMORY_LIMIT_ENV in text
    for kind, w in (("depthwise", (512, 1, 3, 3)), ("pointwise", (512, 512))):
        with pytest.raises(MemoryLimitError, match=kind):
            ConvPlan(HUGE_X, w, kind=kind, warm=False)
    with pytest.raises(MemoryLimitError, match="depthwise"):
        DepsepPlan(HUGE_X, (512, 1, 3, 3), (64, 512), padding=1)
    with pytest.raises(MemoryLimitError, match="memory_limit argument"):
        ConvPlan((1, 8, 64, 64), (8, 8, 3, 3), padding=1, memory_limit=1000)
    plan = ConvPlan((1, 8, 64, 64), (8, 8, 3, 3), padding=1, memory_limit=10**9, warm=False)
    assert plan.memory_limit == 10**9


def test_the_free_functions_are_refused_before_allocating(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1e8")
    x = np.broadcast_to(np.float32(1), (1, 64, 4096, 4096))  # a view: costs no memory
    with pytest.raises(MemoryLimitError, match="standard convolution"):
        conv2d(x, np.ones((64, 64, 3, 3), np.float32), padding=1)
    with pytest.raises(MemoryLimitError, match="depthwise convolution"):
        depthwise_conv2d(x, np.ones((64, 1, 3, 3), np.float32), padding=1)
    with pytest.raises(MemoryLimitError, match="pointwise convolution"):
        pointwise_conv2d(x, np.ones((64, 64), np.float32))
    with pytest.raises(MemoryLimitError, match="depthwise convolution"):
        depsep_conv2d(x, np.ones((64, 1, 3, 3), np.float32), np.ones((8, 64), np.float32), padding=1)
    small = np.broadcast_to(np.float32(1), (1, 8, 1024, 1024))  # plan fits; copying x does not
    with pytest.raises(MemoryLimitError, match="copying its arguments"):
        pointwise_conv2d(small, np.ones((8, 8), np.float32), memory_limit=60_000_000)


KW = dict(x_shape=(1, 4, 8, 8), w_shape=(4, 4, 3, 3))


@SETTINGS
@given(st.sampled_from(["block_bytes", "cache_bytes", "workers"]), bad_optional_counts(1))
def test_bad_plan_sizes_are_named(argument, value):
    with pytest.raises(ValueError, match=f"{argument}="):
        ConvPlan(**KW, **{argument: value}, warm=False)


@SETTINGS
@given(st.sampled_from(["stride", "dilation"]), st.one_of(bad_counts(1), st.tuples(st.integers(1, 3), bad_counts(1))))
def test_bad_strides_and_dilations_are_named(argument, value):
    if isinstance(value, list) and len(value) == 2:
        return  # a 2-list of valid ints is valid
    with pytest.raises(ValueError, match=argument):
        conv_geometry((1, 4, 8, 8), (4, 4, 3, 3), **{argument: value})


@SETTINGS
@given(st.one_of(non_integers.filter(lambda v: not isinstance(v, list)), st.integers(max_value=-1),
                 st.tuples(st.integers(0, 2), st.integers(max_value=-1)),
                 st.tuples(st.tuples(st.integers(0, 1), st.just(0.5)), st.just(0))))
def test_bad_paddings_are_named(value):
    with pytest.raises(ValueError, match="padding"):
        conv_geometry((1, 4, 8, 8), (4, 4, 3, 3), padding=value)


@SETTINGS
@given(st.integers(0, 3), st.one_of(non_integers.filter(lambda v: v is not None), st.integers(max_value=0)))
def test_bad_shapes_are_named(i, value):
    shape = [1, 4, 8, 8]
    shape[i] = value
    with pytest.raises(ValueError, match=rf"x_shape\[{i}\]="):
        ConvPlan(tuple(shape), (4, 4, 1, 1) if i == 1 else (4, 4, 3, 3), warm=False)


@pytest.mark.parametrize("kw, argument", [
    (dict(kind="conv"), "kind="), (dict(kind=None), "kind="), (dict(warm=1), "warm="),
    (dict(layout="nchw"), "layout="), (dict(groups=True), "groups="), (dict(groups=1.0), "groups="),
    (dict(dtype="int32"), "dtype="), (dict(dtype=None), "dtype="), (dict(dtype="bogus"), "dtype="),
    (dict(dtype=np.complex64), "dtype="), (dict(memory_limit=1e9), "memory_limit="),
    (dict(memory_limit=0), "memory_limit="), (dict(workspace={}), "workspace="),
])
def test_bad_plan_arguments_are_named(kw, argument):
    with pytest.raises(ValueError, match=argument):
        ConvPlan(**KW, **{"warm": False, **kw})


def test_bad_run_arguments_are_value_errors():
    plan = ConvPlan(**KW, warm=False)
    x, w = np.ones(KW["x_shape"], np.float32), np.ones(KW["w_shape"], np.float32)
    with pytest.raises(ValueError, match="out="):
        plan.run(x, w, out=[[0.0]])
    with pytest.raises(ValueError, match="real numbers"):
        plan.run(x.astype(np.complex64), w)
    with pytest.raises(ValueError, match="real numbers"):
        conv2d(x.astype(str), w)
