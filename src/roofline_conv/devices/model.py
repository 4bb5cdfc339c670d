"""The device model: compute units with a peak per precision, memory levels, and where every
figure comes from.

Units are implied by the field a :class:`Figure` sits in: peaks are FLOP/s (dense unless the unit
says ``sparse``), bandwidths bytes/s, capacities bytes, clocks Hz. All models are frozen and
reject unknown fields, so a typo in a device file fails instead of being ignored.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from os import PathLike
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..conventions import check_precision
from .errors import DeviceFileError, from_validation_error

Provenance = Literal["datasheet", "derived", "measured", "assumption"]
PROVENANCES: tuple[str, ...] = get_args(Provenance)
OpKind = Literal["conv", "pointwise", "depthwise"]
OP_KINDS: tuple[str, ...] = get_args(OpKind)

_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _rule(message: str, subpath: str | None = None) -> PydanticCustomError:
    """A validation error with a plain message; ``subpath`` extends the reported field path."""
    ctx = {"subpath": subpath} if subpath else None
    # braces would be read as template fields by pydantic
    return PydanticCustomError("device_rule", message.replace("{", "(").replace("}", ")"), ctx)


def _hint(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(_Model):
    """One number and where it comes from. The unit is the field's: FLOP/s, bytes/s, bytes or Hz."""

    value: float = Field(ge=0, allow_inf_nan=False)
    provenance: Provenance
    source: str
    """Document title and/or URL (for "measured": the paper or run; for "assumption": why)."""
    derivation: str | None = None
    """The arithmetic, e.g. ``"640 tensor cores x 64 FMA/clk x 2 FLOP x 1.53 GHz"``; required
    when ``provenance == "derived"``."""
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source_named(cls, v: str) -> str:
        if not v.strip():
            raise _rule("source must name a document (title and/or URL); it is empty")
        return v

    @model_validator(mode="after")
    def _derived_shows_arithmetic(self) -> Figure:
        if self.provenance == "derived" and not (self.derivation or "").strip():
            raise _rule("a 'derived' figure needs a 'derivation' showing the arithmetic", "derivation")
        return self

    def __repr__(self) -> str:
        return f"Figure({self.value:.6g}, {self.provenance!r})"


def _positive(fig: Figure) -> Figure:
    if fig.value <= 0:
        raise _rule(f"must be > 0 (got {fig.value!r})", "value")
    return fig


PositiveFigure = Annotated[Figure, AfterValidator(_positive)]
"""A figure that must be strictly positive (peaks, bandwidths, capacities, clocks)."""

PrecisionKey = Annotated[str, AfterValidator(lambda k: check_precision(k, "precision key"))]


class ComputeUnit(_Model):
    """A matrix unit (tensor core, MXU) or a vector unit (CUDA cores, VPU, SIMD FMA units).

    ``peaks`` maps precision -> peak FLOP/s. ``tile`` is the (rows, cols) = GEMM (K, N) block a
    matrix unit holds per pass (the M dimension streams through); required for matrix units,
    forbidden for vector units, and ``tile_source`` must say where it comes from.
    """

    kind: Literal["matrix", "vector"]
    peaks: dict[PrecisionKey, PositiveFigure] = Field(min_length=1)
    tile: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]] | None = None
    tile_source: str | None = None
    description: str | None = None
    sparse: bool = False
    """False: the peaks are dense figures (the catalog stores only dense ones)."""

    @model_validator(mode="after")
    def _tile_rules(self) -> ComputeUnit:
        if self.kind == "matrix" and self.tile is None:
            raise _rule(
                "a matrix unit needs 'tile' = [rows, cols], the GEMM (K, N) block it holds per pass",
                "tile",
            )
        if self.kind == "vector" and self.tile is not None:
            raise _rule("a vector unit must not have a 'tile' (only matrix units do)", "tile")
        if self.tile is not None and not (self.tile_source or "").strip():
            raise _rule("'tile' needs a 'tile_source' (a document, or 'assumption: ...')", "tile_source")
        return self


class MemoryLevel(_Model):
    """A memory level: ``bandwidth`` in bytes/s, ``capacity`` in bytes."""

    bandwidth: PositiveFigure
    capacity: PositiveFigure | None = None
    description: str | None = None


