"""Device files: read ``[[device]]`` tables from TOML, and write them back (a tiny writer, no
dependency). A file holds one family; every entry is validated and every problem is reported
with the file, the field path (``device[i].…``) and the rule broken.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

from .._compat import tomllib

from .errors import DeviceFileError
from .model import Device, _hint

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def loads(text: str, source: str = "<string>") -> list[Device]:
    """Every device in the TOML ``text``; ``source`` names it in errors and in ``source_file``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DeviceFileError(source, [("", f"TOML syntax error: {exc}")]) from None
    problems: list[tuple[str, str]] = []
    for key in data:
        if key != "device":
            problems.append((key, "unknown top-level key; a device file holds only [[device]] tables" + _hint(key, ["device"])))
    entries = data.get("device")
    if entries is None:
        problems.append(("device", "no [[device]] table found; a device file holds one or more [[device]] tables"))
        entries = []
    elif not isinstance(entries, list):
        problems.append(("device", "write [[device]] (an array of tables), not [device]"))
        entries = []
    devices: list[Device] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        prefix = f"device[{i}]"
        fields = {**entry, "source_file": source} if isinstance(entry, dict) else entry
        try:
            device = Device.from_dict(fields, source, prefix=prefix)
        except DeviceFileError as exc:
            problems.extend(exc.problems)
            continue
        if device.id in seen:
            problems.append((f"{prefix}.id", f"duplicate id {device.id!r} (also device[{seen[device.id]}])"))
            continue
        seen[device.id] = i
        devices.append(device)
    if problems:
        raise DeviceFileError(source, problems)
    return devices


def load_file(path: str | PathLike[str] | Any) -> list[Device]:
    """Every device in the TOML file ``path`` (a path or an ``importlib.resources`` traversable)."""
    source = str(path)
    try:
        raw = (path if hasattr(path, "read_bytes") else Path(path)).read_bytes()
    except OSError as exc:
        raise DeviceFileError(source, [("", f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeviceFileError(source, [("", f"not UTF-8 text: {exc}")]) from None
    return loads(text, source)


# ---- writer ---------------------------------------------------------------------------------


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
    scalars = [(k, v) for k, v in mapping.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in mapping.items() if isinstance(v, dict)]
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
    return lines


def dumps(devices: Device | Iterable[Device]) -> str:
    """``devices`` as ``[[device]]`` TOML tables (``source_file`` left out: the file is the source)."""
    if isinstance(devices, Device):
        devices = [devices]
    blocks = []
    for device in devices:
        data = device.model_dump(mode="python", exclude_none=True, exclude={"source_file"})
        data = {k: v for k, v in data.items() if v != {}}  # e.g. no fitted efficiencies
        blocks.append("\n".join(_table(["device"], data, array=True)))
    return "\n\n".join(blocks) + "\n"
