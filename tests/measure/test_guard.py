"""The memory limit: one rule for the environment variable and the argument, a clear error
instead of an OverflowError or a silent fallback, and inputs made without hidden temporaries."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roofline_conv.measure import guard
from roofline_conv.measure.guard import (
    MAX_MEMORY_LIMIT,
    MEMORY_LIMIT_ENV,
    MemoryLimitError,
    check_memory,
    default_memory_limit,
    normal_array,
    parse_memory_limit,
)

from .invalid import SETTINGS, bad_counts

BAD_ENV = ["inf", "-inf", "nan", "-1", "0", "-0", "abc", "1e999", "1e19", "10GB", "2 GiB", "1.5",
           "1e-3", "0x10", "1,000", "5e5 bytes", "None", "true"]


@pytest.mark.parametrize("text, value", [("5e5", 500_000), ("8000000000", 8 * 10**9), ("8_000", 8000),
                                         (" 42\n", 42), ("1.5e9", 1_500_000_000), ("1e18", 10**18),
                                         ("+7", 7), ("1", 1), ("0.5e1", 5)])
def test_the_variable_takes_whole_bytes_as_integer_or_e_notation(monkeypatch, text, value):
    assert parse_memory_limit(text) == value
    monkeypatch.setenv(MEMORY_LIMIT_ENV, text)
    assert default_memory_limit() == value


@pytest.mark.parametrize("text", BAD_ENV)
def test_a_bad_variable_is_a_value_error_naming_it(monkeypatch, text):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, text)
    for call in (default_memory_limit, lambda: check_memory(10), lambda: check_memory(10**30)):
        with pytest.raises(ValueError, match=MEMORY_LIMIT_ENV) as info:
            call()
        assert not isinstance(info.value, MemoryLimitError)
        assert repr(text) in str(info.value) and "whole number of bytes" in str(info.value)


def test_a_unit_suffix_gets_the_bytes_to_write():
    with pytest.raises(ValueError, match=r"for 10GB write 10000000000"):
        parse_memory_limit("10GB")
    with pytest.raises(ValueError, match=r"for 2GiB write 2147483648"):
        parse_memory_limit("2GiB")


def test_an_empty_variable_is_unset(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "  ")
    avail = guard.available_memory_bytes()
    assert default_memory_limit() == (None if avail is None else avail // 2)


@SETTINGS
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not v.is_integer() or v < 1
                                                                      or v > MAX_MEMORY_LIMIT),
                 st.integers(max_value=0), st.integers(min_value=MAX_MEMORY_LIMIT + 1),
                 st.text(alphabet="abcxyzGKMB .,-", min_size=1, max_size=6)))
def test_any_value_breaking_the_rule_is_refused(value):
    text = repr(value) if isinstance(value, float) else str(value)
    if not text.strip():
        return  # blank: unset
    with pytest.raises(ValueError, match=MEMORY_LIMIT_ENV):
        parse_memory_limit(text)


@SETTINGS
@given(st.one_of(bad_counts(1).filter(lambda v: v is not None), st.integers(min_value=MAX_MEMORY_LIMIT + 1)))
def test_a_bad_memory_limit_argument_is_a_value_error_naming_it(limit):
    with pytest.raises(ValueError, match="memory_limit=") as info:
        check_memory(10, limit)
    assert not isinstance(info.value, MemoryLimitError)


@SETTINGS
@given(bad_counts(0))
def test_a_bad_byte_count_is_a_value_error_naming_it(nbytes):
    with pytest.raises(ValueError, match="nbytes="):
        check_memory(nbytes, 10**6)


def test_the_refusal_names_what_the_bytes_and_the_limit(monkeypatch):
    with pytest.raises(MemoryLimitError) as info:
        check_memory(3_000_000, 1_000_000, what="a big thing")
    text = str(info.value)
    assert "a big thing needs about 3.0 MB (3,000,000 bytes)" in text
    assert "limit is 1.0 MB (1,000,000 bytes, from the memory_limit argument)" in text
    assert MEMORY_LIMIT_ENV in text and "memory_limit=" in text
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1e6")
    with pytest.raises(MemoryLimitError, match=f"from the {MEMORY_LIMIT_ENV}"):
        check_memory(10**400)  # an absurd count is reported, not an OverflowError
    assert check_memory(10**6) == 10**6


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_inputs_are_made_in_their_dtype_without_a_float64_temporary(dtype):
    shape = (3, 50, 200)  # 30,000 elements
    rng = np.random.default_rng(0)
    normal_array(rng, (4,), dtype)  # first-use costs out of the way
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        a = normal_array(rng, shape, dtype)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert a.dtype == dtype and a.shape == shape
    assert a.nbytes <= peak <= a.nbytes + guard.NORMAL_CHUNK * 8 + 4096
    assert abs(float(a.mean())) < 0.05 and 0.9 < float(a.std()) < 1.1
    if dtype == np.float64:  # same numbers as before
        assert np.array_equal(normal_array(np.random.default_rng(5), (7,), dtype),
                              np.random.default_rng(5).standard_normal(7))
