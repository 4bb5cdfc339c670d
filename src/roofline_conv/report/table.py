"""Tables as text: Markdown (default), CSV, JSON or an aligned plain table for terminals. Every
column header carries its unit; cells are formatted here (thousands separators, significant
digits, shapes as ``32x112x112``).

For scripts (docs/cli.md, "Output a script can read"): each column has a stable snake_case
``key`` and a ``unit`` read from its header (``"traffic (bytes, bf16)"`` is key ``traffic``,
unit ``bytes, bf16``), so JSON keys do not change with flags; a table's trailing ``total_rows``
(a network's total row) are kept apart from its rows in JSON and left out of CSV; CSV holds one
table, with no title line inside the data."""

from __future__ import annotations

import csv
import io
import json
import numbers
import re
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Sequence

from ..validation import choice, sequence, shown
from .numbers import cell

FORMATS = ("md", "csv", "json", "text")
JSON_SCHEMA_VERSION = 1
"""The version of the JSON document's structure (docs/schemas/); bumped when it changes."""


@dataclass
class Table:
    """A titled table: ``columns`` (headers with units), ``rows`` (values), ``notes`` (conventions);
    ``name`` (a short stable name, e.g. ``layers``, that ``--table`` selects), ``total_rows`` (how
    many trailing rows are totals, kept apart in JSON and CSV)."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    notes: list[str] = field(default_factory=list)
    name: str = "table"
    total_rows: int = 0

    def __post_init__(self) -> None:
        """Refuse a table whose parts do not fit: a non-string title, columns that are not
        strings, a row whose length differs from the columns', notes that are not strings."""
        if not isinstance(self.title, str):
            raise ValueError(f"title={shown(self.title)} must be a string")
        columns = sequence(self.columns, "columns")
        for i, c in enumerate(columns):
            if not isinstance(c, str):
                raise ValueError(f"columns[{i}]={shown(c)} must be a string (a header, with its unit)")
        if isinstance(self.rows, (str, bytes)) or not isinstance(self.rows, Iterable):
            raise ValueError(f"rows={shown(self.rows)} must be a list of rows")
        for i, row in enumerate(self.rows):
            if len(sequence(row, f"rows[{i}]")) != len(columns):
                raise ValueError(f"rows[{i}] has {len(row)} cells but there are {len(columns)} columns")
        for i, note in enumerate(sequence(self.notes, "notes")):
            if not isinstance(note, str):
                raise ValueError(f"notes[{i}]={shown(note)} must be a string")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name={shown(self.name)} must be a non-empty string")
        if isinstance(self.total_rows, bool) or not isinstance(self.total_rows, int) or \
                not 0 <= self.total_rows <= len(self.rows):
            raise ValueError(f"total_rows={shown(self.total_rows)} must be an int in [0, {len(self.rows)}] (the rows)")

    @property
    def keys(self) -> list[str]:
        """Each column's stable snake_case key (its header without the unit), made unique."""
        out: list[str] = []
        for c in self.columns:
            key = column_key(c)
            base, n = key, 2
            while key in out:
                key, n = f"{base}_{n}", n + 1
            out.append(key)
        return out

    @property
    def units(self) -> list[str]:
        """Each column's unit: the parenthesised end of its header (``"time (us)"`` -> ``us``), or ''."""
        return [column_unit(c) for c in self.columns]

    @property
    def body(self) -> list[Sequence[Any]]:
        """The rows less the trailing total rows."""
        return list(self.rows[:len(self.rows) - self.total_rows])

    @property
    def totals(self) -> list[Sequence[Any]]:
        """The trailing total rows (a network's 'total'), empty for most tables."""
        return list(self.rows[len(self.rows) - self.total_rows:]) if self.total_rows else []

    def to_markdown(self) -> str:
        cells = [[cell(v) for v in row] for row in self.rows]
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "|".join("---" for _ in self.columns) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)

    def to_csv(self) -> str:
        """The header row (the columns as shown, with units) and the body rows: no title, no
        notes, no total rows, so that ``pandas.read_csv`` reads the frame as it is."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([[_plain(v) for v in row] for row in self.body])
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        """``name``, ``title``, ``columns`` (key, header, unit), ``rows`` and ``totals`` (dicts by
        key; exact integers stay integers), ``notes``: docs/schemas/table.json."""
        keys = self.keys
        return {
            "name": self.name,
            "title": self.title,
            "columns": [{"key": k, "header": c, "unit": u} for k, c, u in zip(keys, self.columns, self.units)],
            "rows": [dict(zip(keys, (_plain(v) for v in row))) for row in self.body],
            "totals": [dict(zip(keys, (_plain(v) for v in row))) for row in self.totals],
            "notes": list(self.notes),
        }

    def to_text(self, width: int | None = None, exact: bool = False) -> str:
        """An aligned plain table for a terminal: SI-scaled numbers with their units (``7.40
        GMAC``, ``6.28 ms``; exact integers with ``exact``), fitted to ``width`` columns
        (default: the terminal's)."""
        from .text import to_text

        return to_text(self, width, exact)

    def render(self, fmt: str = "md") -> str:
        """The table in ``fmt``: 'md', 'csv', 'json' or 'text'."""
        if fmt == "md":
            return self.to_markdown()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2)
        if fmt == "text":
            return self.to_text()
        raise ValueError(f"fmt={fmt!r} is not a known format; use one of {', '.join(FORMATS)}")

    def __str__(self) -> str:
        return self.to_markdown()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def render_tables(tables: Sequence[Table], fmt: str = "md", command: str = "", width: int | None = None,
                  exact: bool = False) -> str:
    """Several tables in one document. JSON: ``{"schema_version", "command", "tables": [...]}``
    (docs/schemas/); CSV: the first table only (one table per CSV; pick another by name before
    calling); Markdown and text: the tables one after another."""
    tables = [tables] if isinstance(tables, Table) else sequence(tables, "tables")
    for i, t in enumerate(tables):
        if not isinstance(t, Table):
            raise ValueError(f"tables[{i}]={shown(t)} must be a Table")
    choice(fmt, "fmt", FORMATS)
    if fmt == "json":
        return json.dumps({"schema_version": JSON_SCHEMA_VERSION, "command": command,
                           "tables": [t.to_dict() for t in tables]}, indent=2)
    if fmt == "csv":
        return tables[0].to_csv() if tables else ""
    if fmt == "text":
        return "\n\n".join(t.to_text(width, exact) for t in tables)
    return "\n\n".join(t.render(fmt) for t in tables)


