"""The device model: a :class:`Device` (compute units, memory levels, clock, depthwise lowering,
fitted ceilings, every figure with its provenance), and reading and writing device TOML files:
a file holds one family as ``[[device]]`` tables; every entry is validated and every problem is
reported with the file, the field path (``device[i].…``) and the rule broken. Files are read with
the caps of :mod:`roofline_conv.reading` (16 MiB, 64 levels of nesting, UTF-8 text) and their
numbers strictly (a bool or a string is never a number).
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping
from os import PathLike
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from .. import reading, validation
from ..conventions import check_precision
from ..datafiles import validate
from ..validation import shown
from ..projection.engine import project_on
from ..projection.result import Projection
from .errors import DeviceFileError
from .figures import (
    KEBAB, OP_KINDS, PROVENANCES, PrecisionKey, Provenance, OpClass, OpKind, PositiveFigure, AlgorithmRule,
    ComputeUnit, DepthwiseLowering, Efficiency, StepMode, StepOverhead, Figure, MemoryLevel, FrozenModel,
    Integer, clock_hz, expand_bare_figures, rule, did_you_mean,
)
from .toml_io import device_tables

class Device(FrozenModel):
    """A device: compute units, memory levels (outermost first; the first is main memory), and
    which units run which op kind.

    Load one with :meth:`from_toml` / :meth:`from_dict`, or from the catalog via
    ``roofline_conv.devices.get(id)``.
    """

    id: str
    """Kebab-case identifier, e.g. ``"v100-sxm2"``."""
    name: str
    kind: Literal["gpu", "tpu", "cpu"]
    family: str
    constant: str | None = None
    """Python name exported by ``roofline_conv.devices`` (e.g. ``"V100"``)."""
    units: dict[str, ComputeUnit] = Field(min_length=1)
    memory: dict[str, MemoryLevel] = Field(min_length=1)
    """Ordered outermost first; the first level is main memory."""
    unit_for: dict[OpKind, list[str]]
    """Preference order of unit names for each op kind (conv, pointwise, depthwise)."""
    depthwise_lowering: DepthwiseLowering
    algorithms: list[AlgorithmRule] = Field(default_factory=list)
    """The convolution algorithms its libraries are known to choose (first match wins); a
    conv no rule covers is projected as 'direct'."""
    sockets: Integer | None = Field(default=None, ge=1)
    cores: Integer | None = Field(default=None, ge=1)
    clock: PositiveFigure | None = None
    """Hz; the clock the peaks assume (what :meth:`with_clock` scales from)."""
    notes: str | None = None
    environment: dict[str, str] | None = None
    """Where a measured device was measured (CPU, library versions, threads, ...)."""
    efficiency: dict[OpKind, Efficiency] = Field(default_factory=dict)
    """Per op kind expected-time terms fitted by calibration on this machine (any precision)."""
    expected: dict[OpClass, dict[PrecisionKey, Efficiency]] = Field(default_factory=dict)
    """Per op class and precision expected-time terms fitted on published measurements (the
    catalog's come from ``data/expected_*.toml``); ``efficiency`` wins where both have a class."""
    step: dict[StepMode, dict[PrecisionKey, StepOverhead]] = Field(default_factory=dict)
    """Per mode and precision, a network's fixed cost per step (``data/expected_*.toml``)."""
    source_file: str | None = None
    """The file this device was loaded from (set by the loader)."""

    # ---- validation -------------------------------------------------------------------------

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not KEBAB.fullmatch(v):
            raise rule(f"id {v!r} must be kebab-case: lowercase letters, digits and '-', e.g. 'v100-sxm2'")
        return v

    @field_validator("name", "family")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise rule("must not be empty")
        return v

    @field_validator("constant")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and (not v.isidentifier() or keyword.iskeyword(v)):
            raise rule(f"constant {v!r} must be a valid Python name, e.g. 'V100'")
        return v

    @field_validator("unit_for")
    @classmethod
    def _known_units(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        missing = [k for k in OP_KINDS if k not in v]
        if missing:
            raise rule(
                f"every op kind needs a unit list ({', '.join(OP_KINDS)}); missing: {', '.join(missing)}",
                missing[0],
            )
        units = info.data.get("units")  # absent when the units themselves failed validation
        for op, names in v.items():
            if not names:
                raise rule("name at least one unit", op)
            for i, name in enumerate(names):
                if units is not None and name not in units:
                    known = list(units)
                    raise rule(
                        f"unknown unit {name!r}; this device's units are: {', '.join(known)}"
                        + did_you_mean(name, known),
                        f"{op}[{i}]",
                    )
        return {k: v[k] for k in OP_KINDS}

    # ---- loading and saving -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>", *, prefix: str = "") -> Device:
        """Validate one device's fields (strictly: a bool or a string is never a number); any
        problem raises :class:`DeviceFileError` naming ``source``, the field path (under
        ``prefix``) and the rule broken."""
        source = str(source)
        if not isinstance(data, Mapping):
            raise DeviceFileError(source, [(prefix, f"expected a table of device fields, got {type(data).__name__}")])
        return validate(expand_bare_figures(data, source), cls, source, prefix, _field_names, DeviceFileError)

    @classmethod
    def from_toml(cls, path: str | PathLike[str], id: str | None = None) -> Device:
        """The device in the TOML file ``path`` (one family per file, as ``[[device]]`` tables).

        A file holding several devices needs ``id=`` to say which one.
        """
        if id is not None:
            validation.name(id, "id")
        devices = load_file(path)
        ids = [d.id for d in devices]
        if id is None:
            if len(devices) == 1:
                return devices[0]
            raise DeviceFileError(str(path), [("", f"holds {len(devices)} devices ({', '.join(ids)}); pass id= to pick one")])
        for d in devices:
            if d.id == id:
                return d
        raise DeviceFileError(str(path), [("", f"has no device with id {id!r}; it holds: {', '.join(ids)}" + did_you_mean(id, ids))])

    def to_toml(self) -> str:
        """This device as a ``[[device]]`` TOML table that :meth:`from_toml` reads back equal
        (``source_file`` excepted)."""
        return dumps([self])

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON schema of a device entry (from pydantic)."""
        return cls.model_json_schema()

    # ---- queries ----------------------------------------------------------------------------

    def _unit(self, unit: str) -> ComputeUnit:
        validation.name(unit, "unit")
        try:
            return self.units[unit]
        except KeyError:
            known = list(self.units)
            raise ValueError(
                f"device {self.id!r} has no unit {unit!r}; its units are: {', '.join(known)}" + did_you_mean(unit, known)
            ) from None

    def _level(self, level: str) -> MemoryLevel:
        validation.name(level, "level")
        try:
            return self.memory[level]
        except KeyError:
            known = list(self.memory)
            raise ValueError(
                f"device {self.id!r} has no memory level {level!r}; its levels are: {', '.join(known)}"
                + did_you_mean(level, known)
            ) from None

    def supports(self, unit: str, precision: str) -> bool:
        """Whether ``unit`` has a peak at ``precision`` (False for unknown units)."""
        u = self.units.get(validation.name(unit, "unit"))
        return u is not None and check_precision(precision) in u.peaks

    def peak(self, unit: str, precision: str) -> float:
        """Peak of ``unit`` at ``precision`` in FLOP/s (dense)."""
        u = self._unit(unit)
        precision = check_precision(precision)
        if precision not in u.peaks:
            raise ValueError(
                f"device {self.id!r} unit {unit!r} has no peak at precision {precision!r}; "
                f"it supports: {', '.join(u.peaks)}"
            )
        return u.peaks[precision].value

    @property
    def main_memory(self) -> str:
        """Name of the main memory level (the first, outermost one)."""
        return next(iter(self.memory))

    def bandwidth(self, level: str | None = None) -> float:
        """Bandwidth of memory ``level`` in bytes/s (default: main memory)."""
        return self._level(self.main_memory if level is None else level).bandwidth.value

    def capacity(self, level: str | None = None) -> float | None:
        """Capacity of memory ``level`` in bytes, or None where unknown (default: main memory)."""
        cap = self._level(self.main_memory if level is None else level).capacity
        return None if cap is None else cap.value

    def ridge_point(self, unit: str, precision: str, level: str | None = None) -> float:
        """Arithmetic intensity (FLOP/byte) where ``unit``'s peak meets ``level``'s bandwidth."""
        return self.peak(unit, precision) / self.bandwidth(level)

    def unit_order(self, op_kind: str) -> list[str]:
        """Unit names to try for ``op_kind`` ("conv", "pointwise", "depthwise"), preferred first."""
        op_kind = validation.choice(op_kind, "op_kind", OP_KINDS)
        return list(self.unit_for[op_kind])  # type: ignore[index]

    def choose_unit(self, op_kind: str, precision: str) -> str:
        """First unit in ``unit_order(op_kind)`` with a peak at ``precision``."""
        precision = check_precision(precision)
        order = self.unit_order(op_kind)
        for name in order:
            if precision in self.units[name].peaks:
                return name
        offered = {n: ", ".join(self.units[n].peaks) for n in order}
        raise ValueError(
            f"device {self.id!r} has no unit for {op_kind!r} at precision {precision!r}; "
            + "; ".join(f"{n} supports {p}" for n, p in offered.items())
        )

    def with_clock(self, hz: float, unit: str | None = None) -> Device:
        """A copy whose peaks are scaled by ``hz / clock`` (all units, or only ``unit``).

        Scaled peaks become "derived" with the scaling shown. This is how a lower sustained clock
        (e.g. a CPU's AVX frequency) is modelled. Bandwidths are unchanged. ``hz`` is a number
        of Hz from ``figures.MIN_CLOCK`` (1 kHz) to ``figures.MAX_CLOCK`` (1 THz), never a bool or a
        string: ``with_clock(1.8)`` (GHz meant) is refused, not read as 1.8 Hz.
        """
        hz = clock_hz(hz)
        if self.clock is None:
            raise ValueError(f"device {self.id!r} has no clock figure to scale from")
        names = list(self.units) if unit is None else [unit]
        for name in names:
            self._unit(name)
        base = self.clock.value
        data = self.model_dump()
        for name in names:
            for precision, fig in self.units[name].peaks.items():
                data["units"][name]["peaks"][precision] = fig.clocked(hz, base)
        scope = "all units" if unit is None else f"unit {unit!r}"
        if unit is None:
            data["clock"] = {
                "value": hz,
                "provenance": "assumption",
                "source": "Device.with_clock (user-chosen clock)",
                "note": f"catalog clock {base / 1e9:g} GHz ({self.clock.provenance}: {self.clock.source})",
            }
        extra = f"with_clock: peaks of {scope} scaled to {hz / 1e9:g} GHz (from {base / 1e9:g} GHz)."
        data["notes"] = f"{self.notes}\n{extra}" if self.notes else extra
        return Device.from_dict(data, source=f"{self.id}.with_clock")

    def with_efficiency(self, efficiency: Mapping[str, Efficiency | Mapping[str, Any]]) -> Device:
        """A copy with these per-op-kind efficiency ceilings (replacing any it had): a dict of op
        kind -> :class:`Efficiency` (or a dict of its fields), validated as a device file is."""
        if not isinstance(efficiency, Mapping):
            raise ValueError(f"efficiency={shown(efficiency)} must be a dict of op kind -> Efficiency (or its fields)")
        for kind, value in efficiency.items():
            if not isinstance(value, (Efficiency, Mapping)):
                raise ValueError(f"efficiency[{shown(kind)}]={shown(value)} must be an Efficiency or a dict of its fields")
        data = self.model_dump()
        data["efficiency"] = dict(efficiency)
        return Device.from_dict(data, source=f"{self.id}.with_efficiency")

    def project(self, layer: Any, precision: Any = "fp16", traffic: Any = "compulsory", unit: Any = None,
                lowering: Any = None, calibrated: bool = True, fuse: bool | None = None,
                algorithm: Any = None) -> Projection:
        """``roofline_conv.roofline.project(layer, self, ...)``: the roofline of ``layer`` here."""
        return project_on(layer, self, precision, traffic, unit, lowering, calibrated, fuse, algorithm)

    # ---- display ----------------------------------------------------------------------------

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.id, self.name, self.source_file))

    def __repr__(self) -> str:
        return (
            f"Device(id={self.id!r}, name={self.name!r}, units=[{', '.join(self.units)}], "
            f"memory=[{', '.join(self.memory)}])"
        )

    def __str__(self) -> str:
        lines = [f"{self.name} [{self.id}] ({self.kind}, {self.family})"]
        for name, u in self.units.items():
            tile = f" {u.tile[0]}x{u.tile[1]}" if u.tile else ""
            peaks = ", ".join(f"{p} {f.value / 1e12:.4g}" for p, f in u.peaks.items())
            lines.append(f"  {name} ({u.kind}{tile}): {peaks} TFLOP/s")
        for i, (name, m) in enumerate(self.memory.items()):
            cap = f", {m.capacity.value / 1e6:.6g} MB" if m.capacity else ""
            main = "  (main memory)" if i == 0 else ""
            lines.append(f"  {name}: {m.bandwidth.value / 1e9:.6g} GB/s{cap}{main}")
        return "\n".join(lines)


def _field_names(parent: tuple[Any, ...]) -> list[str]:
    """Field names allowed at ``parent`` (a pydantic loc inside a device), for spelling hints."""
    model: type[BaseModel] | None
    if parent == ():
        model = Device
    elif parent[0] == "units":
        model = ComputeUnit if len(parent) == 2 else Figure if len(parent) == 4 else None
    elif parent[0] == "memory":
        model = MemoryLevel if len(parent) == 2 else Figure if len(parent) == 3 else None
    elif parent == ("clock",):
        model = Figure
    elif parent == ("depthwise_lowering",):
        model = DepthwiseLowering
    elif (parent[0], len(parent)) in (("efficiency", 2), ("expected", 3), ("step", 3)):
        model = StepOverhead if parent[0] == "step" else Efficiency
    else:
        model = None
    return list(model.model_fields) if model is not None else []


def loads(text: str, source: str = "<string>") -> list[Device]:
    """Every device in the TOML ``text``; ``source`` names it in errors and in ``source_file``."""
    source = str(source)
    if not isinstance(text, str):
        raise ValueError(f"text={shown(text)} must be a string of TOML (read a file with load_file)")
    data = reading.parse(text, source, DeviceFileError.one)
    problems: list[tuple[str, str]] = []
    for key in data:
        if key != "device":
            problems.append((key, "unknown top-level key; a device file holds only [[device]] tables" + did_you_mean(key, ["device"])))
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
    """Every device in the TOML file ``path`` (a path or an ``importlib.resources`` traversable).
    A file over ``reading.MAX_FILE_BYTES`` (16 MiB), not a regular file or not UTF-8 text is
    refused with a :class:`DeviceFileError` naming it."""
    return loads(reading.read_text(path, DeviceFileError.one), str(path))


def dumps(devices: Device | Iterable[Device]) -> str:
    """``devices`` as ``[[device]]`` TOML tables (``source_file`` left out: the file is the source)."""
    if isinstance(devices, Device):
        devices = [devices]
    if isinstance(devices, (str, bytes, Mapping)) or not isinstance(devices, Iterable):
        raise ValueError(f"devices={shown(devices)} must be a Device or an iterable of Devices")
    entries = []
    for i, device in enumerate(devices):
        if not isinstance(device, Device):
            raise ValueError(f"devices[{i}]={shown(device)} must be a Device")
        data = device.model_dump(mode="python", exclude_none=True, exclude={"source_file"})
        entries.append({k: v for k, v in data.items() if v != {}})  # e.g. no fitted efficiencies
    return device_tables(entries)


__all__ = ["Device", "loads", "load_file", "dumps",
           # defined in .figures; importable from here as before the split
           "PROVENANCES", "Provenance", "PrecisionKey"]
