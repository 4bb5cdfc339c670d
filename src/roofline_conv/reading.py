"""Reading a TOML or JSON file without surprises, shared by every file the package reads (device
files, layer and network files, the packaged data files).

- Size: at most :data:`MAX_FILE_BYTES` (16 MiB) are read; a longer file, a directory or anything
  that is not a regular file (``/dev/zero``, a pipe) is refused before it is parsed.
- Text: UTF-8 (a leading byte-order mark is allowed); a binary file is refused, naming the file
  and the offset of the first bad byte.
- Nesting: at most :data:`MAX_DEPTH` levels of arrays and tables, checked on the text before the
  parser sees it (the parsers recurse), and again on the parsed data (dotted keys nest too).
- Values: every number finite (TOML allows ``inf`` and ``nan``; no figure is infinite), no date
  or time (no field holds one), keys are strings.

Every problem raises the error the caller's ``error(file, field, rule)`` makes (its room's
``ValueError``), e.g. ``net.toml: nested more than 64 levels deep (line 3)``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import stat
from collections.abc import Callable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from ._compat import tomllib

MAX_FILE_BYTES = 16 * 2**20
"""The largest file (in bytes) the package reads: 16 MiB, far above any real device, layer or
network file."""
MAX_DEPTH = 64
"""The deepest nesting of arrays and tables a file may hold."""
MAX_PROBLEMS = 50
"""The most problems one error lists (a file of a million bad values gets a readable error)."""

ErrorFactory = Callable[[str, str, str], Exception]
"""``error(file, field, rule)``: the room's error for a problem at ``field`` ("" for the file)."""

