"""Data files shipped with the package (``roofline_conv/data/*.toml``), read and validated the
way the device catalog is: with a pydantic model, and one :class:`DataFileError` naming the file,
the field and the rule for every problem found (never a raw pydantic or TOML error).

Numbers are strict whatever the model says: a bool (``true``) or a string (``"900e9"``) is never
read as a number, an integer field refuses ``2.0``, and every number is finite; files are read
with the size and depth caps of :mod:`roofline_conv.reading`.

    >>> from pydantic import BaseModel
    >>> class Pair(BaseModel):
    ...     a: int
    >>> load_text("a = true", Pair, "demo.toml")
    Traceback (most recent call last):
    ...
    roofline_conv.datafiles.DataFileError: demo.toml: a: must be an integer, not a bool (got True)
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

from . import reading

if TYPE_CHECKING:  # pragma: no cover - pydantic is imported when a file is read, not at import
    from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound="BaseModel")


class DataFileError(ValueError):
    """Invalid data in a file. ``file`` names the file (or ``"<dict>"``); ``problems`` holds
    ``(field path, rule)`` pairs, one per problem found."""

    what = "data"

    def __init__(self, file: str, problems: Sequence[tuple[str, str]]):
        self.file = str(file)
        self.problems: list[tuple[str, str]] = list(problems)
        lines = [f"{self.file}: {path}: {rule}" if path else f"{self.file}: {rule}"
                 for path, rule in self.problems]
        if len(lines) > 1:
            lines.insert(0, f"{self.file}: {len(lines)} problems in {self.what}")
        super().__init__("\n".join(lines))

    @classmethod
    def one(cls, file: str, field: str, rule: str) -> "DataFileError":
        """The error for one problem (a :data:`roofline_conv.reading.ErrorFactory`)."""
        return cls(file, [(field, rule)])


def _path(loc: Sequence[Any], prefix: str, data: Any = None) -> tuple[str, bool]:
    """Dotted field path from a pydantic ``loc``; second item is True when the key itself is bad.
    With the validated ``data``, a loc item that names no key of it (a union member's tag, such
    as a discriminator value) is left out, unless it is the last (a missing field)."""
    parts: list[str] = [prefix] if prefix else []
    is_key = False
    node, walk = data, data is not None
    for at, item in enumerate(loc):
        if item == "[key]":
            is_key = True
            continue
        if walk:
            if isinstance(node, dict) and item in node:
                node = node[item]
            elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
                node = node[item]
            elif at < len(loc) - 1 or not isinstance(node, dict):
                continue  # a tag, not a field
        if isinstance(item, int):
            if parts:
                parts[-1] += f"[{item}]"
            else:
                parts.append(f"[{item}]")
        else:
            text = str(item)
            # pydantic names internal validator steps and the members of a union in the loc;
            # they are not fields
            if text.startswith(("function-", "json-or-python[", "lax-or-strict[")) or (not walk and _MEMBER.fullmatch(text)):
                continue
            parts.append(text)
    return ".".join(parts), is_key


_MEMBER = re.compile(r"(int|float|str|bool|none|literal\[.*\]|list\[.*\]|tuple\[.*\]|dict\[.*\]|nullable\[.*\]"
                     r"|constrained-.*)")
"""A union member's name in a pydantic loc (``literal['same','valid']``, ``int``)."""


def _merged(errors: list[dict[str, Any]], prefix: str, data: Any) -> list[dict[str, Any]]:
    """The errors, where a value fit none of a union's members (one type error per member, at
    the same path) as one error listing every member: "must be 'same' or 'valid', or an integer"."""
    out: list[dict[str, Any]] = []
    for err in errors:
        last = out[-1] if out else None
        if (last is not None and _expected(err) and _expected(last) and _same(err.get("input"), last.get("input"))
                and _path(err["loc"], prefix, data) == _path(last["loc"], prefix, data) and err["loc"] != last["loc"]):
            last["expected_all"] = [*last.get("expected_all", [_expected(last)]), _expected(err)]
        else:
            out.append(dict(err))
    return out


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _expected(err: dict[str, Any]) -> str | None:
    if err["type"] in _TYPES:
        return _TYPES[err["type"]]
    if err["type"] == "literal_error":
        return str((err.get("ctx") or {}).get("expected", "")) or None
    return None


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}
_TYPES = {"int_type": "an integer", "float_type": "a number", "bool_type": "true or false",
          "string_type": "a string", "dict_type": "a table", "model_type": "a table",
          "model_attributes_type": "a table", "list_type": "an array", "tuple_type": "an array"}


