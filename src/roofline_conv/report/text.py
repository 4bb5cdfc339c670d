"""A table as an aligned plain text for a terminal (``--format text``, the CLI's default on a
TTY): numbers SI-scaled with their units (``7.40 GMAC``, ``6.28 ms``, ``27.0 MB``), or exact
with ``exact``; the table fitted to the terminal's width (long text cells shortened with
``…``, then the rightmost columns left out, and a note says which)."""

from __future__ import annotations

import shutil
from typing import Any

from .numbers import cell

_SCALED_UNITS: dict[str, tuple[float, str]] = {
    "s": (1.0, "s"), "ms": (1e-3, "s"), "us": (1e-6, "s"), "ns": (1e-9, "s"),
    "bytes": (1.0, "B"), "B": (1.0, "B"), "kB": (1e3, "B"), "MB": (1e6, "B"), "GB": (1e9, "B"),
    "B/s": (1.0, "B/s"), "GB/s": (1e9, "B/s"), "FLOP/s": (1.0, "FLOP/s"), "GFLOP/s": (1e9, "FLOP/s"),
    "TFLOP/s": (1e12, "FLOP/s"), "1/s": (1.0, "/s"),
}
"""Units whose values are SI-scaled: the factor to the base unit and the base unit's symbol."""

_COUNT_HEADERS = {"params": "", "MACs": "MAC", "FLOP": "FLOP", "ops": "op", "activations": ""}
"""Unitless count columns, by header: the symbol shown after the SI prefix."""

_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
             (1e-9, "n"), (1e-12, "p"))

MIN_TEXT_WIDTH = 20
"""A text cell is never shortened below this many characters."""

DROP_FIRST = ("fused into", "source", "lowering", "algorithm", "intensity", "output shape", "FLOP", "compute",
              "memory", "of peak", "expected", "unit", "bound")
"""Columns (by the start of their header) left out first when a table is too wide; then the
rightmost ones. The first two columns are always kept."""


def si_value(value: float, unit: str) -> str:
    """``7.40 GMAC``, ``6.28 ms``, ``27.0 MB``: three significant digits and an SI prefix."""
    if value == 0:
        return f"0 {unit}".rstrip()
    mag = abs(value)
    for factor, prefix in _PREFIXES:
        if mag >= factor * 0.9995:
            break
    scaled = value / factor
    digits = 2 if abs(scaled) < 10 else 1 if abs(scaled) < 100 else 0
    return f"{scaled:.{digits}f} {prefix}{unit}".rstrip()


def text_cell(value: Any, header: str, unit: str, exact: bool) -> str:
    """One cell: SI-scaled with its unit where the column has a known unit (or is a count),
    else as in Markdown; small integers and every value with ``exact`` as in Markdown."""
    if exact or isinstance(value, bool) or not isinstance(value, (int, float)):
        return cell(value)
    base = unit.split(",")[0].strip()
    if base in _SCALED_UNITS:
        factor, symbol = _SCALED_UNITS[base]
        return si_value(value * factor, symbol)
    if header in _COUNT_HEADERS or base in ("bytes",):
        if isinstance(value, int) and abs(value) < 10_000:
            return cell(value)
        return si_value(float(value), _COUNT_HEADERS.get(header, ""))
    return cell(value)


def to_text(table: Any, width: int | None = None, exact: bool = False) -> str:
    """The table aligned in columns (numbers right, text left) within ``width`` characters."""
    width = shutil.get_terminal_size().columns if width is None else width
    headers = list(table.columns)
    units = table.units
    cells = [_row_cells(row, headers, units, exact) for row in table.rows]
    numeric = [all(isinstance(r[i], (int, float)) or r[i] in (None, "") for r in table.rows) and bool(table.rows)
               for i in range(len(headers))]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    _shorten(widths, numeric, width)
    shown = list(range(len(headers)))
    order = [i for p in DROP_FIRST for i in shown if i >= 2 and headers[i].startswith(p)]
    order += [i for i in reversed(shown) if i >= 2 and i not in order]
    while order and _total(widths, shown) > width:
        shown.remove(order.pop(0))
    left_out = [headers[i] for i in range(len(headers)) if i not in shown]

    def line(values: list[str]) -> str:
        parts = []
        for i in shown:
            text = _fit(values[i], widths[i])
            parts.append(text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [table.title, "", line(headers), "  ".join("-" * widths[i] for i in shown)]
    body = len(cells) - table.total_rows
    for n, r in enumerate(cells):
        if n == body and table.total_rows:
            out.append("  ".join("-" * widths[i] for i in shown))
        out.append(line(r))
    notes = list(table.notes)
    if left_out:
        notes.append(f"columns left out to fit {width} characters: {', '.join(left_out)} "
                     "(a wider terminal, or --format md/csv/json, shows them)")
    if notes:
        out.append("")
        out += [f"- {n}" for n in notes]
    return "\n".join(out)


def _row_cells(row: Any, headers: list[str], units: list[str], exact: bool) -> list[str]:
    """A row's cells; in a quantity/value/unit table the value is scaled by the row's own unit
    (the unit cell's first word) or, for a count, by its quantity's name."""
    if "value" in headers and "unit" in headers and headers[0] == "quantity":
        v, u = headers.index("value"), headers.index("unit")
        unit_word = str(row[u]).split(" ")[0] if row[u] else ""
        name = str(row[0])
        out = [text_cell(x, h, un, exact) for x, h, un in zip(row, headers, units)]
        if unit_word in _SCALED_UNITS:
            out[v] = text_cell(row[v], "value", unit_word, exact)
        elif name in _COUNT_HEADERS:
            out[v] = text_cell(row[v], name, "", exact)
        return out
    return [text_cell(x, h, un, exact) for x, h, un in zip(row, headers, units)]


def _total(widths: list[int], shown: list[int]) -> int:
    return sum(widths[i] for i in shown) + 2 * (len(shown) - 1)


def _shorten(widths: list[int], numeric: list[bool], width: int) -> None:
    """Narrow the widest text columns, one character at a time, until the table fits or none is
    wider than :data:`MIN_TEXT_WIDTH`."""
    everything = list(range(len(widths)))
    while _total(widths, everything) > width:
        text_cols = [i for i in everything if not numeric[i] and widths[i] > MIN_TEXT_WIDTH]
        if not text_cols:
            return
        widest = max(text_cols, key=lambda i: widths[i])
        widths[widest] -= 1


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


__all__ = ["DROP_FIRST", "MIN_TEXT_WIDTH", "si_value", "text_cell", "to_text"]
