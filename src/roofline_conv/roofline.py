"""Roofline projection of layers onto devices.

For one op on one compute unit (a *leaf* projection):

* the unit is chosen from the device's ``unit_for`` preference list for the op kind (conv,
  pointwise, depthwise) at the precision, or named by the caller (``unit=``);
* on a **matrix unit** the op's im2col GEMM is laid onto the unit's (rows, cols) = (K, N) tile,
  SCALE-Sim style: K and N are padded up to whole tiles, M streams through. Utilisation =
  useful MACs / executed MACs. A depthwise conv placed on a matrix unit is lowered the way the
  device's compiler does it (``device.depthwise_lowering``): per-channel tiny GEMMs (K = Kh Kw,
  N = multiplier) or one dense conv with block-diagonal weights (groups-fold wasted MACs);
* compute time = executed FLOPs / unit peak; memory time per level = traffic bytes / level
  bandwidth (the traffic model's bytes cross main memory; inner levels see at least those bytes,
  so their times are lower bounds); predicted time = the largest of them (the binding roof).

A ``DepSep`` (and any sequence of layers) is projected part by part, each part on its own unit,
and the times summed. Under the fused (``compulsory``) model the DepSep intermediate is charged
to neither part. Symbolic layers yield sympy expressions for every time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

import sympy as sp

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, FLOPS_PER_MAC, bytes_per_element, check_precision, check_traffic_model
from .layers import Conv2d, DepSep, Layer
from .report import Table

if TYPE_CHECKING:  # pragma: no cover
    from .devices import Device

Number = Union[int, float, sp.Expr]


def _is_num(*values: Any) -> bool:
    for v in values:
        if type(v) is int or type(v) is float:  # the common case, checked first for speed
            continue
        if isinstance(v, sp.Basic) and not v.is_Number:
            return False
    return True


def _ceil_div(a: Number, b: int) -> Number:
    if _is_num(a):
        return -(-int(a) // b)
    return sp.ceiling(sp.sympify(a) / b)


def _max(values: Sequence[Number]) -> Number:
    if all(type(v) is float for v in values):  # the common case (times), checked first for speed
        return max(values)
    if _is_num(*values):
        return max(float(v) for v in values)
    return sp.Max(*values)


def tile_utilisation(k: Any, n: Any, tile: tuple[int, int]) -> Any:
    """Fraction of a (rows, cols) = (K, N) matrix unit doing useful work on a GEMM with
    reduction length ``k`` and ``n`` output columns: (k n) / (ceil(k/R) R ceil(n/C) C).
    ``k`` and ``n`` may be ints (exact), sympy expressions, or numpy integer arrays (vectorised)."""
    rows, cols = tile
    if hasattr(k, "dtype") or hasattr(n, "dtype"):  # numpy arrays: integer ceiling division, float ratio
        padded = -(-k // rows) * rows * (-(-n // cols) * cols)
        return (k * n).astype(float) / padded
    padded = _ceil_div(k, rows) * rows * _ceil_div(n, cols) * cols
    if _is_num(k, n):  # exact ints: true division of ints is correctly rounded, as float(Rational) is
        return int(k) * int(n) / int(padded)
    util = sp.sympify(k) * n / padded
    return float(util) if _is_num(util) else util


def choose_lowering(op_kind: str, unit_kind: str, device: "Device", lowering: str | None = None) -> str:
    """How an op of ``op_kind`` maps onto a unit of ``unit_kind``: 'vector' on vector units,
    'gemm' on matrix units, and for a depthwise conv on a matrix unit the device's (or the given)
    depthwise lowering, 'per_channel_gemm' when that says 'vector' (the honest matrix-unit bound)."""
    if unit_kind != "matrix":
        return "vector"
    if op_kind != "depthwise":
        return "gemm"
    how = lowering or device.depthwise_lowering.method
    return "per_channel_gemm" if how == "vector" else how


def gemm_utilisation(how: str, n: Any, k: Any, groups: Any, tile: tuple[int, int]) -> Any:
    """Useful / executed MACs of a (grouped) im2col GEMM on a matrix unit lowered as ``how``:
    ``block_diagonal`` is one dense GEMM with K = k x groups whose off-block weights are zero
    (tile utilisation / groups); otherwise each group's (m, n/groups, k) GEMM on the tile."""
    if how == "block_diagonal":
        util = tile_utilisation(k * groups, n, tile)
        return util / groups if hasattr(util, "dtype") else _ratio(util, groups)
    if hasattr(n, "dtype") or hasattr(groups, "dtype"):
        return tile_utilisation(k, n // groups, tile)
    n_group = n // groups if _is_num(n, groups) else sp.sympify(n) / groups
    return tile_utilisation(k, n_group, tile)


def roof_time(compute: Any, memory: Sequence[Any], efficiency: Any = None,
              maximum: Callable[[Any, Any], Any] | None = None) -> Any:
    """The predicted time of one op from its compute time and its memory time per level: the
    largest (the roofline), or, under a calibrated ceiling that does not ``overlap``, compute plus
    the largest memory time; plus the ceiling's fixed ``overhead``. ``maximum`` is the pairwise
    max for the value type (``numpy.maximum`` for arrays; default: numbers and sympy)."""
    if maximum is None:
        def maximum(a: Any, b: Any) -> Any:
            return _max([a, b])
    slowest_memory = memory[0]
    for m in memory[1:]:
        slowest_memory = maximum(slowest_memory, m)
    if efficiency is None or efficiency.overlap:
        time = maximum(compute, slowest_memory)
    else:  # the kernel moves data, then computes: the roofs add
        time = compute + slowest_memory
    if efficiency is not None and efficiency.overhead:
        time = time + efficiency.overhead
    return time


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
    """The binding roof, e.g. 'compute: tensor' or 'memory: hbm'; for composites the parts' bounds."""
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

    # -- derived ----------------------------------------------------------------------------
    @property
    def intensity(self) -> Number:
        """Arithmetic intensity, FLOP/byte, of the useful FLOPs over main-memory traffic."""
        return _ratio(self.flops, self.traffic)

    @property
    def attainable(self) -> Number:
        """Attainable useful FLOP/s: flops / time."""
        return _ratio(self.flops, self.time)

    @property
    def utilisation(self) -> Number:
        """Attainable / peak of the unit (0..1)."""
        return _ratio(self.attainable, self.peak)

    @property
    def per_second(self) -> Number:
        """Layers (or networks) per second: 1 / time."""
        return _ratio(1, self.time)

    @property
    def images_per_second(self) -> Number:
        """Images per second: batch / time."""
        return _ratio(self.batch, self.time)

    @property
    def compute_bound(self) -> bool:
        """True when the compute roof binds (a leaf), or binds the most time (a composite)."""
        return self.bound.startswith("compute") if not self.parts else max(
            self.parts, key=lambda p: float(p.time)).compute_bound

    @property
    def main_memory_time(self) -> Number:
        return next(iter(self.memory_time.values()))

    def table(self) -> Table:
        """The projection (and its parts) as a table with units."""
        rows = [p._row() for p in self.parts] + [self._row()]
        return Table(
            title=f"{self.name} on {self.device} at {self.precision}, traffic '{self.traffic_model}'",
            columns=["op", "unit", "lowering", "bound", "FLOP", "traffic (bytes)", "intensity (FLOP/B)",
                     "compute (us)", "memory (us)", "time (us)", "attainable (TFLOP/s)", "of peak",
                     "per second"],
            rows=rows,
        )

    def _row(self) -> list[Any]:
        return [self.name, self.unit, self.lowering, self.bound, _f(self.flops), _f(self.traffic),
                _f(self.intensity), _f(self.compute_time, 1e6), _f(self.main_memory_time, 1e6),
                _f(self.time, 1e6), _f(self.attainable, 1e-12), _f(self.utilisation), _f(self.per_second)]

    def __str__(self) -> str:
        return self.table().to_markdown()

    def _repr_markdown_(self) -> str:
        return str(self)


def _f(value: Number, scale: float = 1.0) -> Any:
    if _is_num(value):
        return float(value) * scale if not isinstance(value, int) or scale != 1.0 else value
    return str(value * scale) if scale != 1.0 else str(value)


def _ratio(a: Number, b: Number) -> Number:
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float) and b != 0:  # fast path, same arithmetic
        return float(a) / float(b)
    if _is_num(a, b):
        if b == 0:  # a layer that moves or does nothing (a view, a fused epilogue): 0/0 -> 0
            return 0.0 if a == 0 else math.inf
        return float(a) / float(b)
    return sp.simplify(sp.sympify(a) / b)


