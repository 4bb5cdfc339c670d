"""Standard conv (im2col + GEMM) against the direct-loop reference: blocking, threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from roofline_conv.measure.kernels import ConvPlan, conv2d, conv_geometry, reference_conv2d
from roofline_conv.measure.kernels.im2col import n_blocks

from .cases import SETTINGS, assert_close, conv_case, make_arrays, run_layout, to_nchw, to_nhwc


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
    g = conv_geometry((4, 6, 10, 10), (6, 3, 3, 3), padding=1, groups=2)
    assert n_blocks(g, 2**62) == 1  # the whole batch in one column matrix
    assert n_blocks(g, 6 * 9 * 4 * 10 * 3) == 4 * 4  # 3 rows per block, 4 samples
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6, 10, 10))
    w = rng.standard_normal((6, 3, 3, 3))
    plan = ConvPlan(x.shape, w.shape, padding=1, groups=2, dtype=np.float64, block_bytes=2**62)
    assert_close(plan.run(x, w), reference_conv2d(x, w, 1, 1, 1, 2), 1e-10)
