"""The device TOML writer (a tiny one, no dependency): plain ``[[device]]`` entries (dicts) to
TOML text that :func:`roofline_conv.devices.loads` reads back equal."""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON escapes are a subset of TOML's basic-string escapes; TOML also forbids raw DEL
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _float(x: float) -> str:
    if not math.isfinite(x):
        raise ValueError(f"TOML device files hold finite numbers only, got {x!r}")
    if x.is_integer() and 1e4 <= abs(x) < 1e16:
        # exact integer: engineering notation, e.g. 125e12, 1.53e9, 2.155e12
        digits = str(abs(int(x)))
        exp = (len(digits) - 1) // 3 * 3
        head, tail = digits[: len(digits) - exp], digits[len(digits) - exp :].rstrip("0")
        text = f"{head}.{tail}e{exp}" if tail else f"{head}e{exp}"
        return ("-" if x < 0 else "") + text
    text = repr(x)  # shortest repr that reads back to the same float
    return text if any(c in text for c in ".eE") else text + ".0"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} as a TOML value")


def _table(path: list[str], mapping: dict[str, Any], array: bool = False) -> list[str]:
    header = ".".join(_key(p) for p in path)
    def table_array(v: Any) -> bool:  # a list of tables: [[path.key]] entries
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    scalars = [(k, v) for k, v in mapping.items() if not isinstance(v, dict) and not table_array(v)]
    tables = [(k, v) for k, v in mapping.items() if isinstance(v, dict)]
    arrays = [(k, v) for k, v in mapping.items() if table_array(v)]
    lines: list[str] = []
    if array:
        lines.append(f"[[{header}]]")
    elif scalars or not tables:
        lines.append(f"[{header}]")
    lines.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars)
    for k, v in tables:
        sub = _table([*path, k], v)
        if lines and sub:
            lines.append("")
        lines.extend(sub)
    for k, entries in arrays:
        for entry in entries:
            lines.append("")
            lines.extend(_table([*path, k], entry, array=True))
    return lines




def device_tables(entries: list[dict[str, Any]]) -> str:
    """``entries`` (one dict of fields per device) as ``[[device]]`` TOML tables."""
    return array_tables("device", entries)


def array_tables(name: str, entries: list[dict[str, Any]]) -> str:
    """``entries`` (one dict of fields each) as ``[[name]]`` TOML tables."""
    return "\n\n".join("\n".join(_table([name], data, array=True)) for data in entries) + "\n"
