"""Chunked evaluation (sweeps/chunks.py) changes nothing but speed and memory: the same numbers,
dtypes and errors (the rule, how many configurations break it, the first) at any chunk size, in
any shape of broadcasting; arrays are neither copied nor broadcast; the 63-bit guard holds over
the whole sweep, not chunk by chunk."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, LayerError, project
from roofline_conv.sweeps import chunks, sweep

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WHOLE = 1 << 40  # a chunk size no test sweep reaches: the whole sweep in one chunk
QUANTITIES = ["macs", "traffic", "intensity", "output_size", "im2col_elements", "time", "executed_flops",
              "attainable"]


def _sweep(chunk: int, quantity: str, **kw):
    device = "v100-sxm2" if quantity in ("time", "executed_flops", "attainable") else None
    before = chunks.CHUNK_SIZE
    chunks.CHUNK_SIZE = chunk
    try:
        return sweep(quantity, device, **kw)
    finally:
        chunks.CHUNK_SIZE = before


def _same(a, b) -> None:
    for x, y in zip(a, b) if isinstance(a, tuple) else ((a, b),):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x, y)


@st.composite
def grids(draw: st.DrawFn) -> dict:
    """Random valid conv arguments, each an int, a 1-D array or an array on its own axis of a
    grid (so that arguments broadcast against each other), groups dividing the channels."""
    ndim = draw(st.integers(1, 3))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def value(low: int, high: int):
        form = draw(st.sampled_from(["int", "full", "axis"]))
        if form == "int":
            return int(rng.integers(low, high + 1))
        if form == "full":
            return rng.integers(low, high + 1, shape)
        axis = draw(st.integers(0, ndim - 1))
        return rng.integers(low, high + 1, shape[axis]).reshape([-1 if d == axis else 1 for d in range(ndim)])

    groups, kernel, dilation = value(1, 3), value(1, 5), value(1, 2)
    return dict(batch=value(1, 8), in_channels=groups * value(1, 8), out_channels=groups * value(1, 8),
                groups=groups, kernel_size=kernel, input_size=value(1, 12) + dilation * (kernel - 1),
                stride=value(1, 2), padding=value(0, 2), dilation=dilation, bias=draw(st.booleans()))


@SETTINGS
@given(kw=grids(), chunk=st.sampled_from([1, 2, 3, 5, 8, 13]), quantity=st.sampled_from(QUANTITIES))
def test_any_chunk_size_gives_the_same_numbers(kw, chunk, quantity):
    _same(_sweep(chunk, quantity, **kw), _sweep(WHOLE, quantity, **kw))


@SETTINGS
@given(kw=grids(), chunk=st.sampled_from([1, 2, 5]))
def test_every_kind_chunked(kw, chunk):
    groups = kw.pop("groups")
    kw["in_channels"] = kw["in_channels"] // groups
    kw["out_channels"] = kw["out_channels"] // groups
    for kind, extra in (("depsep", dict(depth_multiplier=2)), ("depthwise", {})):
        args = dict(kw, **extra)
        if kind == "depthwise":
            del args["out_channels"]
        for quantity in ("macs", "traffic", "time"):
            _same(_sweep(chunk, quantity, kind=kind, **args), _sweep(WHOLE, quantity, kind=kind, **args))


def _message(chunk: int, **kw) -> str:
    with pytest.raises(LayerError) as caught:
        _sweep(chunk, "macs", **kw)
    return str(caught.value)


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, WHOLE])
def test_the_first_rule_stated_is_reported_whichever_chunk_meets_it(chunk):
    """Chunk 0 breaks the kernel rule, the last chunk the groups rule (stated before it): the
    groups rule is reported, counted over the whole sweep, its first configuration named."""
    kw = dict(in_channels=np.array([8, 8, 8, 8, 9, 8, 9]), out_channels=8, groups=2,
              kernel_size=np.array([9, 3, 3, 3, 3, 3, 3]), input_size=5)
    message = _message(chunk, **kw)
    assert message == ("groups does not divide in_channels in 2 of 7 configurations "
                       "(first at index 4: groups=2, in_channels=9)")
    kw["in_channels"] = 8  # then the kernel rule, counted over every chunk
    assert _message(chunk, **kw) == ("kernel_size (dilated extent dilation*(kernel-1)+1) is larger than the padded "
                                     "input height in 1 of 7 configurations (first at index 0: kernel_size=9, "
                                     "dilation=1, input_size=5, total_padding=0)")


@pytest.mark.parametrize("chunk", [1, 3, WHOLE])
def test_errors_in_a_grid_name_the_first_configuration_in_c_order(chunk):
    stride = np.array([[1, 1, 1], [1, 0, 0]])  # (2, 3): two zeros, the first at (1, 1)
    message = _message(chunk, in_channels=np.array([[4], [8]]), out_channels=4, kernel_size=3, input_size=8,
                       stride=stride)
    assert message == "stride must be >= 1 in 2 of 6 configurations (first at index (1, 1): stride=0)"
    huge = np.array([1, 2, 2**40, 3], dtype=np.int64)
    message = _message(chunk, in_channels=4, out_channels=4, kernel_size=3, input_size=8, batch=huge)
    assert message.startswith("batch must be <= 2147483648")


@pytest.mark.parametrize("chunk", [1, 2, WHOLE])
def test_the_guard_holds_over_the_whole_sweep(chunk):
    """Each chunk alone is far from 2**62 (a huge batch in one, huge channels in the other), the
    sweep is not: object arrays of exact ints, as without chunks."""
    kw = dict(batch=np.array([2**20, 1]), in_channels=np.array([1, 4096]), out_channels=4096, kernel_size=7,
              input_size=4096, padding=3)
    macs = _sweep(chunk, "macs", **kw)
    assert macs.dtype == object
    assert macs.tolist() == [Conv2d(1, 4096, 7, 4096, padding=3, batch=2**20).macs,
                             Conv2d(4096, 4096, 7, 4096, padding=3).macs]
    small = dict(kw, batch=np.array([2, 1]))  # well under the guard: int64
    assert _sweep(chunk, "macs", **small).dtype == np.int64


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.uint16, np.uint64])
def test_integer_arrays_of_any_width_are_used_as_given(dtype):
    channels = np.array([8, 16, 24, 32], dtype=dtype)
    channels.setflags(write=False)
    want = sweep("macs", in_channels=channels.astype(np.int64), out_channels=8, kernel_size=3, input_size=8)
    for chunk in (1, 3, WHOLE):
        got = _sweep(chunk, "macs", in_channels=channels, out_channels=8, kernel_size=3, input_size=8)
        assert got.dtype == np.int64 and got.tolist() == want.tolist()


def test_an_invalid_configuration_is_reported_before_an_evaluation_error():
    """A chunk is evaluated before it is checked: an error from its evaluation (no unit for a
    depthwise conv at int8 on an A100) gives way to the rule an invalid configuration breaks."""
    kw = dict(out_channels=8, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match=r"in_channels must be >= 1 in 1 of 2 configurations"):
        sweep("time", "a100-sxm-40gb", "int8", in_channels=np.array([4, 0]), groups=np.array([1, 0]), **kw)
    with pytest.raises(ValueError, match="depthwise"):  # a valid depthwise configuration: the device's own error
        sweep("time", "a100-sxm-40gb", "int8", in_channels=np.array([4, 8]), groups=np.array([1, 8]), **kw)


def test_memory_is_bounded_by_the_chunk():
    n = 300_000
    rng = np.random.default_rng(5)
    kw = dict(in_channels=rng.integers(1, 64, n), out_channels=rng.integers(1, 64, n), kernel_size=3,
              input_size=rng.integers(8, 64, n), padding=1, batch=rng.integers(1, 16, n))
    sweep("time", "v100-sxm2", **{k: (v[:10] if isinstance(v, np.ndarray) else v) for k, v in kw.items()})
    tracemalloc.start()
    try:
        out = sweep("time", "v100-sxm2", **kw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - out.nbytes < 64 * chunks.CHUNK_SIZE * 8  # a few dozen chunk-sized temporaries, not n-sized


def test_time_still_matches_project_across_chunks():
    rng = np.random.default_rng(11)
    n = 40
    groups = rng.choice([1, 2, 4], n)
    cin, cout = groups * rng.integers(1, 16, n), groups * rng.integers(1, 16, n)
    cin[::7] = groups[::7]  # some depthwise configurations: a second placement in the chunk
    kernel = rng.choice([1, 3], n)
    got = _sweep(3, "time", in_channels=cin, out_channels=cout, groups=groups, kernel_size=kernel, input_size=14,
                 padding=kernel // 2)
    want = [project(Conv2d(int(a), int(b), int(k), 14, padding=int(k) // 2, groups=int(g)), "v100-sxm2").time
            for a, b, g, k in zip(cin, cout, groups, kernel)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
