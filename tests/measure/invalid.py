"""Hypothesis strategies for invalid argument values, by the rule they break."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

not_numbers = st.one_of(
    st.none(), st.booleans(), st.just(np.bool_(True)), st.text(max_size=5), st.just("3"),
    st.lists(st.integers(1, 3), max_size=2), st.just({"a": 1}), st.just(1j), st.just(object()),
)
"""Neither an int nor a real number."""

non_integers = st.one_of(
    not_numbers,
    st.floats(allow_nan=True, allow_infinity=True),  # 8.0 too: an int is never a float
    st.just(Fraction(1, 2)), st.just(np.float32(2.0)),
)
"""Anything the integer rule refuses whatever its range."""


def integers_below(minimum: int) -> st.SearchStrategy:
    """Ints (Python and numpy) under ``minimum``."""
    return st.one_of(st.integers(max_value=minimum - 1), st.integers(-5, minimum - 1).map(np.int64))


def bad_counts(minimum: int = 1) -> st.SearchStrategy:
    """What an ``int >= minimum`` argument refuses."""
    return st.one_of(non_integers, integers_below(minimum))


def bad_optional_counts(minimum: int = 1) -> st.SearchStrategy:
    """What an ``None or int >= minimum`` argument refuses."""
    return bad_counts(minimum).filter(lambda v: v is not None)


bad_seconds = st.one_of(
    not_numbers.filter(lambda v: v is not None),
    st.floats(max_value=-1e-9), st.just(math.nan), st.just(math.inf), st.just(-math.inf),
    st.integers(max_value=-1),
)
"""What a ``finite number of seconds >= 0`` argument (``None`` allowed) refuses."""