def column_key(header: str) -> str:
    """A header's stable snake_case key: the unit in parentheses dropped, ``#`` -> ``index``,
    ``/`` -> ``per`` (``"traffic (bytes, bf16)"`` -> ``traffic``, ``"images/s"`` -> ``images_per_s``)."""
    text = re.sub(r"\s*\([^()]*\)\s*$", "", header).strip()
    if text == "#":
        return "index"
    text = text.replace("/", " per ").replace("%", " percent ").replace("#", " number ")
    key = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    return key or "column"


def column_unit(header: str) -> str:
    """A header's unit: the parenthesised text at its end, or ''."""
    m = re.search(r"\(([^()]*)\)\s*$", header)
    return m.group(1).strip() if m else ""


def shape_str(shape: Sequence[Any]) -> str:
    """(32, 112, 112) -> '32x112x112'; (1000,) -> '1000'."""
    return "x".join(str(d) for d in shape)


def _plain(value: Any) -> Any:
    """A cell for CSV and JSON: None, bools, exact integers as ints, other reals as floats
    (numpy and sympy numbers too), anything else as text."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if getattr(value, "is_Integer", False):
        return int(value)
    if getattr(value, "is_Number", False) and getattr(value, "is_real", False):
        return float(value)
    return str(value)


__all__ = ["FORMATS", "JSON_SCHEMA_VERSION", "Table", "column_key", "column_unit", "render_tables", "shape_str"]
