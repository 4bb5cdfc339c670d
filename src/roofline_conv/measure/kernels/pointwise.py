"""Pointwise (1x1) convolution: ONE GEMM, written straight into the output.

``(C_out, C_in) @ (C_in, H*W)`` per sample (NCHW) or ``(B*H*W, C_in) @ (C_in, C_out)`` for the
whole batch (NHWC). A stride subsamples the input first (into a scratch buffer); no padding.
"""

from __future__ import annotations

import numpy as np

from .geometry import ConvGeometry
from .workspace import BufferGetter, BufferSpecs

__all__ = ["buffer_specs", "run"]


def buffer_specs(g: ConvGeometry) -> BufferSpecs:
    """Scratch buffers: the subsampled input when strided."""
    specs: BufferSpecs = {}
    if g.sh != 1 or g.sw != 1:
        shp = (g.B, g.C, g.Ho, g.Wo) if g.layout == "NCHW" else (g.B, g.Ho, g.Wo, g.C)
        specs["pw.xs"] = (shp, False)
    return specs


def run(g: ConvGeometry, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
        buf: BufferGetter) -> None:
    """``out`` = the 1x1 convolution of ``x`` with ``w`` (+ ``bias``), scratch from ``buf``."""
    G, Cg, Cog = g.G, g.Cg, g.Cog
    nchw = g.layout == "NCHW"
    if g.sh != 1 or g.sw != 1:
        xs = buf("pw.xs")
        if nchw:
            xs[...] = x[:, :, ::g.sh, ::g.sw]
        else:
            xs[...] = x[:, ::g.sh, ::g.sw]
        x = xs
    HW = g.Ho * g.Wo
    w2 = w.reshape(g.Co, Cg)
    if nchw:
        if G == 1:
            np.matmul(w2, x.reshape(g.B, g.C, HW), out=out.reshape(g.B, g.Co, HW))
        else:
            np.matmul(w2.reshape(G, Cog, Cg), x.reshape(g.B, G, Cg, HW),
                      out=out.reshape(g.B, G, Cog, HW))
        if bias is not None:
            out += bias[:, None, None]
    else:
        n = g.B * HW
        if G == 1:
            np.matmul(x.reshape(n, g.C), w2.T, out=out.reshape(n, g.Co))
        else:
            np.matmul(x.reshape(n, G, Cg).transpose(1, 0, 2),
                      w2.reshape(G, Cog, Cg).transpose(0, 2, 1),
                      out=out.reshape(n, G, Cog).transpose(1, 0, 2))
        if bias is not None:
            out += bias

