"""Convolution descriptors: ``Conv2d`` (general) and its special cases ``Depthwise`` and ``Pointwise``.

All quantities come from :mod:`roofline_conv.layers.formulas` (numbers through their compiled
exact-int functions, :mod:`.family`); nothing is re-derived here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from .._sympy import is_symbolic, sympy
from ..conventions import OpKind
from .base import Count, Layer, quantity
from .dims import Dim, LayerError, check_fits, check_groups, dim, pair, resolve_padding
from .family import CONV
from ..validation import flag


OP_KINDS: tuple[OpKind, ...] = (OpKind.CONV, OpKind.POINTWISE, OpKind.DEPTHWISE)
"""The op kinds in the order of :func:`op_kind_code`'s codes."""


def op_kind_code(in_channels: Any, groups: Any, kernel_h: Any, kernel_w: Any) -> Any:
    """The one op-kind rule, as an index into :data:`OP_KINDS`: 2 depthwise (groups ==
    in_channels > 1), 1 pointwise (1x1, ungrouped), else 0 (conv). Ints give an int; numpy
    integer arrays an int8 array, element by element (how a sweep classifies its configurations)."""
    if hasattr(in_channels, "dtype") or hasattr(groups, "dtype") or hasattr(kernel_h, "dtype") or hasattr(kernel_w, "dtype"):
        import numpy as np

        depthwise = (in_channels == groups) & (groups != 1)
        pointwise = ~depthwise & (kernel_h == 1) & (kernel_w == 1) & (groups == 1)
        return np.where(depthwise, 2, np.where(pointwise, 1, 0)).astype(np.int8)
    if in_channels == groups and groups != 1:
        return 2
    if kernel_h == 1 and kernel_w == 1 and groups == 1:
        return 1
    return 0


@dataclass(frozen=True)
class GemmShape:
    """The im2col GEMM of a convolution: ``groups`` independent GEMMs of (m, n/groups, k).

    ``m`` = output pixels (batch x H_out x W_out), ``n`` = output channels (all groups),
    ``k`` = reduction length per output (C_in/groups x K_h x K_w), so ``m*n*k == macs``.
    Unpacks as ``m, n, k = layer.gemm``.
    """

    m: Count
    n: Count
    k: Count
    groups: Count = 1

    def __iter__(self) -> Iterator[Count]:
        return iter((self.m, self.n, self.k))

    @property
    def macs(self) -> Count:
        """MACs of all the groups' GEMMs together (== the layer's macs)."""
        return self.m * self.n * self.k


