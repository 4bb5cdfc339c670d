"""Symbolic layers in the study's symbols; the MobileNet identity, exactly."""

from __future__ import annotations

import sympy as sp

from roofline_conv import B, Conv2d, DepSep, Depthwise, Df, Dk, M, N, Pointwise


def test_conv_symbolic_macs_prints_study_formula():
    assert Conv2d.symbolic(batch=1).macs == Dk**2 * M * N * Df**2
    assert str(Conv2d.symbolic(batch=1).macs) == "Df**2*Dk**2*M*N"
    assert Conv2d.symbolic().macs == B * Dk**2 * M * N * Df**2
    assert Conv2d.symbolic().output_size == (Df, Df)


def test_study_formulas():
    conv, sep = Conv2d.symbolic(batch=1), DepSep.symbolic(batch=1)
    assert conv.params == Dk**2 * M * N
    assert sp.expand(sep.params - (Dk**2 * M + M * N)) == 0
    assert sp.expand(sep.macs - (Dk**2 * M * Df**2 + M * N * Df**2)) == 0
    # compulsory traffic in elements is the study's "memory access"
    assert sp.expand(conv.traffic_elements() - (Dk**2 * M * N + (M + N) * Df**2)) == 0
    assert sp.expand(sep.traffic_elements() - (Dk**2 * M + M * N + (M + N) * Df**2)) == 0


def test_mobilenet_identity_exact():
    ratio = DepSep.symbolic().macs / Conv2d.symbolic().macs
    assert sp.simplify(ratio - (1 / N + 1 / Dk**2)) == 0


def test_symbolic_parts():
    assert Depthwise.symbolic().macs == B * M * Dk**2 * Df**2
    assert Pointwise.symbolic().macs == B * M * N * Df**2


def test_substitution_agrees_with_numeric():
    values = {Dk: 3, M: 128, N: 128, Df: 224, B: 1}
    assert Conv2d.symbolic().macs.subs(values) == 7_398_752_256
    assert DepSep.symbolic().intensity().subs(values) == sp.Rational(879_886_336 * 2, 25_725_184)


def test_symbolic_strided_layer_has_floor():
    x = sp.Symbol("x", integer=True, positive=True)
    layer = Conv2d(8, 8, 3, x, stride=2, padding=1)
    assert layer.is_symbolic
    assert layer.output_size[0].subs(x, 9) == 5
    assert layer.output_size[0].subs(x, 10) == 5


def test_pretty_and_latex():
    expr = DepSep.symbolic().intensity()
    assert "Dk" in sp.latex(expr) and "Dk" in sp.pretty(expr)
    assert Conv2d.symbolic()._repr_latex_().startswith("$")
    assert Conv2d(8, 8, 3, 8)._repr_latex_() is None


def test_mixed_symbolic_and_numeric():
    layer = Conv2d(128, N, 3, 224, padding=1)
    assert layer.macs == 9 * 128 * 224 * 224 * N
