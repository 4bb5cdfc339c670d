"""``Projection``: what the roofline says of a layer (or several) on a device, with its units,
and how composites combine their parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..conventions import Bound
from ..report import Table
from .arith import Number, is_num, ratio
from .expected import TERMS, Term


@dataclass(frozen=True)
class Projection:
    """The roofline projection of a layer (or several) on a device. Times in seconds, rates in
    FLOP/s, traffic in bytes, intensity and ridge point in FLOP/byte.

    A leaf (one op on one unit) has ``parts == ()``; a composite (DepSep, a network) sums its
    parts' times, each part bound by its own roof.
    """

    name: str
    device: str
    precision: str
    traffic_model: str
    batch: Number
    flops: Number
    """Useful FLOPs (2 x MACs + bias adds)."""
    executed_flops: Number
    """FLOPs the unit actually executes, padding and lowering waste included."""
    traffic: Number
    """Bytes crossing main memory under ``traffic_model``."""
    compute_time: Number
    memory_time: Mapping[str, Number]
    """Seconds per memory level (inner levels: lower bounds)."""
    time: Number
    """Predicted time: the largest of the roofs (leaf), or the parts' sum (composite)."""
    bound: str
    """The binding roof in words, e.g. 'compute: tensor' or 'memory: hbm'; for composites the
    parts' bounds (a network: each roof's share of the time). Code reads ``binding``/``bound_by``."""
    unit: str
    """The compute unit (composites: the units, joined by '+')."""
    peak: Number
    """Peak FLOP/s of the unit (composite: the highest of its parts')."""
    ridge_point: Number
    """peak / main-memory bandwidth, FLOP/byte (composite: of the highest-peak part's unit)."""
    utilisation_of_tile: Number = 1.0
    """Useful / executed MACs on the unit (1 on vector units)."""
    lowering: str = "direct"
    """How the op maps onto the unit: 'gemm' (matrix unit), 'vector', 'per_channel_gemm', 'block_diagonal'."""
    efficiency: Any = None
    """The ``Efficiency`` ceilings applied (a calibrated device), or None for the raw roofline."""
    parts: tuple["Projection", ...] = field(default=())
    binding: Bound | None = None
    """A leaf's binding roof: compute, memory, none (a view), folded or symbolic; None for a composite."""
    bound_by: str = ""
    """What binds a leaf: the unit (compute), the memory level (memory), the conv it is folded into."""
    expected_time: Number = None  # type: ignore[assignment]
    """Expected time, seconds: the bound plus every term that moves it (fitted or calibrated
    efficiency ceilings, size ramp, short reduction, per-op and per-step overhead); >= ``time``.
    Equal to ``time`` where the device has no terms for the op class (see ``expected``)."""
    expected: tuple[Term, ...] = ()
    """The terms of ``expected_time`` (seconds each adds, in words); they sum to it."""
    algorithm: str = "direct"
    """The convolution algorithm the bound assumes ('direct', 'winograd_2x2_3x3',
    'winograd_4x4_3x3', 'fft'; see projection.algorithms); a composite lists its parts' once each."""

    def __post_init__(self) -> None:
        """A leaf built by hand (or by an older caller) with only ``bound`` in words gets its
        ``binding`` and ``bound_by`` read from them, so ``compute_bound`` answers as it did."""
        if self.binding is None and not self.parts:
            binding, by = binding_of_words(self.bound)
            object.__setattr__(self, "binding", binding)
            object.__setattr__(self, "bound_by", self.bound_by or by)
        if self.expected_time is None:
            object.__setattr__(self, "expected_time", self.time)

    # -- derived ----------------------------------------------------------------------------
    @property
    def intensity(self) -> Number:
        """Arithmetic intensity, FLOP/byte, of the useful FLOPs over main-memory traffic."""
        return ratio(self.flops, self.traffic)

    @property
    def attainable(self) -> Number:
        """Attainable useful FLOP/s: flops / time."""
        return ratio(self.flops, self.time)

    @property
    def utilisation(self) -> Number:
        """Attainable / peak of the unit (0..1)."""
        return ratio(self.attainable, self.peak)

    @property
    def per_second(self) -> Number:
        """Layers (or networks) per second: 1 / time."""
        return ratio(1, self.time)

    @property
    def images_per_second(self) -> Number:
        """Images per second: batch / time."""
        return ratio(self.batch, self.time)

    @property
    def expected_per_second(self) -> Number:
        """Layers (or networks) per second at the expected time: 1 / expected_time."""
        return ratio(1, self.expected_time)

    @property
    def expected_images_per_second(self) -> Number:
        """Images per second at the expected time: batch / expected_time."""
        return ratio(self.batch, self.expected_time)

    @property
    def of_bound(self) -> Number:
        """bound / expected time (0..1]: the share of the roofline the op is expected to reach."""
        return ratio(self.time, self.expected_time)

    @property
    def compute_bound(self) -> bool:
        """True when the compute roof binds (a leaf), or binds the most time (a composite)."""
        if not self.parts:
            return self.binding == Bound.COMPUTE
        return max(self.parts, key=lambda p: float(p.time)).compute_bound

    @property
    def main_memory_time(self) -> Number:
        return next(iter(self.memory_time.values()))

    def table(self) -> Table:
        """The projection (and its parts) as a table with units."""
        rows = [p._row() for p in self.parts] + [self._row()]
        return Table(
            title=f"{self.name} on {self.device} at {self.precision}, traffic '{self.traffic_model}'",
            columns=["op", "unit", "lowering", "algorithm", "bound", "FLOP", "traffic (bytes)", "intensity (FLOP/B)",
                     "compute (us)", "memory (us)", "time (us)", "expected (us)", "attainable (TFLOP/s)",
                     "of peak", "batches per second (1/s)"],
            rows=rows, name="projection", total_rows=1 if self.parts else 0,
            notes=[f"batches per second: 1 / time, each a batch of {self.batch} image(s); images per second = "
                   "batch / time."],
        )

    def expected_table(self) -> Table:
        """The expected time term by term: what each term adds (us) and why, summing to it."""
        rows = [[t.name, _cell(t.seconds, 1e6), t.detail] for t in self.expected]
        rows.append(["expected", _cell(self.expected_time, 1e6), f"runs at {float(self.of_bound):.0%} of the bound's speed"
                     if is_num(self.expected_time) else "symbolic"])
        e = self.efficiency
        if e is None:
            note = "terms: none for this op here (the expected time is the bound)" if not self.parts else \
                "terms: each part's own (see the parts' projections)"
        else:
            note = f"terms: {e.source}"
            if e.held_out_median_error is not None:
                note += (f"; on {e.held_out_layers} held-out rows median |error| {e.held_out_median_error:.0%}, "
                         f"p90 {e.held_out_p90_error:.0%}")
        return Table(title=f"{self.name} on {self.device} at {self.precision}: expected time, term by term",
                     columns=["term", "adds (us)", "what"], rows=rows, notes=[note], name="expected", total_rows=1)

    def _row(self) -> list[Any]:
        return [self.name, self.unit, self.lowering, self.algorithm, self.bound, _cell(self.flops), _cell(self.traffic),
                _cell(self.intensity), _cell(self.compute_time, 1e6), _cell(self.main_memory_time, 1e6),
                _cell(self.time, 1e6), _cell(self.expected_time, 1e6), _cell(self.attainable, 1e-12), _cell(self.utilisation), _cell(self.per_second)]

    def __str__(self) -> str:
        return self.table().to_markdown()

    def _repr_markdown_(self) -> str:
        return str(self)