def _rule(err: Any, ctx: dict[str, Any]) -> str | None:
    """The rule of a type, range, choice or length error in a file's words (None: keep
    pydantic's message)."""
    kind = err["type"]
    got = err.get("input")
    if "expected_all" in err:
        return f"must be {', or '.join(err['expected_all'])}, not {reading.kind_of(got)} (got {_short(got)})"
    if kind in _TYPES:
        return f"must be {_TYPES[kind]}, not {reading.kind_of(got)}" + ("" if isinstance(got, (dict, list)) else f" (got {_short(got)})")
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {next(iter(ctx.values()), '?')} (got {_short(got)})"
    if kind == "finite_number":
        return f"must be a finite number (got {_short(got)})"
    if kind == "literal_error" and "expected" in ctx:
        return f"must be {ctx['expected']} (got {_short(got)})"
    if kind in ("too_short", "too_long") and "actual_length" in ctx:
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        items = "item" if bound == 1 else "items"
        return f"must have {'at least' if kind == 'too_short' else 'at most'} {bound} {items} (got {ctx['actual_length']})"
    return None


def problems_of(
    exc: "ValidationError",
    prefix: str = "",
    field_names: Callable[[tuple[Any, ...]], Iterable[str]] | None = None,
    data: Any = None,
) -> list[tuple[str, str]]:
    """``(field path, rule)`` for each error in ``exc``, in words a file's author can act on.
    ``field_names(parent_loc)`` gives the fields allowed where a misspelled field sits; it feeds
    the "did you mean" hint. ``data``, the validated data, lets paths leave out union tags."""
    problems: list[tuple[str, str]] = []
    errors = _merged(exc.errors(include_url=False), prefix, data)
    for at, err in enumerate(errors):
        if len(problems) == reading.MAX_PROBLEMS:
            problems.append(("", f"... ({len(errors) - at} more problems not listed)"))
            break
        path, is_key = _path(err["loc"], prefix, data)
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
        elif is_key and _rule(err, ctx) is not None:
            msg = f"bad key: {_rule(err, ctx)}"
        elif is_key:
            key = err["loc"][-2] if len(err["loc"]) > 1 else "?"
            if repr(key) not in msg:
                msg = f"bad key {_short(key)}: {msg}"
        elif _rule(err, ctx) is not None:
            msg = str(_rule(err, ctx))
        elif kind not in ("value_error", "assertion_error", "device_rule") and "input" in err and not isinstance(
            err["input"], dict
        ):
            msg = f"{msg} (got {_short(err['input'])})"
        if (path, msg) not in problems:
            problems.append((path, msg))
    return problems


def _fields(model: "type[BaseModel]") -> Callable[[tuple[Any, ...]], Iterable[str]]:
    def names(loc: tuple[Any, ...]) -> Iterable[str]:
        return model.model_fields if not loc else ()
    return names


def load_text(text: str, model: type[M], source: str = "<string>") -> M:
    """``text`` (TOML) validated as ``model``; a :class:`DataFileError` naming ``source`` otherwise."""
    return validate(reading.parse(text, source, DataFileError.one), model, source)


def validate(
    data: Any,
    model: type[M],
    source: str = "<dict>",
    prefix: str = "",
    field_names: Callable[[tuple[Any, ...]], Iterable[str]] | None = None,
    error: type[DataFileError] = DataFileError,
) -> M:
    """``data`` (parsed) validated as ``model``, strictly: numbers are numbers (never a bool or a
    string, an integer never a float), finite, nested at most ``reading.MAX_DEPTH`` deep. Any
    problem raises ``error`` (a :class:`DataFileError`) naming ``source`` and each field path
    (under ``prefix``)."""
    from pydantic import ValidationError

    clean, problems = reading.plain(data, prefix)
    if problems:
        raise error(source, problems)
    try:
        # JSON mode: strict about numbers and bools, while arrays still fill tuples and table
        # keys still name numbers (a file has no tuples and only string keys)
        return model.model_validate_json(json.dumps(clean), strict=True)
    except ValidationError as exc:
        raise error(source, problems_of(exc, prefix, field_names or _fields(model), clean)) from None


def load_packaged(name: str, model: type[M]) -> M:
    """The packaged data file ``roofline_conv/data/<name>`` validated as ``model``."""
    path = resources.files("roofline_conv").joinpath("data", name)
    source = f"roofline_conv/data/{name}"
    return load_text(reading.read_text(path, DataFileError.one, source), model, source)

