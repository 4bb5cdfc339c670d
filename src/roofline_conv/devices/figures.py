"""The parts of a device: figures with provenance, compute units, memory levels, the depthwise
lowering and fitted efficiency ceilings.

Units are implied by the field a :class:`Figure` sits in: peaks are FLOP/s (dense unless the unit
says ``sparse``), bandwidths bytes/s, capacities bytes, clocks Hz. All models are frozen and
reject unknown fields, so a typo in a device file fails instead of being ignored. Numbers and
flags are strict: ``true`` is never 1, ``"900e9"`` never a number, ``2.0`` never an integer
(``Number``, ``Integer``, ``Flag``).
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..conventions import check_precision
from ..reading import kind_of
from ..validation import number, shown

Provenance = Literal["datasheet", "derived", "measured", "assumption", "user"]
"""Where a figure comes from; "user" is a bare number in a user's device file (its source is
the file)."""
PROVENANCES: tuple[str, ...] = get_args(Provenance)
OpKind = Literal["conv", "pointwise", "depthwise"]
OP_KINDS: tuple[str, ...] = get_args(OpKind)
OpClass = Literal["conv", "pointwise", "depthwise", "elementwise", "pooling"]
"""The op classes an expected time has terms for: the three conv kinds, and the vector ops."""
OP_CLASSES: tuple[str, ...] = get_args(OpClass)
StepMode = Literal["inference", "training"]
"""What a per-step overhead applies to: a network's forward pass, or a training step."""
STEP_MODES: tuple[str, ...] = get_args(StepMode)

KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A finite real number: an int or a float, never a bool or a string."""
Integer = Annotated[int, Strict()]
"""An integer: never a bool, a float (even ``2.0``) or a string."""
Flag = Annotated[bool, Strict()]
"""``true``/``false`` only, never 1 or ``"yes"``."""


def rule(message: str, subpath: str | None = None) -> PydanticCustomError:
    """A validation error with a plain message; ``subpath`` extends the reported field path."""
    ctx = {"subpath": subpath} if subpath else None
    # braces would be read as template fields by pydantic
    return PydanticCustomError("device_rule", message.replace("{", "(").replace("}", ")"), ctx)


def did_you_mean(name: str, choices: list[str]) -> str:
    """' (did you mean 'x'?)' for the closest of ``choices`` to ``name``, or ''."""
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Figure(FrozenModel):
    """One number and where it comes from. The unit is the field's: FLOP/s, bytes/s, bytes or Hz."""

    value: Number = Field(ge=0)
    provenance: Provenance
    source: str
    """Document title and/or URL (for "measured": the paper or run; for "assumption": why)."""
    derivation: str | None = None
    """The arithmetic, e.g. ``"640 tensor cores x 64 FMA/clk x 2 FLOP x 1.53 GHz"``; required
    when ``provenance == "derived"``."""
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _a_table(cls, data: Any) -> Any:
        if not isinstance(data, (dict, Figure)):
            raise rule(f"must be a number, or a table with value, provenance and source; "
                       f"not {kind_of(data)} (got {data!r:.60})")
        return data

    @field_validator("source")
    @classmethod
    def _source_named(cls, v: str) -> str:
        if not v.strip():
            raise rule("source must name a document (title and/or URL); it is empty")
        return v

    @model_validator(mode="after")
    def _derived_shows_arithmetic(self) -> Figure:
        if self.provenance == "derived" and not (self.derivation or "").strip():
            raise rule("a 'derived' figure needs a 'derivation' showing the arithmetic", "derivation")
        return self

    def clocked(self, hz: float, base: float) -> dict[str, Any]:
        """This peak's fields at clock ``hz`` instead of ``base`` (Hz): a "derived" figure
        showing the scaling (what :meth:`Device.with_clock` stores)."""
        basis = self.derivation or f"{self.value:.6g} FLOP/s ({self.provenance})"
        return {
            "value": self.value * (hz / base),  # the factor first, as before the split
            "provenance": "derived",
            "source": self.source,
            "derivation": f"[{basis}] x {hz / 1e9:g} GHz / {base / 1e9:g} GHz",
            "note": f"scaled by with_clock from {self.value:.6g} FLOP/s ({self.provenance}) at {base / 1e9:g} GHz",
        }

    def __repr__(self) -> str:
        return f"Figure({self.value:.6g}, {self.provenance!r})"


MIN_CLOCK = 1e3
"""The lowest clock :meth:`Device.with_clock` accepts, in Hz (1 kHz)."""
MAX_CLOCK = 1e12
"""The highest clock :meth:`Device.with_clock` accepts, in Hz (1 THz)."""


