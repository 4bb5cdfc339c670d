"""Pointwise (one GEMM) kernel against the reference and a 1x1 standard conv."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from roofline_conv.measure.kernels import conv2d, pointwise_conv2d, reference_conv2d

from .cases import SETTINGS, assert_close, run_layout


@SETTINGS
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3),
       st.booleans(), st.sampled_from(["NCHW", "NHWC"]), st.integers(0, 2**31 - 1))
def test_pointwise_equals_conv2d_1x1(B, G, Cg, Cog, H, W, sh, sw, with_bias, layout, seed):
    rng = np.random.default_rng(seed)
    C, Co = G * Cg, G * Cog
    x = rng.standard_normal((B, C, H, W))
    w = rng.standard_normal((Co, Cg))
    b = rng.standard_normal(Co) if with_bias else None
    ref = reference_conv2d(x, w[:, :, None, None], (sh, sw), 0, 1, G, b)
    got = run_layout(lambda xx, layout: pointwise_conv2d(xx, w, stride=(sh, sw), groups=G,
                                                         bias=b, layout=layout), x, layout)
    assert_close(got, ref, 1e-5)
    via_conv = run_layout(lambda xx, layout: conv2d(xx, w[:, :, None, None], stride=(sh, sw),
                                                    groups=G, bias=b, layout=layout), x, layout)
    assert_close(got, via_conv, 1e-5)
    # 4-D weight accepted too
    got4 = run_layout(lambda xx, layout: pointwise_conv2d(
        xx, w[:, :, None, None], stride=(sh, sw), groups=G, bias=b, layout=layout), x, layout)
    assert_close(got4, ref, 1e-5)