# ---------------------------------------------------------------------------------------------
def ridge_point(device: "Device", unit: str, precision: str, level: str | None = None) -> float:
    """Intensity (FLOP/byte) where ``unit``'s peak at ``precision`` meets ``level``'s bandwidth."""
    return device.ridge_point(unit, precision, level)


def project(
    layer: Union[Layer, Iterable[Layer]],
    device: "Device | str",
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool = True,
    fuse: bool | None = None,
) -> Projection:
    """Project ``layer`` (a layer, a DepSep, a network, or an iterable of layers) onto ``device``.

    ``precision`` (default fp16) sets bytes per element and the peak used; ``traffic`` (default
    'compulsory') the traffic model; ``unit`` overrides the unit choice (a unit name for every op,
    or a mapping op kind -> unit name; keys may be device op kinds ``conv``/``pointwise``/
    ``depthwise``, layer kinds such as ``linear`` or ``relu``, or ``vector`` for every
    elementwise/pool/BN op); ``lowering`` overrides the device's depthwise lowering.
    ``calibrated`` applies the device's fitted efficiency ceilings (``device.efficiency``, set by
    ``roofline-conv calibrate``) when it has any: compute and memory roofs lowered to e x peak.
    ``fuse`` (networks only; default: the network's own setting) folds BatchNorm into the
    preceding conv and applies the activation in its epilogue (see ``docs/networks.md``).

    Layer kinds beyond convolutions: ``Linear`` runs on the matrix units like a pointwise conv
    (GEMM (batch, out, in), tile padding); pooling, BatchNorm, activations, ``Add``, ``Scale``
    and ``Flatten`` run on the first vector unit with the precision (a vector unit without it
    computes in fp32; a device with no vector unit uses its depthwise unit list, and
    ``lowering`` says so); a ``SqueezeExcitation`` is projected part by part; a network node by
    node, the result's ``parts`` being one projection per node, named after it.
    """
    from .devices import Device, get
    from .network import Network

    dev = get(device) if isinstance(device, str) else device
    if not isinstance(dev, Device):
        raise ValueError(f"device={device!r} must be a Device or a catalog id")
    check_precision(precision)
    check_traffic_model(traffic, "traffic")
    if lowering is not None and lowering not in ("vector", "per_channel_gemm", "block_diagonal"):
        raise ValueError(f"lowering={lowering!r} must be one of vector, per_channel_gemm, block_diagonal")
    if isinstance(layer, Network):
        return _project_network(layer, dev, precision, traffic, unit, lowering, calibrated, fuse)
    if fuse is not None:
        raise ValueError("fuse= applies to networks only (a Sequential); a single layer has nothing to fuse")
    if isinstance(layer, Layer):
        return _project_layer(layer, dev, precision, traffic, unit, lowering, calibrated)
    layers = list(layer)
    if not layers:
        raise ValueError("project() needs at least one layer")
    parts = tuple(project(l, dev, precision, traffic, unit, lowering, calibrated) for l in layers)
    return _combine(f"{len(parts)} layers", dev, precision, traffic, layers[0].batch, parts)  # type: ignore[attr-defined]


