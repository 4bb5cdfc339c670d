"""Pooling: ``MaxPool2d``, ``AvgPool2d`` and ``GlobalAvgPool``.

A pooling window is laid out exactly like a depthwise conv's (kernel, stride, padding, dilation),
so the dimensions are validated by :mod:`.dims` and the output size and element counts are the
convolution family's own formulas (``family.CONV``: ``output_height``, ``output_width``,
``input_elements``, ``output_elements``), evaluated with C_out = groups = channels. Only the op
counts are pooling's own (``family.POOL``). Output sizes round down (PyTorch's default
``ceil_mode=False``; ceil mode is not modelled).
"""

from __future__ import annotations

from typing import Any

from .base import Count
from .dims import LayerError, check_fits, dim, known, pair, resolve_padding
from .family import CONV, POOL
from .oplayer import OpLayer, Shape


class _Pool2d(OpLayer):
    _family = POOL
    _ops_formula = ""

    def __init__(
        self,
        channels: Any,
        kernel_size: Any,
        input_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        batch: Any = 1,
    ) -> None:
        channels = dim(channels, "channels")
        kernel = pair(kernel_size, "kernel_size")
        size = pair(input_size, "input_size")
        strides = kernel if stride is None else pair(stride, "stride")
        dil = pair(dilation, "dilation")
        pad = resolve_padding(padding, size, kernel, strides, dil)
        for axis, k, sides in zip(("height", "width"), kernel, pad):
            for p in sides:
                if known(k) and known(p) and 2 * p > k:
                    raise LayerError(
                        f"padding={p} on {axis} must be at most half the kernel size {k} "
                        "(a window would then hold only padding; PyTorch refuses it too)"
                    )
        check_fits(size, kernel, pad, dil)
        self._set(channels=channels, kernel_size=kernel, input_size=size, stride=strides, padding=pad,
                  dilation=dil, batch=dim(batch, "batch"))
        self._finish()

    @property
    def _args(self) -> tuple[Any, ...]:
        (pt, pb), (pl, pr) = self.padding
        c = self.channels
        return (self.batch, c, c, c, self.input_size[0], self.input_size[1], self.kernel_size[0],
                self.kernel_size[1], self.stride[0], self.stride[1], pt + pb, pl + pr, pt, pl,
                self.dilation[0], self.dilation[1], 0)

    def _shape_q(self, name: str) -> Count:
        return self._q(name, CONV)

    @property
    def input_elements(self) -> Count:
        return self._shape_q("input_elements")

    @property
    def input_read_elements(self) -> Count:
        return self._shape_q("input_read_elements")

    @property
    def output_elements(self) -> Count:
        return self._shape_q("output_elements")

    @property
    def output_size(self) -> tuple[Count, Count]:
        """(H_out, W_out): the conv output-size formula."""
        return (self._shape_q("output_height"), self._shape_q("output_width"))

    @property
    def ops(self) -> Count:
        return self._q(self._ops_formula)

    @property
    def sample_input_shape(self) -> Shape:
        return (self.channels, *self.input_size)

    @property
    def sample_output_shape(self) -> Shape:
        return (self.channels, *self.output_size)

    def __repr__(self) -> str:
        def short(p: tuple[Any, Any]) -> Any:
            return p[0] if p[0] == p[1] else p

        (pt, pb), (pl, pr) = self.padding
        pad: Any = ((pt, pb), (pl, pr)) if (pt != pb or pl != pr) else short((pt, pl))
        parts = [f"channels={self.channels}", f"kernel_size={short(self.kernel_size)}",
                 f"input_size={short(self.input_size)}"]
        if self.stride != self.kernel_size:
            parts.append(f"stride={short(self.stride)}")
        if pad != 0:
            parts.append(f"padding={pad}")
        if self.dilation != (1, 1):
            parts.append(f"dilation={short(self.dilation)}")
        if self.batch != 1:
            parts.append(f"batch={self.batch}")
        return f"{type(self).__name__}({', '.join(parts)})"


class MaxPool2d(_Pool2d):
    """Max pooling. 0 MACs; ``ops`` = (K_h K_w - 1) comparisons per output element, and
    comparisons **count as FLOPs** (they run on the same vector ALUs as adds). No parameters.
    ``stride`` defaults to ``kernel_size`` (as in PyTorch)."""

    kind = "maxpool"
    _ops_formula = "max_ops"


class AvgPool2d(_Pool2d):
    """Average pooling. 0 MACs; ``ops`` = K_h K_w - 1 additions + 1 multiplication (by the
    reciprocal of the window) = K_h K_w per output element, whatever the padding (PyTorch's
    ``count_include_pad`` changes only the divisor). No parameters. ``stride`` defaults to
    ``kernel_size``."""

    kind = "avgpool"
    _ops_formula = "avg_ops"

    def __init__(self, channels: Any, kernel_size: Any, input_size: Any, stride: Any = None,
                 padding: Any = 0, batch: Any = 1) -> None:
        super().__init__(channels, kernel_size, input_size, stride, padding, 1, batch)


class GlobalAvgPool(AvgPool2d):
    """Global average pooling (``AdaptiveAvgPool2d(1)``): an average pool whose window is the
    whole (H, W) map; output (C, 1, 1). ``ops`` = H W per channel (H W - 1 adds + 1 multiply)."""

    kind = "globalavgpool"

    def __init__(self, channels: Any, input_size: Any, batch: Any = 1) -> None:
        size = pair(input_size, "input_size")
        super().__init__(channels, size, size, stride=1, padding=0, batch=batch)

    def __repr__(self) -> str:
        size = self.input_size[0] if self.input_size[0] == self.input_size[1] else self.input_size
        extra = "" if self.batch == 1 else f", batch={self.batch}"
        return f"GlobalAvgPool(channels={self.channels}, input_size={size}{extra})"


__all__ = ["MaxPool2d", "AvgPool2d", "GlobalAvgPool"]
