"""The reference convolution: direct, obviously-correct loops the fast kernels are tested against."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .geometry import conv_geometry, float_dtype

__all__ = ["reference_conv2d"]


def reference_conv2d(x: Any, w: Any, stride: int | Sequence[int] = (1, 1),
                     padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                     groups: int = 1, bias: Any = None) -> np.ndarray:
    """Direct, obviously-correct NCHW convolution by explicit loops (tiny layers only).

    Loops over batch, output channel, output pixel and kernel tap; the sum over the group's
    input channels is a dot product. Out-of-range (padding) input positions are skipped.
    Accumulates in float64 and returns the promoted dtype of ``x`` and ``w``.
    """
    x = np.asarray(x)
    w = np.asarray(w)
    g = conv_geometry(x.shape, w.shape, stride=stride, padding=padding, dilation=dilation,
                      groups=groups, layout="NCHW", dtype=np.float64)
    xd = x.astype(np.float64)
    wd = w.astype(np.float64)
    out = np.zeros((g.B, g.Co, g.Ho, g.Wo), dtype=np.float64)
    for b in range(g.B):
        for o in range(g.Co):
            c0 = (o // g.Cog) * g.Cg  # first input channel of o's group
            for oy in range(g.Ho):
                for ox in range(g.Wo):
                    acc = 0.0 if bias is None else float(np.asarray(bias)[o])
                    for i in range(g.Kh):
                        iy = oy * g.sh - g.pt + i * g.dh
                        if not 0 <= iy < g.H:
                            continue
                        for j in range(g.Kw):
                            ix = ox * g.sw - g.pl + j * g.dw
                            if not 0 <= ix < g.W:
                                continue
                            acc += float(np.dot(xd[b, c0:c0 + g.Cg, iy, ix], wd[o, :, i, j]))
                    out[b, o, oy, ox] = acc
    return out.astype(float_dtype(x, w))
