"""Devices: the model (compute units, memory levels, provenance for every figure) and a catalog
of real devices stored as TOML data in ``roofline_conv/devices/catalog/`` (one file per family).

The catalog is read on first use, never at import::

    >>> from roofline_conv import devices
    >>> devices.get("v100-sxm2").peak("tensor", "fp16")      # FLOP/s
    125000000000000.0
    >>> from roofline_conv.devices import V100                # the same object, by its constant
    >>> round(V100.ridge_point("tensor", "fp16"), 1)         # FLOP/byte against HBM
    138.9

Peaks are FLOP/s (dense), bandwidths bytes/s, capacities bytes, clocks Hz.
"""

from __future__ import annotations

import builtins
import difflib
import functools
import re
from importlib import resources
from typing import Any

from .errors import DeviceFileError
from .figures import OP_KINDS, PROVENANCES, ComputeUnit, DepthwiseLowering, Efficiency, Figure, MemoryLevel
from .model import Device, dumps, load_file, loads

__all__ = [
    "Device", "ComputeUnit", "MemoryLevel", "Figure", "DepthwiseLowering", "Efficiency", "DeviceFileError",
    "OP_KINDS", "PROVENANCES",
    "get", "suggest", "resolve_device", "list", "all_devices", "constants", "catalog_files", "load_file", "loads", "dumps",
]


def catalog_files() -> builtins.list[Any]:
    """The packaged catalog files (``catalog/*.toml``), sorted by name."""
    folder = resources.files(__name__).joinpath("catalog")
    return sorted((p for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name)


@functools.lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, Device], dict[str, str]]:
    """(id -> device, constant -> id) for the whole catalog; read once, on first use."""
    by_id: dict[str, Device] = {}
    constants: dict[str, str] = {}
    for path in catalog_files():
        for device in load_file(path):
            if device.id in by_id:
                raise DeviceFileError(str(path), [("id", f"duplicate id {device.id!r}, also in {by_id[device.id].source_file}")])
            if device.constant is not None:
                if device.constant in constants:
                    other = by_id[constants[device.constant]].source_file
                    raise DeviceFileError(str(path), [("constant", f"duplicate constant {device.constant!r}, also in {other}")])
                constants[device.constant] = device.id
            by_id[device.id] = device
    from .expected import read

    terms, steps = read(by_id)
    for device_id in {*terms, *steps}:
        by_id[device_id] = by_id[device_id].model_copy(
            update={"expected": terms.get(device_id, {}), "step": steps.get(device_id, {})})
    return by_id, constants


def list() -> builtins.list[str]:  # noqa: A001 - the catalog's public name
    """Ids of every catalog device, in catalog order."""
    return builtins.list(_catalog()[0])


def all_devices() -> builtins.list[Device]:
    """Every catalog device."""
    return builtins.list(_catalog()[0].values())


def constants() -> dict[str, str]:
    """Exported constant name -> device id (``{"V100": "v100-sxm2", ...}``)."""
    return dict(_catalog()[1])


def get(id: str, argument: str = "id") -> Device:  # noqa: A002 - the natural name
    """The catalog device ``id`` (its constant name, e.g. ``"V100"``, works too); cached. An
    unknown id is a ValueError naming ``argument`` (the caller's name for it) with the nearest id."""
    by_id, consts = _catalog()
    if not isinstance(id, str):
        raise ValueError(f"{argument}={id!r} must be a catalog id (a string); known ids: {', '.join(by_id)}")
    if id in by_id:
        return by_id[id]
    if id in consts:
        return by_id[consts[id]]
    known = builtins.list(by_id)
    near = suggest(id)
    hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
    raise ValueError(f"{argument}={id!r} is not a known device id{hint}; known ids: {', '.join(known)}")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def suggest(name: str, limit: int = 6) -> builtins.list[str]:
    """Catalog ids a user may have meant by ``name``, best first: ids it begins (``"a100"`` ->
    both A100s), ids with a part it begins (``"orin"``), devices whose name or family holds it
    (``"ampere"``, ``"mi300"``), else the closest spellings. At most ``limit`` ids."""
    by_id = _catalog()[0]
    query, parts = _norm(str(name)), str(name).lower()
    if not query:
        return []
    ranked: builtins.list[str] = []
    tiers = (
        [i for i in by_id if _norm(i).startswith(query)],
        [i for i in by_id if any(p.startswith(parts) for p in i.split("-"))],
        [i for i, d in by_id.items() if len(query) >= 2 and (query in _norm(d.name) or query in _norm(d.family) or query in _norm(i))],
    )
    for tier in tiers:
        ranked.extend(i for i in tier if i not in ranked)
    if not ranked:
        ranked = difflib.get_close_matches(str(name).lower(), builtins.list(by_id), n=3, cutoff=0.4)
    return ranked[:limit]


def resolve_device(device: object, argument: str = "device") -> Device:
    """``device`` as a :class:`Device`: a Device is returned as it is, a string is looked up in the
    catalog (:func:`get`); anything else is a ValueError naming ``argument``. The one place a
    user's device argument is resolved."""
    if isinstance(device, Device):
        return device
    if isinstance(device, str):
        return get(device, argument)
    raise ValueError(f"{argument}={device!r} must be a Device or a catalog id (see roofline_conv.devices.list())")


def __getattr__(name: str) -> Device:
    """``from roofline_conv.devices import V100``: catalog constants, loaded lazily."""
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    by_id, consts = _catalog()
    if name in consts:
        return by_id[consts[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> builtins.list[str]:
    return sorted(set(globals()) | set(__all__))
