"""Running a layer with the numpy kernels: the memory guard, precisions, the right convolution."""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv import Conv2d, Depthwise, Pointwise
from roofline_conv.measure.kernels import reference_conv2d
from roofline_conv.measure.layer_runs import kernel_kind, runner
from roofline_conv.measure.memory import MemoryLimitError


def test_runner_refuses_before_allocating():
    huge = Conv2d(512, 512, 3, 2048, padding=1)
    with pytest.raises(MemoryLimitError, match="memory limit"):
        runner(huge, memory_limit=10**6)
    with pytest.raises(ValueError, match="precision='fp16' cannot be measured"):
        runner(Pointwise(4, 4, 4), "fp16")
    with pytest.raises(ValueError, match="symbolic"):
        runner(Conv2d.symbolic())


def test_runner_computes_the_right_convolution():
    layer = Conv2d(4, 6, 3, 9, stride=2, padding=1, groups=2)
    out = runner(layer, "fp64", seed=3)()
    rng = np.random.default_rng(3)
    x = rng.standard_normal(layer.input_shape)
    w = rng.standard_normal((6, 2, 3, 3))
    ref = reference_conv2d(x, w, stride=2, padding=1, groups=2)
    assert out.shape == tuple(layer.output_shape)
    np.testing.assert_allclose(out, ref, rtol=1e-9)


def test_kernel_kind_follows_the_layer_kind():
    assert kernel_kind(Conv2d(8, 8, 3, 16, padding=1)) == "standard"
    assert kernel_kind(Depthwise(8, 3, 16, padding=1)) == "depthwise"
    assert kernel_kind(Pointwise(8, 16, 16, stride=2)) == "pointwise"
    assert kernel_kind(Conv2d(8, 16, 1, 16, padding=1)) == "standard"  # a padded 1x1: the pointwise kernel does not pad
