"""One clear error for bad device data: which file, which field, which rule.

Pydantic's ``ValidationError`` is turned into a :class:`DeviceFileError` whose message has one
line per problem, ``<file>: <field path>: <rule>``, e.g.::

    my_gpu.toml: device[0].units.tensor.peaks.fp17: precision key='fp17' is not a known precision; ...
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import ValidationError


class DeviceFileError(ValueError):
    """Invalid device data. ``file`` names the file (or ``"<dict>"``); ``problems`` holds
    ``(field path, rule)`` pairs, one per problem found."""

    def __init__(self, file: str, problems: Sequence[tuple[str, str]]):
        self.file = str(file)
        self.problems: list[tuple[str, str]] = list(problems)
        lines = [f"{self.file}: {path}: {rule}" if path else f"{self.file}: {rule}"
                 for path, rule in self.problems]
        if len(lines) > 1:
            lines.insert(0, f"{self.file}: {len(lines)} problems in device data")
        super().__init__("\n".join(lines))


def _path(loc: Iterable[Any], prefix: str) -> tuple[str, bool]:
    """Dotted field path from a pydantic ``loc``; second item is True when the key itself is bad."""
    parts: list[str] = [prefix] if prefix else []
    is_key = False
    for item in loc:
        if item == "[key]":
            is_key = True
        elif isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            else:
                parts.append(f"[{item}]")
        else:
            text = str(item)
            # pydantic names internal validator steps in the loc; they are not fields
            if text.startswith(("function-", "json-or-python[", "lax-or-strict[")):
                continue
            parts.append(text)
    return ".".join(parts), is_key


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def from_validation_error(
    exc: ValidationError,
    file: str,
    prefix: str = "",
    field_names: Callable[[tuple[Any, ...]], Iterable[str]] | None = None,
) -> DeviceFileError:
    """Convert ``exc`` into a :class:`DeviceFileError` naming ``file`` and each field path.

    ``field_names(parent_loc)`` gives the fields allowed where a misspelled field sits; it feeds
    the "did you mean" hint.
    """
    problems: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        path, is_key = _path(err["loc"], prefix)
        ctx = err.get("ctx") or {}
        if ctx.get("subpath"):
            path = f"{path}.{ctx['subpath']}" if path else str(ctx["subpath"])
        kind = err["type"]
        msg = str(err["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if kind == "extra_forbidden":
            bad = str(err["loc"][-1]) if err["loc"] else "?"
            msg = f"unknown field {bad!r} (misspelled or not allowed here)"
            known = sorted(field_names(tuple(err["loc"][:-1]))) if field_names else []
            hint = difflib.get_close_matches(bad, known, n=1, cutoff=0.6)
            if hint:
                msg += f"; did you mean {hint[0]!r}?"
        elif kind == "missing":
            msg = f"required field {str(err['loc'][-1])!r} is missing" if err["loc"] else "required field is missing"
        elif is_key:
            key = err["loc"][-2] if len(err["loc"]) > 1 else "?"
            if repr(key) not in msg:
                msg = f"bad key {_short(key)}: {msg}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
            bound = next(iter(ctx.values()), "?")
            msg = f"must be {op} {bound} (got {_short(err.get('input'))})"
        elif kind not in ("value_error", "assertion_error", "device_rule") and "input" in err and not isinstance(
            err["input"], dict
        ):
            msg = f"{msg} (got {_short(err['input'])})"
        problems.append((path, msg))
    return DeviceFileError(file, problems)
