"""Convolution geometry: argument normalisation, validation and the output size.

Sizes are in elements, named NCHW whatever the layout. Output size, MACs and im2col size come
from the layers' formulas (:data:`roofline_conv.layers.family.CONV`), so they are written
once; whether a conv needs an im2col re-layout is the layer's own answer
(:attr:`roofline_conv.layers.Conv2d.needs_im2col`).

``stride``/``dilation`` are an int or ``(h, w)``; ``padding`` is an int, ``(ph, pw)``
(symmetric) or ``((top, bottom), (left, right))`` (per side, possibly asymmetric); each half
of ``(ph, pw)`` may itself be a ``(before, after)`` pair. numpy integers are accepted.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...layers import Conv2d
from ...layers.dims import divides
from ...layers.family import CONV
from ...validation import choice, integer, integers, sequence, shown
from ..arguments import float_dtype_argument

__all__ = ["ConvGeometry", "conv_geometry", "float_dtype", "plan_geometry"]


def _pair(v: Any, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int (both axes, or both sides of a padding half) or a pair, each >= ``minimum``."""
    if isinstance(v, (numbers.Integral, np.integer)) or not hasattr(v, "__len__"):
        a = b = integer(v, name, minimum=minimum)
        return a, b
    a, b = integers(v, name, length=2, minimum=minimum)
    return a, b


def _side(v: Any, name: str) -> tuple[int, int]:
    """One padding half: an int (both sides) or a ``(before, after)`` pair, each >= 0."""
    return _pair(v, name, minimum=0)


def _padding(p: Any) -> tuple[int, int, int, int]:
    """Normalise padding to ``(top, bottom, left, right)``."""
    if isinstance(p, (numbers.Integral, np.integer)) or not hasattr(p, "__len__"):
        t = integer(p, "padding", minimum=0)
        return t, t, t, t
    ph, pw = sequence(p, "padding", length=2)
    t, b = _side(ph, "padding[0]")
    l, r = _side(pw, "padding[1]")
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
        """This geometry as the argument tuple of :data:`roofline_conv.layers.family.CONV`."""
        return _formula_args(self.B, self.C, self.Co, self.G, self.H, self.W, self.Kh, self.Kw, self.sh, self.sw,
                             self.pt + self.pb, self.pl + self.pr, self.pt, self.pl, self.dh, self.dw)

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
                  ph: int, pw: int, pt: int, pl: int, dh: int, dw: int) -> tuple[int, ...]:
    """Ordered as ``formulas.ARGS``: (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l,
    D_h, D_w, bias): ``ph``/``pw`` the total padding per axis, ``pt``/``pl`` its top/left side."""
    return (B, C, Co, G, H, W, Kh, Kw, sh, sw, ph, pw, pt, pl, dh, dw, 0)


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
    layout = choice(layout, "layout", ("NCHW", "NHWC"))
    if isinstance(x_shape, str) or not hasattr(x_shape, "__len__") or len(x_shape) != 4:
        raise ValueError(f"x must be 4-D ({layout}), got shape {shown(x_shape)}")
    if isinstance(w_shape, str) or not hasattr(w_shape, "__len__") or len(w_shape) != 4:
        raise ValueError(f"w must be 4-D (C_out, C_in/groups, Kh, Kw), got {shown(w_shape)}")
    xs = integers(x_shape, "x_shape", minimum=1)
    Co, Cg, Kh, Kw = integers(w_shape, "w_shape", minimum=1)
    if layout == "NCHW":
        B, C, H, W = xs
    else:
        B, H, W, C = xs
    G = integer(groups, "groups", minimum=1)
    if not (divides(G, C) and divides(G, Co)):
        raise ValueError(f"groups={G} must divide C_in={C} and C_out={Co}")
    if Cg != C // G:
        raise ValueError(f"w.shape[1]={Cg} must equal C_in/groups={C // G}")
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pt, pb, pl, pr = _padding(padding)
    args = _formula_args(B, C, Co, G, H, W, Kh, Kw, sh, sw, pt + pb, pl + pr, pt, pl, dh, dw)
    Ho, Wo = CONV.evaluate("output_height", args), CONV.evaluate("output_width", args)
    if Ho < 1 or Wo < 1:
        raise ValueError(
            f"empty convolution: input {tuple(x_shape)}, kernel {Kh}x{Kw}, "
            f"padding {(pt, pb, pl, pr)}, dilation {(dh, dw)} gives output {Ho}x{Wo}"
        )
    return ConvGeometry(B, C, H, W, Co, Cg, Co // G, G, Kh, Kw, sh, sw, pt, pb, pl, pr,
                        dh, dw, Ho, Wo, layout, float_dtype_argument(dtype))



def plan_geometry(x_shape: Any, w_shape: Any, kind: str, *, groups: Any = 1, layout: Any = "NCHW",
                  **kwargs: Any) -> ConvGeometry:
    """The geometry of a plan of ``kind`` (see :func:`conv_geometry`): a ``"pointwise"`` weight
    may be ``(C_out, C_in/groups)`` and must be 1x1 with no padding; a ``"depthwise"`` conv has
    ``groups = C`` and a weight ``(C*mult, 1, Kh, Kw)``."""
    def four(shape: Any) -> bool:
        return not isinstance(shape, str) and hasattr(shape, "__len__") and len(shape) == 4

    if kind == "pointwise" and not isinstance(w_shape, str) and hasattr(w_shape, "__len__") \
            and len(w_shape) == 2:
        w_shape = (*integers(w_shape, "w_shape", minimum=1), 1, 1)
    if kind == "depthwise" and four(x_shape) and four(w_shape):
        layout = choice(layout, "layout", ("NCHW", "NHWC"))
        xs = integers(x_shape, "x_shape", minimum=1)
        ws = integers(w_shape, "w_shape", minimum=1)
        groups = xs[1] if layout == "NCHW" else xs[3]
        if ws[1] != 1 or ws[0] % groups:
            raise ValueError(f"depthwise weight must be (C*mult, 1, Kh, Kw) with C={groups}, got {ws}")
    g = conv_geometry(x_shape, w_shape, groups=groups, layout=layout, **kwargs)
    if kind == "pointwise":
        if g.Kh != 1 or g.Kw != 1:
            raise ValueError(f"pointwise weight must be 1x1, got {g.w_shape}")
        if g.padded:
            raise ValueError("pointwise_conv2d does not pad; use conv2d for a padded 1x1")
    return g


def float_dtype(*arrays: Any) -> np.dtype:
    """The dtype a convolution of ``arrays`` computes in: their promoted type, integers and bools
    promoted to float64; anything but real numbers is a ``ValueError``."""
    for a in arrays:
        kind = np.asarray(a).dtype.kind
        if kind not in "biuf":
            raise ValueError(f"convolution needs real numbers, got an array of {np.asarray(a).dtype}")
    dt = np.result_type(*arrays)
    if dt.kind != "f":
        dt = np.result_type(dt, np.float64)
    return np.dtype(dt)
