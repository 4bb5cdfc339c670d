"""Formula families of the non-convolution layer kinds, each formula written once (sympy).

Like :data:`roofline_conv.layers.formulas.CONV`, every family is a named :class:`Formulas`
(sympy); :mod:`.codegen` prints each expression once into the committed exact-int module
``_compiled.py``, which numeric layers evaluate (through :mod:`.family`, without sympy); symbolic
layers substitute into the same expression. :data:`BY_NAME` lists every family, the
convolution's included, under the name the compiled module and :mod:`.family` use.

* ``LINEAR`` over ``(B, F_in, F_out, bias)``: a fully connected layer, one GEMM of
  (m, n, k) = (B, F_out, F_in).
* ``POOL`` over the convolution's own argument tuple ``formulas.ARGS`` (channels in ``C_in``;
  ``C_out = G = C_in``; ``bias = 0``): pooling windows are laid out exactly like a depthwise
  conv's, so the output size is the conv's ``H_out``/``W_out`` (imported, not re-derived) and the
  element counts are the conv family's own ``input_elements``/``output_elements``. Only the op
  counts live here.
* ``ELEMENTWISE`` over ``(B, C, H, W, n_in, k_op)``: an op applied per element of a (C, H, W)
  tensor (a 1-D (F,) tensor is C = F, H = W = 1) reading ``n_in`` same-shaped inputs and doing
  ``k_op`` operations per element. The per-kind ``k_op`` is data, stated (and justified) on each
  layer class.
* ``NORM`` over ``(B, C, H, W)``: BatchNorm's parameters and ops.
* ``SCALE`` over ``(B, C, H, W)``: a (C, H, W) tensor times a per-channel (C,) gate (the
  squeeze-excitation rescale): reads both, one multiply per element.
"""

from __future__ import annotations

import sympy as sp

from .formulas import ARGS, B, CONV, C_in, H, K_h, K_w, W, W_out, H_out, Formulas, bias

_pos = {"integer": True, "positive": True}
_nonneg = {"integer": True, "nonnegative": True}

F_in, F_out = sp.symbols("F_in F_out", **_pos)
C = sp.Symbol("C", **_pos)
n_in = sp.Symbol("n_in", **_pos)
k_op = sp.Symbol("k_op", **_nonneg)

LINEAR_ARGS: tuple[sp.Symbol, ...] = (B, F_in, F_out, bias)
LINEAR = Formulas(LINEAR_ARGS, name="linear", exprs={
    "weights": F_out * F_in,
    "bias_params": F_out * bias,
    "macs": B * F_out * F_in,
    "bias_adds": B * F_out * bias,
    "input_elements": B * F_in,
    "output_elements": B * F_out,
    "gemm_m": B,
    "gemm_n": F_out,
    "gemm_k": F_in,
})
"""Fully connected layer: MACs = batch x in x out; GEMM (m, n, k) = (batch, out, in)."""

_window = K_h * K_w
_outputs = B * C_in * H_out * W_out

POOL = Formulas(ARGS, name="pool", exprs={
    # max: (K_h K_w - 1) comparisons per output element
    "max_ops": _outputs * (_window - 1),
    # average: (K_h K_w - 1) additions + 1 multiplication (by 1 / window) per output element
    "avg_ops": _outputs * _window,
})
"""Pooling op counts over the conv argument tuple (shapes come from the conv family)."""

ELEMENTWISE_ARGS: tuple[sp.Symbol, ...] = (B, C, H, W, n_in, k_op)
_elements = B * C * H * W
ELEMENTWISE = Formulas(ELEMENTWISE_ARGS, name="elementwise", exprs={
    "elements": _elements,
    "input_elements": n_in * _elements,
    "output_elements": _elements,
    "ops": k_op * _elements,
})
"""A per-element op on ``n_in`` same-shaped inputs, ``k_op`` operations per element."""

NORM_ARGS: tuple[sp.Symbol, ...] = (B, C, H, W)
NORM = Formulas(NORM_ARGS, name="norm", exprs={
    "weights": C,  # gamma, applied as the per-channel scale
    "bias_params": C,  # beta, applied as the per-channel shift
    "buffers": 2 * C,  # running mean and variance: state, not parameters
    "input_elements": _elements,
    "output_elements": _elements,
    "ops": 2 * _elements,  # y = x * scale + shift: one multiply and one add per element
})
"""Inference BatchNorm as a per-channel scale and shift."""

SCALE = Formulas(NORM_ARGS, name="scale", exprs={
    "input_elements": _elements + B * C,  # the tensor and the per-channel gate
    "output_elements": _elements,
    "ops": _elements,  # one multiply per element
})
"""A tensor times a per-channel gate (squeeze-excitation's last step)."""

BY_NAME: dict[str, Formulas] = {f.name: f for f in (CONV, LINEAR, POOL, ELEMENTWISE, NORM, SCALE)}
"""Every formula family by name, in the order the compiled module lists them."""

__all__ = ["BY_NAME", "LINEAR", "POOL", "ELEMENTWISE", "NORM", "SCALE", "LINEAR_ARGS", "ELEMENTWISE_ARGS", "NORM_ARGS"]