def clock_hz(hz: Any) -> float:
    """``hz`` as a clock in Hz: a finite number (never a bool or a string) from :data:`MIN_CLOCK`
    to :data:`MAX_CLOCK`, so that ``with_clock(1.8)`` (GHz meant) is refused, not read as 1.8 Hz."""
    hz = number(hz, "hz", above=0)
    if not MIN_CLOCK <= hz <= MAX_CLOCK:
        raise ValueError(f"hz={shown(hz)} must be a clock in Hz, from 1e3 (1 kHz) to 1e12 (1 THz); "
                         "write 1.8e9 for 1.8 GHz")
    return hz


def _bare(value: Any, source: str) -> Any:
    """A bare number as a full figure (provenance "user", source the file); anything else as it is."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"value": value, "provenance": "user", "source": source}
    return value


def expand_bare_figures(data: Any, source: str) -> Any:
    """A device's raw fields with every bare number where a figure goes (``clock``,
    ``units.*.peaks.*``, ``memory.*.bandwidth`` and ``memory.*.capacity``) written out as a figure
    of provenance "user" whose source is ``source`` (the file). A bool or a string is left as it
    is, for validation to refuse."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    if "clock" in out:
        out["clock"] = _bare(out["clock"], source)
    if isinstance(out.get("units"), dict):
        out["units"] = {name: {**unit, "peaks": {p: _bare(v, source) for p, v in unit["peaks"].items()}}
                        if isinstance(unit, dict) and isinstance(unit.get("peaks"), dict) else unit
                        for name, unit in out["units"].items()}
    if isinstance(out.get("memory"), dict):
        out["memory"] = {name: {k: _bare(v, source) if k in ("bandwidth", "capacity") else v for k, v in level.items()}
                         if isinstance(level, dict) else level
                         for name, level in out["memory"].items()}
    return out


def _positive(fig: Figure) -> Figure:
    if fig.value <= 0:
        raise rule(f"must be > 0 (got {fig.value!r})", "value")
    return fig


PositiveFigure = Annotated[Figure, AfterValidator(_positive)]
"""A figure that must be strictly positive (peaks, bandwidths, capacities, clocks)."""

PrecisionKey = Annotated[str, AfterValidator(lambda k: check_precision(k, "precision key").value)]


class ComputeUnit(FrozenModel):
    """A matrix unit (tensor core, MXU) or a vector unit (CUDA cores, VPU, SIMD FMA units).

    ``peaks`` maps precision -> peak FLOP/s. ``tile`` is the (rows, cols) = GEMM (K, N) block a
    matrix unit holds per pass (the M dimension streams through); required for matrix units,
    forbidden for vector units, and ``tile_source`` must say where it comes from.
    """

    kind: Literal["matrix", "vector"]
    peaks: dict[PrecisionKey, PositiveFigure] = Field(min_length=1)
    tile: tuple[Annotated[Integer, Field(gt=0)], Annotated[Integer, Field(gt=0)]] | None = None
    tile_source: str | None = None
    description: str | None = None
    sparse: Flag = False
    """False: the peaks are dense figures (the catalog stores only dense ones)."""
    channel_multiple: dict[PrecisionKey, Annotated[Integer, Field(gt=0)]] = Field(default_factory=dict)
    """Per precision: the multiple a matrix unit's library pads a conv's input and output
    channels to (C and K); empty where nothing is documented."""
    channel_multiple_source: str | None = None

    @model_validator(mode="after")
    def _tile_rules(self) -> ComputeUnit:
        if self.channel_multiple and not (self.channel_multiple_source or "").strip():
            raise rule("'channel_multiple' needs a 'channel_multiple_source' (a document)", "channel_multiple_source")
        if self.channel_multiple and self.kind != "matrix":
            raise rule("only a matrix unit pads channels ('channel_multiple')", "channel_multiple")
        if self.kind == "matrix" and self.tile is None:
            raise rule(
                "a matrix unit needs 'tile' = [rows, cols], the GEMM (K, N) block it holds per pass",
                "tile",
            )
        if self.kind == "vector" and self.tile is not None:
            raise rule("a vector unit must not have a 'tile' (only matrix units do)", "tile")
        if self.tile is not None and not (self.tile_source or "").strip():
            raise rule("'tile' needs a 'tile_source' (a document, or 'assumption: ...')", "tile_source")
        return self


class MemoryLevel(FrozenModel):
    """A memory level: ``bandwidth`` in bytes/s, ``capacity`` in bytes."""

    bandwidth: PositiveFigure
    capacity: PositiveFigure | None = None
    description: str | None = None


class DepthwiseLowering(FrozenModel):
    """How a depthwise conv runs when placed on a matrix unit: on the ``vector`` path, as one small
    GEMM per channel (``per_channel_gemm``), or as a dense block-diagonal GEMM (``block_diagonal``)."""

    method: Literal["vector", "per_channel_gemm", "block_diagonal"]
    source: str
    assumption: Flag
    """True where no source documents the lowering."""

    @field_validator("source")
    @classmethod
    def _source_named(cls, v: str) -> str:
        if not v.strip():
            raise rule("source must name a document, or say why it is an assumption; it is empty")
        return v


