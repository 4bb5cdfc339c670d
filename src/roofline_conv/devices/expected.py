"""The catalog's expected-time terms: per device, op class and precision, read from two data
files and set on each catalog device as ``device.expected`` (see :class:`~.figures.Efficiency`).

* ``data/expected_fitted.toml`` -- written by ``python -m roofline_conv.fidelity.fit --write``
  from the published measurements in ``data/measured/`` (never edited by hand); each entry says
  what it was fitted on and its error on measurements the fit never saw.
* ``data/expected_assumed.toml`` -- written by hand: terms no measurement here fits, each with
  its source or the words "assumption: ...".

Each file may also hold ``[[step]]`` tables: a network's fixed cost per step (device, mode --
``inference`` for a forward pass, ``training`` for a training step -- precision, ``seconds``,
source), set on each catalog device as ``device.step`` (see :class:`~.figures.StepOverhead`).

A fitted entry wins over an assumed one for the same (device, op class, precision). Both files
are validated like device files: one :class:`~.errors.DeviceFileError` names the file, the entry
and the rule; an entry for a device the catalog does not have is an error too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..datafiles import load_packaged
from .figures import Efficiency, OpClass, PrecisionKey, StepMode, StepOverhead

FILES = ("expected_assumed.toml", "expected_fitted.toml")
"""Read in this order; a later file's entry replaces an earlier one's."""


class Entry(Efficiency):
    """One ``[[terms]]`` table: the device, op class and precision it applies to, then the terms."""

    device: str = Field(min_length=1)
    op: OpClass
    precision: PrecisionKey


class Parallelism(BaseModel):
    """How many blocks of work a device runs at once (the size ramp's ``slots``), with its source:
    what a fit of the size ramp starts from."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    device: str = Field(min_length=1)
    slots: int = Field(gt=0)
    source: str = Field(min_length=1)


class StepEntry(StepOverhead):
    """One ``[[step]]`` table: the device, mode and precision it applies to, then the overhead."""

    device: str = Field(min_length=1)
    mode: StepMode
    precision: PrecisionKey


class TermsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Entry] = Field(default_factory=list)
    step: list[StepEntry] = Field(default_factory=list)
    parallelism: list[Parallelism] = Field(default_factory=list)


def parallelism() -> dict[str, Parallelism]:
    """device id -> :class:`Parallelism`, from ``data/expected_assumed.toml``."""
    return {p.device: p for p in load_packaged(FILES[0], TermsFile).parallelism}


Terms = dict[str, dict[str, dict[str, Efficiency]]]
"""device id -> op class -> precision -> terms."""
Steps = dict[str, dict[str, dict[str, StepOverhead]]]
"""device id -> mode -> precision -> per-step overhead."""


def entry_terms(entry: Entry) -> Efficiency:
    """The :class:`Efficiency` part of an entry (without device, op and precision)."""
    return Efficiency(**entry.model_dump(exclude={"device", "op", "precision"}))


def read(known_ids: Any) -> tuple[Terms, Steps]:
    """Every entry of :data:`FILES` (terms, and per-step overheads), checked against the catalog
    ids ``known_ids``."""
    from .errors import DeviceFileError

    out: Terms = {}
    steps: Steps = {}
    for name in FILES:
        parsed = load_packaged(name, TermsFile)
        for table, entries in (("terms", parsed.terms), ("step", parsed.step), ("parallelism", parsed.parallelism)):
            for i, entry in enumerate(entries):
                if entry.device not in known_ids:
                    raise DeviceFileError(f"roofline_conv/data/{name}",
                                          [(f"{table}[{i}].device", f"{entry.device!r} is not a catalog device id")])
        for entry in parsed.terms:
            out.setdefault(entry.device, {}).setdefault(entry.op, {})[entry.precision] = entry_terms(entry)
        for s in parsed.step:
            steps.setdefault(s.device, {}).setdefault(s.mode, {})[s.precision] = StepOverhead(
                **s.model_dump(exclude={"device", "mode", "precision"}))
    return out, steps