class Conv2d(Layer):
    """A 2-D convolution (cross-correlation), possibly grouped, strided, padded and dilated.

    Dimensions are ints or sympy expressions. ``kernel_size``, ``input_size``, ``stride``,
    ``dilation`` take an int or an (h, w) pair; ``padding`` takes an int, an (h, w) pair
    (each applied on both sides), ((top, bottom), (left, right)), ``"same"`` or ``"valid"``.
    ``bias=True`` counts C_out bias parameters and one add per output element.
    """

    roofline_op = "gemm"

    __slots__ = (
        "in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding",
        "dilation", "groups", "bias", "batch", "_cache", "_symbolic",
    )

    def __init__(
        self,
        in_channels: Any,
        out_channels: Any,
        kernel_size: Any,
        input_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: Any = 1,
        bias: bool = False,
        batch: Any = 1,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "in_channels", dim(in_channels, "in_channels"))
        set_(self, "out_channels", dim(out_channels, "out_channels"))
        set_(self, "kernel_size", pair(kernel_size, "kernel_size"))
        set_(self, "input_size", pair(input_size, "input_size"))
        set_(self, "stride", pair(stride, "stride"))
        set_(self, "dilation", pair(dilation, "dilation"))
        set_(self, "groups", dim(groups, "groups"))
        bias = flag(bias, "bias", error=LayerError)
        set_(self, "bias", bias)
        set_(self, "batch", dim(batch, "batch"))
        set_(self, "padding", resolve_padding(padding, self.input_size, self.kernel_size, self.stride, self.dilation))
        check_groups(self.groups, self.in_channels, self.out_channels)
        check_fits(self.input_size, self.kernel_size, self.padding, self.dilation)
        set_(self, "_cache", {})
        set_(self, "_symbolic", any(is_symbolic(v) for v in self._args))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead")

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in Conv2d.__slots__ if name != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_cache", {})

    # -- construction helpers ----------------------------------------------------------
    @classmethod
    def symbolic(cls, batch: Any = None) -> "Conv2d":
        """The study's standard conv in its symbols: Dk x Dk kernel, M -> N channels, Df x Df input,
        stride 1, "same" padding (so the output is Df x Df too), ``batch`` images (default: the
        symbol B)."""
        from ..symbols import B, Df, Dk, M, N

        return cls(M, N, Dk, Df, padding="same", batch=B if batch is None else batch)

    def replace(self, **changes: Any) -> "Conv2d":
        """A copy with some constructor arguments changed (e.g. ``batch=16``)."""
        args = dict(
            in_channels=self.in_channels, out_channels=self.out_channels, kernel_size=self.kernel_size,
            input_size=self.input_size, stride=self.stride, padding=self.padding, dilation=self.dilation,
            groups=self.groups, bias=self.bias, batch=self.batch,
        )
        args.update(changes)
        return Conv2d(**args)

    # -- formula plumbing --------------------------------------------------------------
    @property
    def _args(self) -> tuple[Dim, ...]:
        (pt, pb), (pl, pr) = self.padding
        return (
            self.batch, self.in_channels, self.out_channels, self.groups,
            self.input_size[0], self.input_size[1], self.kernel_size[0], self.kernel_size[1],
            self.stride[0], self.stride[1], pt + pb, pl + pr, pt, pl, self.dilation[0], self.dilation[1],
            int(self.bias),
        )

    def _q(self, name: str) -> Count:
        cache = self._cache
        if name not in cache:
            cache[name] = CONV.value(name, self._args, self._symbolic)
        return cache[name]

    @property
    def is_symbolic(self) -> bool:
        return self._symbolic

    # -- quantities ----------------------------------------------------------------------
    weights = quantity("weights", "Weight parameters: C_out x C_in/groups x K_h x K_w.")
    bias_params = quantity("bias_params")
    macs = quantity("macs", "MACs: batch x C_out x H_out x W_out x C_in/groups x K_h x K_w.")
    bias_adds = quantity("bias_adds")
    input_elements = quantity("input_elements", "Input elements: batch x C_in x H x W.")
    input_read_elements = quantity("input_read_elements", "Input elements read: batch x C_in x rows read x "
                                   "columns read (every row at stride 1; a strided or dilated window may skip "
                                   "some, see layers.formulas.rows_read): the compulsory input traffic.")
    output_elements = quantity("output_elements")
    fft_macs = quantity("fft_macs", "Complex products of an FFT convolution: batch x C_out x C_in/groups x "
                        "(H + P_h) x (floor((W + P_w)/2) + 1) (see projection.algorithms).")

    @property
    def output_size(self) -> tuple[Count, Count]:
        """(H_out, W_out) in pixels."""
        return (self._q("output_height"), self._q("output_width"))

    @property
    def input_shape(self) -> tuple[Count, ...]:
        """(batch, C_in, H, W)."""
        return (self.batch, self.in_channels, *self.input_size)

    @property
    def output_shape(self) -> tuple[Count, ...]:
        """(batch, C_out, H_out, W_out)."""
        return (self.batch, self.out_channels, *self.output_size)

    @property
    def needs_im2col(self) -> bool:
        """False for a 1x1, stride-1, unpadded conv, whose input already *is* the GEMM operand."""
        identity = (1, 1)
        no_pad = ((0, 0), (0, 0))
        return not (self.kernel_size == identity and self.stride == identity and self.padding == no_pad)

    @property
    def im2col_elements(self) -> Count:
        """Column-matrix elements (C_in K_h K_w x batch H_out W_out); 0 when no re-layout is needed."""
        return self._q("im2col_elements") if self.needs_im2col else 0

    @property
    def gemm(self) -> GemmShape:
        """The im2col GEMM shape; ``m*n*k == macs``."""
        return GemmShape(self._q("gemm_m"), self._q("gemm_n"), self._q("gemm_k"), self.groups)

    @property
    def kind(self) -> OpKind:  # type: ignore[override]
        """'depthwise' (groups == in_channels > 1), 'pointwise' (1x1, ungrouped) or 'conv'."""
        return OP_KINDS[op_kind_code(self.in_channels, self.groups, *self.kernel_size)]

    # -- identity --------------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (self.in_channels, self.out_channels, self.kernel_size, self.input_size, self.stride,
                self.padding, self.dilation, self.groups, self.bias, self.batch)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Conv2d) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _tail(self, extra: tuple[str, ...] = ()) -> list[str]:
        """repr arguments after the channels, kernel and input size: those not at their defaults."""
        (pt, pb), (pl, pr) = self.padding
        pad: Any = ((pt, pb), (pl, pr))
        if pt == pb and pl == pr:
            pad = pt if pt == pl else (pt, pl)
        if self._symbolic and self.stride == (1, 1) and all(
                sympy().simplify(a + b - d * (k - 1)) == 0
                for (a, b), d, k in zip(self.padding, self.dilation, self.kernel_size)):
            pad = "'same'"
        parts = []
        for name, value, default in (("stride", self.stride, (1, 1)), ("dilation", self.dilation, (1, 1))):
            if value != default:
                parts.append(f"{name}={_short(value)}")
        if pad != 0:
            parts.append(f"padding={pad}")
        parts += extra
        if self.bias:
            parts.append("bias=True")
        if self.batch != 1:
            parts.append(f"batch={self.batch}")
        return parts

    def __repr__(self) -> str:
        head = [f"in_channels={self.in_channels}", f"out_channels={self.out_channels}",
                f"kernel_size={_short(self.kernel_size)}", f"input_size={_short(self.input_size)}"]
        groups = (f"groups={self.groups}",) if self.groups != 1 else ()
        return f"Conv2d({', '.join(head + self._tail(groups))})"