def _project_layer(
    layer: Layer,
    dev: "Device",
    precision: str,
    traffic: str,
    unit: str | Mapping[str, str] | None,
    lowering: str | None,
    calibrated: bool,
    elements: Any = None,
    name: str | None = None,
    memo: dict[Any, Any] | None = None,
) -> Projection:
    """One layer (leaf or composite). ``elements`` overrides the traffic (in elements) charged to
    it, as a network does for fused conv + BN + activation groups. ``memo`` caches the unit choice
    per layer kind across the layers of one ``project`` call (a network's)."""
    if isinstance(layer, DepSep):
        extra = 0 if elements is None else elements - layer.traffic_elements(traffic)
        dw, pw = layer.parts
        fused = traffic == "compulsory"
        parts = (
            _leaf(dw, dev, precision, traffic, unit, lowering, calibrated, skip_output=fused),
            _leaf(pw, dev, precision, traffic, unit, lowering, calibrated, skip_input=fused, extra=extra),
        )
        return _combine(name or "DepSep", dev, precision, traffic, layer.batch, parts)
    if isinstance(layer, Conv2d):
        return _leaf(layer, dev, precision, traffic, unit, lowering, calibrated, elements=elements, name=name, memo=memo)
    how = getattr(layer, "roofline_op", None)
    if how == "gemm":
        return _leaf(layer, dev, precision, traffic, unit, lowering, calibrated, elements=elements, name=name,  # type: ignore[arg-type]
                     memo=memo)
    if how == "vector":
        return _vector_leaf(layer, dev, precision, traffic, unit, calibrated, elements=elements, name=name, memo=memo)
    if how == "composite":
        shares = list(layer.part_traffic_elements(traffic))  # type: ignore[attr-defined]
        if elements is not None:
            shares[-1] += elements - layer.traffic_elements(traffic)
        parts = tuple(
            _project_layer(p, dev, precision, traffic, unit, lowering, calibrated, elements=e, memo=memo)
            for p, e in zip(layer.parts, shares)  # type: ignore[attr-defined]
        )
        return _combine(name or layer.kind, dev, precision, traffic, layer.batch, parts,  # type: ignore[attr-defined]
                        summary=True)
    raise ValueError(f"layer kind {type(layer).__name__} cannot be projected yet")


