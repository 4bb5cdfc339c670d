"""``DepSep``: a depthwise conv followed by a pointwise (1x1) conv, as one composite layer.

Its counts are the sums of its parts'. Traffic differs from the parts' sum only in the
intermediate (the depthwise output): under ``compulsory`` it never leaves the chip (fused, the
seed study's assumption); under ``unfused`` and ``im2col`` it is written and read back once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


from .base import Count, Layer, summed
from ..conventions import DEFAULT_TRAFFIC, check_traffic_model
from .conv import Depthwise, GemmShape, Pointwise
from .dims import dim


class DepSep(Layer):
    """Depthwise-separable conv: ``Depthwise(in_channels, kernel_size, ...)`` then
    ``Pointwise(in_channels * depth_multiplier, out_channels)``. Parts: ``.depthwise``,
    ``.pointwise`` (also ``.parts``)."""

    __slots__ = ("depthwise", "pointwise", "in_channels", "out_channels")
    kind = "depsep"
    roofline_op = "composite"
    projection_label = "DepSep"
    summarise_parts = False

    def __init__(
        self,
        in_channels: Any,
        out_channels: Any,
        kernel_size: Any,
        input_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        bias: bool = False,
        batch: Any = 1,
        depth_multiplier: Any = 1,
    ) -> None:
        set_ = object.__setattr__
        in_channels = dim(in_channels, "in_channels")  # named as the caller wrote them, before the parts see them
        out = dim(out_channels, "out_channels")
        depth_multiplier = dim(depth_multiplier, "depth_multiplier")
        dw = Depthwise(in_channels, kernel_size, input_size, stride, padding, dilation, bias, batch, depth_multiplier)
        pw = Pointwise(dw.out_channels, out, dw.output_size, bias=bias, batch=batch)
        set_(self, "depthwise", dw)
        set_(self, "pointwise", pw)
        set_(self, "in_channels", dw.in_channels)
        set_(self, "out_channels", out)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("DepSep is immutable; build a new one instead")

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in DepSep.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @classmethod
    def symbolic(cls, batch: Any = None) -> "DepSep":
        """The study's DepSep in its symbols: Dk x Dk depthwise on M channels, then 1x1 M -> N,
        Df x Df map, stride 1, "same" padding, ``batch`` images (default: the symbol B)."""
        from ..symbols import B, Df, Dk, M, N

        return cls(M, N, Dk, Df, padding="same", batch=B if batch is None else batch)

    def replace(self, **changes: Any) -> "DepSep":
        """A copy with some constructor arguments changed (e.g. ``batch=16``)."""
        dw = self.depthwise
        args = dict(
            in_channels=dw.in_channels, out_channels=self.out_channels, kernel_size=dw.kernel_size,
            input_size=dw.input_size, stride=dw.stride, padding=dw.padding, dilation=dw.dilation,
            bias=dw.bias, batch=dw.batch, depth_multiplier=dw.multiplier,
        )
        args.update(changes)
        return DepSep(**args)

    @property
    def parts(self) -> tuple[Depthwise, Pointwise]:
        """(depthwise, pointwise), in execution order."""
        return (self.depthwise, self.pointwise)

    @property
    def is_symbolic(self) -> bool:
        return self.depthwise.is_symbolic or self.pointwise.is_symbolic

    weights = summed("weights", "Dk^2 M (depthwise) + M N (pointwise) for the study's layer.")
    bias_params = summed("bias_params")
    macs = summed("macs", "Dk^2 M Df^2 + M N Df^2 for the study's layer.")
    bias_adds = summed("bias_adds")

    @property
    def input_elements(self) -> Count:
        return self.depthwise.input_elements

    @property
    def input_read_elements(self) -> Count:
        return self.depthwise.input_read_elements

    @property
    def output_elements(self) -> Count:
        return self.pointwise.output_elements

    @property
    def intermediate_elements(self) -> Count:
        """The depthwise output, which the pointwise consumes."""
        return self.depthwise.output_elements

    im2col_elements = summed("im2col_elements")

    def part_traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> tuple[Count, ...]:
        """Each part's share of ``traffic_elements(model)`` (how the roofline charges the parts):
        see :func:`chain_shares`."""
        return chain_shares(self.parts, model)

    @property
    def batch(self) -> Count:
        return self.depthwise.batch

    @property
    def input_size(self) -> tuple[Count, Count]:
        return self.depthwise.input_size

    @property
    def output_size(self) -> tuple[Count, Count]:
        """(H_out, W_out) in pixels."""
        return self.pointwise.output_size

    @property
    def input_shape(self) -> tuple[Count, ...]:
        return self.depthwise.input_shape

    @property
    def output_shape(self) -> tuple[Count, ...]:
        return self.pointwise.output_shape

    @property
    def gemm(self) -> tuple[GemmShape, GemmShape]:
        """The parts' im2col GEMMs (depthwise, pointwise); a DepSep is two GEMMs, not one."""
        return (self.depthwise.gemm, self.pointwise.gemm)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DepSep) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(("DepSep", self.parts))

    def __repr__(self) -> str:
        dw = self.depthwise
        head = [f"in_channels={dw.in_channels}", f"out_channels={self.out_channels}",
                f"kernel_size={_short(dw.kernel_size)}", f"input_size={_short(dw.input_size)}"]
        mult = [f"depth_multiplier={dw.multiplier}"] if dw.multiplier != 1 else []
        return f"DepSep({', '.join(head + dw._tail() + mult)})"


def chain_shares(parts: Sequence[Layer], model: str = DEFAULT_TRAFFIC) -> tuple[Count, ...]:
    """Each part's share of a chain's traffic, where each part consumes the one before it (a
    DepSep: depthwise then pointwise). Under ``compulsory`` (fused) every intermediate stays on
    chip: no part writes the output the next one reads, nor reads the output the previous one
    wrote. Otherwise each part is charged its own traffic (the intermediates cross memory)."""
    model = check_traffic_model(model)
    shares = [p.traffic_elements(model) for p in parts]
    if model == "compulsory":
        last = len(parts) - 1
        for i, p in enumerate(parts):
            if i < last:
                shares[i] -= p.output_elements
            if i > 0:
                shares[i] -= p.input_read_elements
    return tuple(shares)


def _short(p: tuple[Any, Any]) -> Any:
    return p[0] if p[0] == p[1] else p


__all__ = ["DepSep", "chain_shares"]
