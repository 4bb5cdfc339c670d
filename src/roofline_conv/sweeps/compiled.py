"""Compiling sweep expressions once (``sympy.lambdify`` with numpy) with a printer that keeps
integer counts in integer arithmetic."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from .symbolic import SWEEP_ARGS, count_expr

class _ExactIntPrinter(NumPyPrinter):
    """Prints integer-valued expressions with integer operations only: ``floor(a/b)`` as
    ``a // b``, ``ceiling(a/b)`` as ``-((-a) // b)``. Any other division is refused, so a
    compiled count can never silently go through floating point."""

    def _print_floor(self, expr: sp.Expr) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"({self._print(num)})"
        return f"(({self._print(num)}) // ({self._print(den)}))"

    def _print_ceiling(self, expr: sp.Expr) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"({self._print(num)})"
        return f"(-((-({self._print(num)})) // ({self._print(den)})))"

    def _print_Mul(self, expr: sp.Expr) -> str:
        _, den = expr.as_numer_denom()
        if den != 1:
            raise TypeError(f"sweep: refusing to print a division in an integer count: {expr}")
        return super()._print_Mul(expr)

    def _print_Pow(self, expr: sp.Expr, rational: bool = False) -> str:
        if not (expr.exp.is_Integer and expr.exp > 0):
            raise TypeError(f"sweep: refusing to print a non-integer power in an integer count: {expr}")
        return super()._print_Pow(expr, rational=rational)

    def _print_Rational(self, expr: sp.Expr) -> str:
        if expr.q != 1:
            raise TypeError(f"sweep: refusing to print the fraction {expr} in an integer count")
        return str(expr.p)


_COMPILED: dict[tuple[Any, ...], Callable[..., Any]] = {}
_LOCK = threading.Lock()
COMPILE_COUNT = 0
"""How many functions have been compiled so far (to check the cache in tests)."""


def compiled_function(kind: str, quantity: str, traffic: str, precision: str, part: int | None = None) -> Callable[..., Any]:
    """The compiled function of one count, built on first use and cached (per kind, quantity,
    traffic model, precision and part)."""
    global COMPILE_COUNT
    # keys that do not depend on traffic/precision share one entry
    if quantity not in ("traffic", "traffic_elements", "part_traffic_elements"):
        traffic = precision = ""
    elif quantity != "traffic":
        precision = ""
    key = (kind, quantity, traffic, precision, part)
    fn = _COMPILED.get(key)
    if fn is None:
        with _LOCK:
            fn = _COMPILED.get(key)
            if fn is None:
                expr = count_expr(kind, quantity, traffic or DEFAULT_TRAFFIC, precision or DEFAULT_PRECISION, part)
                fn = sp.lambdify(SWEEP_ARGS, expr, modules="numpy", printer=_ExactIntPrinter, cse=True)
                _COMPILED[key] = fn
                COMPILE_COUNT += 1
    return fn
