"""Argument validation, output size and dtype promotion."""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv.measure.kernels import (
    conv2d,
    conv_geometry,
    depthwise_conv2d,
    pointwise_conv2d,
    reference_conv2d,
)


def test_dtypes_and_errors():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((2, 2, 3, 3))
    ref = reference_conv2d(x, w, 1, 1)
    out16 = conv2d(x.astype(np.float16), w.astype(np.float16), padding=1)
    assert out16.dtype == np.float16
    np.testing.assert_allclose(out16, ref, atol=0.05 * (1 + np.abs(ref).max()))
    assert conv2d(np.ones((1, 1, 3, 3), int), np.ones((1, 1, 2, 2), int)).dtype == np.float64
    with pytest.raises(ValueError, match="groups"):
        conv2d(x, w, groups=3)
    with pytest.raises(ValueError, match="empty"):
        conv2d(x, rng.standard_normal((2, 2, 7, 7)))
    with pytest.raises(ValueError):
        conv2d(x, w, stride=0)
    with pytest.raises(ValueError):
        conv2d(x, w, padding=-1)
    with pytest.raises(ValueError):
        conv2d(x, w, layout="CHWN")
    with pytest.raises(ValueError, match="depthwise"):
        depthwise_conv2d(x, w)
    with pytest.raises(ValueError):
        pointwise_conv2d(x, w)  # 3x3 is not pointwise
    g = conv_geometry((1, 2, 5, 5), (2, 2, 3, 3), padding=((0, 1), (2, 0)), stride=2)
    assert (g.Ho, g.Wo) == (2, 3)
