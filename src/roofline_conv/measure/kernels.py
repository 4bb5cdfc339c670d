"""Numpy convolution kernels that roofline predictions are checked against.

Pure functions on numpy arrays; output sizes, MACs and im2col sizes come from the layers'
formulas (:data:`roofline_conv.layers.formulas.CONV`), so they are written once.

Conventions
-----------
* Cross-correlation, as in PyTorch: ``out[b, o, y, x] = bias[o] + sum_{c, i, j}
  w[o, c, i, j] * x_pad[b, g*Cg + c, y*sh + i*dh, x*sw + j*dw]`` with ``g = o // (C_out/groups)``.
* Activations are ``NCHW`` (``(B, C, H, W)``) by default or ``NHWC`` (``(B, H, W, C)``) with
  ``layout="NHWC"``; the output uses the same layout. Weights are always PyTorch ``OIHW``:
  ``(C_out, C_in/groups, Kh, Kw)``.
* ``stride``/``dilation`` are an int or ``(h, w)``; ``padding`` is an int, ``(ph, pw)``
  (symmetric) or ``((top, bottom), (left, right))`` (per side, possibly asymmetric). Zero padding.
* Dtypes: float32 and float64 run through BLAS (numpy's ``matmul``) and are fast. float16 is
  accepted and correct to float16 precision, but numpy has no half-precision GEMM, so its
  ``matmul`` falls back to slow non-BLAS loops (orders of magnitude slower): do not time it.
  Integer inputs are promoted to float64.
* FLOP counts (``ConvPlan.flops``) are ``2 * MACs``; a bias add is not counted.

Algorithms
----------
``conv2d`` (standard): im2col + ONE GEMM per group per column block, blocked over output
rows (or over whole samples when a sample is small) so that the column block (``K x n`` with
``K = Kh*Kw*C_in``) stays in cache (``block_bytes``, default 4 MiB; a huge ``block_bytes`` gives
literally one GEMM per group per sample, or for the whole batch). The column block is built by
``Kh*Kw`` strided copies (one per tap) into a preallocated buffer, then ``matmul`` writes
straight into the output. Blocks are shared out among worker threads, each running
single-threaded BLAS (see :class:`ConvPlan`). On the study layer (1x128x224x224, 3x3,
128->128, fp32, 2 cores) this reaches 0.92-0.97x the FLOP/s of a plain GEMM of the same FLOP,
whereas a full, reused 231 MB column matrix reaches ~0.83x and a freshly allocated one ~0.75x.
A 1x1, stride-1, unpadded standard conv skips im2col: the input already *is* the column matrix.

``depthwise_conv2d``: tap loop (``Kh*Kw`` iterations) of ``np.multiply(..., out=tmp)`` +
in-place add, over channel blocks sized so a block's working set fits in half the L2 cache.
With stride 1 it uses the *padded-width trick*: on the flattened padded plane (row length
``Wp``) tap ``(i, j)`` is a contiguous slice at offset ``i*dh*Wp + j*dw``, so every ufunc runs
on one long contiguous vector; the ``Wp - Wo`` junk columns per row are dropped when the block
is copied out. ~4-4.6x faster than the naive whole-array 9-tap loop on the study layer.

``pointwise_conv2d``: ONE GEMM ``(C_out, C_in) @ (C_in, H*W)`` per sample (NCHW) or
``(B*H*W, C_in) @ (C_in, C_out)`` for the whole batch (NHWC), written straight into the output.

Plans and workspaces (trap: first-touch page faults)
-----------------------------------------------------
Fresh large numpy buffers are page-faulted on first touch, which costs as much as a
significant fraction of a GEMM. :class:`ConvPlan` preallocates (and touches) every scratch
buffer and its output once; ``plan.run(x, w)`` then does steady-state work only. The free
functions accept ``workspace=`` (a :class:`Workspace`) to reuse scratch buffers across calls.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..layers.formulas import CONV

__all__ = [
    "ConvGeometry",
    "ConvPlan",
    "DepsepPlan",
    "Workspace",
    "conv2d",
    "conv_geometry",
    "depsep_conv2d",
    "depthwise_conv2d",
    "l2_cache_bytes",
    "plan_workspace_bytes",
    "pointwise_conv2d",
    "reference_conv2d",
]

Layout = Literal["NCHW", "NHWC"]
Kind = Literal["standard", "depthwise", "pointwise"]

DEFAULT_BLOCK_BYTES = 4 * 2**20
"""Target size in bytes of one im2col column block (standard conv)."""


# --------------------------------------------------------------------------------------
# argument normalisation and geometry
# --------------------------------------------------------------------------------------
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
    if G < 1 or C % G or Co % G:
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


def _float_dtype(*arrays: Any) -> np.dtype:
    dt = np.result_type(*arrays)
    if dt.kind != "f":
        dt = np.result_type(dt, np.float64) if dt.kind in "iub" else dt
    if dt.kind not in "f":
        raise TypeError(f"convolution needs real floating-point inputs, got {dt}")
    return np.dtype(dt)


# --------------------------------------------------------------------------------------
# cache size (read lazily, no work at import time)
# --------------------------------------------------------------------------------------
def _parse_size(text: str) -> int | None:
    text = text.strip().upper()
    mult = 1
    for suf, m in (("K", 2**10), ("M", 2**20), ("G", 2**30)):
        if text.endswith(suf):
            text, mult = text[:-1], m
            break
    try:
        return int(float(text) * mult)
    except ValueError:
        return None


@functools.cache
def l2_cache_bytes(default: int = 1 * 2**20) -> int:
    """Per-core L2 data cache size in bytes (from sysfs), or ``default`` if unreadable."""
    import glob

    for d in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        try:
            with open(f"{d}/level") as f:
                level = int(f.read())
            with open(f"{d}/type") as f:
                typ = f.read().strip()
            with open(f"{d}/size") as f:
                size = _parse_size(f.read())
        except (OSError, ValueError):
            continue
        if level == 2 and typ in ("Unified", "Data") and size:
            return size
    return default


# --------------------------------------------------------------------------------------
# workspace
# --------------------------------------------------------------------------------------
class Workspace:
    """Reusable scratch buffers keyed by name (not thread-safe).

    ``get`` returns a view of a flat buffer that is (re)allocated only when too small or of
    another dtype; fresh buffers are written once (first touch: page faults happen here, not
    in the timed kernel). Buffers requested with ``zero=True`` are zero-filled whenever the
    requesting geometry (``tag``) differs from the previous user's, so zero borders (padding)
    survive across calls of the same plan and are never stale after another plan used them.
    """

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}
        self._tags: dict[str, Any] = {}

    def get(self, name: str, shape: Sequence[int], dtype: Any, *, zero: bool = False,
            tag: Any = None) -> np.ndarray:
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        n = math.prod(shape)
        buf = self._bufs.get(name)
        fresh = buf is None or buf.dtype != dtype or buf.size < n
        if fresh:
            buf = np.empty(max(n, 1), dtype=dtype)
            buf.fill(0)  # first touch
            self._bufs[name] = buf
        view = buf[:n].reshape(shape)
        key = (shape, dtype.str, tag)
        if zero and not fresh and self._tags.get(name) != key:
            view.fill(0)
        self._tags[name] = key
        return view

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        return sum(b.nbytes for b in self._bufs.values())

    def clear(self) -> None:
        """Release all buffers."""
        self._bufs.clear()
        self._tags.clear()

    def __repr__(self) -> str:
        return f"Workspace({len(self._bufs)} buffers, {self.nbytes / 2**20:.1f} MiB)"


# --------------------------------------------------------------------------------------
# plan: buffer sizing
# --------------------------------------------------------------------------------------
def _std_blocking(g: ConvGeometry, block_bytes: int) -> tuple[int, int]:
    """(samples per block, output rows per block) for the standard im2col kernel."""
    k_bytes = g.taps * g.C * g.itemsize  # bytes of one column (one output pixel)
    sample = g.Ho * g.Wo * k_bytes
    if sample <= block_bytes:
        return max(1, min(g.B, block_bytes // sample)), g.Ho
    return 1, max(1, min(g.Ho, block_bytes // (g.Wo * k_bytes)))


def _std_is_direct(g: ConvGeometry) -> bool:
    return g.Kh == 1 and g.Kw == 1 and g.sh == 1 and g.sw == 1 and not g.padded


def _dw_blocking(g: ConvGeometry, budget: int) -> int:
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


def _buffer_specs(g: ConvGeometry, kind: str, block_bytes: int, dw_budget: int,
                  workers: int = 1) -> dict[str, tuple[tuple[int, ...], bool]]:
    """name -> (shape, needs zero border) of every scratch buffer of a plan."""
    specs: dict[str, tuple[tuple[int, ...], bool]] = {}
    if kind == "standard":
        if _std_is_direct(g):
            return specs
        nb, R = _std_blocking(g, block_bytes)
        for k in range(max(1, workers)):  # one set of block buffers per worker thread
            if g.padded:
                rin = (R - 1) * g.sh + (g.Kh - 1) * g.dh + 1
                shp = (nb, g.C, rin, g.Wp) if g.layout == "NCHW" else (nb, rin, g.Wp, g.C)
                specs[f"std.xblk.{k}"] = (shp, True)
            specs[f"std.col.{k}"] = ((g.taps * g.C * nb * R * g.Wo,), False)
            if g.layout == "NCHW" and nb > 1:
                specs[f"std.out.{k}"] = ((g.Co * nb * g.Ho * g.Wo,), False)
    elif kind == "depthwise":
        mult = g.Co // g.C
        blk = _dw_blocking(g, dw_budget)
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
    elif kind == "pointwise":
        if g.sh != 1 or g.sw != 1:
            shp = (g.B, g.C, g.Ho, g.Wo) if g.layout == "NCHW" else (g.B, g.Ho, g.Wo, g.C)
            specs["pw.xs"] = (shp, False)
    else:
        raise ValueError(f"kind must be 'standard', 'depthwise' or 'pointwise', got {kind!r}")
    return specs


def plan_workspace_bytes(g: ConvGeometry, kind: str = "standard",
                         block_bytes: int | None = None, workers: int | None = None) -> int:
    """Bytes of scratch memory a :class:`ConvPlan` for ``g`` allocates (output excluded).

    ``workers``: standard-conv worker threads (``None``: what the plan would pick now)."""
    bb = block_bytes or DEFAULT_BLOCK_BYTES
    if workers is None:
        workers = _auto_workers(g, bb) if kind == "standard" else 1
    specs = _buffer_specs(g, kind, bb, l2_cache_bytes() // 2, workers)
    return sum(math.prod(s) for s, _ in specs.values()) * g.itemsize


# --------------------------------------------------------------------------------------
# threading for the standard conv: Python workers x single-threaded BLAS
# --------------------------------------------------------------------------------------
PARALLEL_MIN_FLOPS = 20_000_000
"""Below this many FLOP a standard conv runs its blocks serially (thread overhead)."""


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl controller of the BLAS libraries, or ``None`` (not installed/no BLAS)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    try:
        ctl = ThreadpoolController().select(user_api="blas")
    except Exception:  # noqa: BLE001  # pragma: no cover - defensive: unusual BLAS builds
        return None
    return ctl if ctl.lib_controllers else None


def _blas_threads() -> int | None:
    ctl = _blas_controller()
    if ctl is None:
        return None
    return max(int(lc.num_threads) for lc in ctl.lib_controllers)


def _n_blocks(g: ConvGeometry, block_bytes: int) -> int:
    nb, R = _std_blocking(g, block_bytes)
    return -(-g.B // nb) * -(-g.Ho // R)


def _auto_workers(g: ConvGeometry, block_bytes: int, requested: int | None = None) -> int:
    """Worker threads for a standard conv: ``requested`` or the current BLAS thread count,
    capped by the CPU count and the number of blocks; 1 without threadpoolctl (BLAS cannot
    then be pinned to one thread per worker) or for small convolutions."""
    if _std_is_direct(g) or _blas_controller() is None:
        return 1
    if requested is None:
        if g.flops < PARALLEL_MIN_FLOPS:
            return 1
        requested = _blas_threads() or 1
    return max(1, min(int(requested), os.cpu_count() or 1, _n_blocks(g, block_bytes)))


@functools.lru_cache(maxsize=1)
def _pool() -> Any:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1),
                              thread_name_prefix="roofline_conv")


# --------------------------------------------------------------------------------------
# ConvPlan
# --------------------------------------------------------------------------------------
class ConvPlan:
    """A convolution with all its buffers preallocated once, for steady-state timing.

    Parameters mirror :func:`conv2d`; ``kind`` picks the algorithm (``"standard"`` im2col +
    GEMM, ``"depthwise"`` tap loop, ``"pointwise"`` single GEMM). For ``"pointwise"`` the weight
    may be ``(C_out, C_in/groups)`` or ``(C_out, C_in/groups, 1, 1)``; for ``"depthwise"`` it is
    ``(C*mult, 1, Kh, Kw)``. ``block_bytes`` is the im2col column-block target (bytes, default
    4 MiB); ``cache_bytes`` the depthwise per-block working-set budget (bytes, default L2/2).

    ``warm=True`` (default) allocates and touches scratch buffers and the output now, so the
    first ``run`` does not pay page faults. ``run(x, w)`` returns the plan's own output buffer,
    which the next ``run`` overwrites (pass ``out=`` to keep results).

    Threads (standard kind): the column blocks are shared out dynamically among ``workers``
    Python threads, each with its own buffers, while BLAS is limited to one thread for the
    duration of ``run`` (threadpoolctl, process-wide). This overlaps one worker's im2col copies
    with another's GEMM and avoids a BLAS fork/join barrier per block, which on a loaded
    machine (a core taken by another process) made the serial loop 2-4x slower than one big
    GEMM. ``workers=None`` uses the BLAS thread count at run time (so ``thread_limit(1)``
    gives a serial run), capped by CPU count and block count; convolutions under
    :data:`PARALLEL_MIN_FLOPS` and installs without threadpoolctl run the blocks serially with
    multi-threaded BLAS inside each GEMM.
    """

    def __init__(
        self,
        x_shape: Sequence[int],
        w_shape: Sequence[int],
        *,
        stride: int | Sequence[int] = (1, 1),
        padding: Any = ((0, 0), (0, 0)),
        dilation: int | Sequence[int] = (1, 1),
        groups: int = 1,
        layout: str = "NCHW",
        dtype: Any = np.float32,
        kind: str = "standard",
        block_bytes: int | None = None,
        cache_bytes: int | None = None,
        workspace: Workspace | None = None,
        warm: bool = True,
        workers: int | None = None,
    ) -> None:
        w_shape = tuple(int(s) for s in w_shape)
        if kind == "pointwise" and len(w_shape) == 2:
            w_shape = (*w_shape, 1, 1)
        xs = tuple(int(s) for s in x_shape)
        if kind == "depthwise":
            C = xs[1] if layout == "NCHW" else xs[-1]
            groups = C
            if len(w_shape) == 4 and (w_shape[1] != 1 or w_shape[0] % max(C, 1)):
                raise ValueError(
                    f"depthwise weight must be (C*mult, 1, Kh, Kw) with C={C}, got {w_shape}")
        g = conv_geometry(xs, w_shape, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, layout=layout, dtype=dtype)
        if kind == "pointwise":
            if g.Kh != 1 or g.Kw != 1:
                raise ValueError(f"pointwise weight must be 1x1, got {w_shape}")
            if g.padded:
                raise ValueError("pointwise_conv2d does not pad; use conv2d for a padded 1x1")
        if kind not in ("standard", "depthwise", "pointwise"):
            raise ValueError(f"unknown kind {kind!r}")
        self.geometry = g
        self.kind = kind
        self.block_bytes = int(block_bytes or DEFAULT_BLOCK_BYTES)
        self.cache_bytes = int(cache_bytes or l2_cache_bytes() // 2)
        self.workspace = workspace if workspace is not None else Workspace()
        self._specs = _buffer_specs(g, kind, self.block_bytes, self.cache_bytes, 1)
        self._tag = (g, kind, self.block_bytes, self.cache_bytes)
        self.workers_requested = workers
        self.workers = self._workers()
        self._out: np.ndarray | None = None
        if warm:
            self.warm()

    # ---- introspection -----------------------------------------------------------------
    @property
    def out_shape(self) -> tuple[int, ...]:
        return self.geometry.out_shape

    @property
    def flops(self) -> int:
        """FLOP of one run (2 x MACs, bias excluded)."""
        return self.geometry.flops

    @property
    def macs(self) -> int:
        return self.geometry.macs

    @property
    def workspace_bytes(self) -> int:
        """Scratch bytes this plan uses with ``self.workers`` workers (output excluded)."""
        n = sum(math.prod(s) * (self.workers if name.startswith("std.") else 1)
                for name, (s, _) in self._specs.items())
        return n * self.geometry.itemsize

    def _workers(self) -> int:
        if self.kind != "standard":
            return 1
        return _auto_workers(self.geometry, self.block_bytes, self.workers_requested)

    def __repr__(self) -> str:
        g = self.geometry
        return (f"ConvPlan(kind={self.kind!r}, x={g.x_shape}, w={g.w_shape}, "
                f"out={g.out_shape}, {g.layout}, {g.dtype}, "
                f"workspace={self.workspace_bytes / 2**20:.1f} MiB)")

    # ---- buffers -----------------------------------------------------------------------
    def _buf(self, name: str, worker: int | None = None) -> np.ndarray:
        if worker is None:
            shape, zero = self._specs[name]
        else:  # per-worker buffer: specs hold worker 0's
            shape, zero = self._specs[f"{name}.0"]
            name = f"{name}.{worker}"
        return self.workspace.get(name, shape, self.geometry.dtype, zero=zero, tag=self._tag)

    def warm(self) -> None:
        """Allocate and first-touch every scratch buffer and the output."""
        for name in self._specs:
            if name.startswith("std."):
                for k in range(self.workers):
                    self._buf(name[:-2], k)
            else:
                self._buf(name)
        if self._out is None:
            self._out = np.empty(self.out_shape, self.geometry.dtype)
            self._out.fill(0)

    # ---- running -----------------------------------------------------------------------
    def run(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None = None,
            out: np.ndarray | None = None) -> np.ndarray:
        """Compute the convolution; returns ``out`` (or the plan's reused output buffer)."""
        g = self.geometry
        x = np.asarray(x)
        w = np.asarray(w)
        if x.shape != g.x_shape:
            raise ValueError(f"x has shape {x.shape}, plan expects {g.x_shape}")
        if self.kind == "pointwise" and w.ndim == 2:
            w = w.reshape(*w.shape, 1, 1)
        if w.shape != g.w_shape:
            raise ValueError(f"w has shape {w.shape}, plan expects {g.w_shape}")
        if x.dtype != g.dtype or not x.flags.c_contiguous:
            x = np.ascontiguousarray(x, dtype=g.dtype)
        if w.dtype != g.dtype:
            w = w.astype(g.dtype)
        if bias is not None:
            bias = np.asarray(bias, dtype=g.dtype).reshape(-1)
            if bias.shape != (g.Co,):
                raise ValueError(f"bias must have {g.Co} elements, got {bias.shape}")
        target = out
        if out is None:
            if self._out is None:
                self._out = np.empty(self.out_shape, g.dtype)
            out = self._out
        elif out.shape != g.out_shape:
            raise ValueError(f"out has shape {out.shape}, expected {g.out_shape}")
        res = out
        if out.dtype != g.dtype or not out.flags.c_contiguous:
            res = np.empty(g.out_shape, g.dtype)
        if self.kind == "standard":
            self._run_standard(x, w, bias, res)
        elif self.kind == "depthwise":
            self._run_depthwise(x, w, bias, res)
        else:
            self._run_pointwise(x, w, bias, res)
        if res is not out:
            out[...] = res
        return out if target is None else target

    # ---- standard: im2col + one GEMM per group ------------------------------------------
    def _run_standard(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                      out: np.ndarray) -> None:
        g = self.geometry
        G, Cg, Cog, T = g.G, g.Cg, g.Cog, g.taps
        nchw = g.layout == "NCHW"
        w4 = w.reshape(G, Cog, Cg, T)
        if nchw:  # (G, Cog, T*Cg): K ordered (tap, channel) to match the column block
            wt = np.ascontiguousarray(w4.transpose(0, 1, 3, 2)).reshape(G, Cog, T * Cg)
        else:  # (G, T*Cg, Cog)
            wt = np.ascontiguousarray(w4.transpose(0, 3, 2, 1)).reshape(G, T * Cg, Cog)

        if _std_is_direct(g):  # 1x1, stride 1, no padding: x is already the column matrix
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

        nbmax, Rmax = _std_blocking(g, self.block_bytes)
        blocks = [(b0, min(g.B, b0 + nbmax), r0, min(g.Ho, r0 + Rmax))
                  for b0 in range(0, g.B, nbmax) for r0 in range(0, g.Ho, Rmax)]
        workers = self._workers()
        if workers <= 1:
            for blk in blocks:
                self._std_block(x, wt, bias, out, blk, 0)
            return
        lock = threading.Lock()
        todo = iter(blocks)

        def work(k: int) -> None:
            while True:
                with lock:
                    blk = next(todo, None)
                if blk is None:
                    return
                self._std_block(x, wt, bias, out, blk, k)

        with _blas_controller().limit(limits=1):
            futures = [_pool().submit(work, k) for k in range(workers)]
            for f in futures:
                f.result()

    def _std_block(self, x: np.ndarray, wt: np.ndarray, bias: np.ndarray | None,
                   out: np.ndarray, blk: tuple[int, int, int, int], k: int) -> None:
        """One column block (samples b0:b1, output rows r0:r1) with worker ``k``'s buffers."""
        g = self.geometry
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
            xblk = self._buf("std.xblk", k)
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
        col = self._buf("std.col", k)[:n * K]
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
                tmp = self._buf("std.out", k)[:g.Co * n].reshape(G, Cog, nb, Ho * Wo)
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

    # ---- pointwise: one GEMM --------------------------------------------------------------
    def _run_pointwise(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                       out: np.ndarray) -> None:
        g = self.geometry
        G, Cg, Cog = g.G, g.Cg, g.Cog
        nchw = g.layout == "NCHW"
        if g.sh != 1 or g.sw != 1:
            xs = self._buf("pw.xs")
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

    # ---- depthwise: tap loop over cache-sized blocks --------------------------------------
    def _run_depthwise(self, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None,
                       out: np.ndarray) -> None:
        g = self.geometry
        C, mult, Kh, Kw = g.C, g.Co // g.C, g.Kh, g.Kw
        w4 = w.reshape(C, mult, Kh, Kw)
        blk = _dw_blocking(g, self.cache_bytes)
        taps = [(i, j) for i in range(Kh) for j in range(Kw)]
        if g.layout == "NCHW":
            self._dw_nchw(x, w4, bias, out, blk, taps)
        else:
            self._dw_nhwc(x, w4, bias, out, blk, taps)

    def _dw_nchw(self, x, w4, bias, out, cb, taps) -> None:
        g = self.geometry
        C, mult, H, W, Ho, Wo, Hp, Wp = g.C, g.Co // g.C, g.H, g.W, g.Ho, g.Wo, g.Hp, g.Wp
        pt, pl, sh, sw, dh, dw = g.pt, g.pl, g.sh, g.sw, g.dh, g.dw
        scalar = mult == 1 and cb == 1
        wl = w4.tolist() if scalar else None
        if sh == 1 and sw == 1:  # padded-width trick: every tap is a contiguous slice
            xf = self._buf("dw.xpad")
            xp3 = xf[:, :Hp * Wp].reshape(cb, Hp, Wp)
            acc_all, tmp_all = self._buf("dw.acc"), self._buf("dw.tmp")
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
        xp = self._buf("dw.xpad") if g.padded else None
        tmp_all = self._buf("dw.tmp")
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

    def _dw_nhwc(self, x, w4, bias, out, R, taps) -> None:
        g = self.geometry
        C, mult, H, W, Ho, Wo, Hp, Wp = g.C, g.Co // g.C, g.H, g.W, g.Ho, g.Wo, g.Hp, g.Wp
        pt, pl, sh, sw, dh, dw = g.pt, g.pl, g.sh, g.sw, g.dh, g.dw
        wt = np.ascontiguousarray(w4.transpose(2, 3, 0, 1))  # (Kh, Kw, C, mult)
        if sh == 1 and sw == 1:
            xf = self._buf("dw.xpad")
            xp3 = xf[:Hp * Wp].reshape(Hp, Wp, C)
            acc_all, tmp_all = self._buf("dw.acc"), self._buf("dw.tmp")
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
        xp = self._buf("dw.xpad") if g.padded else None
        tmp_all = self._buf("dw.tmp")
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


# --------------------------------------------------------------------------------------
# depthwise-separable plan
# --------------------------------------------------------------------------------------
class DepsepPlan:
    """Depthwise conv followed by a pointwise (1x1) conv, with preallocated buffers.

    ``w_dw`` is ``(C*mult, 1, Kh, Kw)``, ``w_pw`` is ``(C_out, C*mult)`` or
    ``(C_out, C*mult, 1, 1)``. The intermediate activation is a reused buffer.
    """

    def __init__(self, x_shape: Sequence[int], w_dw_shape: Sequence[int],
                 w_pw_shape: Sequence[int], *, stride: int | Sequence[int] = (1, 1),
                 padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                 layout: str = "NCHW", dtype: Any = np.float32,
                 workspace: Workspace | None = None, warm: bool = True) -> None:
        ws = workspace if workspace is not None else Workspace()
        self.workspace = ws
        self.dw = ConvPlan(x_shape, w_dw_shape, stride=stride, padding=padding,
                           dilation=dilation, layout=layout, dtype=dtype, kind="depthwise",
                           workspace=ws, warm=warm)
        self.pw = ConvPlan(self.dw.out_shape, w_pw_shape, layout=layout, dtype=dtype,
                           kind="pointwise", workspace=ws, warm=warm)
        self._mid_shape = self.dw.out_shape
        if warm:
            self._mid()

    def _mid(self) -> np.ndarray:
        return self.workspace.get("ds.mid", self._mid_shape, self.dw.geometry.dtype)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return self.pw.out_shape

    @property
    def flops(self) -> int:
        """FLOP of one run: depthwise + pointwise (2 x MACs, biases excluded)."""
        return self.dw.flops + self.pw.flops

    @property
    def workspace_bytes(self) -> int:
        return (self.dw.workspace_bytes + self.pw.workspace_bytes
                + math.prod(self._mid_shape) * self.dw.geometry.itemsize)

    def run(self, x: np.ndarray, w_dw: np.ndarray, w_pw: np.ndarray,
            bias_dw: np.ndarray | None = None, bias_pw: np.ndarray | None = None,
            out: np.ndarray | None = None) -> np.ndarray:
        mid = self.dw.run(x, w_dw, bias_dw, out=self._mid())
        return self.pw.run(mid, w_pw, bias_pw, out=out)


# --------------------------------------------------------------------------------------
# free functions
# --------------------------------------------------------------------------------------
def _prepare(x: Any, w: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                                 np.dtype]:
    x = np.asarray(x)
    w = np.asarray(w)
    arrays = [x, w] if bias is None else [x, w, np.asarray(bias)]
    dt = _float_dtype(*arrays)
    return x, w, (None if bias is None else np.asarray(bias, dtype=dt)), dt


def _run_free(kind: str, x: Any, w: Any, bias: Any, out: np.ndarray | None,
              workspace: Workspace | None, **kw: Any) -> np.ndarray:
    x, w, bias, dt = _prepare(x, w, bias)
    plan = ConvPlan(x.shape, w.shape, dtype=dt, kind=kind, workspace=workspace,
                    warm=False, **kw)
    if out is None:
        out = np.empty(plan.out_shape, dt)
    return plan.run(x, w, bias, out=out)


def conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1),
           padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
           groups: int = 1, bias: Any = None, layout: str = "NCHW",
           out: np.ndarray | None = None, workspace: Workspace | None = None) -> np.ndarray:
    """Standard 2-D convolution (cross-correlation) via blocked im2col + one GEMM per group.

    ``x``: ``(B, C_in, H, W)`` (NCHW) or ``(B, H, W, C_in)`` (NHWC); ``w``:
    ``(C_out, C_in/groups, Kh, Kw)``; ``bias``: ``(C_out,)``. Returns ``(B, C_out, Ho, Wo)``
    (or NHWC) of the promoted float dtype, written into ``out`` if given. ``workspace`` reuses
    scratch buffers across calls; for repeated calls on one shape prefer :class:`ConvPlan`.
    """
    return _run_free("standard", x, w, bias, out, workspace, stride=stride, padding=padding,
                     dilation=dilation, groups=groups, layout=layout)


