"""The memory limit and the check against it, shared by the measurements and the kernels.

:func:`check_memory` raises :class:`MemoryLimitError` when a number of bytes exceeds the limit:
the ``memory_limit`` argument when given, else the environment variable
``ROOFLINE_CONV_MEMORY_LIMIT``, else half the available memory. Call it *before* allocating.

The limit, as an argument or in the variable, is a whole number of bytes from 1 to
:data:`MAX_MEMORY_LIMIT` (10**18). The argument is an int (never a float or bool, see
:mod:`roofline_conv.validation`); the variable is a decimal integer (``8000000000``,
``8_000_000_000``) or e-notation that comes to a whole number (``8e9``, ``1.5e9``). No unit
suffixes (``10GB``), no ``inf``/``nan``, no fractions of a byte: such a value is a
``ValueError`` naming the variable, the value and this rule. An empty variable is unset.

:func:`normal_array` makes random inputs directly in their dtype, so a measurement allocates
what its estimate counts (``rng.standard_normal(shape).astype(np.float32)`` would first allocate
a float64 array twice the size). This module imports no kernel, so the kernels can guard their
own allocations with it.
"""

from __future__ import annotations

import decimal
import os
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..validation import integer, shown

__all__ = [
    "MAX_MEMORY_LIMIT",
    "MEMORY_LIMIT_ENV",
    "MemoryLimitError",
    "available_memory_bytes",
    "check_memory",
    "default_memory_limit",
    "memory_limit_argument",
    "normal_array",
    "parse_memory_limit",
]

MEMORY_LIMIT_ENV = "ROOFLINE_CONV_MEMORY_LIMIT"
"""Environment variable overriding the default memory limit (bytes)."""
MAX_MEMORY_LIMIT = 10**18
"""Largest memory limit accepted (bytes): an exabyte, more than any machine has."""
LIMIT_RULE = ("a whole number of bytes from 1 to 10**18, written as an integer "
              "(8000000000) or in e-notation (8e9); no unit suffix")


class MemoryLimitError(ValueError):
    """A measurement would allocate more memory than the limit allows."""


def parse_memory_limit(text: str, source: str = MEMORY_LIMIT_ENV) -> int:
    """``text`` (the value of ``source``, an environment variable) as a limit in bytes, by the
    rule in the module docstring; a ``ValueError`` naming ``source`` otherwise."""
    raw = text.strip()
    try:
        value = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value != value.to_integral_value() \
            or not 1 <= value <= MAX_MEMORY_LIMIT:
        raise ValueError(f"{source}={shown(text)} must be {LIMIT_RULE}{_hint(raw)}")
    return int(value)


_UNIT = re.compile(r"([0-9][0-9_.]*(?:e[+-]?[0-9]+)?)\s*([kmgt])(i?)b?", re.IGNORECASE)


def _hint(raw: str) -> str:
    """For ``10GB`` and the like, the number of bytes to write instead."""
    match = _UNIT.fullmatch(raw)
    if not match:
        return ""
    base = 1024 if match.group(3) else 1000
    try:
        n = decimal.Decimal(match.group(1)) * base ** ("kmgt".index(match.group(2).lower()) + 1)
    except decimal.InvalidOperation:
        return ""
    if n != n.to_integral_value() or not 1 <= n <= MAX_MEMORY_LIMIT:
        return ""
    return f" (for {raw} write {int(n)})"


def memory_limit_argument(limit: Any, argument: str = "memory_limit") -> int | None:
    """A ``memory_limit=`` argument: ``None`` (the default limit) or an int from 1 to
    :data:`MAX_MEMORY_LIMIT` bytes."""
    if limit is None:
        return None
    return integer(limit, argument, minimum=1, maximum=MAX_MEMORY_LIMIT)


def available_memory_bytes() -> int | None:
    """Available memory in bytes: ``MemAvailable`` from /proc/meminfo, else
    ``os.sysconf`` available pages x page size, else ``None``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def default_memory_limit() -> int | None:
    """``ROOFLINE_CONV_MEMORY_LIMIT`` (bytes) if set, else 0.5 x available memory (bytes),
    else ``None`` (unknown: no limit)."""
    env = os.environ.get(MEMORY_LIMIT_ENV, "")
    if env.strip():
        return parse_memory_limit(env)
    avail = available_memory_bytes()
    return None if avail is None else avail // 2


def megabytes(nbytes: int) -> str:
    """``nbytes`` in MB for a message, without overflowing a float on an absurd count."""
    if nbytes < 10**24:
        return f"{nbytes / 1e6:,.1f} MB"
    return f"10^{int((nbytes.bit_length() - 1) * 0.30103) - 6} MB"


def check_memory(nbytes: Any, limit: Any = None, *, what: str = "measurement") -> int | None:
    """Raise :class:`MemoryLimitError` if ``nbytes`` exceeds the limit (bytes).

    ``limit=None`` uses :func:`default_memory_limit`. Call it *before* allocating. Returns the
    limit applied (``None`` if unknown). ``nbytes`` is an int >= 0 and ``limit`` ``None`` or
    an int from 1 to :data:`MAX_MEMORY_LIMIT`; anything else is a ``ValueError``.
    """
    nbytes = integer(nbytes, "nbytes", minimum=0)
    explicit = memory_limit_argument(limit, "memory_limit")
    lim = explicit if explicit is not None else default_memory_limit()
    if lim is not None and nbytes > lim:
        src = ("memory_limit argument" if explicit is not None else
               MEMORY_LIMIT_ENV if os.environ.get(MEMORY_LIMIT_ENV, "").strip() else
               "0.5 x MemAvailable")
        needed = f"{nbytes:,} bytes" if nbytes < 10**24 else "an absurd number of bytes"
        raise MemoryLimitError(
            f"{what} needs about {megabytes(nbytes)} ({needed}) but the memory limit is "
            f"{megabytes(lim)} ({lim:,} bytes, from the {src}); shrink the problem, or raise the "
            f"limit with memory_limit= (--memory-limit on the command line) or the environment "
            f"variable {MEMORY_LIMIT_ENV} (bytes, e.g. {MEMORY_LIMIT_ENV}=8e9)")
    return lim


NORMAL_CHUNK = 8192
"""Elements generated at a time by :func:`normal_array` for dtypes numpy cannot generate directly."""


def normal_array(rng: np.random.Generator, shape: Sequence[int], dtype: Any) -> np.ndarray:
    """Standard normal samples of ``shape`` allocated once, in ``dtype``: float32 and float64
    are generated in place; other dtypes are filled :data:`NORMAL_CHUNK` elements at a time, so
    no temporary larger than 64 kB is made."""
    dt = np.dtype(dtype)
    if dt in (np.dtype(np.float32), np.dtype(np.float64)):
        return rng.standard_normal(tuple(shape), dtype=dt)
    out = np.empty(tuple(shape), dt)
    flat = out.reshape(-1)
    for start in range(0, flat.size, NORMAL_CHUNK):
        stop = min(flat.size, start + NORMAL_CHUNK)
        flat[start:stop] = rng.standard_normal(stop - start)
    return out
