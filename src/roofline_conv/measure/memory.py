"""Memory guard: predict what a measurement allocates and refuse *before* allocating.

:func:`estimate_conv_bytes` predicts what a convolution measurement allocates (inputs,
weights, output, plan workspace) and :func:`check_memory` raises :class:`MemoryLimitError`
when it exceeds the limit (default 0.5 x MemAvailable, overridable by argument or the
environment variable ``ROOFLINE_CONV_MEMORY_LIMIT`` in bytes).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .kernels import conv_geometry, plan_workspace_bytes

__all__ = [
    "MEMORY_LIMIT_ENV",
    "MemoryLimitError",
    "available_memory_bytes",
    "check_memory",
    "conv_memory_breakdown",
    "default_memory_limit",
    "estimate_conv_bytes",
]

MEMORY_LIMIT_ENV = "ROOFLINE_CONV_MEMORY_LIMIT"
"""Environment variable overriding the default memory limit (bytes)."""


class MemoryLimitError(ValueError):
    """A measurement would allocate more memory than the limit allows."""


def available_memory_bytes() -> int | None:
    """Available memory in bytes: ``MemAvailable`` from /proc/meminfo, else
    ``os.sysconf`` available pages x page size, else ``None``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def default_memory_limit() -> int | None:
    """``ROOFLINE_CONV_MEMORY_LIMIT`` (bytes) if set, else 0.5 x available memory (bytes),
    else ``None`` (unknown: no limit)."""
    env = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if env:
        try:
            return int(float(env))
        except ValueError as exc:
            raise ValueError(f"{MEMORY_LIMIT_ENV}={env!r} is not a number of bytes") from exc
    avail = available_memory_bytes()
    return None if avail is None else avail // 2


def check_memory(nbytes: int, limit: int | None = None, *, what: str = "measurement") -> int | None:
    """Raise :class:`MemoryLimitError` if ``nbytes`` exceeds ``limit`` (bytes).

    ``limit=None`` uses :func:`default_memory_limit`. Call it *before* allocating. Returns the
    limit applied (``None`` if unknown).
    """
    explicit = limit is not None
    lim = int(limit) if explicit else default_memory_limit()
    if lim is not None and nbytes > lim:
        src = ("memory_limit argument" if explicit else
               f"{MEMORY_LIMIT_ENV}" if os.environ.get(MEMORY_LIMIT_ENV) else
               "0.5 x MemAvailable")
        raise MemoryLimitError(
            f"{what} needs about {nbytes / 1e6:,.1f} MB but the memory limit is "
            f"{lim / 1e6:,.1f} MB ({src}); shrink the problem, or raise the limit with "
            f"memory_limit= or the environment variable {MEMORY_LIMIT_ENV} (bytes)")
    return lim


def conv_memory_breakdown(x_shape: Sequence[int], w_shape: Sequence[int], *,
                          stride: Any = (1, 1), padding: Any = ((0, 0), (0, 0)),
                          dilation: Any = (1, 1), groups: int = 1, layout: str = "NCHW",
                          dtype: Any = "float32", kind: str = "standard",
                          method: str = "plan", block_bytes: int | None = None
                          ) -> dict[str, int]:
    """Bytes a convolution measurement allocates, by buffer: ``input``, ``weights``,
    ``output``, ``workspace`` (plan scratch: column block, padded input, ...) and ``total``.

    ``method="plan"`` sizes the workspace of :class:`ConvPlan` (blocked im2col);
    ``method="im2col"`` the full column matrix ``(Kh*Kw*C_in) x (B*Ho*Wo)`` of a naive im2col.
    For ``kind="depsep"`` pass ``w_shape=(w_dw_shape, w_pw_shape)``.
    """
    isz = np.dtype(dtype).itemsize
    if kind == "depsep":
        w_dw, w_pw = (tuple(s) for s in w_shape)
        C = x_shape[1] if layout == "NCHW" else x_shape[-1]
        gd = conv_geometry(x_shape, w_dw, stride=stride, padding=padding, dilation=dilation,
                           groups=C, layout=layout, dtype=dtype)
        w_pw4 = (*w_pw, 1, 1) if len(w_pw) == 2 else w_pw
        gp = conv_geometry(gd.out_shape, w_pw4, layout=layout, dtype=dtype)
        ws = (plan_workspace_bytes(gd, "depthwise") + plan_workspace_bytes(gp, "pointwise")
              + math.prod(gd.out_shape) * isz)
        parts = {"input": math.prod(x_shape) * isz,
                 "weights": (math.prod(w_dw) + math.prod(w_pw)) * isz,
                 "output": math.prod(gp.out_shape) * isz, "workspace": ws}
    else:
        w4 = tuple(w_shape)
        if kind == "pointwise" and len(w4) == 2:
            w4 = (*w4, 1, 1)
        if kind == "depthwise":
            groups = x_shape[1] if layout == "NCHW" else x_shape[-1]
        g = conv_geometry(x_shape, w4, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, layout=layout, dtype=dtype)
        if method == "im2col":
            ws = g.im2col_elements * isz
        elif method == "plan":
            ws = plan_workspace_bytes(g, kind, block_bytes)
        else:
            raise ValueError(f"method must be 'plan' or 'im2col', got {method!r}")
        parts = {"input": math.prod(x_shape) * isz, "weights": math.prod(w4) * isz,
                 "output": math.prod(g.out_shape) * isz, "workspace": ws}
    parts["total"] = sum(parts.values())
    return parts


def estimate_conv_bytes(x_shape: Sequence[int], w_shape: Sequence[int], **kwargs: Any) -> int:
    """Total bytes (input + weights + output + workspace) a convolution measurement
    allocates; keyword arguments as :func:`conv_memory_breakdown`."""
    return conv_memory_breakdown(x_shape, w_shape, **kwargs)["total"]
