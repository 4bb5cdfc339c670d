"""Elementwise layers: BatchNorm, activations, Add, Scale, Flatten: stated conventions and errors."""

from __future__ import annotations

import pytest

from roofline_conv.layers import (
    OPS_PER_ELEMENT, Add, BatchNorm2d, Flatten, HardSigmoid, HardSwish, LayerError, ReLU, ReLU6, Scale, Sigmoid, SiLU,
    SqueezeExcitation,
)


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
    with pytest.raises(LayerError, match="inputs=1 must be >= 2"):
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
    with pytest.raises(LayerError, match="activation='gelu' is not one of"):
        SqueezeExcitation(8, 2, 4, activation="gelu")
