"""Hypothesis strategies for random valid layers."""

from __future__ import annotations

from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep


@st.composite
def conv_args(draw: st.DrawFn, max_channels: int = 64, max_size: int = 40) -> dict:
    groups = draw(st.integers(1, 8))
    cin = groups * draw(st.integers(1, max(1, max_channels // groups)))
    cout = groups * draw(st.integers(1, max(1, max_channels // groups)))
    kh, kw = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    min_h = max(1, dh * (kh - 1) + 1 - 2 * ph)
    min_w = max(1, dw * (kw - 1) + 1 - 2 * pw)
    h = draw(st.integers(min_h, max(min_h, max_size)))
    w = draw(st.integers(min_w, max(min_w, max_size)))
    return dict(
        in_channels=cin, out_channels=cout, kernel_size=(kh, kw), input_size=(h, w),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=(ph, pw),
        dilation=(dh, dw), groups=groups, bias=draw(st.booleans()), batch=draw(st.integers(1, 8)),
    )


@st.composite
def convs(draw: st.DrawFn) -> Conv2d:
    return Conv2d(**draw(conv_args()))


@st.composite
def depseps(draw: st.DrawFn) -> DepSep:
    a = draw(conv_args())
    return DepSep(
        a["in_channels"], a["out_channels"], a["kernel_size"], a["input_size"], a["stride"], a["padding"],
        a["dilation"], a["bias"], a["batch"], depth_multiplier=draw(st.integers(1, 3)),
    )
