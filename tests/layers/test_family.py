"""Family handles: numbers from the compiled module, expressions and symbolic values from sympy."""

from __future__ import annotations

import sympy as sp

from roofline_conv.layers import Conv2d, Linear
from roofline_conv.layers.families import BY_NAME
from roofline_conv.layers.family import CONV, ELEMENTWISE, LINEAR, NORM, POOL, SCALE, Family


def test_every_family_has_a_handle():
    assert [f.name for f in (CONV, LINEAR, POOL, ELEMENTWISE, NORM, SCALE)] == list(BY_NAME)
    for handle in (CONV, LINEAR, POOL, ELEMENTWISE, NORM, SCALE):
        assert handle.formulas is BY_NAME[handle.name]
        assert handle.arg_names == tuple(map(str, handle.formulas.args))
    assert repr(LINEAR) == "Family('linear')"


def test_numbers_are_exact_ints_from_the_compiled_functions():
    conv = Conv2d(128, 128, 3, 224, padding=1)
    assert CONV.evaluate("macs", conv._args) == CONV.value("macs", conv._args, False) == conv.macs == 7_398_752_256
    assert type(conv.macs) is int
    assert LINEAR.evaluate("macs", (2, 3, 5, 1)) == 30
    assert BY_NAME["conv"].evaluate("weights", conv._args) == conv.weights  # the sympy side evaluates the same way


def test_symbolic_values_substitute_into_the_expression():
    b, f = sp.symbols("b f", integer=True, positive=True)
    assert LINEAR.value("macs", (b, f, 10, 1), True) == 10 * b * f
    assert LINEAR["macs"] == BY_NAME["linear"]["macs"]
    assert Linear(f, 10, batch=b).macs == 10 * b * f


def test_a_handle_is_light():
    handle = Family("scale")
    assert handle.functions["ops"](2, 3, 4, 5) == 120