def _project_network(
    net: Any,
    dev: "Device",
    precision: str,
    traffic: str,
    unit: str | Mapping[str, str] | None,
    lowering: str | None,
    calibrated: bool,
    fuse: bool | None,
) -> Projection:
    """A network node by node; each node charged its (fusion-aware) traffic. A BatchNorm folded
    into the conv before it costs nothing at inference: its scale and shift live in that conv's
    weights and bias, so its part has zero time (bound 'folded into ...')."""
    elements = net.node_traffic_elements(traffic, fuse)
    fused_into = net.fused_into(fuse)
    memo: dict[Any, Any] = {}
    parts = []
    for node, e in zip(net.nodes, elements):
        part = _project_layer(node.layer, dev, precision, traffic, unit, lowering, calibrated, elements=e,
                              name=node.name, memo=memo)
        if node.kind == "batchnorm" and node.index in fused_into:
            head = net.nodes[fused_into[node.index]].name
            part = replace(part, executed_flops=0, compute_time=0.0, time=0.0, bound=f"folded into {head}",
                           memory_time={level: 0.0 for level in part.memory_time})
        parts.append(part)
    return _combine(net.name, dev, precision, traffic, net.batch, tuple(parts), summary=True)


UPCAST = "fp32"
"""The precision a unit computes in when it lacks the storage precision (e.g. a TPUv2 VPU on bf16)."""


def project_ops(
    ops: Sequence[tuple[str, Layer, Any]],
    device: "Device | str",
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool = True,
    name: str = "ops",
    batch: Number = 1,
) -> Projection:
    """Named ops ``(name, layer, elements)`` projected one part each (``elements`` overrides the
    layer's traffic in elements when not None) and summed like a network: how
    :mod:`roofline_conv.training` projects a backward pass. Each op is placed by its ``kind``
    exactly as a layer of that kind would be."""
    from .devices import Device, get

    dev = get(device) if isinstance(device, str) else device
    if not isinstance(dev, Device):
        raise ValueError(f"device={device!r} must be a Device or a catalog id")
    check_precision(precision)
    check_traffic_model(traffic, "traffic")
    if not ops:
        raise ValueError("project_ops() needs at least one op")
    memo: dict[Any, Any] = {}
    parts = tuple(
        _project_layer(layer, dev, precision, traffic, unit, lowering, calibrated, elements=e, name=n, memo=memo)
        for n, layer, e in ops
    )
    return _combine(name, dev, precision, traffic, batch, parts, summary=True)


_DEVICE_OP_KIND = {"linear": "pointwise"}
"""Device op kind (``unit_for`` key) of layer kinds that are not convolutions but run like one."""


def _pick_unit(op_kind: str, dev: "Device", precision: str, unit: str | Mapping[str, str] | None,
               alias: str | None = None) -> tuple[str, str]:
    """(unit name, compute precision). A named unit without the storage precision computes in
    fp32 when it can (vector units upcast 16/8-bit data); the result states it. ``alias`` (a
    layer kind, e.g. 'linear') is looked up in a ``unit`` mapping before ``op_kind``."""
    if isinstance(unit, Mapping):
        name = unit.get(alias) if alias is not None and alias in unit else unit.get(op_kind)
    else:
        name = unit
    if name is None:
        return dev.choose_unit(op_kind, precision), precision
    if name not in dev.units:
        raise ValueError(f"unit={name!r} is not a unit of {dev.id}; it has {', '.join(dev.units)}")
    if dev.supports(name, precision):
        return name, precision
    if dev.units[name].kind == "vector" and dev.supports(name, UPCAST):
        return name, UPCAST
    dev.peak(name, precision)  # raises the device's clear error
    raise AssertionError("unreachable")  # pragma: no cover


