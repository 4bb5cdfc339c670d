"""The one exact-integer printer: an integer-valued sympy expression as Python source that uses
integer operations only, so the same text evaluates exactly on Python ints (the layers' compiled
formulas, :mod:`.codegen`) and on numpy integer arrays (``sweeps.compiled``).

* ``floor(a/b)`` prints as ``a // b`` and ``ceiling(a/b)`` as ``-((-a) // b)``;
* any other division (``C_in/G``, a rational coefficient) is the division of the *whole*
  numerator by the whole denominator, printed as a call ``exact(numerator, denominator)`` to the
  function named by the ``exact_division`` setting, which must check that it is exact (the
  generated module's ``_exact`` raises ``ArithmeticError`` on a remainder). With the setting
  None (the default, as the sweeps use it) a division is refused, so a compiled count can never
  silently go through floating point;
* a non-integer power or a fraction constant is refused;
* ``Min``/``Max`` print as ``min``/``max``, ``Piecewise`` as a conditional expression and
  ``Eq``/``Mod`` as ``==``/``%`` (Python ints); the sweeps' printer prints the first two as
  ``numpy.minimum``/``numpy.maximum``/``numpy.where`` instead (element by element).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.numpy import NumPyPrinter


class ExactIntPrinter(NumPyPrinter):
    """Prints integer-valued expressions with integer operations only (see the module docstring)."""

    _default_settings = {**NumPyPrinter._default_settings, "exact_division": None}

    def _division(self, num: sp.Expr, den: sp.Expr, expr: sp.Expr) -> str:
        name = self._settings["exact_division"]
        if name is None:
            raise TypeError(f"exact-integer printer: refusing to print a division in an integer count: {expr}")
        return f"{name}({self._print(num)}, {self._print(den)})"

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
        num, den = expr.as_numer_denom()
        if den != 1:
            return self._division(num, den, expr)
        return super()._print_Mul(expr)

    def _print_Add(self, expr: sp.Expr, order: Any = None) -> str:
        if any(term.as_numer_denom()[1] != 1 for term in expr.args):
            num, den = sp.fraction(sp.together(expr))
            if den != 1:
                return self._division(num, den, expr)
        return super()._print_Add(expr, order)

    def _print_Pow(self, expr: sp.Expr, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < 0:
            return self._division(sp.Integer(1), expr.base ** -expr.exp, expr)
        if not (expr.exp.is_Integer and expr.exp > 0):
            raise TypeError(f"exact-integer printer: refusing to print a non-integer power in an integer count: {expr}")
        return super()._print_Pow(expr, rational=rational)

    def _print_Min(self, expr: sp.Expr) -> str:
        return self._fold("min", expr.args)

    def _print_Max(self, expr: sp.Expr) -> str:
        return self._fold("max", expr.args)

    def _fold(self, name: str, args: tuple[sp.Expr, ...]) -> str:
        text = self._print(args[0])
        for a in args[1:]:
            text = f"{name}({text}, {self._print(a)})"
        return text

    def _print_Mod(self, expr: sp.Expr) -> str:
        return f"(({self._print(expr.args[0])}) % ({self._print(expr.args[1])}))"

    def _print_Equality(self, expr: sp.Expr) -> str:
        return f"(({self._print(expr.lhs)}) == ({self._print(expr.rhs)}))"

    def _print_Piecewise(self, expr: sp.Expr) -> str:
        *branches, (last, cond) = expr.args
        if cond is not sp.true:
            raise TypeError(f"exact-integer printer: a Piecewise needs a final True branch: {expr}")
        text = self._print(last)
        for value, condition in reversed(branches):
            text = self._where(self._print(condition), self._print(value), text)
        return text

    def _where(self, condition: str, a: str, b: str) -> str:
        return f"(({a}) if {condition} else ({b}))"

    def _print_Rational(self, expr: sp.Expr) -> str:
        if expr.q != 1:
            raise TypeError(f"exact-integer printer: refusing to print the fraction {expr} in an integer count")
        return str(expr.p)


def integer_code(expr: sp.Expr, exact_division: str | None = None) -> str:
    """``expr`` printed by :class:`ExactIntPrinter` (``exact_division``: the name of the checked
    exact-division function, or None to refuse divisions)."""
    return ExactIntPrinter({"exact_division": exact_division, "fully_qualified_modules": False}).doprint(expr)


__all__ = ["ExactIntPrinter", "integer_code"]
