"""Hypothesis strategies for random valid networks, with an independent (brute-force) shape model."""

from __future__ import annotations

from hypothesis import strategies as st

from roofline_conv.network import (
    Residual, avgpool, batchnorm, conv, depsep, depthwise, flatten, global_avgpool, linear, maxpool, pointwise,
    relu, relu6, se, sigmoid, silu,
)


def out_len(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    """Output length, written independently of the library: count the window positions."""
    padded = n + 2 * p
    extent = d * (k - 1) + 1
    count = 0
    start = 0
    while start + extent <= padded:
        count += 1
        start += s
    return count


@st.composite
def map_spec(draw: st.DrawFn, shape: tuple[int, int, int], allow_residual: bool = True):
    """(spec, expected output shape) of one spec applicable to a (C, H, W) map."""
    c, h, w = shape
    small = min(h, w)
    choice = draw(st.sampled_from(
        ["conv", "pointwise", "depthwise", "depsep", "maxpool", "avgpool", "bn", "act", "se"]
        + (["residual"] if allow_residual else [])))
    if choice in ("conv", "depthwise", "depsep", "maxpool", "avgpool"):
        k = draw(st.integers(1, min(5, small)))
        s = draw(st.integers(1, 2))
        p = draw(st.integers(0, k // 2))
        oh, ow = out_len(h, k, s, p), out_len(w, k, s, p)
        if choice == "conv":
            g = draw(st.sampled_from([d for d in (1, 2, 4) if c % d == 0]))
            out = g * draw(st.integers(1, 6))
            return conv(out, k, stride=s, padding=p, groups=g, bias=draw(st.booleans())), (out, oh, ow)
        if choice == "depthwise":
            m = draw(st.integers(1, 2))
            return depthwise(k, stride=s, padding=p, multiplier=m), (c * m, oh, ow)
        if choice == "depsep":
            out = draw(st.integers(1, 12))
            return depsep(out, k, stride=s, padding=p), (out, oh, ow)
        spec = maxpool(k, stride=s, padding=p) if choice == "maxpool" else avgpool(k, stride=s, padding=p)
        return spec, (c, oh, ow)
    if choice == "pointwise":
        out = draw(st.integers(1, 12))
        return pointwise(out), (out, h, w)
    if choice == "bn":
        return batchnorm(), shape
    if choice == "act":
        return draw(st.sampled_from([relu, relu6, sigmoid, silu]))(), shape
    if choice == "se":
        return se(draw(st.integers(1, 4)), activation=draw(st.sampled_from(["relu", "silu"]))), shape
    # a residual block: a body that keeps the shape (3x3 'same' conv, BN, act) or a projection shortcut
    if draw(st.booleans()):
        body = [conv(c, 3, padding=1), batchnorm(), relu()] if small >= 1 else [batchnorm()]
        return Residual(body), shape
    out = draw(st.integers(1, 8))
    oh, ow = out_len(h, 3, 2, 1), out_len(w, 3, 2, 1)
    body = [conv(out, 3, stride=2, padding=1), batchnorm()]
    return Residual(body, [conv(out, 1, stride=2), batchnorm()]), (out, oh, ow)


@st.composite
def networks(draw: st.DrawFn, max_layers: int = 8, head: bool | None = None):
    """(specs, input shape, batch, expected per-spec output shapes)."""
    c = draw(st.integers(1, 8))
    h = draw(st.integers(4, 24))
    w = draw(st.integers(4, 24))
    shape = (c, h, w)
    specs, shapes = [], []
    for _ in range(draw(st.integers(1, max_layers))):
        spec, shape = draw(map_spec(shape))
        specs.append(spec)
        shapes.append(shape)
    if head if head is not None else draw(st.booleans()):
        if draw(st.booleans()):
            specs.append(global_avgpool())
            shape = (shape[0], 1, 1)
            shapes.append(shape)
        specs.append(flatten())
        shape = (shape[0] * shape[1] * shape[2],)
        shapes.append(shape)
        out = draw(st.integers(1, 10))
        specs.append(linear(out, bias=draw(st.booleans())))
        shapes.append((out,))
    return specs, (c, h, w), draw(st.integers(1, 4)), shapes
