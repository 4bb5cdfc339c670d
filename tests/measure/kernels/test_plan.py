"""Plans and workspaces: buffers, reuse, the out argument, the depthwise-separable plan."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv.measure.kernels import (
    ConvPlan,
    DepsepPlan,
    Workspace,
    conv2d,
    depsep_conv2d,
    depthwise_conv2d,
    plan_workspace_bytes,
    reference_conv2d,
)

from .cases import assert_close, conv_case, make_arrays, run_layout, to_nchw, to_nhwc


@settings(max_examples=50, deadline=None)
@given(conv_case(depthwise=True), st.integers(1, 4))
def test_depsep_matches_reference(c, Cout):
    x, w_dw, b_dw = make_arrays(c, np.float64, depthwise=True)
    rng = np.random.default_rng(c["seed"] + 1)
    w_pw = rng.standard_normal((Cout, c["Co"]))
    b_pw = rng.standard_normal(Cout)
    mid = reference_conv2d(x, w_dw, c["stride"], c["padding"], c["dilation"], c["C"], b_dw)
    ref = reference_conv2d(mid, w_pw[:, :, None, None], 1, 0, 1, 1, b_pw)
    kw = {"stride": c["stride"], "padding": c["padding"], "dilation": c["dilation"]}
    got = run_layout(lambda xx, layout: depsep_conv2d(xx, w_dw, w_pw, bias_dw=b_dw,
                                                      bias_pw=b_pw, layout=layout, **kw),
                     x, c["layout"])
    assert_close(got, ref, 1e-5)
    xl = to_nhwc(x) if c["layout"] == "NHWC" else x
    plan = DepsepPlan(xl.shape, w_dw.shape, w_pw.shape, layout=c["layout"], dtype=np.float64,
                      **kw)
    out = plan.run(xl, w_dw, w_pw, b_dw, b_pw)
    assert_close(to_nchw(out) if c["layout"] == "NHWC" else out, ref, 1e-5)
    assert plan.flops == 2 * (int(np.prod(mid.shape)) * c["Kh"] * c["Kw"]
                              + int(np.prod(ref.shape)) * c["Co"])


def test_workspace_shared_between_plans_keeps_zero_borders():
    rng = np.random.default_rng(0)
    ws = Workspace()
    x = rng.standard_normal((1, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    ref1 = reference_conv2d(x, w, 1, 1)
    ref2 = reference_conv2d(x, w, 1, ((2, 0), (0, 2)))
    for _ in range(2):  # alternate two geometries on one workspace
        assert_close(conv2d(x, w, padding=1, workspace=ws), ref1, 1e-12)
        assert_close(conv2d(x, w, padding=((2, 0), (0, 2)), workspace=ws), ref2, 1e-12)
        assert_close(depthwise_conv2d(x, w[:3, :1], padding=2, workspace=ws),
                     reference_conv2d(x, w[:3, :1], 1, 2, 1, 3), 1e-12)
    assert ws.nbytes > 0


def test_plan_buffers_and_out_argument():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 9, 9)).astype(np.float32)
    w = rng.standard_normal((6, 4, 3, 3)).astype(np.float32)
    plan = ConvPlan(x.shape, w.shape, padding=1, block_bytes=2048)
    g = plan.geometry
    assert plan.out_shape == (2, 6, 9, 9)
    assert plan.flops == 2 * 2 * 6 * 81 * 4 * 9
    assert plan.workspace_bytes == plan_workspace_bytes(g, "standard", 2048)
    assert plan.workspace.nbytes >= plan.workspace_bytes
    ref = reference_conv2d(x, w, 1, 1)
    o1 = plan.run(x, w)
    assert plan.run(x, w) is o1  # reused output buffer
    out = np.empty((2, 6, 9, 9), np.float32)
    assert plan.run(x, w, out=out) is out
    assert_close(out, ref, 1e-4)
    # non-contiguous out and non-contiguous x
    big = np.zeros((2, 6, 9, 18), np.float32)
    view = big[..., ::2]
    conv2d(np.asfortranarray(x), w, padding=1, out=view)
    assert_close(view, ref, 1e-4)
    with pytest.raises(ValueError):
        plan.run(x[:1], w)
    with pytest.raises(ValueError):
        plan.run(x, w, out=np.empty((1, 1), np.float32))
