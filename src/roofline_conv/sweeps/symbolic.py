"""The sympy expressions a sweep compiles: each count of a layer kind over the sweep symbols.

The parts of each kind come from the layer classes' own constructors, built on symbols
(``parts_of``); their counts are composed into params, FLOPs and traffic by
:class:`~roofline_conv.layers.base.Layer` itself (``_SymbolicComposite`` only adds, per part, a
0/1 symbol saying whether the part's column matrix is materialised, which a sweep knows per
configuration), and a composite's per-part traffic by the layers' ``chain_shares``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import sympy as sp

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, check_precision, check_traffic_model
from ..layers.base import Layer
from ..layers.conv import Conv2d, Depthwise, Pointwise
from ..layers.depsep import DepSep, chain_shares
from ..layers.dims import dilated_extent
from ..layers.formulas import ARGS, B, C_in, C_out, D_h, D_w, FORMULAS, G, H, K_h, K_w, P_h, P_l, P_t, P_w, S_h, S_w, W
from ..layers.formulas import bias as BIAS
from .quantities import COUNT_QUANTITIES, check_kind

# ---------------------------------------------------------------------------------------------
# Symbols: the generic ARGS, plus what a sweep adds
# ---------------------------------------------------------------------------------------------
CPG = sp.Symbol("C_per_group", integer=True, positive=True)
"""in_channels / groups, supplied as an exact integer so that no division is left to print."""
MULT = sp.Symbol("depth_multiplier", integer=True, positive=True)
IM2COL_FLAGS = (sp.Symbol("im2col_0", integer=True, nonnegative=True), sp.Symbol("im2col_1", integer=True, nonnegative=True))
"""Per part: 1 where the part's column matrix must be materialised (``Conv2d.needs_im2col``), else 0."""

SWEEP_ARGS: tuple[sp.Symbol, ...] = (*ARGS, CPG, MULT, *IM2COL_FLAGS)
"""Argument order of every compiled sweep function."""

IM2COL_IDENTITY = {K_h: 1, K_w: 1, S_h: 1, S_w: 1, P_h: 0, P_w: 0}
"""Values of a part's (kernel, stride, padding) for which ``Conv2d.needs_im2col`` is False."""

_PADDING = ((P_t, P_h - P_t), (P_l, P_w - P_l))
"""Per side: the top (left) padding and the rest of the total."""


@functools.cache
def parts_of(kind: str) -> tuple[Mapping[sp.Symbol, sp.Expr], ...]:
    """The generic-argument substitution of each part of ``kind``, in sweep symbols: the layer
    class's own constructor (``Conv2d``, ``Pointwise``, ``Depthwise``, ``DepSep``) run on symbols,
    each convolution part's argument tuple read back. ``C_in`` of a grouped conv is written as
    ``C_per_group x G`` so that no division is left in any formula; the bias stays a symbol."""
    check_kind(kind)
    size, stride, dilation = (K_h, K_w), (S_h, S_w), (D_h, D_w)
    layer: Any
    if kind == "conv":
        layer = Conv2d(CPG * G, C_out, size, (H, W), stride, _PADDING, dilation, groups=G, batch=B)
    elif kind == "pointwise":
        layer = Pointwise(CPG * G, C_out, (H, W), stride, groups=G, batch=B)
    elif kind == "depthwise":
        layer = Depthwise(C_in, size, (H, W), stride, _PADDING, dilation, batch=B, multiplier=MULT)
    else:
        layer = DepSep(C_in, C_out, size, (H, W), stride, _PADDING, dilation, batch=B, depth_multiplier=MULT)
    convs = layer.parts if isinstance(layer, DepSep) else (layer,)
    return tuple(MappingProxyType({a: sp.sympify(v) for a, v in zip(ARGS, (*conv._args[:-1], BIAS)) if a != v})
                 for conv in convs)


def mapped(part: Mapping[sp.Symbol, sp.Expr], symbol: sp.Symbol) -> sp.Expr:
    return sp.sympify(part.get(symbol, symbol))


