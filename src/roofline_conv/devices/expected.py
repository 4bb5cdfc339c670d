"""The catalog's expected-time terms: per device, op class and precision, read from two data
files and set on each catalog device as ``device.expected`` (see :class:`~.figures.Efficiency`).

* ``data/expected_fitted.toml`` -- written by ``python -m roofline_conv.fidelity.fit --write``
  from the published measurements in ``data/measured/`` (never edited by hand); each entry says
  what it was fitted on and its error on measurements the fit never saw.
* ``data/expected_assumed.toml`` -- written by hand: terms no measurement here fits, each with
  its source or the words "assumption: ...".

A fitted entry wins over an assumed one for the same (device, op class, precision). Both files
are validated like device files: one :class:`~.errors.DeviceFileError` names the file, the entry
and the rule; an entry for a device the catalog does not have is an error too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..datafiles import load_packaged
from .figures import Efficiency, OpClass, PrecisionKey

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


class TermsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[Entry] = Field(default_factory=list)
    parallelism: list[Parallelism] = Field(default_factory=list)


def parallelism() -> dict[str, Parallelism]:
    """device id -> :class:`Parallelism`, from ``data/expected_assumed.toml``."""
    return {p.device: p for p in load_packaged(FILES[0], TermsFile).parallelism}


Terms = dict[str, dict[str, dict[str, Efficiency]]]
"""device id -> op class -> precision -> terms."""


def entry_terms(entry: Entry) -> Efficiency:
    """The :class:`Efficiency` part of an entry (without device, op and precision)."""
    return Efficiency(**entry.model_dump(exclude={"device", "op", "precision"}))


def read(known_ids: Any) -> Terms:
    """Every entry of :data:`FILES`, checked against the catalog ids ``known_ids``."""
    from .errors import DeviceFileError

    out: Terms = {}
    for name in FILES:
        parsed = load_packaged(name, TermsFile)
        for i, entry in enumerate(parsed.terms):
            if entry.device not in known_ids:
                raise DeviceFileError(f"roofline_conv/data/{name}",
                                      [(f"terms[{i}].device", f"{entry.device!r} is not a catalog device id")])
            out.setdefault(entry.device, {}).setdefault(entry.op, {})[entry.precision] = entry_terms(entry)
    return out
