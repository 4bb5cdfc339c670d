"""The convolution cost formulas, each written once as a sympy expression.

Every quantity of every convolution kind (standard, grouped, depthwise, pointwise) is one of
the expressions below over the generic symbols in ``ARGS``. Numbers come from the same
expression through :func:`evaluate`, which compiles it once (``sympy.lambdify``) and evaluates
it in exact rational arithmetic, so counts are exact Python ints at any size.

Symbols (all integers): ``B`` batch, ``C_in``/``C_out`` channels, ``G`` groups, ``H``/``W``
input height/width, ``K_h``/``K_w`` kernel, ``S_h``/``S_w`` stride, ``P_h``/``P_w`` *total*
padding (both sides added), ``D_h``/``D_w`` dilation, ``bias`` 1 when a bias is counted, else 0.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

import sympy as sp

_pos = {"integer": True, "positive": True}
_nonneg = {"integer": True, "nonnegative": True}

B, C_in, C_out, G = sp.symbols("B C_in C_out G", **_pos)
H, W, K_h, K_w, S_h, S_w, D_h, D_w = sp.symbols("H W K_h K_w S_h S_w D_h D_w", **_pos)
P_h, P_w, bias = sp.symbols("P_h P_w bias", **_nonneg)

ARGS: tuple[sp.Symbol, ...] = (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, D_h, D_w, bias)
"""Argument order of every compiled formula."""


def output_extent(size: sp.Expr, kernel: sp.Expr, stride: sp.Expr, pad: sp.Expr, dilation: sp.Expr) -> sp.Expr:
    """Output length along one axis: floor((size + pad - dilation*(kernel-1) - 1)/stride) + 1."""
    return sp.floor((size + pad - dilation * (kernel - 1) - 1) / stride) + 1


H_out = output_extent(H, K_h, S_h, P_h, D_h)
W_out = output_extent(W, K_w, S_w, P_w, D_w)

FORMULAS: dict[str, sp.Expr] = {
    # parameters
    "weights": C_out * (C_in / G) * K_h * K_w,
    "bias_params": C_out * bias,
    # work (MACs; FLOPs = 2 MACs + one add per output element when a bias is counted)
    "macs": B * C_out * H_out * W_out * (C_in / G) * K_h * K_w,
    "bias_adds": B * C_out * H_out * W_out * bias,
    # activations (elements)
    "input_elements": B * C_in * H * W,
    "output_elements": B * C_out * H_out * W_out,
    # im2col: the column matrix has (C_in K_h K_w) rows and (B H_out W_out) columns
    "im2col_elements": B * H_out * W_out * C_in * K_h * K_w,
    # the im2col GEMM, summed over groups: G independent (m, n/G, k) GEMMs
    "gemm_m": B * H_out * W_out,
    "gemm_n": C_out,
    "gemm_k": (C_in / G) * K_h * K_w,
    "output_height": H_out,
    "output_width": W_out,
}


class Formulas:
    """A family of formulas over one argument tuple: each a sympy expression, compiled once.

    ``evaluate(name, values)`` is exact: the compiled function gets :class:`fractions.Fraction`
    inputs, so divisions are exact rationals and ``floor``/``ceiling`` exact; the result must be
    an integer. ``substitute(name, mapping)`` is the symbolic path.
    """

    def __init__(self, args: tuple[sp.Symbol, ...], exprs: dict[str, sp.Expr]) -> None:
        self.args = args
        self.exprs = exprs
        self._compiled: dict[str, Callable[..., Any]] = {}

    def __getitem__(self, name: str) -> sp.Expr:
        return self.exprs[name]

    def compiled(self, name: str) -> Callable[..., Any]:
        """The compiled (lambdified) function of formula ``name``, built on first use."""
        fn = self._compiled.get(name)
        if fn is None:
            fn = self._compiled[name] = sp.lambdify(self.args, self.exprs[name], modules=["math"], cse=False)
        return fn

    def evaluate(self, name: str, values: tuple[int, ...]) -> int:
        """Formula ``name`` at integer ``values`` (ordered as ``args``), as an exact ``int``."""
        result = Fraction(self.compiled(name)(*(Fraction(v) for v in values)))
        if result.denominator != 1:  # pragma: no cover - guarded by construction-time validation
            raise ArithmeticError(f"{name} evaluated to the non-integer {result}")
        return int(result)

    def substitute(self, name: str, mapping: dict[sp.Symbol, Any]) -> sp.Expr:
        """Formula ``name`` with its symbols replaced (for symbolic layers)."""
        return sp.simplify(self.exprs[name].xreplace(mapping))

    def value(self, name: str, values: tuple[Any, ...], symbolic: bool) -> Any:
        """``evaluate`` for numeric values, ``substitute`` when any value is symbolic."""
        if symbolic:
            return self.substitute(name, dict(zip(self.args, map(sp.sympify, values))))
        return self.evaluate(name, values)


CONV = Formulas(ARGS, FORMULAS)
"""The convolution family (standard, grouped, depthwise, pointwise)."""

