"""Numbers as text, in one place: one function per style a reader meets.

* :func:`cell` - a table cell: exact ints with thousands separators, floats to a precision that
  suits their size, ``–`` for nothing;
* :func:`plain` - a quantity in a layer's description: ints with separators, floats to 4
  significant digits;
* :func:`si` - a rate on a chart: 4 significant digits with an SI prefix (``125 TFLOP/s``);
* :func:`duration` - a measured time in nanoseconds as ns, us, ms or s.
"""

from __future__ import annotations

from typing import Any


def cell(value: Any) -> str:
    """A table cell (``7,398,752,256``, ``569.5``, ``0.0352``, ``–`` for None)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1e4:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3g}"
    return str(value)


def plain(value: Any) -> str:
    """Ints with thousands separators, floats to 4 significant digits, expressions as text."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value)


def si(value: float, unit: str) -> str:
    """``125 TFLOP/s``, ``900 GB/s``, ``1.408 TFLOP/s``: 4 significant digits, an SI prefix."""
    for factor, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.4g} {prefix}{unit}"
    return f"{value:.4g} {unit}"


def duration(ns: float) -> str:
    """A time given in nanoseconds: ``850 ns``, ``12.3 us``, ``52 ms``, ``1.204 s``."""
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} us"
    if ns < 1e9:
        return f"{ns / 1e6:.4g} ms"
    return f"{ns / 1e9:.4g} s"


__all__ = ["cell", "plain", "si", "duration"]
