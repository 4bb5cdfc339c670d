"""Plans: a convolution with all its buffers preallocated once, for steady-state timing.

:class:`ConvPlan` picks the algorithm by ``kind`` (``"standard"``: :mod:`.im2col`,
``"depthwise"``: :mod:`.depthwise`, ``"pointwise"``: :mod:`.pointwise`), sizes every scratch
buffer up front and first-touches them (trap: page faults), so ``plan.run(x, w)`` does
steady-state work only. :class:`DepsepPlan` chains a depthwise and a pointwise plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...validation import choice, flag, shown
from ..arguments import optional_count
from ..guard import check_memory, memory_limit_argument
from ..machine import l2_cache_bytes
from . import depthwise, im2col, pointwise
from .footprint import KINDS, buffer_specs, plan_footprint, plan_workspace_bytes
from .geometry import ConvGeometry, plan_geometry
from .im2col import DEFAULT_BLOCK_BYTES
from .workspace import Workspace

__all__ = ["KINDS", "ConvPlan", "DepsepPlan", "plan_workspace_bytes"]


def _describe(g: ConvGeometry, kind: str) -> str:
    return (f"a {kind} convolution (x {g.x_shape}, w {g.w_shape}, out {g.out_shape}, {g.layout}, "
            f"{g.dtype})")


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

    Memory: before allocating anything the plan checks what it will allocate (:attr:`footprint`:
    scratch for the most workers a run may use, its output, a run's temporaries) against
    ``memory_limit`` (bytes; ``None``: ``ROOFLINE_CONV_MEMORY_LIMIT`` or half the available
    memory) and raises :class:`~roofline_conv.measure.memory.MemoryLimitError` (a
    ``ValueError``) naming the convolution, the bytes and the limit.

    Threads (standard kind): the column blocks are shared out dynamically among
    Python threads, each with its own buffers, while BLAS is limited to one thread for the
    duration of ``run`` (threadpoolctl, process-wide). This overlaps one worker's im2col copies
    with another's GEMM and avoids a BLAS fork/join barrier per block, which on a loaded
    machine (a core taken by another process) made the serial loop 2-4x slower than one big
    GEMM. ``workers=None`` uses the BLAS thread count at run time (so ``thread_limit(1)``
    gives a serial run), capped by CPU count and block count; convolutions under
    :data:`.im2col.PARALLEL_MIN_FLOPS` and installs without threadpoolctl run the blocks serially with
    multi-threaded BLAS inside each GEMM. :attr:`workers` is the most a run may use (the CPU
    count, or ``workers``, capped by the block count): the plan's buffers are made for that many.
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
        memory_limit: int | None = None,
    ) -> None:
        kind = choice(kind, "kind", KINDS)
        warm = flag(warm, "warm")
        block_bytes = optional_count(block_bytes, "block_bytes")
        cache_bytes = optional_count(cache_bytes, "cache_bytes")
        workers = optional_count(workers, "workers")
        self.memory_limit = memory_limit_argument(memory_limit)
        if workspace is not None and not isinstance(workspace, Workspace):
            raise ValueError(f"workspace={shown(workspace)} must be a Workspace or None")
        g = plan_geometry(x_shape, w_shape, kind, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, layout=layout, dtype=dtype)
        self.geometry = g
        self.kind = kind
        self.block_bytes = int(block_bytes or DEFAULT_BLOCK_BYTES)
        self.cache_bytes = int(cache_bytes or l2_cache_bytes() // 2)
        self.workers_requested = workers
        self.workers = (im2col.max_workers(g, self.block_bytes, workers) if kind == "standard" else 1)
        self.footprint = plan_footprint(g, kind, self.block_bytes, self.cache_bytes, self.workers)
        """Bytes this plan allocates: ``workspace``, ``output``, ``temporaries`` (per run)."""
        check_memory(sum(self.footprint.values()), self.memory_limit, what=_describe(g, kind))
        self.workspace = workspace if workspace is not None else Workspace()
        self._specs = buffer_specs(g, kind, self.block_bytes, self.cache_bytes, 1)
        self._tag = (g, kind, self.block_bytes, self.cache_bytes)
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
        return im2col.auto_workers(self.geometry, self.block_bytes, self.workers_requested)

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

    def warm(self, output: bool = True) -> None:
        """Allocate and first-touch every scratch buffer and (``output=True``) the output."""
        for name in self._specs:
            if name.startswith("std."):
                for k in range(self.workers):
                    self._buf(name[:-2], k)
            else:
                self._buf(name)
        if output and self._out is None:
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
        if out is not None and not isinstance(out, np.ndarray):
            raise ValueError(f"out={shown(out)} must be a numpy array or None")
        if out is not None and out.shape != g.out_shape:
            raise ValueError(f"out has shape {out.shape}, expected {g.out_shape}")
        for name, a in (("x", x), ("w", w)) if bias is None else (("x", x), ("w", w), ("bias", bias)):
            if np.asarray(a).dtype.kind not in "biuf":
                raise ValueError(f"{name} must hold real numbers, not {np.asarray(a).dtype}")
        copy_x = x.dtype != g.dtype or not x.flags.c_contiguous
        copy_out = out is not None and (out.dtype != g.dtype or not out.flags.c_contiguous)
        extra = g.itemsize * ((x.size if copy_x else 0) + (w.size if w.dtype != g.dtype else 0)
                              + (math.prod(g.out_shape) if copy_out else 0))
        if extra:  # copies of the caller's arrays, on top of the plan's own buffers
            check_memory(sum(self.footprint.values()) + extra, self.memory_limit,
                         what=f"{_describe(g, self.kind)} copying its arguments")
        if copy_x:
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
        res = np.empty(g.out_shape, g.dtype) if copy_out else out
        if self.kind == "standard":
            im2col.run(g, x, w, bias, res, self._buf, self.block_bytes, self._workers())
        elif self.kind == "depthwise":
            depthwise.run(g, x, w, bias, res, self._buf, self.cache_bytes)
        else:
            pointwise.run(g, x, w, bias, res, self._buf)
        if res is not out:
            out[...] = res
        return out if target is None else target


class DepsepPlan:
    """Depthwise conv followed by a pointwise (1x1) conv, with preallocated buffers.

    ``w_dw`` is ``(C*mult, 1, Kh, Kw)``, ``w_pw`` is ``(C_out, C*mult)`` or
    ``(C_out, C*mult, 1, 1)``. The intermediate activation is a reused buffer.
    """

    def __init__(self, x_shape: Sequence[int], w_dw_shape: Sequence[int],
                 w_pw_shape: Sequence[int], *, stride: int | Sequence[int] = (1, 1),
                 padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                 layout: str = "NCHW", dtype: Any = np.float32,
                 workspace: Workspace | None = None, warm: bool = True,
                 memory_limit: int | None = None) -> None:
        warm = flag(warm, "warm")
        ws = workspace if workspace is not None else Workspace()
        self.workspace = ws
        # built cold (each checks its own footprint), then the whole is checked, then warmed
        self.dw = ConvPlan(x_shape, w_dw_shape, stride=stride, padding=padding,
                           dilation=dilation, layout=layout, dtype=dtype, kind="depthwise",
                           workspace=ws, warm=False, memory_limit=memory_limit)
        self.pw = ConvPlan(self.dw.out_shape, w_pw_shape, layout=layout, dtype=dtype,
                           kind="pointwise", workspace=ws, warm=False, memory_limit=memory_limit)
        self._mid_shape = self.dw.out_shape
        dw, pw = self.dw.footprint, self.pw.footprint
        self.footprint = {"workspace": dw["workspace"] + pw["workspace"] + dw["output"],
                          "output": pw["output"], "temporaries": max(dw["temporaries"], pw["temporaries"])}
        """Bytes this plan allocates: both stages' scratch and the intermediate activation
        (``workspace``), the output, and the larger stage's run temporaries."""
        check_memory(sum(self.footprint.values()), self.dw.memory_limit,
                     what=f"{_describe(self.dw.geometry, 'depthwise')} then a pointwise conv to {self.out_shape}")
        if warm:
            self.dw.warm(output=False)  # its output is the intermediate buffer
            self.pw.warm()
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
