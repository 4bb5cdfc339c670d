"""What a command's tables become on stdout (docs/cli.md, "Output a script can read").

* ``--format`` not given: ``text`` (aligned, SI units, fitted to the terminal) when stdout is a
  terminal, ``md`` when it is a pipe or a file (so scripts that read today's output keep it);
* ``--table NAME``: that table only (any format); a name outside the command's tables is a bad
  flag (exit 2, with the nearest suggested);
* ``--format csv``: one table, the command's first (its main one) unless ``--table`` names
  another; its title, notes and the other tables' names go to stderr as ``#`` lines, so that
  stdout is the CSV alone (``pandas.read_csv`` reads it as it is);
* ``--format json``: one document, ``{"schema_version", "command", "tables": [...]}``, each
  table as docs/schemas/table.json describes, with the command's table names and column keys
  in docs/schemas/COMMAND.json.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

from ..report import Table, render_tables
from .common import invalid_choice
from .process import say


def output_format(requested: str | None) -> str:
    """The format: the one asked for, else text on a terminal and md otherwise."""
    if requested is not None:
        return requested
    try:
        return "text" if sys.stdout.isatty() else "md"
    except (AttributeError, ValueError):  # a closed or replaced stdout
        return "md"


def select(tables: Sequence[Table], name: str | None, parser: argparse.ArgumentParser) -> list[Table]:
    """The tables ``--table NAME`` keeps (all without it); an unknown name is a bad flag."""
    if name is None:
        return list(tables)
    chosen = [t for t in tables if t.name == name]
    if not chosen:
        parser.error(f"argument --table: {invalid_choice(name, [t.name for t in tables])}")
    return chosen


def render(tables: Sequence[Table], args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """The tables in the format the flags ask for (module docstring)."""
    fmt = output_format(getattr(args, "format", None))
    _unique_names(tables)
    chosen = select(tables, getattr(args, "table", None), parser)
    if fmt == "csv" and chosen:
        _csv_side_notes(chosen[0], [t for t in tables if t is not chosen[0]], args.command)
    text = render_tables(chosen, fmt, command=args.command, exact=getattr(args, "exact", False))
    return text.rstrip("\n") if fmt == "csv" else text  # the newline comes when it is printed


def _unique_names(tables: Sequence[Table]) -> None:
    """Number repeated table names (``table``, ``table_2``) so that each can be chosen."""
    seen: dict[str, int] = {}
    for t in tables:
        seen[t.name] = seen.get(t.name, 0) + 1
        if seen[t.name] > 1:
            t.name = f"{t.name}_{seen[t.name]}"


def _csv_side_notes(main: Table, others: list[Table], command: str) -> None:
    """The CSV table's title and notes, and the other tables' names, on stderr."""
    lines: list[Any] = [f"# {main.name}: {main.title}"] + [f"# {n}" for n in main.notes]
    if others:
        lines.append(f"# other tables (--table NAME): {', '.join(t.name for t in others)}")
    for line in lines:
        say(line)


__all__ = ["output_format", "render", "select"]
