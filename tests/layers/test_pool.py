"""Pooling layers: the conv output-size formula, op counts, errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d
from roofline_conv.layers import AvgPool2d, GlobalAvgPool, LayerError, MaxPool2d
from roofline_conv.layers.families import POOL

from network.netstrategies import out_len


def test_pool_output_size_is_the_conv_formula():
    p = MaxPool2d(64, 3, 112, stride=2, padding=1)
    conv = Conv2d(64, 64, 3, 112, stride=2, padding=1, groups=64)
    assert p.output_size == conv.output_size == (56, 56)
    assert p.output_elements == conv.output_elements and p.input_elements == conv.input_elements
    assert p.ops == 64 * 56 * 56 * 8 and p.macs == 0 and p.params == 0  # 3x3 - 1 comparisons
    assert p.flops == p.ops  # comparisons count as FLOPs
    a = AvgPool2d(64, 3, 112, stride=2, padding=1)
    assert a.ops == 64 * 56 * 56 * 9  # 8 adds + 1 multiply
    assert MaxPool2d(8, 2, 8).stride == (2, 2)  # stride defaults to the kernel
    g = GlobalAvgPool(1280, 7, batch=2)
    assert g.output_shape == (2, 1280, 1, 1) and g.ops == 2 * 1280 * 49
    # no output-size formula of its own: the pool family has only op counts
    assert set(POOL.exprs) == {"max_ops", "avg_ops"}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 3), st.integers(0, 3), st.integers(1, 2))
def test_pool_output_size_brute_force(n, k, s, p, d):
    if 2 * p > k or d * (k - 1) + 1 > n + 2 * p:
        with pytest.raises(LayerError):
            MaxPool2d(3, k, n, stride=s, padding=p, dilation=d)
        return
    pool = MaxPool2d(3, k, n, stride=s, padding=p, dilation=d)
    assert pool.output_size == (out_len(n, k, s, p, d),) * 2
    assert pool.ops == 3 * out_len(n, k, s, p, d) ** 2 * (k * k - 1)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(kernel_size=3, padding=2), "padding=2 on height must be at most half the kernel size 3"),
    (dict(kernel_size=9, input_size=4), "larger than the padded input height"),
    (dict(kernel_size=0), "kernel_size=0 must be >= 1"),
    (dict(stride=0), "stride=0 must be >= 1"),
    (dict(channels=0), "channels=0 must be >= 1"),
    (dict(padding="full"), "padding='full' must be"),
    (dict(kernel_size=2.0), "must be an integer, not a float"),
])
def test_pool_errors(kwargs, needle):
    args = dict(channels=8, kernel_size=3, input_size=16)
    args.update(kwargs)
    with pytest.raises(LayerError, match=None) as info:
        MaxPool2d(**args)
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError)


def test_avgpool_has_no_dilation_and_global_pool_is_whole_map():
    with pytest.raises(TypeError):
        AvgPool2d(8, 3, 16, dilation=2)  # type: ignore[call-arg]
    g = GlobalAvgPool(8, (5, 7))
    assert g.kernel_size == (5, 7) and g.output_size == (1, 1)
