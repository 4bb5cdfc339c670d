"""sweep() refuses every invalid argument where it is handed in, naming it (sweeps/arguments.py,
sweeps/evaluate.py): non-integers, bools, strings, None, zero/negative, huge values, arguments the
kind does not take, and bad vocabularies; empty arrays give empty results for every quantity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, LayerError, devices
from roofline_conv.conventions import PRECISIONS, TRAFFIC_MODELS
from roofline_conv.sweeps import COUNT_QUANTITIES, DEVICE_QUANTITIES, KINDS, MAX_DIMENSION, QUANTITIES, sweep

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BASE = {
    "conv": dict(in_channels=8, out_channels=8, kernel_size=3, input_size=8),
    "pointwise": dict(in_channels=8, out_channels=8, input_size=8),
    "depthwise": dict(in_channels=8, kernel_size=3, input_size=8),
    "depsep": dict(in_channels=8, out_channels=8, kernel_size=3, input_size=8),
}
TAKES = {
    "conv": ("batch", "in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding",
             "dilation", "groups", "bias"),
    "pointwise": ("batch", "in_channels", "out_channels", "input_size", "stride", "groups", "bias"),
    "depthwise": ("batch", "in_channels", "kernel_size", "input_size", "stride", "padding", "dilation", "bias",
                  "depth_multiplier"),
    "depsep": ("batch", "in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding",
               "dilation", "bias", "depth_multiplier"),
}
ALL_ARGS = ("batch", "in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding", "dilation",
            "groups", "bias", "depth_multiplier")
REQUIRED = {k: tuple(BASE[k]) for k in KINDS}
MINIMUM = {"padding": 0, "bias": 0}


def _refused(kind: str, argument: str, value, quantity: str = "macs") -> str:
    """The message of the ValueError sweep raises; it must name ``argument``."""
    kw = dict(BASE[kind], **{argument: value})
    device = "v100-sxm2" if quantity in DEVICE_QUANTITIES else None
    with pytest.raises(ValueError) as caught:
        sweep(quantity, device, kind=kind, **kw)
    message = str(caught.value)
    assert argument in message, (kind, argument, value, message)
    return message


kinds = st.sampled_from(KINDS)
some_ints = st.lists(st.integers(1, 4), max_size=3)


def _with_one(bad: st.SearchStrategy) -> st.SearchStrategy:
    """A list of valid ints with one bad item somewhere."""
    return st.tuples(some_ints, bad, some_ints).map(lambda t: [*t[0], t[1], *t[2]])


floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(1, 64).map(float),                                       # integral: 8.0
    st.integers(1, 64).map(np.float32),
    _with_one(st.floats(allow_nan=False, allow_infinity=False)),          # a list becomes a float array
    st.lists(st.integers(1, 64), min_size=1, max_size=4).map(lambda v: np.array(v, dtype=float)),
    st.just([2**53 + 1, 8.0]),                                            # numpy would round the first
)
bools = st.one_of(st.booleans(), st.booleans().map(np.bool_), st.lists(st.booleans(), min_size=1, max_size=4))
strings = st.one_of(st.text(max_size=5).filter(lambda s: s not in ("same", "valid")),
                    st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=3), st.binary(max_size=3))
others = st.one_of(st.just({8}), st.just({"h": 8}), st.just(1 + 2j), _with_one(st.none()),
                   st.just([[1, 2], [3]]), st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda t: (t,)))
huge = st.one_of(st.integers(MAX_DIMENSION + 1, 2**200), _with_one(st.integers(MAX_DIMENSION + 1, 2**70)),
                 st.integers(MAX_DIMENSION + 1, 2**62).map(lambda v: np.array([1, v])),
                 st.integers(2**63, 2**64 - 1).map(lambda v: np.array([v], dtype=np.uint64)))


def _small(argument: str) -> st.SearchStrategy:
    """Values below the argument's minimum (bias: anything but 0/1)."""
    if argument == "bias":
        return st.one_of(st.integers(max_value=-1), st.integers(2, 2**40), _with_one(st.integers(2, 9)))
    low = MINIMUM.get(argument, 1) - 1
    return st.one_of(st.integers(-2**80, low), _with_one(st.integers(-2**31, low)),
                     st.integers(-2**31, low).map(lambda v: np.array([1, v])))


