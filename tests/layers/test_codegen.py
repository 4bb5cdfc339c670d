"""The generated module of compiled formulas: regenerating it gives the committed text byte for
byte, and every compiled function equals its sympy expression (exact substitution) on random
valid integer arguments, family by family and for every layer kind."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import layers
from roofline_conv.layers import _compiled, codegen
from roofline_conv.layers.families import BY_NAME
from roofline_conv.layers.family import CONV, Family

BIG = 10**6
"""Dimensions up to a million: counts far past 2**63, which only exact ints get right."""


def test_regenerating_gives_the_committed_module_byte_for_byte():
    committed = Path(_compiled.__file__).read_bytes()
    assert codegen.source().encode("utf-8") == committed, (
        "layers/_compiled.py is out of date with the sympy formulas: run python -m roofline_conv.layers.codegen")


def test_check_mode_says_up_to_date(capsys):
    assert codegen.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_every_formula_is_compiled_and_nothing_else():
    assert list(_compiled.FUNCTIONS) == list(BY_NAME)
    for name, formulas in BY_NAME.items():
        assert list(_compiled.FUNCTIONS[name]) == list(formulas.exprs)
        assert _compiled.ARGS[name] == tuple(str(a) for a in formulas.args)


def test_an_inexact_division_raises():
    # groups=3 does not divide 4 channels (construction refuses it): C_out x C_in/G x K_h x K_w =
    # 4 x 4/3 x 2 x 2 is no integer, and the compiled code says so rather than rounding
    args = (1, 4, 4, 3, 8, 8, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 0)
    with pytest.raises(ArithmeticError, match="not an integer"):
        CONV.evaluate("weights", args)


# -- the property: compiled == sympy, exactly ---------------------------------------------------
@st.composite
def conv_values(draw: st.DrawFn, pool: bool = False, top: int = BIG) -> tuple[int, ...]:
    """A valid generic argument tuple (B, C_in, C_out, G, H, W, K_h, K_w, S_h, S_w, P_h, P_w,
    P_t, P_l, D_h, D_w, bias): groups divide both channel counts, the dilated kernel fits the padded input."""
    g = draw(st.integers(1, 64))
    cin, cout = g * draw(st.integers(1, top // 64)), g * draw(st.integers(1, top // 64))
    if pool:
        cin = cout = g
    axes = []
    for _ in range(2):
        k, s, d, p = draw(st.integers(1, 11)), draw(st.integers(1, 9)), draw(st.integers(1, 5)), draw(st.integers(0, 12))
        extent = d * (k - 1) + 1
        axes.append((draw(st.integers(max(1, extent - p), max(1, extent - p) + top)), k, s, p, d))
    (h, kh, sh, ph, dh), (w, kw, sw, pw, dw) = axes
    pt, pl = draw(st.integers(0, ph)), draw(st.integers(0, pw))
    bias = 0 if pool else draw(st.integers(0, 1))
    return (draw(st.integers(1, top)), cin, cout, g, h, w, kh, kw, sh, sw, ph, pw, pt, pl, dh, dw, bias)


_positive = st.integers(1, BIG)
VALUES = {
    "conv": conv_values(),
    "pool": conv_values(pool=True),
    "linear": st.tuples(_positive, _positive, _positive, st.integers(0, 1)),
    "elementwise": st.tuples(_positive, _positive, _positive, _positive, st.integers(1, 8), st.integers(0, 8)),
    "norm": st.tuples(_positive, _positive, _positive, _positive),
    "scale": st.tuples(_positive, _positive, _positive, _positive),
}


def assert_compiled_equals_sympy(family: str, values: tuple[int, ...]) -> None:
    formulas = BY_NAME[family]
    mapping = {a: sp.Integer(v) for a, v in zip(formulas.args, values)}
    for quantity, expr in formulas.exprs.items():
        exact = expr.xreplace(mapping)
        assert exact.is_Integer, (family, quantity, exact)
        got = _compiled.FUNCTIONS[family][quantity](*values)
        assert type(got) is int and got == int(exact), (family, quantity, values)


@pytest.mark.parametrize("family", list(VALUES))
def test_compiled_equals_sympy_on_random_valid_arguments(family):
    assert set(VALUES) == set(BY_NAME)

    @settings(max_examples=60, deadline=None)
    @given(VALUES[family])
    def check(values):
        assert_compiled_equals_sympy(family, values)

    check()


# every layer kind: the argument tuples its own constructor makes -------------------------------
_dim = st.integers(1, 64)


@st.composite
def any_layer(draw: st.DrawFn) -> layers.Layer:
    from strategies import conv_args

    a = draw(conv_args())
    c, size, batch = draw(_dim), (draw(st.integers(1, 40)), draw(st.integers(1, 40))), draw(st.integers(1, 8))
    k = draw(st.integers(1, min(size)))
    kind = draw(st.sampled_from(sorted(layers.KINDS)))
    if kind == "conv":
        return layers.Conv2d(**a)
    if kind == "depthwise":
        return layers.Depthwise(a["in_channels"], a["kernel_size"], a["input_size"], a["stride"], a["padding"],
                                a["dilation"], a["bias"], a["batch"], multiplier=draw(st.integers(1, 3)))
    if kind == "pointwise":
        return layers.Pointwise(a["in_channels"], a["out_channels"], a["input_size"], a["stride"], a["groups"],
                                a["bias"], a["batch"])
    if kind == "depsep":
        return layers.DepSep(a["in_channels"], a["out_channels"], a["kernel_size"], a["input_size"], a["stride"],
                             a["padding"], a["dilation"], a["bias"], a["batch"], draw(st.integers(1, 3)))
    if kind == "linear":
        return layers.Linear(c, draw(_dim), draw(st.booleans()), batch)
    if kind == "maxpool":
        return layers.MaxPool2d(c, k, size, draw(st.integers(1, 3)), draw(st.integers(0, k // 2)), batch=batch)
    if kind == "avgpool":
        return layers.AvgPool2d(c, k, size, draw(st.integers(1, 3)), draw(st.integers(0, k // 2)), batch=batch)
    if kind == "globalavgpool":
        return layers.GlobalAvgPool(c, size, batch)
    if kind == "batchnorm":
        return layers.BatchNorm2d(c, size, batch)
    if kind == "scale":
        return layers.Scale(c, size, batch)
    if kind == "se":
        return layers.SqueezeExcitation(c, draw(_dim), size, batch, draw(st.sampled_from(["relu", "silu"])),
                                        draw(st.sampled_from(["sigmoid", "hardsigmoid"])))
    shape = (c, *size) if draw(st.booleans()) else (c,)
    if kind == "add":
        return layers.Add(shape, batch, inputs=draw(st.integers(2, 4)))
    if kind == "flatten":
        return layers.Flatten(shape, batch)
    return layers.ACTIVATIONS[kind](shape, batch)


def leaves(layer: layers.Layer) -> list[layers.Layer]:
    return [leaf for part in getattr(layer, "parts", ()) for leaf in leaves(part)] or [layer]


@settings(max_examples=150, deadline=None)
@given(any_layer())
def test_every_layer_kinds_compiled_counts_equal_sympy(layer):
    for leaf in leaves(layer):
        family: Family = getattr(leaf, "_family", CONV)
        assert_compiled_equals_sympy(family.name, leaf._args)
        if family.name == "pool":  # a pool's shapes are the conv family's own formulas
            assert_compiled_equals_sympy("conv", leaf._args)
    # and the layer's own answers are those exact ints
    assert all(type(getattr(layer, q)) is int for q in ("params", "macs", "flops", "input_elements", "output_elements"))