class DepthwiseLowering(_Model):
    """How a depthwise conv runs when placed on a matrix unit: on the ``vector`` path, as one small
    GEMM per channel (``per_channel_gemm``), or as a dense block-diagonal GEMM (``block_diagonal``)."""

    method: Literal["vector", "per_channel_gemm", "block_diagonal"]
    source: str
    assumption: bool
    """True where no source documents the lowering."""

    @field_validator("source")
    @classmethod
    def _source_named(cls, v: str) -> str:
        if not v.strip():
            raise _rule("source must name a document, or say why it is an assumption; it is empty")
        return v


class Efficiency(_Model):
    """Fitted ceilings for one op class, set on a calibrated device (never in the catalog).

    The calibrated time of an op is ``combine(compute_time / compute, memory_time / memory) +
    overhead``: the compute roof lowered to ``compute`` x peak, the memory roof to ``memory`` x
    bandwidth (each in (0, 1]), ``combine`` = max when the kernel ``overlap``s data movement
    with arithmetic (the roofline's assumption), the sum when it does one after the other (an
    im2col copy, then the GEMM), plus a fixed ``overhead`` in seconds per op (call/launch cost).
    """

    compute: float = Field(gt=0, le=1)
    memory: float = Field(gt=0, le=1)
    overhead: float = Field(default=0.0, ge=0)
    """Seconds added per op (fixed cost of a call/launch)."""
    overlap: bool = True
    """True: max(compute, memory) (roofline); False: compute + memory."""
    source: str
    layers: int | None = Field(default=None, ge=1)
    """How many layers the fit used."""
    median_error: float | None = Field(default=None, ge=0)
    """Median relative error of the calibrated prediction on those layers."""
    note: str | None = None


