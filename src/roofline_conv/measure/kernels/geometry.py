"""Convolution geometry: argument normalisation, validation and the output size.

Sizes are in elements, named NCHW whatever the layout. Output size, MACs and im2col size come
from the layers' formulas (:data:`roofline_conv.layers.formulas.CONV`), so they are written
once; whether a conv needs an im2col re-layout is the layer's own answer
(:attr:`roofline_conv.layers.Conv2d.needs_im2col`).

``stride``/``dilation`` are an int or ``(h, w)``; ``padding`` is an int, ``(ph, pw)``
(symmetric) or ``((top, bottom), (left, right))`` (per side, possibly asymmetric); each half
of ``(ph, pw)`` may itself be a ``(before, after)`` pair. numpy integers are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...layers import Conv2d
from ...layers.dims import divides
from ...layers.formulas import CONV

__all__ = ["ConvGeometry", "conv_geometry", "float_dtype"]


def _pair(v: int | Sequence[int], name: str) -> tuple[int, int]:
    if isinstance(v, (int, np.integer)):
        a = b = int(v)
    else:
        t = tuple(int(e) for e in v)
        if len(t) != 2:
            raise ValueError(f"{name} must be an int or a pair, got {v!r}")
        a, b = t
    if a < 1 or b < 1:
        raise ValueError(f"{name} must be >= 1, got {v!r}")
    return a, b


def _padding(p: Any) -> tuple[int, int, int, int]:
    """Normalise padding to ``(top, bottom, left, right)``."""
    if isinstance(p, (int, np.integer)):
        t = b = l = r = int(p)
    else:
        p = tuple(p)
        if len(p) != 2:
            raise ValueError(f"padding must be int, (ph, pw) or ((t, b), (l, r)), got {p!r}")
        ph, pw = p
        if isinstance(ph, (int, np.integer)):
            t = b = int(ph)
        else:
            t, b = (int(e) for e in ph)
        if isinstance(pw, (int, np.integer)):
            l = r = int(pw)
        else:
            l, r = (int(e) for e in pw)
    if min(t, b, l, r) < 0:
        raise ValueError(f"padding must be >= 0, got {p!r}")
    return t, b, l, r


@dataclass(frozen=True)
class ConvGeometry:
    """Shapes of one convolution (all sizes in elements, NCHW naming whatever the layout)."""

    B: int
    C: int
    H: int
    W: int
    Co: int
    Cg: int  # input channels per group (= w.shape[1])
    Cog: int  # output channels per group
    G: int
    Kh: int
    Kw: int
    sh: int
    sw: int
    pt: int
    pb: int
    pl: int
    pr: int
    dh: int
    dw: int
    Ho: int
    Wo: int
    layout: str
    dtype: np.dtype

    @property
    def Hp(self) -> int:
        return self.H + self.pt + self.pb

    @property
    def Wp(self) -> int:
        return self.W + self.pl + self.pr

    @property
    def taps(self) -> int:
        return self.Kh * self.Kw

    @property
    def padded(self) -> bool:
        return (self.pt, self.pb, self.pl, self.pr) != (0, 0, 0, 0)

    @property
    def x_shape(self) -> tuple[int, ...]:
        if self.layout == "NCHW":
            return (self.B, self.C, self.H, self.W)
        return (self.B, self.H, self.W, self.C)

    @property
    def w_shape(self) -> tuple[int, int, int, int]:
        return (self.Co, self.Cg, self.Kh, self.Kw)

    @property
    def out_shape(self) -> tuple[int, ...]:
        if self.layout == "NCHW":
            return (self.B, self.Co, self.Ho, self.Wo)
        return (self.B, self.Ho, self.Wo, self.Co)

    @property
    def formula_args(self) -> tuple[int, ...]:
        """This geometry as the argument tuple of :data:`roofline_conv.layers.formulas.CONV`."""
        return _formula_args(self.B, self.C, self.Co, self.G, self.H, self.W, self.Kh, self.Kw, self.sh, self.sw,
                             self.pt + self.pb, self.pl + self.pr, self.dh, self.dw)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the convolution (bias excluded): the layers' ``macs`` formula."""
        return CONV.evaluate("macs", self.formula_args)

    @property
    def im2col_elements(self) -> int:
        """Elements of the full im2col column matrix: the layers' ``im2col_elements`` formula."""
        return CONV.evaluate("im2col_elements", self.formula_args)

    @property
    def flops(self) -> int:
        """Floating-point operations, ``2 * macs`` (bias excluded)."""
        return 2 * self.macs

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize


    @functools.cached_property
    def layer(self) -> Conv2d:
        """This convolution as a :class:`~roofline_conv.layers.Conv2d` (batch ``B``)."""
        return Conv2d(self.C, self.Co, (self.Kh, self.Kw), (self.H, self.W), stride=(self.sh, self.sw),
                      padding=((self.pt, self.pb), (self.pl, self.pr)), dilation=(self.dh, self.dw),
                      groups=self.G, batch=self.B)

    @property
    def needs_im2col(self) -> bool:
        """False for a 1x1, stride-1, unpadded conv: the input already *is* the column matrix."""
        return self.layer.needs_im2col