def _leaf(
    layer: Conv2d,
    dev: "Device",
    precision: str,
    traffic: str,
    unit: str | Mapping[str, str] | None,
    lowering: str | None,
    calibrated: bool = True,
    skip_input: bool = False,
    skip_output: bool = False,
    extra: Any = 0,
    elements: Any = None,
    name: str | None = None,
    memo: dict[Any, Any] | None = None,
) -> Projection:
    op_kind = _DEVICE_OP_KIND.get(layer.kind, layer.kind)
    chosen = memo.get(("gemm", layer.kind)) if memo is not None else None
    if chosen is None:
        unit_name, compute_precision = _pick_unit(op_kind, dev, precision, unit, alias=layer.kind)
        chosen = (unit_name, compute_precision, dev.peak(unit_name, compute_precision),
                  dev.ridge_point(unit_name, compute_precision))
        if memo is not None:
            memo[("gemm", layer.kind)] = chosen
    unit_name, compute_precision, peak, ridge = chosen
    cu = dev.units[unit_name]
    flops = layer.flops
    macs = layer.macs
    util: Number = 1.0
    how = choose_lowering(op_kind, cu.kind, dev, lowering)
    if cu.kind == "matrix":
        assert cu.tile is not None
        m, n, k = layer.gemm
        util = gemm_utilisation(how, n, k, layer.groups, cu.tile)
    executed_macs = macs if util == 1.0 else _ratio(macs, util)
    executed = FLOPS_PER_MAC * executed_macs + layer.bias_adds
    if elements is None:
        elements = layer.traffic_elements(traffic)
        if skip_input:
            elements -= layer.input_elements
        if skip_output:
            elements -= layer.output_elements
        elements += extra
    nbytes = elements * bytes_per_element(precision)
    eff = dev.efficiency.get(op_kind) if calibrated else None
    e_compute, e_memory = (eff.compute, eff.memory) if eff else (1.0, 1.0)
    compute = _ratio(executed, peak * e_compute)
    memory = {name: _ratio(nbytes, level.bandwidth.value * e_memory) for name, level in dev.memory.items()}
    time = roof_time(compute, list(memory.values()), eff)
    if _is_num(time):
        main = next(iter(memory))
        bound = f"compute: {unit_name}" if float(compute) >= float(memory[main]) else f"memory: {main}"
    else:
        bound = "symbolic (see compute_time and memory_time)"
    return Projection(
        name=name or layer.kind, device=dev.id, precision=precision, traffic_model=traffic, batch=layer.batch,
        flops=flops, executed_flops=executed, traffic=nbytes, compute_time=compute, memory_time=memory,
        time=time, bound=bound, unit=unit_name, peak=peak,
        ridge_point=ridge, utilisation_of_tile=util,
        lowering=how if compute_precision == precision else f"{how} (computes in {compute_precision})",
        efficiency=eff,
    )


def _pick_vector_unit(kind: str, dev: "Device", precision: str, unit: str | Mapping[str, str] | None) -> tuple[str, str, str]:
    """(unit, compute precision, lowering) for an elementwise/pool/BN op: a named unit (``unit``
    as a name, or a mapping with the layer kind or ``"vector"``), else the first vector unit with
    the precision, else the first vector unit computing in fp32, else the device's depthwise
    unit list (a device whose catalog entry lists no vector unit, e.g. TPU v4/v5e)."""
    name = (unit.get(kind, unit.get("vector")) if isinstance(unit, Mapping) else unit)
    if name is not None:
        chosen, cp = _pick_unit(kind, dev, precision, name)
        how = "vector" if dev.units[chosen].kind == "vector" else f"elementwise on {chosen}"
        return chosen, cp, how
    vectors = [n for n, u in dev.units.items() if u.kind == "vector"]
    for n in vectors:
        if precision in dev.units[n].peaks:
            return n, precision, "vector"
    for n in vectors:
        if UPCAST in dev.units[n].peaks:
            return n, UPCAST, "vector"
    chosen = dev.choose_unit("depthwise", precision)
    return chosen, precision, f"elementwise on {chosen} (no vector unit listed)"


