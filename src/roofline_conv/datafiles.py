"""Data files shipped with the package (``roofline_conv/data/*.toml``), read and validated the
way the device catalog is: with a pydantic model, and one :class:`DataFileError` naming the file,
the field and the rule for every problem found (never a raw pydantic or TOML error).

    >>> from pydantic import BaseModel
    >>> class Pair(BaseModel):
    ...     a: int
    >>> load_text("a = 'x'", Pair, "demo.toml")
    Traceback (most recent call last):
    ...
    roofline_conv.datafiles.DataFileError: demo.toml: a: Input should be a valid integer, unable to parse string as an integer (got 'x')
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

from ._compat import tomllib

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


_BOUNDS = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}


def problems_of(
    exc: "ValidationError",
    prefix: str = "",
    field_names: Callable[[tuple[Any, ...]], Iterable[str]] | None = None,
) -> list[tuple[str, str]]:
    """``(field path, rule)`` for each error in ``exc``, in words a file's author can act on.
    ``field_names(parent_loc)`` gives the fields allowed where a misspelled field sits; it feeds
    the "did you mean" hint."""
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
        elif kind in _BOUNDS:
            bound = next(iter(ctx.values()), "?")
            msg = f"must be {_BOUNDS[kind]} {bound} (got {_short(err.get('input'))})"
        elif kind not in ("value_error", "assertion_error", "device_rule") and "input" in err and not isinstance(
            err["input"], dict
        ):
            msg = f"{msg} (got {_short(err['input'])})"
        problems.append((path, msg))
    return problems


def _fields(model: "type[BaseModel]") -> Callable[[tuple[Any, ...]], Iterable[str]]:
    def names(loc: tuple[Any, ...]) -> Iterable[str]:
        return model.model_fields if not loc else ()
    return names


def load_text(text: str, model: type[M], source: str = "<string>") -> M:
    """``text`` (TOML) validated as ``model``; a :class:`DataFileError` naming ``source`` otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(source, [("", f"TOML syntax error: {exc}")]) from None
    return validate(data, model, source)


def validate(data: Any, model: type[M], source: str = "<dict>") -> M:
    """``data`` (parsed) validated as ``model``; a :class:`DataFileError` naming ``source`` otherwise."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(source, problems_of(exc, field_names=_fields(model))) from None


def load_packaged(name: str, model: type[M]) -> M:
    """The packaged data file ``roofline_conv/data/<name>`` validated as ``model``."""
    text = resources.files("roofline_conv").joinpath("data", name).read_text(encoding="utf-8")
    return load_text(text, model, f"roofline_conv/data/{name}")

