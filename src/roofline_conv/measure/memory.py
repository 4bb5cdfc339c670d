"""Memory guard: predict what a measurement allocates and refuse *before* allocating.

:func:`estimate_conv_bytes` predicts what a convolution measurement allocates (inputs,
weights, output, plan workspace, run temporaries) and :func:`check_memory` raises
:class:`MemoryLimitError` when it exceeds the limit (default 0.5 x MemAvailable, overridable by
argument or the environment variable ``ROOFLINE_CONV_MEMORY_LIMIT`` in bytes; the rule for
its value is in :mod:`.guard`). The estimate is what is allocated, not a rough guide: the
inputs are made in their own dtype (:func:`~.guard.normal_array`) and the plan's buffers are
counted by the plan's own sizing (:func:`~.kernels.footprint.plan_footprint`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..validation import choice, integers, shown
from .arguments import float_dtype_argument, optional_count
from .guard import (
    MAX_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    MemoryLimitError,
    available_memory_bytes,
    check_memory,
    default_memory_limit,
    parse_memory_limit,
)
from .kernels import conv_geometry
from .kernels.footprint import plan_footprint

__all__ = [
    "MAX_MEMORY_LIMIT",
    "MEMORY_LIMIT_ENV",
    "MemoryLimitError",
    "available_memory_bytes",
    "check_memory",
    "conv_memory_breakdown",
    "default_memory_limit",
    "estimate_conv_bytes",
    "parse_memory_limit",
]

MEMORY_KINDS = ("standard", "depthwise", "pointwise", "depsep")


def conv_memory_breakdown(x_shape: Sequence[int], w_shape: Sequence[int], *,
                          stride: Any = (1, 1), padding: Any = ((0, 0), (0, 0)),
                          dilation: Any = (1, 1), groups: int = 1, layout: str = "NCHW",
                          dtype: Any = "float32", kind: str = "standard",
                          method: str = "plan", block_bytes: int | None = None
                          ) -> dict[str, int]:
    """Bytes a convolution measurement allocates, by buffer: ``input``, ``weights``,
    ``output``, ``workspace`` (plan scratch: column blocks for every worker thread a run may
    use, padded input, the intermediate activation of a depsep ...), ``temporaries`` (what a
    run allocates and frees: re-laid-out weights, Python bookkeeping) and ``total``.

    ``method="plan"`` sizes the buffers of :class:`ConvPlan` (blocked im2col);
    ``method="im2col"`` the full column matrix ``(Kh*Kw*C_in) x (B*Ho*Wo)`` of a naive im2col
    (no temporaries). For ``kind="depsep"`` pass ``w_shape=(w_dw_shape, w_pw_shape)``.
    """
    kind = choice(kind, "kind", MEMORY_KINDS)
    method = choice(method, "method", ("plan", "im2col"))
    block_bytes = optional_count(block_bytes, "block_bytes")
    dt = float_dtype_argument(dtype)
    isz = dt.itemsize
    x_shape = integers(x_shape, "x_shape", length=4, minimum=1)
    C = x_shape[1] if layout == "NCHW" else x_shape[-1]
    if kind == "depsep":
        w_dw, w_pw = (integers(s, f"w_shape[{i}]", minimum=1) for i, s in
                      enumerate(_depsep_weights(w_shape)))
        gd = conv_geometry(x_shape, w_dw, stride=stride, padding=padding, dilation=dilation,
                           groups=C, layout=layout, dtype=dt)
        gp = conv_geometry(gd.out_shape, (*w_pw, 1, 1) if len(w_pw) == 2 else w_pw, layout=layout, dtype=dt)
        fd, fp = plan_footprint(gd, "depthwise"), plan_footprint(gp, "pointwise")
        parts = {"input": math.prod(x_shape) * isz,
                 "weights": (math.prod(w_dw) + math.prod(w_pw)) * isz,
                 "output": fp["output"],
                 "workspace": fd["workspace"] + fp["workspace"] + fd["output"],
                 "temporaries": max(fd["temporaries"], fp["temporaries"])}
    else:
        w4 = integers(w_shape, "w_shape", minimum=1)
        if kind == "pointwise" and len(w4) == 2:
            w4 = (*w4, 1, 1)
        if kind == "depthwise":
            groups = C
        g = conv_geometry(x_shape, w4, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, layout=layout, dtype=dt)
        if method == "im2col":
            plan = {"workspace": g.im2col_elements * isz, "temporaries": 0}
        else:
            plan = plan_footprint(g, kind, block_bytes)
        parts = {"input": math.prod(x_shape) * isz, "weights": math.prod(w4) * isz,
                 "output": math.prod(g.out_shape) * isz, "workspace": plan["workspace"],
                 "temporaries": plan["temporaries"]}
    parts["total"] = sum(parts.values())
    return parts


def _depsep_weights(value: Any) -> tuple[Any, Any]:
    """A depsep ``w_shape``: the pair ``(w_dw_shape, w_pw_shape)``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"w_shape={shown(value)} must be (w_dw_shape, w_pw_shape) for kind='depsep'")
    return value[0], value[1]


def estimate_conv_bytes(x_shape: Sequence[int], w_shape: Sequence[int], **kwargs: Any) -> int:
    """Total bytes (input + weights + output + workspace + temporaries) a convolution
    measurement allocates; keyword arguments as :func:`conv_memory_breakdown`."""
    return conv_memory_breakdown(x_shape, w_shape, **kwargs)["total"]
