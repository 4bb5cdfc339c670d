"""Hypothesis strategies for *invalid* values, one per class the validation rules refuse.

Each strategy draws only values that break the rule for its kind of argument, so a test can
assert that every draw is refused with a ValueError naming the argument.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterable

import numpy as np
from hypothesis import strategies as st

bools = st.sampled_from([True, False, np.bool_(True), np.bool_(False)])
integral_floats = st.integers(-10**6, 10**6).map(float) | st.integers(1, 64).map(np.float64)
fractional_floats = st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not float(x).is_integer())
non_finite = st.sampled_from([math.inf, -math.inf, math.nan, np.float64("inf")])
numeric_strings = st.integers(-5, 300).map(str) | st.sampled_from(["1", "0.5", "inf", "nan", "", "eight"])
containers = st.sampled_from([{}, {"a": 1}, set(), {1}, object()])
nones = st.none()


def sizes(*, none_ok: bool = False, pairs_ok: bool = True, minimum: int = 1) -> st.SearchStrategy:
    """Values a size argument (an int >= ``minimum``) refuses: bools, floats (integral-valued
    too), non-finite floats, strings, containers, ints below the minimum, and (unless
    ``pairs_ok``) 2-lists; None unless ``none_ok``."""
    out = (bools | integral_floats | fractional_floats | non_finite | numeric_strings | containers
           | st.integers(max_value=minimum - 1))
    if not none_ok:
        out = out | nones
    if not pairs_ok:
        out = out | st.lists(st.integers(1, 9), min_size=1, max_size=3)
    else:  # a pair needs exactly two valid items
        out = out | st.lists(st.integers(1, 9), min_size=3, max_size=4) | st.tuples(st.integers(1, 9), bools)
    return out


def flags(*, none_ok: bool = False) -> st.SearchStrategy:
    """Values a True/False argument refuses: ints (0 and 1 too), strings ("no"), floats, containers."""
    out = st.integers() | st.sampled_from(["no", "yes", "False", "true", "", "0"]) | st.floats() | containers
    return out if none_ok else out | nones


def choices(vocabulary: Iterable[str], *, none_ok: bool = False) -> st.SearchStrategy:
    """Values outside ``vocabulary``: other strings, numbers, bools, containers."""
    allowed = set(vocabulary)
    out = (st.text(max_size=12).filter(lambda s: s not in allowed and s.lower() not in allowed)
           | st.integers() | bools | containers)
    return out if none_ok else out | nones


def numbers(*, above: float | None = None, minimum: float | None = None, maximum: float | None = None,
            none_ok: bool = False) -> st.SearchStrategy:
    """Values a finite real number in range refuses: bools, strings, non-finite floats,
    containers and numbers out of range."""
    out = bools | numeric_strings | non_finite | containers | st.just(Fraction(10**400))
    if above is not None:
        out = out | st.floats(max_value=above, allow_nan=False, allow_infinity=False)
    if minimum is not None:
        out = out | st.floats(max_value=minimum, exclude_max=True, allow_nan=False, allow_infinity=False)
    if maximum is not None:
        out = out | st.floats(min_value=maximum, exclude_min=True, allow_nan=False, allow_infinity=False)
    return out if none_ok else out | nones


__all__ = ["sizes", "flags", "choices", "numbers", "bools", "non_finite"]