def _vector_leaf(
    layer: Layer,
    dev: "Device",
    precision: str,
    traffic: str,
    unit: str | Mapping[str, str] | None,
    calibrated: bool = True,
    elements: Any = None,
    name: str | None = None,
    memo: dict[Any, Any] | None = None,
) -> Projection:
    """An elementwise / pooling / BatchNorm op: ``ops`` FLOPs on a vector unit (no tile), its
    bytes over every memory level; memory-bound in practice. No efficiency ceilings are applied
    (calibration fits conv op classes only)."""
    chosen = memo.get(("vector", layer.kind)) if memo is not None else None
    if chosen is None:
        unit_name, compute_precision, how = _pick_vector_unit(layer.kind, dev, precision, unit)
        chosen = (unit_name, compute_precision, how, dev.peak(unit_name, compute_precision),
                  dev.ridge_point(unit_name, compute_precision),
                  tuple((lvl, level.bandwidth.value) for lvl, level in dev.memory.items()))
        if memo is not None:
            memo[("vector", layer.kind)] = chosen
    unit_name, compute_precision, how, peak, ridge, levels = chosen
    flops = layer.flops
    if elements is None:
        elements = layer.traffic_elements(traffic)
    nbytes = elements * bytes_per_element(precision)
    if type(flops) is int and type(nbytes) is int:  # the numeric fast path (a network's hot loop)
        compute = flops / peak
        memory = {lvl: nbytes / bw for lvl, bw in levels}
        time = max(compute, *memory.values())
    else:
        compute = _ratio(flops, peak)
        memory = {lvl: _ratio(nbytes, bw) for lvl, bw in levels}
        time = _max([compute, *memory.values()])
    if not _is_num(time):
        bound = "symbolic (see compute_time and memory_time)"
    elif time == 0:
        bound = "none (a view: no ops, no bytes)"
    else:
        main = next(iter(memory))
        bound = f"compute: {unit_name}" if float(compute) >= float(memory[main]) else f"memory: {main}"
    return Projection(
        name=name or layer.kind, device=dev.id, precision=precision, traffic_model=traffic,
        batch=layer.batch,  # type: ignore[attr-defined]
        flops=flops, executed_flops=flops, traffic=nbytes, compute_time=compute, memory_time=memory,
        time=time, bound=bound, unit=unit_name, peak=peak,
        ridge_point=ridge, utilisation_of_tile=1.0,
        lowering=how if compute_precision == precision else f"{how} (computes in {compute_precision})",
    )


def _combine(name: str, dev: "Device", precision: str, traffic: str, batch: Number, parts: tuple[Projection, ...],
             summary: bool = False) -> Projection:
    """Parts' times summed. ``summary`` (networks): ``unit``/``lowering`` list each distinct value
    once and ``bound`` gives each binding roof's share of the time, instead of one entry per part."""
    def total(attr: str) -> Number:
        values = [getattr(p, attr) for p in parts]
        return sum(values[1:], values[0])

    levels = parts[0].memory_time.keys()
    top = max(parts, key=lambda p: float(p.peak))
    executed, flops = total("executed_flops"), total("flops")
    return Projection(
        name=name, device=dev.id, precision=precision, traffic_model=traffic, batch=batch,
        flops=flops, executed_flops=executed, traffic=total("traffic"),
        compute_time=total("compute_time"),
        memory_time={lvl: sum((p.memory_time[lvl] for p in parts[1:]), parts[0].memory_time[lvl]) for lvl in levels},
        time=total("time"), bound=_bound_summary(parts) if summary else " + ".join(p.bound for p in parts),
        unit="+".join(dict.fromkeys(p.unit for p in parts) if summary else (p.unit for p in parts)),
        peak=top.peak, ridge_point=top.ridge_point, utilisation_of_tile=_ratio(flops, executed),
        lowering="+".join(dict.fromkeys(p.lowering for p in parts) if summary else (p.lowering for p in parts)),
        parts=parts,
    )


def _bound_summary(parts: tuple[Projection, ...]) -> str:
    """'memory: hbm 71%, compute: tensor 29%': each leaf roof's share of the total time."""
    shares: dict[str, float] = {}
    stack = list(parts)
    while stack:
        p = stack.pop()
        if p.parts:
            stack.extend(p.parts)
        elif _is_num(p.time):
            shares[p.bound] = shares.get(p.bound, 0.0) + float(p.time)
        else:
            return "symbolic (see the parts)"
    total = sum(shares.values())
    if not total:
        return "none"
    ranked = sorted(((t, b) for b, t in shares.items() if t > 0), reverse=True)
    return ", ".join(f"{b} {100 * t / total:.0f}%" for t, b in ranked)