class Device(_Model):
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
    sockets: int | None = Field(default=None, ge=1)
    cores: int | None = Field(default=None, ge=1)
    clock: PositiveFigure | None = None
    """Hz; the clock the peaks assume (what :meth:`with_clock` scales from)."""
    notes: str | None = None
    environment: dict[str, str] | None = None
    """Where a measured device was measured (CPU, library versions, threads, ...)."""
    efficiency: dict[OpKind, Efficiency] = Field(default_factory=dict)
    """Per op kind efficiency ceilings fitted by calibration (empty: the raw roofline)."""
    source_file: str | None = None
    """The file this device was loaded from (set by the loader)."""

    # ---- validation -------------------------------------------------------------------------

    @field_validator("id")
    @classmethod
    def _kebab(cls, v: str) -> str:
        if not _KEBAB.fullmatch(v):
            raise _rule(f"id {v!r} must be kebab-case: lowercase letters, digits and '-', e.g. 'v100-sxm2'")
        return v

    @field_validator("name", "family")
    @classmethod
    def _non_empty(cls, v: str) -> str:
        if not v.strip():
            raise _rule("must not be empty")
        return v

    @field_validator("constant")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and (not v.isidentifier() or keyword.iskeyword(v)):
            raise _rule(f"constant {v!r} must be a valid Python name, e.g. 'V100'")
        return v

    @field_validator("unit_for")
    @classmethod
    def _known_units(cls, v: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        missing = [k for k in OP_KINDS if k not in v]
        if missing:
            raise _rule(
                f"every op kind needs a unit list ({', '.join(OP_KINDS)}); missing: {', '.join(missing)}",
                missing[0],
            )
        units = info.data.get("units")  # absent when the units themselves failed validation
        for op, names in v.items():
            if not names:
                raise _rule("name at least one unit", op)
            for i, name in enumerate(names):
                if units is not None and name not in units:
                    known = list(units)
                    raise _rule(
                        f"unknown unit {name!r}; this device's units are: {', '.join(known)}"
                        + _hint(name, known),
                        f"{op}[{i}]",
                    )
        return {k: v[k] for k in OP_KINDS}

    # ---- loading and saving -----------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<dict>", *, prefix: str = "") -> Device:
        """Validate one device's fields; any problem raises :class:`DeviceFileError` naming
        ``source``, the field path (under ``prefix``) and the rule broken."""
        if not isinstance(data, dict):
            raise DeviceFileError(source, [(prefix, f"expected a table of device fields, got {type(data).__name__}")])
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error(exc, source, prefix, _field_names) from None

    @classmethod
    def from_toml(cls, path: str | PathLike[str], id: str | None = None) -> Device:
        """The device in the TOML file ``path`` (one family per file, as ``[[device]]`` tables).

        A file holding several devices needs ``id=`` to say which one.
        """
        from .toml_io import load_file

        devices = load_file(path)
        ids = [d.id for d in devices]
        if id is None:
            if len(devices) == 1:
                return devices[0]
            raise DeviceFileError(str(path), [("", f"holds {len(devices)} devices ({', '.join(ids)}); pass id= to pick one")])
        for d in devices:
            if d.id == id:
                return d
        raise DeviceFileError(str(path), [("", f"has no device with id {id!r}; it holds: {', '.join(ids)}" + _hint(id, ids))])

    def to_toml(self) -> str:
        """This device as a ``[[device]]`` TOML table that :meth:`from_toml` reads back equal
        (``source_file`` excepted)."""
        from .toml_io import dumps

        return dumps([self])

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON schema of a device entry (from pydantic)."""
        return cls.model_json_schema()

    # ---- queries ----------------------------------------------------------------------------

    def _unit(self, unit: str) -> ComputeUnit:
        try:
            return self.units[unit]
        except KeyError:
            known = list(self.units)
            raise ValueError(
                f"device {self.id!r} has no unit {unit!r}; its units are: {', '.join(known)}" + _hint(unit, known)
            ) from None

    def _level(self, level: str) -> MemoryLevel:
        try:
            return self.memory[level]
        except KeyError:
            known = list(self.memory)
            raise ValueError(
                f"device {self.id!r} has no memory level {level!r}; its levels are: {', '.join(known)}"
                + _hint(level, known)
            ) from None

    def supports(self, unit: str, precision: str) -> bool:
        """Whether ``unit`` has a peak at ``precision`` (False for unknown units)."""
        u = self.units.get(unit)
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
        if op_kind not in OP_KINDS:
            raise ValueError(f"op_kind={op_kind!r} is not an op kind; use one of {', '.join(OP_KINDS)}")
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
        (e.g. a CPU's AVX frequency) is modelled. Bandwidths are unchanged.
        """
        if self.clock is None:
            raise ValueError(f"device {self.id!r} has no clock figure to scale from")
        hz = float(hz)
        if not (math.isfinite(hz) and hz > 0):
            raise ValueError(f"hz={hz!r} must be a positive clock in Hz")
        names = list(self.units) if unit is None else [unit]
        for name in names:
            self._unit(name)
        base = self.clock.value
        factor = hz / base
        data = self.model_dump()
        for name in names:
            for precision, fig in self.units[name].peaks.items():
                basis = fig.derivation or f"{fig.value:.6g} FLOP/s ({fig.provenance})"
                data["units"][name]["peaks"][precision] = {
                    "value": fig.value * factor,
                    "provenance": "derived",
                    "source": fig.source,
                    "derivation": f"[{basis}] x {hz / 1e9:g} GHz / {base / 1e9:g} GHz",
                    "note": f"scaled by with_clock from {fig.value:.6g} FLOP/s ({fig.provenance}) at {base / 1e9:g} GHz",
                }
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
        return Device.model_validate(data)

    def with_efficiency(self, efficiency: dict[str, Efficiency | dict[str, Any]]) -> Device:
        """A copy with these per-op-kind efficiency ceilings (replacing any it had)."""
        data = self.model_dump()
        data["efficiency"] = {
            k: (v.model_dump() if isinstance(v, Efficiency) else dict(v)) for k, v in efficiency.items()
        }
        return Device.from_dict(data, source=f"{self.id}.with_efficiency")

    def project(self, layer: Any, **kwargs: Any) -> Any:
        """Shortcut for ``roofline_conv.roofline.project(layer, self, **kwargs)``."""
        from ..roofline import project  # type: ignore[import-not-found]

        return project(layer, self, **kwargs)

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
    elif parent[0] == "efficiency" and len(parent) == 2:
        model = Efficiency
    else:
        model = None
    return list(model.model_fields) if model is not None else []