def replaced(p: Projection, **changes: Any) -> Projection:
    """``dataclasses.replace(p, **changes)`` for fields whose consistency the caller keeps (a
    name, or a leaf's roof), without re-running the constructor: the other fields, ``parts``
    and ``memory_time`` included, are shared with ``p``."""
    new = object.__new__(Projection)
    new.__dict__.update(p.__dict__)
    for name, value in changes.items():
        object.__setattr__(new, name, value)
    return new


def _cell(value: Number, scale: float = 1.0) -> Any:
    """A table cell: a number scaled to the column's unit (exact ints kept), an expression as text."""
    if is_num(value):
        return float(value) * scale if not isinstance(value, int) or scale != 1.0 else value
    return str(value * scale) if scale != 1.0 else str(value)


def bound_words(binding: Bound, by: str) -> str:
    """A leaf's ``bound`` in words: 'compute: tensor', 'memory: hbm', 'folded into conv1', ..."""
    if binding in (Bound.COMPUTE, Bound.MEMORY):
        return f"{binding}: {by}"
    if binding == Bound.FOLDED:
        return f"folded into {by}"
    if binding == Bound.NONE:
        return "none (a view: no ops, no bytes)"
    return "symbolic (see compute_time and memory_time)"


def binding_of_words(words: str) -> tuple[Bound, str]:
    """The inverse of :func:`bound_words`, for projections built with ``bound`` only."""
    for binding in (Bound.COMPUTE, Bound.MEMORY):
        if words.startswith(f"{binding}"):
            return binding, words.partition(": ")[2]
    if words.startswith("folded into "):
        return Bound.FOLDED, words[len("folded into "):]
    if words.startswith("none"):
        return Bound.NONE, ""
    return Bound.SYMBOLIC, ""


