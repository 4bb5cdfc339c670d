"""The kernels as free functions: ``conv2d``, ``depthwise_conv2d``, ``pointwise_conv2d``,
``depsep_conv2d``. Each builds an unwarmed plan per call; pass ``workspace=`` to reuse scratch
buffers across calls, or use a :class:`~.plan.ConvPlan` for repeated calls on one shape.

Dtypes: float32 and float64 run through BLAS (numpy's ``matmul``) and are fast. float16 is
accepted and correct to float16 precision, but numpy has no half-precision GEMM, so its
``matmul`` falls back to slow non-BLAS loops (orders of magnitude slower): do not time it.
Integer inputs are promoted to float64.

Memory: each function checks what it will allocate (scratch, the output, copies of its
arguments) against ``memory_limit`` (bytes; ``None``: ``ROOFLINE_CONV_MEMORY_LIMIT`` or half the
available memory) before allocating, and raises ``MemoryLimitError`` (a ``ValueError``) instead
of numpy's ``MemoryError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .geometry import float_dtype
from .plan import ConvPlan, DepsepPlan
from .workspace import Workspace

__all__ = ["conv2d", "depsep_conv2d", "depthwise_conv2d", "pointwise_conv2d"]


def _prepare(x: Any, w: Any, bias: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                                 np.dtype]:
    x = np.asarray(x)
    w = np.asarray(w)
    arrays = [x, w] if bias is None else [x, w, np.asarray(bias)]
    dt = float_dtype(*arrays)
    return x, w, (None if bias is None else np.asarray(bias, dtype=dt)), dt


def _run_free(kind: str, x: Any, w: Any, bias: Any, out: np.ndarray | None,
              workspace: Workspace | None, **kw: Any) -> np.ndarray:
    x, w, bias, dt = _prepare(x, w, bias)
    plan = ConvPlan(x.shape, w.shape, dtype=dt, kind=kind, workspace=workspace, warm=False, **kw)
    if out is None:
        out = np.empty(plan.out_shape, dt)
    return plan.run(x, w, bias, out=out)


def conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1),
           padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
           groups: int = 1, bias: Any = None, layout: str = "NCHW",
           out: np.ndarray | None = None, workspace: Workspace | None = None,
           memory_limit: int | None = None) -> np.ndarray:
    """Standard 2-D convolution (cross-correlation) via blocked im2col + one GEMM per group.

    ``x``: ``(B, C_in, H, W)`` (NCHW) or ``(B, H, W, C_in)`` (NHWC); ``w``:
    ``(C_out, C_in/groups, Kh, Kw)``; ``bias``: ``(C_out,)``. Returns ``(B, C_out, Ho, Wo)``
    (or NHWC) of the promoted float dtype, written into ``out`` if given. ``workspace`` reuses
    scratch buffers across calls; for repeated calls on one shape prefer :class:`ConvPlan`.
    """
    return _run_free("standard", x, w, bias, out, workspace, stride=stride, padding=padding,
                     dilation=dilation, groups=groups, layout=layout, memory_limit=memory_limit)


def depthwise_conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1),
                     padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                     bias: Any = None, layout: str = "NCHW", out: np.ndarray | None = None,
                     workspace: Workspace | None = None, memory_limit: int | None = None) -> np.ndarray:
    """Depthwise convolution (``groups = C``), weight ``(C*mult, 1, Kh, Kw)``.

    Output channel ``c*mult + m`` reads input channel ``c`` (PyTorch semantics). Vectorised: a
    Python loop over the ``Kh*Kw`` taps within cache-sized channel (NCHW) or row (NHWC) blocks.
    """
    return _run_free("depthwise", x, w, bias, out, workspace, stride=stride, padding=padding,
                     dilation=dilation, layout=layout, memory_limit=memory_limit)


def pointwise_conv2d(x: Any, w: Any, *, stride: int | Sequence[int] = (1, 1), groups: int = 1,
                     bias: Any = None, layout: str = "NCHW", out: np.ndarray | None = None,
                     workspace: Workspace | None = None, memory_limit: int | None = None) -> np.ndarray:
    """1x1 convolution as ONE GEMM on the ``(C, H*W)`` view; ``w`` is ``(C_out, C_in/groups)``
    or ``(C_out, C_in/groups, 1, 1)``. ``stride`` subsamples the input first (no padding)."""
    return _run_free("pointwise", x, w, bias, out, workspace, stride=stride, groups=groups,
                     layout=layout, memory_limit=memory_limit)


def depsep_conv2d(x: Any, w_dw: Any, w_pw: Any, *, stride: int | Sequence[int] = (1, 1),
                  padding: Any = ((0, 0), (0, 0)), dilation: int | Sequence[int] = (1, 1),
                  bias_dw: Any = None, bias_pw: Any = None, layout: str = "NCHW",
                  out: np.ndarray | None = None, workspace: Workspace | None = None,
                  memory_limit: int | None = None) -> np.ndarray:
    """Depthwise-separable convolution: :func:`depthwise_conv2d` then :func:`pointwise_conv2d`.

    ``stride``/``padding``/``dilation`` apply to the depthwise stage."""
    arrays = [np.asarray(a) for a in (x, w_dw, w_pw, bias_dw, bias_pw) if a is not None]
    dt = float_dtype(*arrays)
    x = np.asarray(x)
    plan = DepsepPlan(x.shape, np.shape(w_dw), np.shape(w_pw), stride=stride, padding=padding,
                      dilation=dilation, layout=layout, dtype=dt, workspace=workspace,
                      warm=False, memory_limit=memory_limit)
    if out is None:
        out = np.empty(plan.out_shape, dt)
    return plan.run(x, np.asarray(w_dw, dt), np.asarray(w_pw, dt), bias_dw, bias_pw, out=out)