@SETTINGS
@given(kind=kinds, data=st.data())
def test_non_integers_are_refused_naming_the_argument(kind, data):
    argument = data.draw(st.sampled_from(TAKES[kind]))
    bad = [floats, strings, others] + ([] if argument == "bias" else [bools])
    value = data.draw(st.one_of(*bad))
    _refused(kind, argument, value, data.draw(st.sampled_from(QUANTITIES)))


@SETTINGS
@given(kind=kinds, data=st.data())
def test_out_of_range_values_are_refused_naming_the_argument(kind, data):
    argument = data.draw(st.sampled_from(TAKES[kind]))
    value = data.draw(st.one_of(huge, _small(argument)))
    _refused(kind, argument, value, data.draw(st.sampled_from(["macs", "traffic", "time", "output_size"])))


@SETTINGS
@given(kind=kinds, data=st.data())
def test_none_is_refused_where_it_is_no_default(kind, data):
    argument = data.draw(st.sampled_from(("batch", "stride", "bias") + REQUIRED[kind]))
    _refused(kind, argument, None)


@SETTINGS
@given(kind=kinds, data=st.data())
def test_arguments_a_kind_does_not_take_are_refused(kind, data):
    extra = [a for a in ALL_ARGS if a not in TAKES[kind] and not (kind == "depthwise" and a == "out_channels")]
    argument = data.draw(st.sampled_from(extra))
    value = data.draw(st.one_of(st.integers(0, 4), st.just([1, 2]), st.just("same")))
    _refused(kind, argument, value)


@pytest.mark.parametrize("value", [4, 8, [8, 16], 16])
def test_depthwise_out_channels_and_multiplier_together_are_refused_naming_both(value):
    with pytest.raises(LayerError, match="out_channels and depth_multiplier cannot both be given") as caught:
        sweep("macs", kind="depthwise", in_channels=4, out_channels=value, kernel_size=3, input_size=8,
              depth_multiplier=2)
    assert "out_channels=" in str(caught.value) and "depth_multiplier=2" in str(caught.value)
    # either one alone is the same layer
    assert sweep("macs", kind="depthwise", in_channels=4, kernel_size=3, input_size=8, depth_multiplier=2) == \
        sweep("macs", kind="depthwise", in_channels=4, out_channels=8, kernel_size=3, input_size=8)


@SETTINGS
@given(kind=kinds, data=st.data())
def test_empty_in_empty_out_for_every_quantity(kind, data):
    argument = data.draw(st.sampled_from(TAKES[kind]))
    empty = data.draw(st.sampled_from([[], np.array([], dtype=int), np.zeros((0, 3), dtype=int)]))
    quantity = data.draw(st.sampled_from(QUANTITIES))
    device = "v100-sxm2" if quantity in DEVICE_QUANTITIES else None
    out = sweep(quantity, device, kind=kind, **dict(BASE[kind], **{argument: empty}))
    for arr in out if quantity == "output_size" else (out,):
        assert arr.size == 0 and arr.shape == np.shape(empty)
        assert arr.dtype == (np.float64 if quantity in DEVICE_QUANTITIES or quantity == "intensity" else np.int64)


def _is_device(text: str) -> bool:
    try:
        devices.get(text)
    except (ValueError, KeyError):
        return False
    return True


def _not_in(words) -> st.SearchStrategy:
    return st.one_of(st.text(max_size=8).filter(lambda s: s not in words), st.integers(), st.floats(),
                     st.just(["macs"]), st.just(b"fp16"))


