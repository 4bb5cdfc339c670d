"""The expected time of one op, term by term: the roofline bound, then each term that moves it.

Written once for every value type (exact ints and floats, sympy expressions, numpy arrays), like
:mod:`.arith`; ``project()``, ``sweep()`` and the fits (calibration on this machine, the fits on
published measurements) all call :func:`expected_times`. The terms, in the order applied (each
one's seconds are what it adds to the time before it, so the terms sum to the expected time):

``bound``        the roofline: max(compute time, memory time per level)
``ceiling``      the op class's fitted efficiencies: compute at ``e.compute`` x peak, memory at
                 ``e.memory`` x bandwidth, overlapped (max) or one after the other (sum)
``fill``         a small problem fills part of the machine: its GEMM (m x n) cut into ``e.tile``
                 blocks, ``e.slots`` at a time: fill = tiles / (waves x slots)
``reduction``    a short GEMM reduction (k) runs at k / (k + ``e.reduction_half``) of the ceiling
``overhead``     a fixed cost per op (call, dispatch, kernel launch), ``e.overhead`` seconds

With no terms for the op class (``e is None``: no fit, no assumption) the expected time is the bound.
Every factor is in (0, 1] and the overhead >= 0, so the expected time is never below the bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .arith import Number, ceil_div, combine_roofs, ratio, roof_time

TERMS = ("bound", "ceiling", "fill", "reduction", "overhead", "step")
"""Term names, in the order applied (``step``: a network's per-step / framework overhead)."""


@dataclass(frozen=True)
class Term:
    """One term of an expected time: ``seconds`` it adds (the bound: the bound itself) and what
    it is, in words with its figures."""

    name: str
    seconds: Number
    detail: str

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"


class Candidates:
    """Terms as arrays of candidates broadcasting against arrays of ops (what a fit searches):
    the fields of :class:`~roofline_conv.devices.Efficiency`, unvalidated."""

    def __init__(self, compute: Any, memory: Any, overhead: Any, overlap: bool = True,
                 tile: tuple[int, int] | None = None, slots: int | None = None,
                 reduction_half: float | None = None) -> None:
        self.compute, self.memory, self.overhead, self.overlap = compute, memory, overhead, overlap
        self.tile, self.slots, self.reduction_half = tile, slots, reduction_half


def expected_terms(dev: Any, op_class: str, precision: str) -> Any:
    """The expected-time terms of ``op_class`` at ``precision`` on ``dev``: its calibrated ceilings
    (``dev.efficiency``, measured on this machine, any precision), else its fitted or assumed terms
    (``dev.expected``), else None (the expected time is the bound)."""
    found = dev.efficiency.get(op_class)
    if found is None:
        found = getattr(dev, "expected", {}).get(op_class, {}).get(precision)
    return found


def fill(m: Any, n: Any, tile: tuple[int, int], slots: int) -> Any:
    """Share of ``slots`` parallel workers busy over a GEMM of m x n outputs cut into ``tile``
    blocks: tiles / (ceil(tiles / slots) x slots); 1 when the tiles fill whole waves."""
    tiles = ceil_div(m, tile[0]) * ceil_div(n, tile[1])
    return ratio(tiles, ceil_div(tiles, slots) * slots)


def reduction(k: Any, half: float) -> Any:
    """k / (k + half): the share of the ceiling a GEMM with reduction length ``k`` reaches."""
    return ratio(k, k + half)


def expected_times(compute: Any, memory: Sequence[Any] | Mapping[str, Any], e: Any,
                   gemm: tuple[Any, Any, Any] | None = None, words: bool = True) -> tuple[Any, list[tuple[str, Any, str]]]:
    """(expected time, [(term, seconds added, words)]) of one op whose roofline compute time is
    ``compute`` and memory times ``memory`` (per level, main first), under the terms ``e`` (an
    :class:`~roofline_conv.devices.Efficiency`, or None), for a GEMM-like op of shape ``gemm`` =
    (m, n, k) (None for vector ops: no fill or reduction term). ``words=False`` leaves the
    words empty (sweeps: arrays)."""
    _num = _words if words else _silent
    levels = list(memory.values()) if isinstance(memory, Mapping) else list(memory)
    bound = roof_time(compute, levels)
    terms: list[tuple[str, Any, str]] = [("bound", bound, "roofline: the largest of the compute and memory times")]
    if e is None:
        return bound, terms
    now = bound
    c, mem = compute, [t / e.memory for t in levels]
    c = ratio(c, e.compute)
    now = _step(terms, now, c, mem, e, "ceiling",
                f"compute at {_num(e.compute)} of peak, memory at {_num(e.memory)} of bandwidth"
                + ("" if e.overlap else ", one after the other") if words else "")
    if gemm is not None and e.tile is not None and e.slots is not None:
        f = fill(gemm[0], gemm[1], e.tile, e.slots)
        c = ratio(c, f)
        now = _step(terms, now, c, mem, e, "fill",
                    f"{_num(f)} of {e.slots} slots busy ({e.tile[0]}x{e.tile[1]} blocks of the "
                    f"{_num(gemm[0])}x{_num(gemm[1])} output)" if words else "")
    if gemm is not None and e.reduction_half:
        r = reduction(gemm[2], e.reduction_half)
        c = ratio(c, r)
        now = _step(terms, now, c, mem, e, "reduction",
                    f"reduction of {_num(gemm[2])} at {_num(r)} of the ceiling (halves at {_num(e.reduction_half)})"
                    if words else "")
    if hasattr(e.overhead, "dtype") or e.overhead:  # an array of candidates (a fit), or a figure
        terms.append(("overhead", e.overhead, f"{_num(e.overhead * 1e6)} us per op" if words else ""))
        now = now + e.overhead
    return now, terms


def _step(terms: list[tuple[str, Any, str]], before: Any, compute: Any, memory: list[Any], e: Any,
          name: str, words: str) -> Any:
    """Append term ``name`` (what it adds to ``before``) and return the new time."""
    after = combine_roofs(compute, memory, e.overlap)
    terms.append((name, after - before, words))
    return after


def _silent(value: Any) -> str:
    return ""


def _words(value: Any) -> str:
    """A figure in words: 3 significant digits for numbers, the expression otherwise."""
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return str(value)
