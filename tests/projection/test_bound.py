"""The bound stays a bound: input elements read by strided/dilated convs, algorithms with fewer
multiplies, channel padding on matrix units."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from roofline_conv import Conv2d, project
from roofline_conv.layers.formulas import rows_read
from roofline_conv.projection.arith import gemm_utilisation, padded_utilisation

_h, _k, _s, _p, _pt, _d = sp.symbols("h k s p pt d", integer=True, positive=True)
_ROWS = sp.lambdify((_h, _k, _s, _p, _pt, _d), rows_read(_h, _k, _s, _p, _pt, _d),
                    modules=[{"Min": min, "Max": max}, "sympy"])


def _brute(h: int, k: int, s: int, p: int, pt: int, d: int) -> int:
    out = (h + p - d * (k - 1) - 1) // s + 1
    return len({q * s + r * d - pt for q in range(out) for r in range(k)} & set(range(h)))


@st.composite
def _axis(draw: st.DrawFn) -> tuple[int, ...]:
    k, s, d, p = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(0, 10))
    extent = d * (k - 1) + 1
    h = draw(st.integers(max(1, extent - p), max(1, extent - p) + 40))
    return h, k, s, p, draw(st.integers(0, p)), d


@settings(max_examples=300, deadline=None)
@given(_axis())
def test_rows_read_is_exact_when_stride_or_dilation_divides_the_other_and_never_more(axis):
    h, k, s, p, pt, d = axis
    got, brute = int(_ROWS(*axis)), _brute(*axis)
    assert got <= brute
    if s % d == 0 or d % s == 0:
        assert got == brute


@settings(max_examples=60, deadline=None)
@given(_axis(), st.integers(1, 4), st.integers(1, 8))
def test_layer_input_elements_use_rows_and_columns_read(axis, batch, channels):
    h, k, s, p, pt, d = axis
    conv = Conv2d(channels, 4, (k, 1), (h, 3), stride=(s, 1), padding=((pt, p - pt), (0, 0)), dilation=(d, 1),
                  batch=batch)
    assert conv.input_read_elements == batch * channels * int(_ROWS(*axis)) * 3
    assert conv.input_elements == batch * channels * h * 3  # the tensor: what a data gradient writes


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.integers(1, 64), st.integers(1, 5))
def test_stride_one_no_dilation_reads_everything(k, size, batch):
    conv = Conv2d(8, 8, k, size + k, padding="same", batch=batch)
    assert conv.input_read_elements == conv.input_elements == batch * 8 * (size + k) ** 2
    assert Conv2d.symbolic().input_read_elements == sp.Symbol("B", integer=True, positive=True) * 0 + \
        Conv2d.symbolic().batch * Conv2d.symbolic().in_channels * Conv2d.symbolic().input_size[0] ** 2


def test_deepbench_1x1_stride_2_reads_a_quarter_and_the_bound_is_below_the_measurement():
    # DeepBench V100 fp16: N16, C256 -> K128, 1x1, stride 2, 56x56: measured 31 us
    conv = Conv2d(256, 128, 1, 56, stride=2, batch=16)
    assert conv.input_read_elements == 16 * 256 * 28 * 28 and conv.input_elements == 16 * 256 * 56 * 56
    p = project(conv, "v100-sxm2", "fp16")
    assert p.time * 1e6 < 31
    assert p.traffic == 2 * (256 * 128 + 16 * 256 * 28 * 28 + 16 * 128 * 28 * 28)


def test_algorithms_lower_executed_flops_never_the_macs():
    conv = Conv2d(64, 64, 3, 56, padding=1, batch=8)
    direct = project(conv, "v100-sxm2", "fp32", algorithm="direct")
    assert direct.algorithm == "direct" and direct.executed_flops == conv.flops
    w2 = project(conv, "v100-sxm2", "fp32", algorithm="winograd_2x2_3x3")
    w4 = project(conv, "v100-sxm2", "fp32", algorithm="winograd_4x4_3x3")
    assert w2.executed_flops == pytest.approx(conv.flops / 2.25) and w4.executed_flops == pytest.approx(conv.flops / 4)
    assert w2.flops == w4.flops == conv.flops  # the layer's count stays direct
    default = project(conv, "v100-sxm2", "fp32")
    assert default.algorithm == "winograd_4x4_3x3"  # the catalog's rule (DeepBench V100 fp32)
    assert project(conv, "v100-sxm2", "fp16").algorithm == "direct"  # no rule: direct
    assert "algorithm" in project(conv, "v100-sxm2", "fp32").table().columns
    for a in ("winograd_2x2_3x3", "winograd_4x4_3x3", "fft"):  # does not apply: direct, said so
        p = project(Conv2d(64, 64, 3, 56, stride=2, padding=1), "v100-sxm2", "fp32", algorithm=a)
        assert p.algorithm == "direct"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.sampled_from([1, 3, 5]), st.integers(5, 40),
       st.sampled_from([None, "winograd_2x2_3x3", "winograd_4x4_3x3", "fft"]))
def test_a_bound_with_an_algorithm_is_at_most_the_direct_bound(cin, cout, k, size, algorithm):
    conv = Conv2d(cin, cout, k, size, padding="same", batch=2)
    for precision in ("fp32", "fp16"):
        with_algorithm = project(conv, "v100-sxm2", precision, algorithm=algorithm)
        direct = project(conv, "v100-sxm2", precision, algorithm="direct")
        assert with_algorithm.time <= direct.time and with_algorithm.executed_flops <= direct.executed_flops


def test_algorithm_errors_name_the_argument():
    with pytest.raises(ValueError, match="algorithm='winograd'"):
        project(Conv2d(8, 8, 3, 8), "v100-sxm2", algorithm="winograd")
    with pytest.raises(ValueError, match="algorithm=3"):
        project(Conv2d(8, 8, 3, 8), "v100-sxm2", algorithm=3)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.sampled_from([1, 9, 25]), st.sampled_from([1, 8, 16, 32]))
def test_channel_padding_never_lowers_executed_macs(c, n, taps, multiple):
    k = c * taps
    padded = padded_utilisation("gemm", n, k, 1, (16, 16), taps, multiple)
    assert padded <= gemm_utilisation("gemm", n, k, 1, (16, 16)) + 1e-12
    if c % multiple == 0 and n % multiple == 0:
        assert padded == gemm_utilisation("gemm", n, k, 1, (16, 16))
    arrays = padded_utilisation("gemm", np.array([n]), np.array([k]), np.array([1]), (16, 16), np.array([taps]), multiple)
    assert arrays[0] == pytest.approx(padded)


def test_channel_padding_counts_c_inside_the_reduction():
    # C=3 on fp16 tensor cores (V100: multiples of 8): k = 8 x 9 = 72 (not ceil(27/8) x 8 = 32)
    p = project(Conv2d(3, 64, 3, 56, padding=1), "v100-sxm2", "fp16")
    assert p.utilisation_of_tile == pytest.approx((27 * 64) / (72 * 64) * (72 * 64) / (80 * 64))
