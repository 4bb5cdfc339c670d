"""The measurement arguments, checked where the user hands them in: counts (repeats, sizes),
thread numbers, seconds and dtypes, by the shared rules of :mod:`roofline_conv.validation`
(ints never a bool, float or string; numbers finite), each error naming the argument.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..validation import integer, number, shown
from .threads import MAX_THREADS

__all__ = ["MAX_THREADS", "count", "float_dtype_argument", "noise_threshold_argument", "optional_count", "optional_seconds", "seconds",
           "threads_argument"]

def count(value: Any, argument: str, minimum: int = 1) -> int:
    """An int >= ``minimum`` (repeats, sizes, bytes)."""
    return integer(value, argument, minimum=minimum)


def optional_count(value: Any, argument: str, minimum: int = 1) -> int | None:
    """``None`` (the default) or an int >= ``minimum``."""
    return None if value is None else integer(value, argument, minimum=minimum)


def threads_argument(value: Any, argument: str = "threads") -> int | None:
    """``None`` (the library's own thread count) or an int from 1 to :data:`MAX_THREADS`."""
    return None if value is None else integer(value, argument, minimum=1, maximum=MAX_THREADS)


def seconds(value: Any, argument: str, minimum: float = 0.0) -> float:
    """A finite number of seconds >= ``minimum``."""
    return number(value, argument, minimum=minimum)


def optional_seconds(value: Any, argument: str, minimum: float = 0.0) -> float | None:
    """``None`` (the default) or a finite number of seconds >= ``minimum``."""
    return None if value is None else number(value, argument, minimum=minimum)


def noise_threshold_argument(value: Any, argument: str = "noise_threshold") -> float:
    """A number >= 0 (IQR / median); ``inf`` is allowed and means "never noisy"."""
    if isinstance(value, (float, np.floating)) and value == math.inf:
        return math.inf
    return number(value, argument, minimum=0)


def float_dtype_argument(value: Any, argument: str = "dtype") -> np.dtype:
    """A real floating-point numpy dtype (``"float32"``, ``np.float64`` ...); ``None``, which
    numpy would read as float64, is refused."""
    dt = None
    if value is not None and not isinstance(value, bool):
        try:
            dt = np.dtype(value)
        except (TypeError, ValueError, SyntaxError):  # numpy's errors for a word it does not know
            dt = None
    if dt is None or dt.kind != "f":
        raise ValueError(f"{argument}={shown(value)} must be a real floating-point dtype "
                         "(float32, float64 or float16)")
    return dt
