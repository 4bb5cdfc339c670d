"""The non-convolution layer kinds: counts, stated conventions, shapes, errors, symbolic use."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, Depthwise, Pointwise
from roofline_conv.layers import (
    OPS_PER_ELEMENT, Add, AvgPool2d, BatchNorm2d, Flatten, GlobalAvgPool, HardSigmoid, HardSwish, LayerError, Linear,
    MaxPool2d, ReLU, ReLU6, Scale, Sigmoid, SiLU, SqueezeExcitation,
)
from roofline_conv.layers.families import LINEAR, POOL

from .netstrategies import out_len


def test_linear_counts_and_gemm():
    fc = Linear(1024, 1000, batch=8)
    assert fc.weights == 1_024_000 and fc.bias_params == 1000 and fc.params == 1_025_000
    assert fc.macs == 8 * 1024 * 1000
    assert fc.flops == 2 * fc.macs + 8 * 1000  # bias adds
    assert tuple(fc.gemm) == (8, 1000, 1024) and fc.gemm.macs == fc.macs
    assert fc.input_elements == 8 * 1024 and fc.output_elements == 8000
    assert fc.traffic("compulsory", "fp16") == 2 * (1_025_000 + 8 * 1024 + 8000)
    assert fc.output_shape == (8, 1000) and fc.kind == "linear"
    assert Linear(10, 5, bias=False).params == 50
    # a Linear is a 1x1 conv on a 1x1 map: same MACs, params and traffic
    pw = Pointwise(1024, 1000, 1, bias=True, batch=8)
    assert (pw.macs, pw.params, pw.traffic()) == (fc.macs, fc.params, fc.traffic())


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
    (dict(kernel_size=2.0), "must be an int, not a float"),
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


def test_batchnorm_convention():
    bn = BatchNorm2d(32, 112, batch=2)
    assert bn.params == 64 and bn.weights == 32 and bn.bias_params == 32  # gamma + beta
    assert bn.buffers == 64  # running mean and variance: not parameters
    assert bn.macs == 0 and bn.ops == 2 * 2 * 32 * 112 * 112
    assert bn.traffic_elements() == 64 + 2 * 2 * 32 * 112 * 112  # scale/shift + input + output
    assert bn.foldable


@pytest.mark.parametrize("cls, ops", [(ReLU, 1), (ReLU6, 2), (Sigmoid, 3), (SiLU, 4), (HardSigmoid, 4), (HardSwish, 5)])
def test_activation_ops_per_element(cls, ops):
    a = cls((16, 8, 8), batch=3)
    assert OPS_PER_ELEMENT[a.kind] == ops == a.ops_per_element
    assert a.ops == ops * 3 * 16 * 64 and a.flops == a.ops and a.macs == 0 and a.params == 0
    assert a.traffic_elements() == 2 * 3 * 16 * 64
    assert cls(10).output_shape == (1, 10)


def test_add_scale_flatten():
    add = Add((64, 56, 56))
    assert add.input_elements == 2 * 64 * 56 * 56 and add.ops == 64 * 56 * 56
    assert add.traffic_elements() == 3 * 64 * 56 * 56
    assert Add((4,), inputs=3).ops == 2 * 4
    with pytest.raises(LayerError, match="inputs=1 must be an int >= 2"):
        Add((4,), inputs=1)
    s = Scale(96, 56)
    assert s.input_elements == 96 * 56 * 56 + 96 and s.ops == 96 * 56 * 56
    f = Flatten((512, 7, 7), batch=2)
    assert f.output_shape == (2, 25088) and f.ops == 0 and f.flops == 0
    assert all(f.traffic(m) == 0 for m in ("compulsory", "unfused", "im2col"))  # a view
    assert f.input_elements == f.output_elements == 2 * 25088


def test_shape_errors():
    with pytest.raises(LayerError, match=r"shape=\(1, 2\) must be \(features,\) or \(channels, height, width\)"):
        ReLU((1, 2))
    with pytest.raises(LayerError, match="activation='gelu' is not known"):
        SqueezeExcitation(8, 2, 4, activation="gelu")


def test_squeeze_excitation_is_the_sum_of_its_parts():
    se = SqueezeExcitation(96, 4, 56, batch=2, activation="silu")
    pool, fc1, act, fc2, gate, scale = se.parts
    assert (pool.kind, fc1.kind, act.kind, fc2.kind, gate.kind, scale.kind) == (
        "globalavgpool", "linear", "silu", "linear", "sigmoid", "scale")
    assert se.params == 2 * 96 * 4 + 96 + 4
    assert se.macs == 2 * 2 * 96 * 4
    for q in ("params", "macs", "ops", "flops", "bias_adds"):
        assert getattr(se, q) == sum(getattr(p, q) for p in se.parts)
    assert se.traffic_elements("compulsory") == se.params + 2 * 2 * 96 * 56 * 56
    assert se.traffic_elements("unfused") == sum(p.traffic_elements("unfused") for p in se.parts)
    assert sum(se.part_traffic_elements("compulsory")) == se.traffic_elements("compulsory")
    assert se.traffic("compulsory") < se.traffic("unfused")
    assert se.output_shape == se.input_shape == (2, 96, 56, 56)


def test_symbolic_dimensions():
    c = sp.Symbol("c", positive=True, integer=True)
    assert ReLU((c, 7, 7)).ops == 49 * c
    assert Linear(c, 10).macs == 10 * c
    assert MaxPool2d(c, 3, 56, stride=2, padding=1).ops == 6272 * c
    assert BatchNorm2d(c, 8).is_symbolic and BatchNorm2d(c, 8).params == 2 * c
    assert str(LINEAR["macs"]) == "B*F_in*F_out"


def test_layers_are_immutable_hashable_and_repr():
    fc = Linear(4, 2)
    with pytest.raises(AttributeError):
        fc.in_features = 3  # type: ignore[misc]
    assert fc == Linear(4, 2) and hash(fc) == hash(Linear(4, 2)) and fc != Linear(4, 2, bias=False)
    assert repr(MaxPool2d(64, 3, 112, stride=2, padding=1)) == \
        "MaxPool2d(channels=64, kernel_size=3, input_size=112, stride=2, padding=1)"
    assert "ops" in [row[0] for row in ReLU((4, 4, 4)).table()]
    assert "ops" not in [row[0] for row in Depthwise(8, 3, 16).table()]  # conv tables unchanged
