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
padding (both sides added), ``P_t``/``P_l`` the padding before the first row/column (top, left),
``D_h``/``D_w`` dilation, ``bias`` 1 when a bias is counted, else 0.

``input_elements`` is the input tensor (``B x C_in x H x W``); ``input_read_elements`` counts
the input elements the convolution *reads* (its compulsory input traffic):
``B x C_in x rows_read x cols_read``, where :func:`rows_read` counts the input rows
some output row and kernel tap touch. Every row is read at stride 1 without dilation; a 1x1
stride-2 conv reads every other row and column (a quarter of the input).
"""

from __future__ import annotations

from typing import Any, Callable

import sympy as sp

_pos = {"integer": True, "positive": True}
_nonneg = {"integer": True, "nonnegative": True}

B, C_in, C_out, G = sp.symbols("B C_in C_out G", **_pos)
H, W, K_h, K_w, S_h, S_w, D_h, D_w = sp.symbols("H W K_h K_w S_h S_w D_h D_w", **_pos)
P_h, P_w, P_t, P_l, bias = sp.symbols("P_h P_w P_t P_l bias", **_nonneg)

ARGS: tuple[sp.Symbol, ...] = (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w, P_t, P_l, D_h, D_w, bias)
"""Argument order of every compiled formula."""


def output_extent(size: sp.Expr, kernel: sp.Expr, stride: sp.Expr, pad: sp.Expr, dilation: sp.Expr) -> sp.Expr:
    """Output length along one axis: floor((size + pad - dilation*(kernel-1) - 1)/stride) + 1."""
    return sp.floor((size + pad - dilation * (kernel - 1) - 1) / stride) + 1


def _sumset_in_window(step: sp.Expr, period: sp.Expr, run: sp.Expr, end: sp.Expr,
                      first: sp.Expr, size: sp.Expr) -> sp.Expr:
    """How many u with ``0 <= u < end`` and ``u mod period < run`` have ``step*u`` in
    ``[first, first + size)``: F(ceil((first+size)/step)) - F(ceil(first/step)), where
    F(n) = #{u < min(n, end): u mod period < run} = floor(n'/period) min(run, period)
    + min(n' mod period, run) with n' = min(n, end)."""
    def below(n: sp.Expr) -> sp.Expr:
        n = sp.Min(n, end)
        whole = sp.floor(n / period)
        return whole * sp.Min(run, period) + sp.Min(n - period * whole, run)

    return below(sp.ceiling((first + size) / step)) - below(sp.ceiling(first / step))


def rows_read(size: sp.Expr, kernel: sp.Expr, stride: sp.Expr, pad: sp.Expr, pad_before: sp.Expr,
              dilation: sp.Expr) -> sp.Expr:
    """Input rows (along one axis) that some output position p and kernel tap r read:
    #{h in [0, size): h = p*stride + r*dilation - pad_before, 0 <= p < out, 0 <= r < kernel}.

    In padded coordinates the touched positions are the sumset {p s + r d}. When the dilation
    d divides the stride s (d = 1 included) it is d x {u < (out-1) s/d + kernel : u mod (s/d) <
    kernel}: windows of ``kernel`` taps every s/d steps, disjoint when s/d > kernel. When s
    divides d (s = 1 included) it is s x {u < (kernel-1) d/s + out : u mod (d/s) < out}: one
    run of ``out`` positions per tap. Counting those in the input's window [pad_before,
    pad_before + size) is :func:`_sumset_in_window`. When neither divides the other (say s=2,
    d=3), the count is that of the larger of two subsets (outputs p on multiples of d, or taps
    r on multiples of s), a lower bound, so the compulsory traffic stays a lower bound. Stride 1
    without dilation reads every row (the first branch, so symbolic layers simplify to ``size``)."""
    out = output_extent(size, kernel, stride, pad, dilation)
    # at least 1, so every branch is defined everywhere (numpy evaluates them all)
    s_over_d, d_over_s = sp.Max(sp.floor(stride / dilation), 1), sp.Max(sp.floor(dilation / stride), 1)
    windows = _sumset_in_window(dilation, s_over_d, kernel, (out - 1) * s_over_d + kernel, pad_before, size)
    runs = _sumset_in_window(stride, d_over_s, out, (kernel - 1) * d_over_s + out, pad_before, size)
    outputs_subset = _sumset_in_window(dilation, stride, kernel, (sp.ceiling(out / dilation) - 1) * stride + kernel,
                                       pad_before, size)
    taps_subset = _sumset_in_window(stride, dilation, out, (sp.ceiling(kernel / stride) - 1) * dilation + out,
                                    pad_before, size)
    return sp.Piecewise(
        (size, sp.Eq(stride * dilation, 1)),
        (windows, sp.Eq(sp.Mod(stride, dilation), 0)),
        (runs, sp.Eq(sp.Mod(dilation, stride), 0)),
        (sp.Max(outputs_subset, taps_subset), True),
    )


H_out = output_extent(H, K_h, S_h, P_h, D_h)
W_out = output_extent(W, K_w, S_w, P_w, D_w)
H_read = rows_read(H, K_h, S_h, P_h, P_t, D_h)
W_read = rows_read(W, K_w, S_w, P_w, P_l, D_w)

FORMULAS: dict[str, sp.Expr] = {
    # parameters
    "weights": C_out * (C_in / G) * K_h * K_w,
    "bias_params": C_out * bias,
    # work (MACs; FLOPs = 2 MACs + one add per output element when a bias is counted)
    "macs": B * C_out * H_out * W_out * (C_in / G) * K_h * K_w,
    "bias_adds": B * C_out * H_out * W_out * bias,
    # activations (elements): the input tensor, and the input elements read (see rows_read)
    "input_elements": B * C_in * H * W,
    "input_read_elements": B * C_in * H_read * W_read,
    "output_elements": B * C_out * H_out * W_out,
    # im2col: the column matrix has (C_in K_h K_w) rows and (B H_out W_out) columns
    "im2col_elements": B * H_out * W_out * C_in * K_h * K_w,
    # the im2col GEMM, summed over groups: G independent (m, n/G, k) GEMMs
    "gemm_m": B * H_out * W_out,
    "gemm_n": C_out,
    "gemm_k": (C_in / G) * K_h * K_w,
    # Winograd/FFT lowerings (projection.algorithms): the products of an FFT convolution, one per
    # (image, input channel of a group, output channel) and bin of a real signal's half spectrum
    "fft_macs": B * C_out * (C_in / G) * (H + P_h) * (sp.floor((W + P_w) / 2) + 1),
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