# Tokens that matter for nesting; strings and comments are matched whole so that their brackets
# are skipped.
_TOML_TOKENS = re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"{0,2}"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"'
                          r"|'[^'\n]*'|#[^\n]*|[\[\]{}]")
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def read_text(path: Any, error: ErrorFactory, source: str | None = None) -> str:
    """The text of the file ``path`` (a path, or an ``importlib.resources`` traversable),
    refused when it is not a regular file, is over :data:`MAX_FILE_BYTES` or is not UTF-8.
    Errors name the file ``source`` (default: ``str(path)``)."""
    source = str(path) if source is None else source
    if isinstance(path, (str, PathLike)):
        raw = _read_path(Path(path), source, error)
    elif hasattr(path, "open") and hasattr(path, "is_file"):  # a packaged resource
        if not path.is_file():
            raise error(source, "", "is not a file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    else:
        raise error(source, "", f"a file path must be a string or a path (got {type(path).__name__} {source})")
    if len(raw) > MAX_FILE_BYTES:
        raise error(source, "", _too_big())
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(source, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                                "is it a binary file?") from None


def _too_big() -> str:
    mib = f" ({MAX_FILE_BYTES // 2**20} MiB)" if MAX_FILE_BYTES % 2**20 == 0 else ""
    return f"is larger than {MAX_FILE_BYTES:,} bytes{mib}, the most a file may hold"


def _read_path(path: Path, source: str, error: ErrorFactory) -> bytes:
    problem = None
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            problem = "is a directory, not a file"
        elif not stat.S_ISREG(info.st_mode):
            problem = "is not a regular file (a device, pipe or socket cannot be read as a file)"
        elif info.st_size > MAX_FILE_BYTES:
            problem = _too_big()
        else:
            with path.open("rb") as handle:
                if stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return handle.read(MAX_FILE_BYTES + 1)
                problem = "is not a regular file"  # replaced since the stat
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    except ValueError as exc:  # e.g. a path holding a NUL character
        problem = f"is not a valid path ({exc})"
    raise error(source, "", problem)


def check_depth(text: str, source: str, error: ErrorFactory, json_text: bool = False) -> None:
    """Refuse ``text`` (TOML, or JSON when ``json_text``) when its arrays and tables nest deeper
    than :data:`MAX_DEPTH` (strings and comments are skipped)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in (_JSON_TOKENS if json_text else _TOML_TOKENS).finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise error(source, "", f"nested more than {MAX_DEPTH} levels deep (line {line})")
        elif token in ("]", "}"):
            depth = max(0, depth - 1)


def parse(text: str, source: str, error: ErrorFactory, json_text: bool = False) -> Any:
    """``text`` parsed as TOML (or JSON), after :func:`check_depth`; an empty text or a syntax
    error is refused, naming the file (and the line)."""
    if not text.strip():
        raise error(source, "", f"is empty (no {'JSON' if json_text else 'TOML'} in it)")
    check_depth(text, source, error, json_text)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys) if json_text else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise error(source, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(source, "", f"TOML syntax error: {exc}") from None
    except _DuplicateKey as exc:
        raise error(source, "", f"invalid JSON: the key {exc.args[0]!r} appears twice in one object") from None
    except ValueError as exc:  # an integer literal past Python's int/str digit limit (4,300 digits)
        raise error(source, "", f"holds a number too long to read ({str(exc).split(':')[0]})") from None
    except RecursionError:  # pragma: no cover - check_depth stops such text first
        raise error(source, "", f"nested more than {MAX_DEPTH} levels deep") from None


class _DuplicateKey(Exception):
    """A JSON object names one key twice (TOML refuses that itself; JSON would keep the last)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def read(path: Any, error: ErrorFactory) -> Any:
    """The data in the file ``path``: JSON for a ``.json`` name, TOML otherwise (both checked
    as :func:`read_text` and :func:`parse` say)."""
    text = read_text(path, error)
    return parse(text, str(path), error, json_text=str(path).lower().endswith(".json"))


def plain(data: Any, prefix: str = "") -> tuple[Any, list[tuple[str, str]]]:
    """``data`` as plain JSON-like values (dicts with string keys, lists, str, int, float, bool,
    None) and the ``(field path, rule)`` problems found on the way: nesting deeper than
    :data:`MAX_DEPTH`, a non-finite number, a date, a key that is not a string or any other
    value a file cannot hold. Numpy scalars become Python ones and tuples lists; a pydantic model
    its fields."""
    problems: list[tuple[str, str]] = []
    return _plain(data, prefix, 0, problems), problems


def _report(problems: list[tuple[str, str]], problem: tuple[str, str]) -> None:
    if len(problems) < MAX_PROBLEMS:
        problems.append(problem)
    elif len(problems) == MAX_PROBLEMS:
        problems.append(("", "... (more problems not listed)"))


def kind_of(value: Any) -> str:
    """What a parsed file value is, in a file's words: "a bool", "a string", "a table", ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a bool"
    names = {int: "an integer", float: "a float", str: "a string", dict: "a table", list: "an array"}
    name = type(value).__name__
    return names.get(type(value), f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _plain(value: Any, path: str, depth: int, problems: list[tuple[str, str]]) -> Any:
    if isinstance(value, (Mapping, list, tuple)) and depth >= MAX_DEPTH:
        shown = path if len(path) <= 80 else f"{path[:40]} ... {path[-30:]}"
        _report(problems, (shown, f"nested more than {MAX_DEPTH} levels deep"))
        return None
    if hasattr(value, "model_dump") and hasattr(type(value), "model_fields"):  # a pydantic model
        value = value.model_dump()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                _report(problems, (path, f"key {key!r} must be a string, not {kind_of(key)}"))
                continue
            key = str.__str__(key)
            out[key] = _plain(item, _join(path, key), depth + 1, problems)
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{path}[{i}]", depth + 1, problems) for i, item in enumerate(value)]
    if value is None or isinstance(value, bool):
        return value
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, numbers.Integral):
        value = int(value)
        if value.bit_length() > 1023:
            digits = int(value.bit_length() * math.log10(2)) + 1
            _report(problems, (path, f"an integer of about {digits} digits is too large for any field"))
        return value
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            _report(problems, (path, f"must be a finite number (got {number!r})"))
        return number
    what = "a date or time" if type(value).__name__ in ("date", "datetime", "time") else kind_of(value)
    _report(problems, (path, f"{what} cannot stand here; write a number, a string, true/false, an array or a table"))
    return None


__all__ = ["MAX_FILE_BYTES", "MAX_DEPTH", "MAX_PROBLEMS", "ErrorFactory", "read_text", "check_depth", "parse", "read", "plain", "kind_of"]
