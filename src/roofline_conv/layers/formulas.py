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
from functools import lru_cache
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


def formula(name: str) -> sp.Expr:
    """The sympy expression for quantity ``name`` over the generic symbols ``ARGS``."""
    return FORMULAS[name]


@lru_cache(maxsize=None)
def _compiled(name: str) -> Callable[..., Any]:
    return sp.lambdify(ARGS, FORMULAS[name], modules=["math"], cse=False)


def evaluate(name: str, values: tuple[int, ...]) -> int:
    """Evaluate formula ``name`` exactly at integer ``values`` (ordered as ``ARGS``).

    The compiled function is fed :class:`fractions.Fraction` values, so divisions are exact
    rationals and ``floor`` is exact; the result must be an integer and is returned as ``int``.
    """
    result = _compiled(name)(*(Fraction(v) for v in values))
    result = Fraction(result)
    if result.denominator != 1:  # pragma: no cover - guarded by construction-time validation
        raise ArithmeticError(f"{name} evaluated to the non-integer {result}")
    return int(result)


def substitute(name: str, mapping: dict[sp.Symbol, Any]) -> sp.Expr:
    """Formula ``name`` with the generic symbols replaced (for symbolic layers)."""
    return sp.simplify(FORMULAS[name].xreplace(mapping))
