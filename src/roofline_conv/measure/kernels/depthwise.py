"""Depthwise convolution: a tap loop over cache-sized blocks.

``Kh*Kw`` iterations of ``np.multiply(..., out=tmp)`` + in-place add, over channel blocks
(NCHW) or output-row blocks (NHWC) sized so a block's working set fits in the budget (half the
L2 cache by default). With stride 1 it uses the *padded-width trick*: on the flattened padded
plane (row length ``Wp``) tap ``(i, j)`` is a contiguous slice at offset ``i*dh*Wp + j*dw``,
so every ufunc runs on one long contiguous vector; the ``Wp - Wo`` junk columns per row are
dropped when the block is copied out. ~4-4.6x faster than the naive whole-array 9-tap loop on
the study layer. Output channel ``c*mult + m`` reads input channel ``c`` (PyTorch semantics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .geometry import ConvGeometry
from .workspace import BufferGetter, BufferSpecs

__all__ = ["blocking", "buffer_specs", "run"]

Taps = list[tuple[int, int]]


def blocking(g: ConvGeometry, budget: int) -> int:
    """Channels per block (NCHW) or output rows per block (NHWC) for the depthwise kernel."""
    mult = g.Co // g.C
    isz = g.itemsize
    if g.layout == "NCHW":
        if g.sh == 1 and g.sw == 1:
            per = isz * (g.Hp * g.Wp + g.dw * (g.Kw - 1) + 2 * mult * g.Ho * g.Wp)
        else:
            per = isz * (g.Hp * g.Wp + 2 * mult * g.Ho * g.Wo)
        return max(1, min(g.C, budget // per))
    if g.sh == 1 and g.sw == 1:
        per = isz * g.Wp * g.C * (2 * mult + 1)
    else:
        per = isz * g.Wo * g.C * (2 * mult + g.sh)
    return max(1, min(g.Ho, budget // per))


def buffer_specs(g: ConvGeometry, budget: int) -> BufferSpecs:
    """Scratch buffers for a working-set ``budget`` in bytes."""
    specs: BufferSpecs = {}
    mult = g.Co // g.C
    blk = blocking(g, budget)
    extra = g.dw * (g.Kw - 1)
    if g.layout == "NCHW":
        if g.sh == 1 and g.sw == 1:
            specs["dw.xpad"] = ((blk, g.Hp * g.Wp + extra), True)
            specs["dw.acc"] = ((blk, mult, g.Ho * g.Wp), False)
            specs["dw.tmp"] = ((blk, mult, g.Ho * g.Wp), False)
        else:
            if g.padded:
                specs["dw.xpad"] = ((blk, g.Hp, g.Wp), True)
            specs["dw.tmp"] = ((blk, mult, g.Ho, g.Wo), False)
    else:
        if g.sh == 1 and g.sw == 1:
            specs["dw.xpad"] = ((g.Hp * g.Wp + extra, g.C), True)
            specs["dw.acc"] = ((blk * g.Wp, g.C, mult), False)
            specs["dw.tmp"] = ((blk * g.Wp, g.C, mult), False)
        else:
            if g.padded:
                specs["dw.xpad"] = ((g.Hp, g.Wp, g.C), True)
            specs["dw.tmp"] = ((blk, g.Wo, g.C, mult), False)
    return specs


def run(g: ConvGeometry, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
        buf: BufferGetter, budget: int) -> None:
    """``out`` = the depthwise convolution of ``x`` with ``w`` (+ ``bias``), scratch from ``buf``."""
    C, mult, Kh, Kw = g.C, g.Co // g.C, g.Kh, g.Kw
    w4 = w.reshape(C, mult, Kh, Kw)
    blk = blocking(g, budget)
    taps = [(i, j) for i in range(Kh) for j in range(Kw)]
    if g.layout == "NCHW":
        _nchw(g, x, w4, bias, out, buf, blk, taps)
    else:
        _nhwc(g, x, w4, bias, out, buf, blk, taps)


def _nchw(g: ConvGeometry, x: np.ndarray, w4: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
          buf: BufferGetter, cb: int, taps: Taps) -> None:
    """NCHW: blocks of ``cb`` channels."""
    C, mult, H, W, Ho, Wo, Hp, Wp = g.C, g.Co // g.C, g.H, g.W, g.Ho, g.Wo, g.Hp, g.Wp
    pt, pl, sh, sw, dh, dw = g.pt, g.pl, g.sh, g.sw, g.dh, g.dw
    scalar = mult == 1 and cb == 1
    wl: Any = w4.tolist() if scalar else None  # nested lists: scalar weights index fastest
    if sh == 1 and sw == 1:  # padded-width trick: every tap is a contiguous slice
        xf = buf("dw.xpad")
        xp3 = xf[:, :Hp * Wp].reshape(cb, Hp, Wp)
        acc_all, tmp_all = buf("dw.acc"), buf("dw.tmp")
        n = Ho * Wp
        offs = [i * dh * Wp + j * dw for i, j in taps]
        for b in range(g.B):
            for c0 in range(0, C, cb):
                c1 = min(C, c0 + cb)
                k = c1 - c0
                xp3[:k, pt:pt + H, pl:pl + W] = x[b, c0:c1]
                acc, tmp = acc_all[:k], tmp_all[:k]
                for t, ((i, j), off) in enumerate(zip(taps, offs)):
                    src = xf[:k, None, off:off + n]
                    wij = wl[c0][0][i][j] if scalar else w4[c0:c1, :, i, j, None]
                    if t == 0:
                        np.multiply(src, wij, out=acc)
                    else:
                        np.multiply(src, wij, out=tmp)
                        acc += tmp
                if bias is not None:
                    acc += bias[c0 * mult:c1 * mult].reshape(k, mult, 1)
                out[b, c0 * mult:c1 * mult] = acc.reshape(k * mult, Ho, Wp)[:, :, :Wo]
        return
    # strided: accumulate straight into the (contiguous) output block
    xp = buf("dw.xpad") if g.padded else None
    tmp_all = buf("dw.tmp")
    for b in range(g.B):
        for c0 in range(0, C, cb):
            c1 = min(C, c0 + cb)
            k = c1 - c0
            if xp is None:
                src_all = x[b, c0:c1]
            else:
                xp[:k, pt:pt + H, pl:pl + W] = x[b, c0:c1]
                src_all = xp[:k]
            acc = out[b, c0 * mult:c1 * mult].reshape(k, mult, Ho, Wo)
            tmp = tmp_all[:k]
            for t, (i, j) in enumerate(taps):
                src = src_all[:, None, i * dh:i * dh + (Ho - 1) * sh + 1:sh,
                              j * dw:j * dw + (Wo - 1) * sw + 1:sw]
                wij = wl[c0][0][i][j] if scalar else w4[c0:c1, :, i, j, None, None]
                if t == 0:
                    np.multiply(src, wij, out=acc)
                else:
                    np.multiply(src, wij, out=tmp)
                    acc += tmp
            if bias is not None:
                acc += bias[c0 * mult:c1 * mult].reshape(k, mult, 1, 1)


def _nhwc(g: ConvGeometry, x: np.ndarray, w4: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
          buf: BufferGetter, R: int, taps: Taps) -> None:
    """NHWC: blocks of ``R`` output rows."""
    C, mult, H, W, Ho, Wo, Hp, Wp = g.C, g.Co // g.C, g.H, g.W, g.Ho, g.Wo, g.Hp, g.Wp
    pt, pl, sh, sw, dh, dw = g.pt, g.pl, g.sh, g.sw, g.dh, g.dw
    wt = np.ascontiguousarray(w4.transpose(2, 3, 0, 1))  # (Kh, Kw, C, mult)
    if sh == 1 and sw == 1:
        xf = buf("dw.xpad")
        xp3 = xf[:Hp * Wp].reshape(Hp, Wp, C)
        acc_all, tmp_all = buf("dw.acc"), buf("dw.tmp")
        offs = [i * dh * Wp + j * dw for i, j in taps]
        for b in range(g.B):
            xp3[pt:pt + H, pl:pl + W] = x[b]
            for r0 in range(0, Ho, R):
                r1 = min(Ho, r0 + R)
                n = (r1 - r0) * Wp
                base = r0 * Wp
                acc, tmp = acc_all[:n], tmp_all[:n]
                for t, ((i, j), off) in enumerate(zip(taps, offs)):
                    src = xf[base + off:base + off + n, :, None]
                    if t == 0:
                        np.multiply(src, wt[i, j], out=acc)
                    else:
                        np.multiply(src, wt[i, j], out=tmp)
                        acc += tmp
                if bias is not None:
                    acc += bias.reshape(C, mult)
                out[b, r0:r1] = acc.reshape(r1 - r0, Wp, C * mult)[:, :Wo]
        return
    xp = buf("dw.xpad") if g.padded else None
    tmp_all = buf("dw.tmp")
    for b in range(g.B):
        if xp is None:
            src_all = x[b]
        else:
            xp[pt:pt + H, pl:pl + W] = x[b]
            src_all = xp
        for r0 in range(0, Ho, R):
            r1 = min(Ho, r0 + R)
            acc = out[b, r0:r1].reshape(r1 - r0, Wo, C, mult)
            tmp = tmp_all[:r1 - r0]
            for t, (i, j) in enumerate(taps):
                src = src_all[r0 * sh + i * dh:(r1 - 1) * sh + i * dh + 1:sh,
                              j * dw:j * dw + (Wo - 1) * sw + 1:sw, :, None]
                if t == 0:
                    np.multiply(src, wt[i, j], out=acc)
                else:
                    np.multiply(src, wt[i, j], out=tmp)
                    acc += tmp
            if bias is not None:
                acc += bias.reshape(C, mult)