@SETTINGS
@given(data=st.data())
def test_bad_vocabulary_values_are_refused_naming_the_argument(data):
    argument, value = data.draw(st.one_of(
        st.tuples(st.just("quantity"), st.one_of(_not_in(QUANTITIES), st.none())),
        st.tuples(st.just("kind"), st.one_of(_not_in(KINDS), st.none())),
        st.tuples(st.just("precision"), _not_in(PRECISIONS + TRAFFIC_MODELS)),
        st.tuples(st.just("traffic"), _not_in(PRECISIONS + TRAFFIC_MODELS)),
        st.tuples(st.just("lowering"), _not_in(("vector", "per_channel_gemm", "block_diagonal"))),
        st.tuples(st.just("device"), st.one_of(_not_in(()).filter(lambda v: not (isinstance(v, str) and _is_device(v))),
                                              st.none())),
        st.tuples(st.just("unit"), st.one_of(_not_in(("tensor", "cuda")), st.just({"dense": "cuda"}),
                                            st.just({"conv": "tensor_core"}), st.just({"conv": 3}))),
        st.tuples(st.just("calibrated"), st.one_of(st.integers(), st.text(max_size=3), st.just([True]))),
    ))
    kw = dict(BASE["conv"], **{argument: value})
    kw.setdefault("quantity", "time")
    kw.setdefault("device", "v100-sxm2")
    with pytest.raises(ValueError) as caught:
        sweep(**kw)
    assert argument in str(caught.value), (argument, value, str(caught.value))


@pytest.mark.parametrize("argument, value", [("device", "v100-sxm2"), ("unit", "tensor"),
                                             ("lowering", "vector"), ("calibrated", False)])
@pytest.mark.parametrize("quantity", sorted(COUNT_QUANTITIES))
def test_device_arguments_with_a_count_quantity_are_refused(quantity, argument, value):
    with pytest.raises(ValueError, match=rf"{argument}=.* does not apply to quantity='{quantity}'"):
        sweep(quantity, **dict(BASE["conv"], **{argument: value}))


def test_the_examples_of_the_issue():
    # a float list: refused (numpy would have rounded 2**53 + 1 to 2**53)
    with pytest.raises(LayerError, match=r"in_channels=\[9007199254740993, 8.0\] must be integers, not floats"):
        sweep("macs", kind="conv", in_channels=[2**53 + 1, 8.0], out_channels=4, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match=r"in_channels=8.0 must be an integer, not a float \(write 8\)"):
        sweep("macs", in_channels=8.0, out_channels=4, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match=r"in_channels must be <= 2147483648"):
        sweep("macs", in_channels=[2**53 + 1, 8], out_channels=4, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match=r"in_channels\[0\]=1180591620717411303424 must be <= 2147483648"):
        sweep("macs", in_channels=[2**70, 8], out_channels=4, kernel_size=3, input_size=8)
    with pytest.raises(LayerError, match="depth_multiplier"):
        sweep("macs", kind="depthwise", in_channels=4, out_channels=4, kernel_size=3, input_size=8, depth_multiplier=2)
    for quantity in ("time", "per_second", "attainable", "macs", "intensity"):
        assert sweep(quantity, "v100-sxm2" if quantity in DEVICE_QUANTITIES else None,
                     in_channels=np.array([], int), out_channels=4, kernel_size=3, input_size=8).shape == (0,)


def test_largest_dimensions_give_exact_counts():
    """Every dimension at the bound: counts exact (Python ints), never wrapped."""
    top = MAX_DIMENSION
    macs = sweep("macs", in_channels=[top, 1], out_channels=top, kernel_size=1, input_size=[1, top], batch=top)
    assert macs.tolist() == [Conv2d(top, top, 1, 1, batch=top).macs, Conv2d(1, top, 1, top, batch=top).macs]
    extent = sweep("output_size", in_channels=1, out_channels=1, kernel_size=3, input_size=8, dilation=top,
                   padding="same")
    assert [int(a) for a in extent] == [8, 8]
    assert sweep("macs", in_channels=np.array([8, 16], dtype=object), out_channels=4, kernel_size=3,
                 input_size=8).tolist() == [10368, 20736]
    assert sweep("macs", in_channels=8, out_channels=4, kernel_size=3, input_size=8, bias=np.array([True, False])
                 ).tolist() == [10368, 10368]