def _short(p: tuple[Any, Any]) -> Any:
    return p[0] if p[0] == p[1] else p


class Depthwise(Conv2d):
    """A depthwise conv: one K_h x K_w filter per input channel (``groups = channels``),
    ``multiplier`` filters per channel (output channels = channels x multiplier)."""

    __slots__ = ()

    def __init__(
        self,
        channels: Any,
        kernel_size: Any,
        input_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        bias: bool = False,
        batch: Any = 1,
        multiplier: Any = 1,
    ) -> None:
        channels = dim(channels, "channels")
        multiplier = dim(multiplier, "multiplier")
        super().__init__(channels, channels * multiplier, kernel_size, input_size, stride, padding,
                         dilation, groups=channels, bias=bias, batch=batch)

    @classmethod
    def symbolic(cls, batch: Any = None) -> "Depthwise":  # type: ignore[override]
        """The study's depthwise stage: M channels, Dk x Dk, Df x Df, stride 1, "same" padding
        (``batch`` default: the symbol B)."""
        from ..symbols import B, Df, Dk, M

        return cls(M, Dk, Df, padding="same", batch=B if batch is None else batch)

    @property
    def multiplier(self) -> Count:
        """Filters per input channel (output channels / channels)."""
        return sympy().sympify(self.out_channels) / self.in_channels if self.is_symbolic else self.out_channels // self.in_channels

    def __repr__(self) -> str:
        head = [f"channels={self.in_channels}", f"kernel_size={_short(self.kernel_size)}",
                f"input_size={_short(self.input_size)}"]
        mult = [f"multiplier={self.multiplier}"] if self.multiplier != 1 else []
        return f"Depthwise({', '.join(head + self._tail() + mult)})"


class Pointwise(Conv2d):
    """A 1x1 convolution (``kernel_size=1``), the channel-mixing half of a DepSep."""

    __slots__ = ()

    def __init__(
        self,
        in_channels: Any,
        out_channels: Any,
        input_size: Any,
        stride: Any = 1,
        groups: Any = 1,
        bias: bool = False,
        batch: Any = 1,
    ) -> None:
        super().__init__(in_channels, out_channels, 1, input_size, stride, 0, 1, groups=groups, bias=bias, batch=batch)

    @classmethod
    def symbolic(cls, batch: Any = None) -> "Pointwise":  # type: ignore[override]
        """The study's pointwise stage: M -> N channels on a Df x Df map (``batch`` default: the
        symbol B)."""
        from ..symbols import B, Df, M, N

        return cls(M, N, Df, batch=B if batch is None else batch)

    def __repr__(self) -> str:
        head = [f"in_channels={self.in_channels}", f"out_channels={self.out_channels}", f"input_size={_short(self.input_size)}"]
        groups = (f"groups={self.groups}",) if self.groups != 1 else ()
        return f"Pointwise({', '.join(head + self._tail(groups))})"


__all__ = ["Conv2d", "Depthwise", "Pointwise", "GemmShape", "LayerError"]