def bound_summary(parts: tuple[Projection, ...]) -> str:
    """'memory: hbm 71%, compute: tensor 29%': each leaf roof's share of the total time."""
    shares: dict[str, float] = {}
    stack = list(parts)
    while stack:
        p = stack.pop()
        if p.parts:
            stack.extend(p.parts)
        elif is_num(p.time):
            shares[p.bound] = shares.get(p.bound, 0.0) + float(p.time)
        else:
            return "symbolic (see the parts)"
    total = sum(shares.values())
    if not total:
        return "none"
    ranked = sorted(((t, b) for b, t in shares.items() if t > 0), reverse=True)
    return ", ".join(f"{b} {100 * t / total:.0f}%" for t, b in ranked)


def combine(name: str, device_id: str, precision: str, traffic: str, batch: Number,
            parts: tuple[Projection, ...], summary: bool = False) -> Projection:
    """Parts' times summed. ``summary`` (networks): ``unit``/``lowering`` list each distinct value
    once and ``bound`` gives each binding roof's share of the time, instead of one entry per part."""
    def total(attr: str) -> Number:
        values = [getattr(p, attr) for p in parts]
        return sum(values[1:], values[0])

    levels = parts[0].memory_time.keys()
    top = max(parts, key=lambda p: float(p.peak))
    executed, flops = total("executed_flops"), total("flops")
    return Projection(
        name=name, device=device_id, precision=precision, traffic_model=traffic, batch=batch,
        flops=flops, executed_flops=executed, traffic=total("traffic"),
        compute_time=total("compute_time"),
        memory_time={lvl: sum((p.memory_time[lvl] for p in parts[1:]), parts[0].memory_time[lvl]) for lvl in levels},
        time=total("time"), bound=bound_summary(parts) if summary else " + ".join(p.bound for p in parts),
        unit="+".join(dict.fromkeys(p.unit for p in parts) if summary else (p.unit for p in parts)),
        peak=top.peak, ridge_point=top.ridge_point, utilisation_of_tile=ratio(flops, executed),
        lowering="+".join(dict.fromkeys(p.lowering for p in parts) if summary else (p.lowering for p in parts)),
        parts=parts, algorithm="+".join(dict.fromkeys(p.algorithm for p in parts)),
        expected_time=total("expected_time"), expected=summed_terms(parts),
    )


def summed_terms(parts: tuple[Projection, ...], extra: tuple[Term, ...] = ()) -> tuple[Term, ...]:
    """The parts' terms added up by name (in :data:`TERMS` order), then ``extra``."""
    seconds: dict[str, Number] = {}
    count: dict[str, int] = {}
    for p in parts:
        for t in p.expected or (Term("bound", p.expected_time, ""),):
            seconds[t.name] = seconds[t.name] + t.seconds if t.name in seconds else t.seconds
            count[t.name] = count.get(t.name, 0) + 1
    ordered = [name for name in TERMS if name in seconds]
    return tuple(Term(n, seconds[n], f"summed over {count[n]} op{'s' if count[n] > 1 else ''}") for n in ordered) + extra
