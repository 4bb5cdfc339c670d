"""Identities proven over random valid layers (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import TRAFFIC_MODELS, Conv2d, Depthwise, Pointwise
from strategies import conv_args, convs, depseps

PRECISIONS = ("fp32", "fp16", "bf16", "fp8", "int8")


@given(depseps())
def test_depsep_parts_add_up(sep):
    dw, pw = sep.parts
    assert sep.params == dw.params + pw.params
    assert sep.macs == dw.macs + pw.macs
    assert sep.flops == dw.flops + pw.flops
    assert pw.input_shape == dw.output_shape
    for model in TRAFFIC_MODELS:
        for precision in ("fp32", "fp16"):
            parts = dw.traffic(model, precision) + pw.traffic(model, precision)
            if model == "compulsory":  # fused: the intermediate never leaves the chip
                parts -= 2 * sep.intermediate_elements * (4 if precision == "fp32" else 2)
            assert sep.traffic(model, precision) == parts


@given(st.integers(1, 64), st.integers(1, 3), st.integers(1, 7), st.integers(0, 3), st.integers(1, 2),
       st.integers(1, 3), st.integers(1, 4), st.booleans(), st.integers(7, 30))
def test_grouped_conv_equals_depthwise(c, mult, k, pad, stride, dil, batch, bias, size):
    size = max(size, dil * (k - 1) + 1)
    a = Conv2d(c, c * mult, k, size, stride, pad, dil, groups=c, bias=bias, batch=batch)
    b = Depthwise(c, k, size, stride, pad, dil, bias=bias, batch=batch, multiplier=mult)
    assert a == b
    for name in ("params", "weights", "macs", "flops", "input_elements", "output_elements",
                 "im2col_elements", "output_size", "gemm", "kind"):
        assert getattr(a, name) == getattr(b, name), name
    for model in TRAFFIC_MODELS:
        assert a.traffic(model, "fp16") == b.traffic(model, "fp16")
        assert a.intensity(model, "fp16") == b.intensity(model, "fp16")


@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 30), st.integers(1, 3), st.booleans(), st.integers(1, 4))
def test_kernel_one_equals_pointwise(cin, cout, size, stride, bias, batch):
    a = Conv2d(cin, cout, 1, size, stride=stride, bias=bias, batch=batch)
    b = Pointwise(cin, cout, size, stride=stride, bias=bias, batch=batch)
    assert a == b
    for name in ("params", "macs", "flops", "output_size", "gemm", "kind", "im2col_elements"):
        assert getattr(a, name) == getattr(b, name)
    for model in TRAFFIC_MODELS:
        assert a.traffic(model) == b.traffic(model)


@given(conv_args(), st.integers(2, 64))
def test_batch_scaling(args, factor):
    one = Conv2d(**{**args, "batch": 1})
    many = one.replace(batch=factor)
    assert many.macs == factor * one.macs
    assert many.flops == factor * one.flops
    assert many.params == one.params
    for model in TRAFFIC_MODELS:
        for precision in PRECISIONS:
            assert many.intensity(model, precision) >= one.intensity(model, precision) - 1e-12


@given(convs())
def test_gemm_and_flops(layer):
    m, n, k = layer.gemm
    assert m * n * k == layer.macs
    assert layer.flops == 2 * layer.macs + (layer.batch * layer.out_channels * layer.output_size[0] * layer.output_size[1] if layer.bias else 0)
    assert layer.params == layer.weights + (layer.out_channels if layer.bias else 0)
    for model in TRAFFIC_MODELS:
        assert abs(layer.intensity(model, "fp32") - layer.intensity(model, "fp16") / 2) <= 1e-12 * layer.intensity(model, "fp16")
        assert layer.traffic(model, "fp32") == 2 * layer.traffic(model, "fp16") == 4 * layer.traffic(model, "int8")


@given(depseps())
def test_depsep_intensity_halves_at_fp32(sep):
    for model in TRAFFIC_MODELS:
        assert abs(sep.intensity(model, "fp32") - sep.intensity(model, "fp16") / 2) <= 1e-12 * sep.intensity(model, "fp16")


def _brute_force_positions(size: int, kernel: int, stride: int, pad: int, dilation: int) -> int:
    extent = dilation * (kernel - 1) + 1
    return sum(1 for start in range(0, size + pad) if start % stride == 0 and start + extent <= size + pad)


@settings(max_examples=300)
@given(convs())
def test_output_size_matches_brute_force(layer):
    (pt, pb), (pl, pr) = layer.padding
    h = _brute_force_positions(layer.input_size[0], layer.kernel_size[0], layer.stride[0], pt + pb, layer.dilation[0])
    w = _brute_force_positions(layer.input_size[1], layer.kernel_size[1], layer.stride[1], pl + pr, layer.dilation[1])
    assert layer.output_size == (h, w)


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 3))
def test_same_padding_stride_one_keeps_size(size, k, dil):
    layer = Conv2d(4, 4, k, size, padding="same", dilation=dil)
    assert layer.output_size == (size, size)


@given(st.integers(4, 60), st.sampled_from([1, 3, 5, 7]), st.integers(2, 3))
def test_same_padding_strided_gives_ceil(size, k, stride):
    try:
        layer = Conv2d(4, 4, k, size, stride=stride, padding="same")
    except ValueError as exc:  # odd total padding with stride > 1 is refused
        assert "symmetric" in str(exc)
        return
    assert layer.output_size == (-(-size // stride),) * 2