def _formula(name: str, part: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    return FORMULAS[name].xreplace(part)


def im2col_flag(part: Mapping[sp.Symbol, sp.Expr], index: int) -> sp.Expr:
    """0 when the part is statically 1x1 / stride 1 / unpadded, else its flag symbol."""
    if all(mapped(part, s) == v for s, v in IM2COL_IDENTITY.items()):
        return sp.Integer(0)
    return IM2COL_FLAGS[index]


class _SymbolicComposite(Layer):
    """A layer whose counts are sympy expressions over the sweep symbols, built from FORMULAS
    part by part exactly as ``Conv2d``/``DepSep`` build theirs. Only the element counts are
    given here; params, flops, traffic_elements and traffic come from :class:`Layer` unchanged."""

    kind = "sweep"

    def __init__(self, parts: tuple[Mapping[sp.Symbol, sp.Expr], ...], indices: tuple[int, ...] | None = None) -> None:
        self._parts = parts
        self._indices = indices if indices is not None else tuple(range(len(parts)))

    def _sum(self, name: str) -> sp.Expr:
        return sp.Add(*(_formula(name, p) for p in self._parts))

    @property
    def weights(self) -> sp.Expr:
        return self._sum("weights")

    @property
    def bias_params(self) -> sp.Expr:
        return self._sum("bias_params")

    @property
    def macs(self) -> sp.Expr:
        return self._sum("macs")

    @property
    def bias_adds(self) -> sp.Expr:
        return self._sum("bias_adds")

    @property
    def input_elements(self) -> sp.Expr:
        return _formula("input_elements", self._parts[0])

    @property
    def input_read_elements(self) -> sp.Expr:
        return _formula("input_read_elements", self._parts[0])

    @property
    def output_elements(self) -> sp.Expr:
        return _formula("output_elements", self._parts[-1])

    @property
    def intermediate_elements(self) -> sp.Expr:
        """Outputs of every part but the last (DepSep: the depthwise output), as ``DepSep`` says."""
        return sp.Add(*(_formula("output_elements", p) for p in self._parts[:-1]))

    @property
    def im2col_elements(self) -> sp.Expr:
        return sp.Add(*(im2col_flag(p, i) * _formula("im2col_elements", p)
                        for p, i in zip(self._parts, self._indices)))

    @property
    def is_symbolic(self) -> bool:
        return True


# ---------------------------------------------------------------------------------------------
# Expressions and their compilation
# ---------------------------------------------------------------------------------------------
def count_expr(kind: str, quantity: str, traffic: str, precision: str, part: int | None = None) -> sp.Expr:
    """The sympy expression (over ``SWEEP_ARGS``) of count ``quantity`` for ``kind`` (or one part
    of it). ``part_traffic_elements`` is what ``project()`` charges a part: under
    ``compulsory`` a DepSep's depthwise part skips its output and the pointwise part its input."""
    parts = parts_of(kind)
    if part is not None:
        layer = _SymbolicComposite((parts[part],), (part,))
    else:
        layer = _SymbolicComposite(parts)
    if quantity in ("output_height", "output_width"):
        return _formula(quantity, parts[-1 if part is None else part])
    if quantity in ("fit_height", "fit_width"):  # >= 0 where the dilated kernel fits the padded input
        size, pad, kernel, dilation = (H, P_h, K_h, D_h) if quantity == "fit_height" else (W, P_w, K_w, D_w)
        return (size + pad - dilated_extent(kernel, dilation)).xreplace(parts[part or 0])
    if quantity in ("gemm_m", "gemm_n", "gemm_k"):
        return _formula(quantity, parts[part or 0])
    if quantity in ("in_channels", "groups", "kernel_h", "kernel_w"):
        sym = {"in_channels": C_in, "groups": G, "kernel_h": K_h, "kernel_w": K_w}[quantity]
        return mapped(parts[part or 0], sym)
    if quantity == "traffic_elements":
        return sp.sympify(layer.traffic_elements(traffic))
    if quantity == "traffic":
        return sp.sympify(layer.traffic(traffic, precision))
    if quantity == "part_traffic_elements":  # what project() charges each part
        assert part is not None
        views = [_SymbolicComposite((p,), (i,)) for i, p in enumerate(parts)]
        return sp.sympify(chain_shares(views, traffic)[part])
    return sp.sympify(getattr(layer, quantity))


def expression(quantity: str, kind: str = "conv", traffic: str = DEFAULT_TRAFFIC,
               precision: str = DEFAULT_PRECISION) -> sp.Expr:
    """The sympy expression a sweep of count ``quantity`` compiles, over the generic symbols of
    ``layers.formulas`` plus ``depth_multiplier`` (DepSep/Depthwise) and ``im2col_0``/``im2col_1``
    (1 where a part's column matrix is materialised); ``C_per_group`` written back as ``C_in/G``.

    >>> str(expression("weights"))
    'C_in*C_out*K_h*K_w/G'
    """
    check_traffic_model(traffic, "traffic")
    check_precision(precision)
    check_kind(kind)
    if quantity == "intensity":
        return expression("flops", kind, traffic, precision) / expression("traffic", kind, traffic, precision)
    if quantity not in COUNT_QUANTITIES or quantity == "output_size":
        raise ValueError(f"quantity={quantity!r} has no single count expression; use one of "
                         f"{', '.join(q for q in COUNT_QUANTITIES if q != 'output_size')}")
    return count_expr(kind, quantity, traffic, precision).xreplace({CPG: C_in / G})
