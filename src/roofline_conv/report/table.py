"""Tables as text: Markdown (default), CSV or JSON. Every column header carries its unit; cells
are formatted here (thousands separators, significant digits, shapes as ``32x112x112``)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Sequence

from ..validation import choice, sequence, shown
from .numbers import cell

FORMATS = ("md", "csv", "json")


@dataclass
class Table:
    """A titled table: ``columns`` (headers with units), ``rows`` (values), ``notes`` (conventions)."""

    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]
    notes: list[str] = field(default_factory=list)

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
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([[_plain(v) for v in row] for row in self.rows])
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "notes": list(self.notes),
            "rows": [dict(zip(self.columns, (_plain(v) for v in row))) for row in self.rows],
        }

    def render(self, fmt: str = "md") -> str:
        """The table in ``fmt``: 'md', 'csv' or 'json'."""
        if fmt == "md":
            return self.to_markdown()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2)
        raise ValueError(f"fmt={fmt!r} is not a known format; use one of {', '.join(FORMATS)}")

    def __str__(self) -> str:
        return self.to_markdown()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def render_tables(tables: Sequence[Table], fmt: str = "md") -> str:
    """Several tables in one document (JSON: a list)."""
    tables = [tables] if isinstance(tables, Table) else sequence(tables, "tables")
    for i, t in enumerate(tables):
        if not isinstance(t, Table):
            raise ValueError(f"tables[{i}]={shown(t)} must be a Table")
    choice(fmt, "fmt", FORMATS)
    if fmt == "json":
        return json.dumps([t.to_dict() for t in tables], indent=2)
    sep = "\n" if fmt == "csv" else "\n\n"
    return sep.join((f"# {t.title}\n" + t.to_csv()) if fmt == "csv" else t.render(fmt) for t in tables)


def shape_str(shape: Sequence[Any]) -> str:
    """(32, 112, 112) -> '32x112x112'; (1000,) -> '1000'."""
    return "x".join(str(d) for d in shape)


def _plain(value: Any) -> Any:
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


__all__ = ["FORMATS", "Table", "render_tables", "shape_str"]