def depthwise_conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1),
                     padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                     bias: Any = None, layout: str = "NCHW", out: np.ndarray | None = None,
                     workspace: Workspace | None = None) -> np.ndarray:
    """Depthwise convolution (``groups = C``), weight ``(C*mult, 1, Kh, Kw)``.

    Output channel ``c*mult + m`` reads input channel ``c`` (PyTorch semantics). Vectorised: a
    Python loop over the ``Kh*Kw`` taps within cache-sized channel (NCHW) or row (NHWC) blocks.
    """
    return _run_free("depthwise", x, w, bias, out, workspace, stride=stride, padding=padding,
                     dilation=dilation, layout=layout)


def pointwise_conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1), groups: int = 1,
                     bias: Any = None, layout: str = "NCHW", out: np.ndarray | None = None,
                     workspace: Workspace | None = None) -> np.ndarray:
    """1x1 convolution as ONE GEMM on the ``(C, H*W)`` view; ``w`` is ``(C_out, C_in/groups)``
    or ``(C_out, C_in/groups, 1, 1)``. ``stride`` subsamples the input first (no padding)."""
    return _run_free("pointwise", x, w, bias, out, workspace, stride=stride, groups=groups,
                     layout=layout)


def depsep_conv2d(x: Any, w_dw: Any, w_pw: Any, *, stride: int | Sequence[int] = (1, 1),
                  padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                  bias_dw: Any = None, bias_pw: Any = None, layout: str = "NCHW",
                  out: np.ndarray | None = None,
                  workspace: Workspace | None = None) -> np.ndarray:
    """Depthwise-separable convolution: :func:`depthwise_conv2d` then :func:`pointwise_conv2d`.

    ``stride``/``padding``/``dilation`` apply to the depthwise stage."""
    arrays = [np.asarray(a) for a in (x, w_dw, w_pw, bias_dw, bias_pw) if a is not None]
    dt = _float_dtype(*arrays)
    x = np.asarray(x)
    plan = DepsepPlan(x.shape, np.shape(w_dw), np.shape(w_pw), stride=stride, padding=padding,
                      dilation=dilation, layout=layout, dtype=dt, workspace=workspace,
                      warm=False)
    if out is None:
        out = np.empty(plan.out_shape, dt)
    return plan.run(x, np.asarray(w_dw, dt), np.asarray(w_pw, dt), bias_dw, bias_pw, out=out)


# --------------------------------------------------------------------------------------
# reference
# --------------------------------------------------------------------------------------
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
    return out.astype(_float_dtype(x, w))
