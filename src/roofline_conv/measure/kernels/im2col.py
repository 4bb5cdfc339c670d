"""Standard convolution: im2col + ONE GEMM per group per column block.

Blocked over output rows (or over whole samples when a sample is small) so that the column
block (``K x n`` with ``K = Kh*Kw*C_in``) stays in cache (``block_bytes``, default 4 MiB; a huge
``block_bytes`` gives literally one GEMM per group per sample, or for the whole batch). The
column block is built by ``Kh*Kw`` strided copies (one per tap) into a preallocated buffer,
then ``matmul`` writes straight into the output. On the study layer (1x128x224x224, 3x3,
128->128, fp32, 2 cores) this reaches 0.92-0.97x the FLOP/s of a plain GEMM of the same FLOP,
whereas a full, reused 231 MB column matrix reaches ~0.83x and a freshly allocated one ~0.75x.
A 1x1, stride-1, unpadded conv skips im2col: the input already *is* the column matrix.

Threads: the column blocks are shared out dynamically among worker threads, each with its
own buffers, while BLAS is limited to one thread (threadpoolctl) for the duration of the run.
This overlaps one worker's im2col copies with another's GEMM and avoids a BLAS fork/join
barrier per block. Convolutions under :data:`PARALLEL_MIN_FLOPS` and installs without
threadpoolctl run the blocks serially with multi-threaded BLAS inside each GEMM.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..threads import blas_controller, blas_threads
from .geometry import ConvGeometry
from .workspace import BufferGetter, BufferSpecs

__all__ = ["DEFAULT_BLOCK_BYTES", "PARALLEL_MIN_FLOPS", "auto_workers", "blocking", "buffer_specs",
           "max_workers", "n_blocks", "run"]

DEFAULT_BLOCK_BYTES = 4 * 2**20
"""Target size in bytes of one im2col column block."""
PARALLEL_MIN_FLOPS = 20_000_000
"""Below this many FLOP a standard conv runs its blocks serially (thread overhead)."""


def blocking(g: ConvGeometry, block_bytes: int) -> tuple[int, int]:
    """(samples per block, output rows per block) for the standard im2col kernel."""
    k_bytes = g.taps * g.C * g.itemsize  # bytes of one column (one output pixel)
    sample = g.Ho * g.Wo * k_bytes
    if sample <= block_bytes:
        return max(1, min(g.B, block_bytes // sample)), g.Ho
    return 1, max(1, min(g.Ho, block_bytes // (g.Wo * k_bytes)))


def n_blocks(g: ConvGeometry, block_bytes: int) -> int:
    """Number of column blocks of one run."""
    nb, R = blocking(g, block_bytes)
    return -(-g.B // nb) * -(-g.Ho // R)


def max_workers(g: ConvGeometry, block_bytes: int, requested: int | None = None) -> int:
    """The most worker threads a run may use (a plan preallocates buffers for this many):
    ``requested``, or the CPU count when ``None``, capped by the CPU count and the number of
    blocks; 1 without threadpoolctl (BLAS cannot then be pinned to one thread per worker), for
    small convolutions when ``requested`` is ``None``, or when no im2col is needed."""
    if not g.needs_im2col or blas_controller() is None:
        return 1
    if requested is None and g.flops < PARALLEL_MIN_FLOPS:
        return 1
    cpus = os.cpu_count() or 1
    cap = cpus if requested is None else int(requested)
    return max(1, min(cap, cpus, n_blocks(g, block_bytes)))


def auto_workers(g: ConvGeometry, block_bytes: int, requested: int | None = None) -> int:
    """Worker threads of a run now: ``requested`` or the current BLAS thread count, capped as
    :func:`max_workers` (never more than it)."""
    most = max_workers(g, block_bytes, requested)
    if requested is None and most > 1:
        return max(1, min(most, blas_threads() or 1))
    return most


@functools.lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1),
                              thread_name_prefix="roofline_conv")


def buffer_specs(g: ConvGeometry, block_bytes: int, workers: int = 1) -> BufferSpecs:
    """Scratch buffers, one set per worker thread (``std.<name>.<worker>``)."""
    specs: BufferSpecs = {}
    if not g.needs_im2col:
        return specs
    nb, R = blocking(g, block_bytes)
    for k in range(max(1, workers)):
        if g.padded:
            rin = (R - 1) * g.sh + (g.Kh - 1) * g.dh + 1
            shp = (nb, g.C, rin, g.Wp) if g.layout == "NCHW" else (nb, rin, g.Wp, g.C)
            specs[f"std.xblk.{k}"] = (shp, True)
        specs[f"std.col.{k}"] = ((g.taps * g.C * nb * R * g.Wo,), False)
        if g.layout == "NCHW" and nb > 1:
            specs[f"std.out.{k}"] = ((g.Co * nb * g.Ho * g.Wo,), False)
    return specs


def run(g: ConvGeometry, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
        buf: BufferGetter, block_bytes: int, workers: int) -> None:
    """``out`` = the convolution of ``x`` with ``w`` (+ ``bias``), scratch from ``buf``."""
    G, Cg, Cog, T = g.G, g.Cg, g.Cog, g.taps
    nchw = g.layout == "NCHW"
    w4 = w.reshape(G, Cog, Cg, T)
    if nchw:  # (G, Cog, T*Cg): K ordered (tap, channel) to match the column block
        wt = np.ascontiguousarray(w4.transpose(0, 1, 3, 2)).reshape(G, Cog, T * Cg)
    else:  # (G, T*Cg, Cog)
        wt = np.ascontiguousarray(w4.transpose(0, 3, 2, 1)).reshape(G, T * Cg, Cog)

    if not g.needs_im2col:  # 1x1, stride 1, no padding: x is already the column matrix
        HW = g.H * g.W
        if nchw:
            for b in range(g.B):
                np.matmul(wt, x[b].reshape(G, Cg, HW), out=out[b].reshape(G, Cog, HW))
        else:
            n = g.B * HW
            np.matmul(x.reshape(n, G, Cg).transpose(1, 0, 2), wt,
                      out=out.reshape(n, G, Cog).transpose(1, 0, 2))
        if bias is not None:
            out += bias[:, None, None] if nchw else bias
        return

    nbmax, Rmax = blocking(g, block_bytes)
    blocks = [(b0, min(g.B, b0 + nbmax), r0, min(g.Ho, r0 + Rmax))
              for b0 in range(0, g.B, nbmax) for r0 in range(0, g.Ho, Rmax)]
    if workers <= 1:
        for blk in blocks:
            _block(g, x, wt, bias, out, blk, buf, 0)
        return
    lock = threading.Lock()
    todo = iter(blocks)
    stop = threading.Event()

    def work(k: int) -> None:
        while not stop.is_set():
            with lock:
                blk = next(todo, None)
            if blk is None:
                return
            _block(g, x, wt, bias, out, blk, buf, k)

    controller = blas_controller()
    assert controller is not None  # auto_workers gives 1 worker without threadpoolctl
    with controller.limit(limits=1):
        futures = [_pool().submit(work, k) for k in range(workers)]
        try:
            for f in futures:
                f.result()
        except BaseException:  # Ctrl-C (or a worker's error): the workers take no further block
            stop.set()
            raise


def _block(g: ConvGeometry, x: np.ndarray, wt: np.ndarray, bias: np.ndarray | None, out: np.ndarray,
           blk: tuple[int, int, int, int], buf: BufferGetter, k: int) -> None:
    """One column block (samples b0:b1, output rows r0:r1) with worker ``k``'s buffers."""
    G, Cg, Cog, T = g.G, g.Cg, g.Cog, g.taps
    nchw = g.layout == "NCHW"
    sh, sw, dh, dw, Ho, Wo = g.sh, g.sw, g.dh, g.dw, g.Ho, g.Wo
    K = T * g.C
    b0, b1, r0, r1 = blk
    nb, R = b1 - b0, r1 - r0
    n = nb * R * Wo
    in0 = r0 * sh - g.pt
    in1 = (r1 - 1) * sh - g.pt + (g.Kh - 1) * dh + 1
    rin = in1 - in0
    if not g.padded:
        src = x[b0:b1, :, in0:in1, :] if nchw else x[b0:b1, in0:in1]
    else:
        xblk = buf("std.xblk", k)
        v0, v1 = max(0, in0), min(g.H, in1)
        top, bot = v0 - in0, v1 - in0
        if nchw:
            src = xblk[:nb, :, :rin]
            inner = src[:, :, :, g.pl:g.pl + g.W]
            if top > 0:
                inner[:, :, :top] = 0
            if bot > top:
                inner[:, :, top:bot] = x[b0:b1, :, v0:v1, :]
            if bot < rin:
                inner[:, :, max(bot, 0):] = 0
        else:
            src = xblk[:nb, :rin]
            inner = src[:, :, g.pl:g.pl + g.W]
            if top > 0:
                inner[:, :top] = 0
            if bot > top:
                inner[:, top:bot] = x[b0:b1, v0:v1]
            if bot < rin:
                inner[:, max(bot, 0):] = 0
    col = buf("std.col", k)[:n * K]
    if nchw:
        colv = col.reshape(G, T, Cg, nb, R, Wo)
        srcg = src.reshape(nb, G, Cg, rin, src.shape[-1])
        for i in range(g.Kh):
            for j in range(g.Kw):
                colv[:, i * g.Kw + j] = srcg[
                    :, :, :, i * dh:i * dh + (R - 1) * sh + 1:sh,
                    j * dw:j * dw + (Wo - 1) * sw + 1:sw].transpose(1, 2, 0, 3, 4)
        colm = col.reshape(G, T * Cg, n)
        if nb == 1:
            np.matmul(wt, colm, out=out[b0].reshape(G, Cog, Ho * Wo)[:, :, r0 * Wo:r1 * Wo])
        else:
            tmp = buf("std.out", k)[:g.Co * n].reshape(G, Cog, nb, Ho * Wo)
            np.matmul(wt, colm, out=tmp.reshape(G, Cog, n))
            out[b0:b1].reshape(nb, G, Cog, Ho * Wo)[...] = tmp.transpose(2, 0, 1, 3)
        if bias is not None:
            out[b0:b1, :, r0:r1] += bias[:, None, None]
    else:
        colv = col.reshape(nb, R, Wo, G, T, Cg)
        srcg = src.reshape(nb, rin, src.shape[2], G, Cg)
        for i in range(g.Kh):
            for j in range(g.Kw):
                colv[:, :, :, :, i * g.Kw + j] = srcg[
                    :, i * dh:i * dh + (R - 1) * sh + 1:sh,
                    j * dw:j * dw + (Wo - 1) * sw + 1:sw]
        colm = col.reshape(n, G, T * Cg).transpose(1, 0, 2)
        o = out[b0:b1, r0:r1]
        np.matmul(colm, wt, out=o.reshape(n, G, Cog).transpose(1, 0, 2))
        if bias is not None:
            o += bias

