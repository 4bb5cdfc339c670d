"""Shared cases for the kernel tests: random convolutions (hypothesis), arrays, layouts."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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
