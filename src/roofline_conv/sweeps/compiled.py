"""Compiling sweep expressions once (``sympy.lambdify`` with numpy) with the one exact-integer
printer (:class:`~roofline_conv.layers.exact_printer.ExactIntPrinter`, which also writes the
layers' compiled formulas): integer counts stay in integer arithmetic, and a division is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from ..layers.exact_printer import ExactIntPrinter
from ..layers.formulas import C_in, G
from .symbolic import CPG, SWEEP_ARGS, count_expr


class _SweepPrinter(ExactIntPrinter):
    """Squares (an output extent times itself when width is height, a square kernel) as
    ``numpy.square``: one multiply of the array by itself, where ``**`` is numpy's slower power."""

    def _print_Pow(self, expr: sp.Expr, rational: bool = False) -> str:
        if expr.exp == 2:
            return f"numpy.square({self._print(expr.base)})"
        return super()._print_Pow(expr, rational=rational)

    def _fold(self, name: str, args: tuple[sp.Expr, ...]) -> str:
        return super()._fold(f"numpy.{name}imum", args)

    def _where(self, condition: str, a: str, b: str) -> str:
        return f"numpy.where({condition}, {a}, {b})"


_COMPILED: dict[tuple[Any, ...], Callable[..., Any]] = {}
_LOCK = threading.Lock()
COMPILE_COUNT = 0
"""How many functions have been compiled so far (to check the cache in tests)."""


def compiled_function(kind: str, quantity: "str | tuple[str, ...]", traffic: str, precision: str,
                      part: int | None = None, fixed: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()) -> Callable[..., Any]:
    """The compiled function of one count (or, for a tuple of counts, one function returning the
    list of them, their common subexpressions computed once), built on first use and cached (per
    kind, quantities, traffic model, precision, part and ``fixed``). ``fixed`` substitutes symbols
    whose value is the same in every configuration of a sweep (``(W, H)`` where width and height
    are one array, ``(D_h, 1)`` for no dilation: see ``inputs.specialisation``), so that numpy is
    not asked to multiply by one; the arguments stay ``SWEEP_ARGS``."""
    global COMPILE_COUNT
    names = (quantity,) if isinstance(quantity, str) else tuple(quantity)
    if not any(q in ("traffic", "traffic_elements", "part_traffic_elements") for q in names):
        traffic = precision = ""  # keys that do not depend on traffic/precision share one entry
    elif "traffic" not in names:
        precision = ""
    key = (kind, quantity, traffic, precision, part, fixed)
    fn = _COMPILED.get(key)
    if fn is None:
        with _LOCK:
            fn = _COMPILED.get(key)
            if fn is None:
                exprs = [specialised(count_expr(kind, q, traffic or DEFAULT_TRAFFIC, precision or DEFAULT_PRECISION,
                                                part), fixed) for q in names]
                expr = exprs[0] if isinstance(quantity, str) else exprs
                fn = sp.lambdify(SWEEP_ARGS, expr, modules="numpy", printer=_SweepPrinter, cse=_cse)
                _COMPILED[key] = fn
                COMPILE_COUNT += 1
    return fn


def _cse(exprs: Any) -> tuple[list[tuple[sp.Symbol, sp.Expr]], Any]:
    """``sympy.cse``, with quotients put back where they are used: ``1/S_h`` shared by two floor
    divisions (width and height strides one array) must stay inside each ``floor(a/S_h)``, which
    prints as ``a // S_h``; alone it would be a division, which the printer refuses."""
    single = isinstance(exprs, sp.Basic)
    subs, reduced = sp.cse([exprs] if single else exprs)
    kept, inlined = [], {}
    for symbol, value in subs:
        value = value.xreplace(inlined)
        if not isinstance(value, sp.Expr) or value.as_numer_denom()[1] != 1:  # a quotient (only part of a
            # floor's argument) or a condition (only part of a Piecewise): put back
            inlined[symbol] = value
        else:
            kept.append((symbol, value))
    reduced = [r.xreplace(inlined) for r in reduced]
    return kept, reduced[0] if single else reduced


def specialised(expr: sp.Expr, fixed: tuple[tuple[sp.Symbol, sp.Expr], ...]) -> sp.Expr:
    """``expr`` with the ``fixed`` substitutions made, and ``C_per_group*G`` written ``C_in``
    (the inputs guarantee in_channels = channels per group x groups)."""
    if fixed:
        expr = expr.xreplace(dict(fixed))
    if expr.has(CPG) and expr.has(G):
        expr = expr.subs(CPG * G, C_in)
    return expr
