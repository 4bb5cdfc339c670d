"""The direct-loop reference convolution on known values."""

from __future__ import annotations

import numpy as np

from roofline_conv.measure.kernels import reference_conv2d


def test_reference_known_values():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    out = reference_conv2d(x, w)
    np.testing.assert_array_equal(out[0, 0], [[10, 14, 18], [26, 30, 34], [42, 46, 50]])
    # padding on the left/top only: first output is x[0,0] alone
    out = reference_conv2d(x, w, padding=((1, 0), (1, 0)))
    assert out.shape == (1, 1, 4, 4) and out[0, 0, 0, 0] == 0.0 and out[0, 0, 0, 1] == 1.0
