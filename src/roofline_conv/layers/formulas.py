"""The convolution cost formulas, each written once as a sympy expression.

Every quantity of every convolution kind (standard, grouped, depthwise, pointwise) is one of
the expressions below over the generic symbols in ``ARGS``. This module is the symbolic side
(it imports sympy): symbolic layers substitute into these expressions, and
:mod:`.codegen` prints each one, once, as exact Python-int arithmetic into the committed module
``_compiled.py`` (``floor(a/b)`` as ``a // b``, ``C_in/G`` as a checked exact division of the
whole product), which numeric layers call through :mod:`.family` without importing sympy.
A test regenerates that module and compares it byte for byte, and a property test checks every
compiled function against its expression here.

Symbols (all integers): ``B`` batch, ``C_in``/``C_out`` channels, ``G`` groups, ``H``/``W``
input height/width, ``K_h``/``K_w`` kernel, ``S_h``/``S_w`` stride, ``P_h``/``P_w`` *total*
padding (both sides added), ``D_h``/``D_w`` dilation, ``bias`` 1 when a bias is counted, else 0.
"""

from __future__ import annotations

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
    """A named family of formulas over one argument tuple, each a sympy expression.

    ``evaluate(name, values)`` is exact: it calls the formula's compiled Python-int function
    (``_compiled.FUNCTIONS[family][name]``, generated from ``exprs`` by :mod:`.codegen`).
    ``substitute(name, mapping)`` is the symbolic path.
    """

    def __init__(self, args: tuple[sp.Symbol, ...], exprs: dict[str, sp.Expr], *, name: str) -> None:
        self.name = name
        self.args = args
        self.exprs = exprs

    def __getitem__(self, name: str) -> sp.Expr:
        return self.exprs[name]

    def compiled(self, name: str) -> Callable[..., int]:
        """The compiled exact-int function of formula ``name`` (from the generated module)."""
        from ._compiled import FUNCTIONS

        return FUNCTIONS[self.name][name]

    def evaluate(self, name: str, values: tuple[int, ...]) -> int:
        """Formula ``name`` at integer ``values`` (ordered as ``args``), as an exact ``int``."""
        return self.compiled(name)(*values)

    def substitute(self, name: str, mapping: dict[sp.Symbol, Any]) -> sp.Expr:
        """Formula ``name`` with its symbols replaced (for symbolic layers)."""
        return sp.simplify(self.exprs[name].xreplace(mapping))

    def value(self, name: str, values: tuple[Any, ...], symbolic: bool) -> Any:
        """``evaluate`` for numeric values, ``substitute`` when any value is symbolic."""
        if symbolic:
            return self.substitute(name, dict(zip(self.args, map(sp.sympify, values))))
        return self.evaluate(name, values)


CONV = Formulas(ARGS, FORMULAS, name="conv")
"""The convolution family (standard, grouped, depthwise, pointwise)."""