def _formula_args(B: int, C: int, Co: int, G: int, H: int, W: int, Kh: int, Kw: int, sh: int, sw: int,
                  ph: int, pw: int, dh: int, dw: int) -> tuple[int, ...]:
    """Ordered as ``formulas.ARGS``: (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, D_h, D_w, bias)."""
    return (B, C, Co, G, H, W, Kh, Kw, sh, sw, ph, pw, dh, dw, 0)


def conv_geometry(
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    *,
    stride: int | Sequence[int] = (1, 1),
    padding: Any = ((0, 0), (0, 0)),
    dilation: int | Sequence[int] = (1, 1),
    groups: int = 1,
    layout: str = "NCHW",
    dtype: Any = np.float32,
) -> ConvGeometry:
    """Validate a convolution's arguments and compute its output size."""
    if layout not in ("NCHW", "NHWC"):
        raise ValueError(f"layout must be 'NCHW' or 'NHWC', got {layout!r}")
    if len(x_shape) != 4:
        raise ValueError(f"x must be 4-D ({layout}), got shape {tuple(x_shape)}")
    if len(w_shape) != 4:
        raise ValueError(f"w must be 4-D (C_out, C_in/groups, Kh, Kw), got {tuple(w_shape)}")
    if layout == "NCHW":
        B, C, H, W = (int(s) for s in x_shape)
    else:
        B, H, W, C = (int(s) for s in x_shape)
    Co, Cg, Kh, Kw = (int(s) for s in w_shape)
    G = int(groups)
    if G < 1 or not (divides(G, C) and divides(G, Co)):
        raise ValueError(f"groups={G} must divide C_in={C} and C_out={Co}")
    if Cg != C // G:
        raise ValueError(f"w.shape[1]={Cg} must equal C_in/groups={C // G}")
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pt, pb, pl, pr = _padding(padding)
    args = _formula_args(B, C, Co, G, H, W, Kh, Kw, sh, sw, pt + pb, pl + pr, dh, dw)
    Ho, Wo = CONV.evaluate("output_height", args), CONV.evaluate("output_width", args)
    if Ho < 1 or Wo < 1 or min(B, C, H, W, Co, Kh, Kw) < 1:
        raise ValueError(
            f"empty convolution: input {tuple(x_shape)}, kernel {Kh}x{Kw}, "
            f"padding {(pt, pb, pl, pr)}, dilation {(dh, dw)} gives output {Ho}x{Wo}"
        )
    return ConvGeometry(B, C, H, W, Co, Cg, Co // G, G, Kh, Kw, sh, sw, pt, pb, pl, pr,
                        dh, dw, Ho, Wo, layout, np.dtype(dtype))


def float_dtype(*arrays: Any) -> np.dtype:
    dt = np.result_type(*arrays)
    if dt.kind != "f":
        dt = np.result_type(dt, np.float64) if dt.kind in "iub" else dt
    if dt.kind not in "f":
        raise TypeError(f"convolution needs real floating-point inputs, got {dt}")
    return np.dtype(dt)

