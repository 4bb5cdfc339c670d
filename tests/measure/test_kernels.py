"""Property tests: every numpy kernel against the direct-loop reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv.measure.kernels import (
    ConvPlan,
    DepsepPlan,
    Workspace,
    conv2d,
    conv_geometry,
    depsep_conv2d,
    depthwise_conv2d,
    plan_workspace_bytes,
    pointwise_conv2d,
    reference_conv2d,
)

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def to_nhwc(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def to_nchw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def assert_close(got: np.ndarray, ref: np.ndarray, rtol: float) -> None:
    """Relative to the output's magnitude (elementwise rtol fails on cancellations)."""
    scale = 1.0 + float(np.max(np.abs(ref), initial=0.0))
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol * scale)


@st.composite
def conv_case(draw, depthwise: bool = False):
    B = draw(st.integers(1, 2))
    if depthwise:
        G = Cg = None
        C = draw(st.integers(1, 4))
        mult = draw(st.integers(1, 2))
        Co = C * mult
    else:
        G = draw(st.integers(1, 3))
        Cg = draw(st.integers(1, 3))
        C = G * Cg
        Co = G * draw(st.integers(1, 3))
    Kh, Kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pt, pb, pl, pr = (draw(st.integers(0, 2)) for _ in range(4))
    H = draw(st.integers(max(1, dh * (Kh - 1) + 1 - pt - pb), 8))
    W = draw(st.integers(max(1, dw * (Kw - 1) + 1 - pl - pr), 8))
    return {"B": B, "C": C, "Co": Co, "G": G if not depthwise else C, "Kh": Kh, "Kw": Kw,
                "stride": (sh, sw), "dilation": (dh, dw), "padding": ((pt, pb), (pl, pr)),
                "H": H, "W": W, "bias": draw(st.booleans()), "layout": draw(st.sampled_from(["NCHW", "NHWC"])),
                "block_bytes": draw(st.sampled_from([None, 64, 512, 4096])),
                "cache_bytes": draw(st.sampled_from([None, 1, 600])),
                "workers": draw(st.sampled_from([None, 1, 2, 3])),
                "seed": draw(st.integers(0, 2**31 - 1))}


def make_arrays(c: dict, dtype, depthwise: bool = False):
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["B"], c["C"], c["H"], c["W"])).astype(dtype)
    cin = 1 if depthwise else c["C"] // c["G"]
    w = rng.standard_normal((c["Co"], cin, c["Kh"], c["Kw"])).astype(dtype)
    b = rng.standard_normal(c["Co"]).astype(dtype) if c["bias"] else None
    return x, w, b


def run_layout(fn, x, layout, **kw):
    if layout == "NHWC":
        return to_nchw(fn(to_nhwc(x), layout="NHWC", **kw))
    return fn(x, layout="NCHW", **kw)


# ---------------------------------------------------------------------------------------
# standard conv
# ---------------------------------------------------------------------------------------
@SETTINGS
@given(conv_case())
def test_conv2d_matches_reference_float64(c):
    x, w, b = make_arrays(c, np.float64)
    ref = reference_conv2d(x, w, c["stride"], c["padding"], c["dilation"], c["G"], b)
    kw = {"stride": c["stride"], "padding": c["padding"], "dilation": c["dilation"], "groups": c["G"]}
    got = run_layout(lambda xx, layout: conv2d(xx, w, bias=b, layout=layout, **kw), x,
                     c["layout"])
    assert got.dtype == np.float64
    assert_close(got, ref, 1e-5)
    # plan with small column blocks (exercises row blocking / multi-sample blocking), run twice
    xl = to_nhwc(x) if c["layout"] == "NHWC" else x
    plan = ConvPlan(xl.shape, w.shape, layout=c["layout"], dtype=np.float64,
                    block_bytes=c["block_bytes"], workers=c["workers"], **kw)
    for _ in range(2):
        out = plan.run(xl, w, b)
        out = to_nchw(out) if c["layout"] == "NHWC" else out
        assert_close(out, ref, 1e-5)


@SETTINGS
@given(conv_case())
def test_conv2d_matches_reference_float32(c):
    x, w, b = make_arrays(c, np.float32)
    ref = reference_conv2d(x, w, c["stride"], c["padding"], c["dilation"], c["G"], b)
    got = run_layout(lambda xx, layout: conv2d(
        xx, w, stride=c["stride"], padding=c["padding"], dilation=c["dilation"],
        groups=c["G"], bias=b, layout=layout), x, c["layout"])
    assert got.dtype == np.float32
    assert_close(got, ref, 1e-4)


# ---------------------------------------------------------------------------------------
# depthwise / pointwise / depsep
# ---------------------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------------------
# deterministic checks
# ---------------------------------------------------------------------------------------
def test_reference_known_values():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    w = np.ones((1, 1, 2, 2))
    out = reference_conv2d(x, w)
    np.testing.assert_array_equal(out[0, 0], [[10, 14, 18], [26, 30, 34], [42, 46, 50]])
    # padding on the left/top only: first output is x[0,0] alone
    out = reference_conv2d(x, w, padding=((1, 0), (1, 0)))
    assert out.shape == (1, 1, 4, 4) and out[0, 0, 0, 0] == 0.0 and out[0, 0, 0, 1] == 1.0


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


def test_study_layer_shape_blocks_match_reference_slice():
    """The study-layer geometry (channels reduced) through the blocked path vs reference."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 8, 30, 30)).astype(np.float32)
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    plan = ConvPlan(x.shape, w.shape, padding=1, block_bytes=8 * 9 * 4 * 30 * 4)  # 4 rows
    assert_close(plan.run(x, w), reference_conv2d(x, w, 1, 1), 1e-4)


def test_parallel_workers_match_serial():
    """Worker threads share blocks out dynamically; result identical to the serial loop."""
    pytest.importorskip("threadpoolctl")
    rng = np.random.default_rng(4)
    for layout, shape in (("NCHW", (3, 6, 13, 11)), ("NHWC", (3, 13, 11, 6))):
        x = rng.standard_normal(shape)
        w = rng.standard_normal((4, 3, 3, 2))
        kw = {"padding": ((1, 2), (0, 1)), "groups": 2, "layout": layout, "dtype": np.float64,
                  "block_bytes": 3000}
        serial = ConvPlan(x.shape, w.shape, workers=1, **kw)
        par = ConvPlan(x.shape, w.shape, workers=2, **kw)
        assert par.workers == 2 and serial.workers == 1
        assert par.workspace_bytes > serial.workspace_bytes
        b = rng.standard_normal(4)
        for _ in range(3):
            np.testing.assert_allclose(par.run(x, w, b), serial.run(x, w, b), rtol=1e-12)


def test_huge_block_bytes_gives_one_gemm_per_group():
    from roofline_conv.measure.kernels import _n_blocks

    g = conv_geometry((4, 6, 10, 10), (6, 3, 3, 3), padding=1, groups=2)
    assert _n_blocks(g, 2**62) == 1  # the whole batch in one column matrix
    assert _n_blocks(g, 6 * 9 * 4 * 10 * 3) == 4 * 4  # 3 rows per block, 4 samples
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6, 10, 10))
    w = rng.standard_normal((6, 3, 3, 3))
    plan = ConvPlan(x.shape, w.shape, padding=1, groups=2, dtype=np.float64, block_bytes=2**62)
    assert_close(plan.run(x, w), reference_conv2d(x, w, 1, 1, 1, 2), 1e-10)
