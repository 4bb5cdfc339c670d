"""The one exact-integer printer: the same text evaluates exactly on Python ints and on numpy
integer arrays; floors and ceilings are integer divisions; other divisions are checked or refused."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv.layers.exact_printer import ExactIntPrinter, integer_code

x, y, z = sp.symbols("x y z", integer=True, positive=True)


def _exact(n, d):
    q, r = divmod(n, d)
    if np.any(r):
        raise ArithmeticError("not exact")
    return q


EXPRESSIONS = [
    sp.floor((x + 2 * z - 3) / y) + 1,
    sp.ceiling(x / y) * z,
    x * z / y * y,  # simplifies to x*z: no division left
    (x * y + x) / 2 * 2,
    x**3 - 2 * x * y,
    sp.floor(x / 2 + sp.Rational(1, 3)),
]


def test_floor_and_ceiling_print_as_integer_division():
    assert integer_code(sp.floor(x / y)) == "((x) // (y))"
    assert integer_code(sp.ceiling(x / y)) == "(-((-(x)) // (y)))"
    assert integer_code(sp.floor(x / 2 + sp.Rational(1, 3))) == "((3*x + 2) // (6))"


def test_a_division_is_the_whole_product_over_the_whole_denominator():
    assert integer_code(x * z / y, "_exact") == "_exact(x*z, y)"
    assert integer_code(x / 2 + z / 2, "_exact") == "_exact(x + z, 2)"
    assert integer_code(1 / y, "_exact") == "_exact(1, y)"


@pytest.mark.parametrize("expr", [x * z / y, x / 2 + z / 2, 1 / y])
def test_a_division_is_refused_without_a_checked_division(expr):
    with pytest.raises(TypeError, match="refusing to print a division"):
        integer_code(expr)


@pytest.mark.parametrize("expr, what", [(sp.sqrt(x), "non-integer power"), (sp.Rational(1, 3), "fraction")])
def test_non_integers_are_refused(expr, what):
    with pytest.raises(TypeError, match=what):
        integer_code(expr, "_exact")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**5), st.integers(1, 10**5), st.integers(1, 10**5)), min_size=1, max_size=20))
def test_the_same_text_is_exact_on_python_ints_and_numpy_arrays(rows):
    columns = [np.array(c, dtype=np.int64) for c in zip(*rows)]
    for expr in EXPRESSIONS:
        fn = eval(f"lambda x, y, z: {integer_code(expr, '_exact')}", {"_exact": _exact})  # noqa: S307 - our own text
        on_arrays = fn(*columns)
        for i, (a, b, c) in enumerate(rows):
            want = int(expr.xreplace({x: a, y: b, z: c}))
            got = fn(a, b, c)
            assert type(got) is int and got == want == int(on_arrays[i]), (expr, a, b, c)


def test_the_sweeps_compile_with_this_printer():
    from roofline_conv.sweeps import compiled

    assert compiled.ExactIntPrinter is ExactIntPrinter