class AlgorithmRule(FrozenModel):
    """What a device's libraries are known to pick for a convolution: ``algorithm`` for an
    ungrouped conv with a square kernel in ``kernels`` at stride 1 and dilation 1, at one of
    ``precisions``; ``source`` says who documents or measured the choice."""

    precisions: list[PrecisionKey] = Field(min_length=1)
    kernels: list[Annotated[Integer, Field(gt=0)]] = Field(min_length=1)
    algorithm: Literal["direct", "winograd_2x2_3x3", "winograd_4x4_3x3", "fft"]
    source: str

    @field_validator("source")
    @classmethod
    def _source_named(cls, v: str) -> str:
        if not v.strip():
            raise rule("source must name a document or a measurement; it is empty")
        return v


class Efficiency(FrozenModel):
    """The expected-time terms of one op class (at one precision): fitted by calibration on this
    machine (``device.efficiency``) or on published measurements (``device.expected``, from
    ``data/expected_*.toml``), never a datasheet figure.

    Beside the roofline bound ``max(compute_time, memory_time)``, the expected time of an op is
    ``combine(compute_time / (compute x fill x reduction), memory_time / memory) + overhead``:
    the compute roof lowered to ``compute`` x peak, the memory roof to ``memory`` x bandwidth (each
    in (0, 1]); ``fill`` the share of the machine a small problem fills (its GEMM cut into
    ``tile`` = (rows of M, cols of N) blocks, run ``slots`` at a time: tiles / (waves x slots));
    ``reduction`` = k / (k + ``reduction_half``) for a GEMM reduction of length k (a short
    reduction, e.g. a first layer with 3 input channels, spends its time outside the inner loop);
    ``combine`` = max when the kernel ``overlap``s data movement with arithmetic (the roofline's
    assumption), the sum when it does one after the other; plus a fixed ``overhead`` in seconds
    per op (call / launch cost). Every factor is <= 1 and the overhead >= 0, so the expected time
    is never below the bound.
    """

    compute: Number = Field(gt=0, le=1)
    memory: Number = Field(gt=0, le=1)
    overhead: Number = Field(default=0.0, ge=0)
    """Seconds added per op (fixed cost of a call/launch)."""
    overlap: Flag = True
    """True: max(compute, memory) (roofline); False: compute + memory."""
    tile: tuple[Annotated[Integer, Field(gt=0)], Annotated[Integer, Field(gt=0)]] | None = None
    """(rows of GEMM M, columns of GEMM N) one block of work covers (e.g. a thread block's output
    tile); with ``slots``, the size ramp. None: no size ramp."""
    slots: Annotated[Integer, Field(gt=0)] | None = None
    """How many ``tile`` blocks run at once (e.g. SMs x blocks per SM); required with ``tile``."""
    reduction_half: Number | None = Field(default=None, ge=0)
    """The GEMM reduction length k at which the compute efficiency halves (k / (k + this)); None: no ramp."""
    source: str
    layers: Integer | None = Field(default=None, ge=1)
    """How many layers (measurements) the fit used."""
    median_error: Number | None = Field(default=None, ge=0)
    """Median relative error of the calibrated prediction on those layers."""
    held_out_layers: Integer | None = Field(default=None, ge=1)
    """How many measurements the held-out errors below were computed on (never fitted on)."""
    held_out_median_error: Number | None = Field(default=None, ge=0)
    """Median |relative error| of the expected time on held-out measurements."""
    held_out_p90_error: Number | None = Field(default=None, ge=0)
    """90th percentile |relative error| of the expected time on held-out measurements."""
    note: str | None = None

    @model_validator(mode="after")
    def _ramp_complete(self) -> Efficiency:
        if (self.tile is None) != (self.slots is None):
            raise rule("'tile' and 'slots' go together (the size ramp needs both)", "slots" if self.slots is None else "tile")
        return self


class StepOverhead(FrozenModel):
    """A network's fixed cost per step on a device (``device.step[mode][precision]``): seconds
    the framework spends per forward pass (``inference``) or per training step (``training``)
    outside the kernels the projection counts (host-side dispatch, synchronisation, the input
    pipeline's hand-over). Added once per network as the expected time's ``step`` term."""

    seconds: Number = Field(ge=0)
    source: str
    rows: Integer | None = Field(default=None, ge=1)
    """How many published measurements the fit used."""
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _source_said(cls, v: str) -> str:
        if not v.strip():
            raise rule("source must name a document, or say why it is an assumption; it is empty")
        return v
