"""Depthwise tap-loop kernel against the reference and the grouped standard conv."""

from __future__ import annotations

import numpy as np
from hypothesis import given

from roofline_conv.measure.kernels import ConvPlan, conv2d, depthwise_conv2d, reference_conv2d

from .cases import SETTINGS, assert_close, conv_case, make_arrays, run_layout, to_nchw, to_nhwc


@SETTINGS
@given(conv_case(depthwise=True))
def test_depthwise_matches_reference_and_grouped_conv(c):
    x, w, b = make_arrays(c, np.float64, depthwise=True)
    ref = reference_conv2d(x, w, c["stride"], c["padding"], c["dilation"], c["C"], b)
    kw = {"stride": c["stride"], "padding": c["padding"], "dilation": c["dilation"]}
    got = run_layout(lambda xx, layout: depthwise_conv2d(xx, w, bias=b, layout=layout, **kw),
                     x, c["layout"])
    assert_close(got, ref, 1e-5)
    grouped = run_layout(lambda xx, layout: conv2d(xx, w, bias=b, groups=c["C"],
                                                   layout=layout, **kw), x, c["layout"])
    assert_close(got, grouped, 1e-5)
    xl = to_nhwc(x) if c["layout"] == "NHWC" else x
    plan = ConvPlan(xl.shape, w.shape, kind="depthwise", layout=c["layout"],
                    dtype=np.float64, cache_bytes=c["cache_bytes"], **kw)
    for _ in range(2):
        out = plan.run(xl, w, b)
        assert_close(to_nchw(out) if c["layout"] == "NHWC" else out, ref, 1e-5)
    # float32, looser
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    b32 = None if b is None else b.astype(np.float32)
    got32 = run_layout(lambda xx, layout: depthwise_conv2d(xx, w32, bias=b32, layout=layout,
                                                           **kw), x32, c["layout"])
    assert got32.dtype == np.float32
    assert_close(got32, ref, 1e-4)
