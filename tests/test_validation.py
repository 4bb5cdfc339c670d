"""The shared rules of :mod:`roofline_conv.validation`: what each accepts, what it refuses, and
that every refusal names the argument, shows the value and states the rule."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invalid import choices, flags, numbers, sizes
from roofline_conv import validation as v


class RoomError(ValueError):
    pass


@given(st.integers(1, 10**30) | st.integers(1, 2**62).map(np.int64))
def test_integer_accepts_python_and_numpy_ints(value):
    out = v.integer(value, "size", minimum=1)
    assert type(out) is int and out == int(value)


@given(sizes(pairs_ok=False))
def test_integer_refuses_every_other_value(value):
    with pytest.raises(RoomError, match=r"^size="):
        v.integer(value, "size", minimum=1, error=RoomError)


@pytest.mark.parametrize("value, needle", [
    (True, "size=True must be an integer, not a bool"),
    (np.bool_(False), "size=False must be an integer, not a bool"),
    (8.0, "size=8.0 must be an integer, not a float (write 8)"),
    ("8", "size='8' must be an integer, not a str"),
    (None, "size=None must be an integer, not None"),
    (0, "size=0 must be >= 1"),
    (10**3000, "(3001 characters) must be >= 1 and <= 100"),
], ids=["bool", "numpy-bool", "float", "str", "none", "zero", "huge"])
def test_integer_messages(value, needle):
    with pytest.raises(ValueError) as info:
        v.integer(value, "size", minimum=1, maximum=100)
    assert needle in str(info.value)
    assert len(str(info.value)) < 200  # a huge value is shortened, never printed whole


@given(st.floats(min_value=1e-9, max_value=1.0) | st.fractions(min_value=Fraction(1, 10**6), max_value=1)
       | st.sampled_from([1, np.float32(0.5), np.int8(1)]))
def test_number_accepts_finite_reals_in_range(value):
    out = v.number(value, "ratio", above=0, maximum=1)
    assert type(out) is float and 0 < out <= 1


@given(numbers(above=0, maximum=1))
def test_number_refuses_every_other_value(value):
    with pytest.raises(RoomError, match=r"^ratio="):
        v.number(value, "ratio", above=0, maximum=1, error=RoomError)


def test_number_shows_the_value_as_given():
    with pytest.raises(ValueError, match=r"^alpha=0 must be > 0 and <= 16$"):
        v.number(0, "alpha", above=0, maximum=16.0)
    with pytest.raises(ValueError, match="must be a finite number"):
        v.number(math.nan, "alpha")


@given(flags())
def test_flag_refuses_all_but_true_and_false(value):
    with pytest.raises(RoomError, match=r"^fuse=.* must be True or False$"):
        v.flag(value, "fuse", error=RoomError)


def test_flag_and_optional_flag():
    assert v.flag(np.bool_(True), "fuse") is True and v.flag(False, "fuse") is False
    assert v.optional_flag(None, "fuse") is None


@given(choices(["relu", "relu6"]))
def test_choice_refuses_outside_the_vocabulary(value):
    with pytest.raises(RoomError, match=r"^activation=.* is not one of relu, relu6"):
        v.choice(value, "activation", ["relu", "relu6"], error=RoomError)


def test_choice_suggests_the_nearest():
    with pytest.raises(ValueError, match=r"did you mean 'relu'\?"):
        v.choice("rleu", "activation", ["relu", "sigmoid"])


def test_sequences_and_names():
    assert v.integers(np.array([3, 8, 8]), "input_shape", length=3) == (3, 8, 8)
    for bad, needle in [(5, "must be a list or tuple, not an int"), ("388", "not a str"),
                        ([3, 8], "must have 3 items, not 2"), ((3, 8.0, 8), "input_shape[1]=8.0")]:
        with pytest.raises(ValueError) as info:
            v.integers(bad, "input_shape", length=3)
        assert needle in str(info.value)
    with pytest.raises(ValueError, match="name='' must be a non-empty string"):
        v.name("", "name")
