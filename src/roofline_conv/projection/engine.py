"""Projection of layers, composites and networks onto a device object (no catalog look-up:
:mod:`roofline_conv.roofline` resolves ids and is the public entry point).

A leaf is one op on one unit: placed by :mod:`.placement`, its executed FLOPs and bytes put
through :func:`.arith.leaf_times`. A composite layer (``roofline_op == "composite"``: DepSep,
SqueezeExcitation) is projected part by part, each part charged its share of the traffic
(``part_traffic_elements``: under the fused model a DepSep's intermediate is charged to neither
part) and the times summed. A network (anything with ``nodes``, ``node_traffic_elements`` and
``fused_into``: :class:`Graph`) is projected node by node with its fusion-aware traffic; a
network that offers ``memoised(key, compute)`` (an immutable :class:`~roofline_conv.network.Network`)
keeps its last :data:`PROJECTIONS_KEPT` projections per device and settings, so projecting the
same network again (a table, then its totals) costs a dictionary look-up.

A network's expected time honours its fusion (``fuse=``, default the network's own setting):
fused (a compiler, an inference engine), a BatchNorm folded into its conv costs nothing and an
activation in the conv's epilogue adds only its bound (no kernel of its own), and the elementwise
ops left standing (a residual Add) move their bytes but pay no per-op overhead (the compiler
fuses them into a neighbouring kernel); unfused (an eager framework), every BatchNorm, activation
and Add is its own kernel and pays the elementwise class's terms (ceiling and per-op overhead).
A network's forward pass then pays once the device's per-step overhead (``device.step``: the
``step`` term), which a training step replaces by its own (:func:`step_term`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ..conventions import Algorithm, Bound, Lowering, Precision, TrafficModel, parse_algorithm, parse_lowering, traffic_and_precision
from ..layers import KINDS
from ..validation import choice, flag, shown
from . import algorithms
from .arith import Number, executed_flops, is_num, leaf_times, padded_utilisation
from .expected import Term, expected_terms, expected_times
from .placement import choose_lowering, device_op_kind, lowering_label, pick_unit, pick_vector_unit
from .result import Projection, bound_words, combine, replaced


PROJECTIONS_KEPT = 16
"""Projections one network keeps (per device, precision, traffic, unit, lowering, calibration
and fusion), the oldest dropped first."""


@runtime_checkable
class Graph(Protocol):
    """What projection needs of a network: its nodes (each with ``name``, ``kind``, ``index`` and
    ``layer``), their traffic under fusion, and which BatchNorm is folded into which conv."""

    name: str
    nodes: Sequence[Any]
    batch: Any

    def node_traffic_elements(self, model: str = ..., fuse: bool | None = ...) -> list[Any]: ...

    def fused_into(self, fuse: bool | None = ...) -> dict[int, int]: ...


class _Settings:
    """One projection call's parsed arguments, and its per-kind placement cache."""

    __slots__ = ("dev", "precision", "traffic", "unit", "lowering", "calibrated", "memo", "bandwidths", "launch",
                 "algorithm")

    def __init__(self, dev: Any, precision: Precision, traffic: TrafficModel, unit: Any,
                 lowering: Lowering | None, calibrated: bool, algorithm: Algorithm | None = None) -> None:
        self.dev, self.precision, self.traffic = dev, precision, traffic
        self.unit, self.lowering, self.calibrated = unit, lowering, calibrated
        self.algorithm = algorithm
        self.memo: dict[Any, Any] = {}
        self.bandwidths = {name: level.bandwidth.value for name, level in dev.memory.items()}
        self.launch = True
        """False: elementwise ops are fused into neighbouring kernels (no per-op overhead)."""


def settings(dev: Any, precision: object, traffic: object, unit: Any = None, lowering: object = None,
             calibrated: bool = True, algorithm: object = None) -> _Settings:
    """Parse one call's arguments once (ValueErrors name the argument)."""
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    return _Settings(dev, precision, traffic, check_unit(unit, dev), parse_lowering(lowering),
                     flag(calibrated, "calibrated"), parse_algorithm(algorithm))


def check_unit(unit: Any, dev: Any) -> Any:
    """``unit=``: None (the device chooses), a unit name of ``dev``, or a mapping from layer
    kinds (``conv``, ``linear``, ``relu``, ...) or ``"vector"`` to unit names; any other key or
    name is refused, so an override is never silently ignored."""
    def named(name: Any, argument: str) -> None:
        if not isinstance(name, str) or name not in dev.units:
            raise ValueError(f"{argument}={shown(name)} is not a unit of {dev.id}; it has {', '.join(dev.units)}")

    if unit is None:
        return None
    if isinstance(unit, Mapping):
        for key, name in unit.items():
            choice(key, "unit key", (*KINDS, "vector"))
            named(name, f"unit[{key!r}]")
    else:
        named(unit, "unit")
    return unit


def project_on(layer: Any, dev: Any, precision: object = Precision.FP16, traffic: object = TrafficModel.COMPULSORY,
               unit: Any = None, lowering: object = None, calibrated: bool = True,
               fuse: bool | None = None, algorithm: object = None) -> Projection:
    """``layer`` (a layer, a composite, a network, or an iterable of layers) on the device object
    ``dev``; see :func:`roofline_conv.roofline.project` for the arguments."""
    s = settings(dev, precision, traffic, unit, lowering, calibrated, algorithm)
    if isinstance(layer, Graph):
        return _graph_memoised(layer, s, fuse)
    if fuse is not None:
        raise ValueError("fuse= applies to networks only (a Sequential); a single layer has nothing to fuse")
    if hasattr(layer, "roofline_op"):
        return project_layer(layer, s)
    if not isinstance(layer, Iterable) or isinstance(layer, (str, bytes)):
        raise ValueError(f"layer={layer!r} must be a layer, a network or an iterable of layers")
    layers = list(layer)
    if not layers:
        raise ValueError("project() needs at least one layer")
    parts = tuple(project_on(x, dev, s.precision, s.traffic, unit, s.lowering, calibrated, algorithm=s.algorithm)
                  for x in layers)
    return combine(f"{len(parts)} layers", dev.id, s.precision, s.traffic, layers[0].batch, parts)


def project_ops_on(ops: Sequence[tuple[str, Any, Any]], dev: Any, precision: object = Precision.FP16,
                   traffic: object = TrafficModel.COMPULSORY, unit: Any = None, lowering: object = None,
                   calibrated: bool = True, name: str = "ops", batch: Number = 1,
                   launch_elementwise: bool = True, algorithm: object = None) -> Projection:
    """Named ops ``(name, layer, elements)``, one part each (``elements`` overrides the layer's
    traffic in elements when not None), summed like a network. ``launch_elementwise=False``: the
    elementwise ops run fused into neighbouring kernels (no per-op overhead of their own)."""
    s = settings(dev, precision, traffic, unit, lowering, calibrated, algorithm)
    s.launch = flag(launch_elementwise, "launch_elementwise")
    if not ops:
        raise ValueError("project_ops() needs at least one op")
    parts = tuple(project_layer(layer, s, elements=e, name=n) for n, layer, e in ops)
    return combine(name, dev.id, s.precision, s.traffic, batch, parts, summary=True)


def project_pass_on(net: Graph, dev: Any, precision: object, traffic: object, unit: Any = None,
                    lowering: object = None, calibrated: bool = True, fused: bool = False) -> Projection:
    """A training step's forward pass: ``net`` unfused (every BatchNorm and activation moves its
    bytes: a BatchNorm cannot be folded in training), without the inference step overhead;
    ``fused`` (a compiler such as XLA) only spares the elementwise ops their per-op overhead."""
    s = settings(dev, precision, traffic, unit, lowering, calibrated)
    return _graph_memoised(net, s, False, launch=not flag(fused, "fused"), step_mode=None)


def step_term(dev: Any, mode: str, precision: object, calibrated: bool = True) -> Term | None:
    """The ``step`` term (a network's fixed cost per forward pass or training step, seconds) of
    ``dev`` for ``mode`` ('inference' or 'training') at ``precision``; None where the device has
    none (or ``calibrated=False``: the bound alone)."""
    if not calibrated:
        return None
    found = getattr(dev, "step", {}).get(mode, {}).get(str(precision))
    if found is None:
        return None
    return Term("step", found.seconds, f"{float(found.seconds) * 1e6:.3g} us per {mode} step ({found.source})")


def with_step(p: Projection, term: Term | None) -> Projection:
    """``p`` with the ``step`` term ``term`` added to its expected time (unchanged when None)."""
    if term is None:
        return p
    return replaced(p, expected_time=p.expected_time + term.seconds, expected=(*p.expected, term))


def _graph_memoised(net: Graph, s: _Settings, fuse: bool | None, launch: bool | None = None,
                    step_mode: str | None = "inference") -> Projection:
    """:func:`_graph`, kept on the network when it offers ``memoised`` (see the module docstring)."""
    memoised = getattr(net, "memoised", None)
    if memoised is None:
        return _graph(net, s, fuse, launch, step_mode)
    unit = tuple(sorted(s.unit.items())) if isinstance(s.unit, Mapping) else s.unit
    key = (s.dev, s.precision, s.traffic, unit, s.lowering, s.calibrated, fuse, launch, step_mode, s.algorithm)
    kept: dict[Any, Projection] = memoised("projections", dict)
    try:
        found = kept.get(key)
    except TypeError:  # a device object that cannot be a key: nothing is kept
        return _graph(net, s, fuse, launch, step_mode)
    if found is None:
        found = _graph(net, s, fuse, launch, step_mode)
        while len(kept) >= PROJECTIONS_KEPT:
            kept.pop(next(iter(kept)), None)
        kept[key] = found
    return found


def _graph(net: Graph, s: _Settings, fuse: bool | None, launch: bool | None = None,
           step_mode: str | None = "inference") -> Projection:
    """A network node by node; each node charged its (fusion-aware) traffic. A BatchNorm folded
    into the conv before it costs nothing at inference: its scale and shift live in that conv's
    weights and bias, so its part has zero time (bound 'folded into ...'); an activation in the
    conv's epilogue is expected at its bound. Nodes holding the same layer with the same traffic
    (a network's repeated blocks) are projected once, then renamed. ``launch``: whether the
    elementwise ops pay their per-op overhead (default: when unfused); ``step_mode``: the
    device's step overhead added (None: none)."""
    elements = net.node_traffic_elements(s.traffic, fuse)
    fused_into = net.fused_into(fuse)
    resolve = getattr(net, "resolve_fuse", None)
    fused = resolve(fuse) if resolve is not None else fuse is not False
    s.launch = not fused if launch is None else launch
    parts = []
    done: dict[tuple[int, Any], Projection] = {}
    for node, e in zip(net.nodes, elements):
        layer = node.layer
        same = done.get((id(layer), e))
        if same is None:
            part = done[(id(layer), e)] = project_layer(layer, s, elements=e, name=node.name)
        else:
            part = replaced(same, name=node.name)
        if node.kind == "batchnorm" and node.index in fused_into:
            head = net.nodes[fused_into[node.index]].name
            part = replaced(part, executed_flops=0, compute_time=0.0, time=0.0, binding=Bound.FOLDED, bound_by=head,
                            bound=bound_words(Bound.FOLDED, head), expected_time=0.0, expected=(),
                            memory_time={level: 0.0 for level in part.memory_time})
        elif node.index in fused_into:  # in the head's epilogue: no kernel, no overhead of its own
            head = net.nodes[fused_into[node.index]].name
            part = replaced(part, expected_time=part.time,
                            expected=(Term("bound", part.time, f"fused into {head}: its bound, no kernel of its own"),))
        parts.append(part)
    whole = combine(net.name, s.dev.id, s.precision, s.traffic, net.batch, tuple(parts), summary=True)
    return with_step(whole, step_term(s.dev, step_mode, s.precision, s.calibrated)) if step_mode else whole


def project_layer(layer: Any, s: _Settings, elements: Any = None, name: str | None = None) -> Projection:
    """One layer (leaf or composite). ``elements`` overrides the traffic (in elements) charged to
    it, as a network does for fused conv + BN + activation groups."""
    how = layer.roofline_op
    if how == "gemm":
        return _gemm_leaf(layer, s, elements, name)
    if how == "vector":
        return _vector_leaf(layer, s, elements, name)
    if how == "composite":
        shares = list(layer.part_traffic_elements(s.traffic))
        if elements is not None:  # the network's override is charged to the last part
            shares[-1] += elements - layer.traffic_elements(s.traffic)
        parts = tuple(project_layer(p, s, elements=e) for p, e in zip(layer.parts, shares))
        return combine(name or layer.projection_label or layer.kind, s.dev.id, s.precision, s.traffic, layer.batch,
                       parts, summary=layer.summarise_parts)
    raise ValueError(f"layer kind {type(layer).__name__} cannot be projected yet")


def _binding(compute: Any, memory: Mapping[str, Any], time: Any, unit_name: str) -> tuple[Bound, str]:
    if not is_num(time):
        return Bound.SYMBOLIC, ""
    main = next(iter(memory))
    return (Bound.COMPUTE, unit_name) if float(compute) >= float(memory[main]) else (Bound.MEMORY, main)


def _gemm_leaf(layer: Any, s: _Settings, elements: Any, name: str | None) -> Projection:
    """A convolution (or a Linear, placed as a pointwise) on its unit: tile utilisation on a
    matrix unit, the fitted ceilings of its op class on a calibrated device."""
    dev = s.dev
    op_kind = device_op_kind(layer.kind)
    key = ("gemm", layer.kind)
    chosen = s.memo.get(key)
    if chosen is None:
        unit_name, cp = pick_unit(op_kind, dev, s.precision, s.unit, alias=layer.kind)
        chosen = s.memo[key] = (unit_name, cp, dev.peak(unit_name, cp), dev.ridge_point(unit_name, cp))
    unit_name, cp, peak, ridge = chosen
    cu = dev.units[unit_name]
    how = choose_lowering(op_kind, cu.kind, dev, s.lowering)
    util: Number = 1.0
    if cu.kind == "matrix":
        assert cu.tile is not None
        _, n, k = layer.gemm
        kh, kw = getattr(layer, "kernel_size", (1, 1))
        util = padded_utilisation(how, n, k, layer.groups, cu.tile, kh * kw, cu.channel_multiple.get(cp))
    algorithm = algorithms.choose(layer, dev, s.precision, s.algorithm)
    executed = executed_flops(algorithms.executed_macs(layer, algorithm), layer.bias_adds, util)
    if elements is None:
        elements = layer.traffic_elements(s.traffic)
    nbytes = elements * s.precision.bytes
    eff = terms_for(dev, op_kind, s)
    compute, memory, time = leaf_times(executed, nbytes, peak, s.bandwidths)
    m, n, k = layer.gemm
    expected, terms = expected_times(compute, memory, eff, (m, n, k))
    binding, by = _binding(compute, memory, time, unit_name)
    return Projection(
        name=name or layer.kind, device=dev.id, precision=s.precision, traffic_model=s.traffic, batch=layer.batch,
        flops=layer.flops, executed_flops=executed, traffic=nbytes, compute_time=compute, memory_time=memory,
        time=time, bound=bound_words(binding, by), unit=unit_name, peak=peak, ridge_point=ridge,
        utilisation_of_tile=util, lowering=lowering_label(how, cp, s.precision), efficiency=eff,
        binding=binding, bound_by=by, algorithm=algorithm, expected_time=expected,
        expected=tuple(Term(*t) for t in terms),
    )


def _vector_leaf(layer: Any, s: _Settings, elements: Any, name: str | None) -> Projection:
    """An elementwise / pooling / BatchNorm op: ``flops`` on a vector unit (no tile), its bytes
    over every memory level; memory-bound in practice. No efficiency ceilings are applied
    (calibration fits conv op classes only)."""
    dev = s.dev
    key = ("vector", layer.kind)
    chosen = s.memo.get(key)
    if chosen is None:
        unit_name, cp, how = pick_vector_unit(layer.kind, dev, s.precision, s.unit)
        chosen = s.memo[key] = (unit_name, cp, how, dev.peak(unit_name, cp), dev.ridge_point(unit_name, cp))
    unit_name, cp, how, peak, ridge = chosen
    flops = layer.flops
    if elements is None:
        elements = layer.traffic_elements(s.traffic)
    nbytes = elements * s.precision.bytes
    compute, memory, time = leaf_times(flops, nbytes, peak, s.bandwidths)
    op_class = vector_class(layer.kind)
    eff = terms_for(dev, op_class, s)
    expected, terms = expected_times(compute, memory, eff)
    if not s.launch and op_class == "elementwise" and terms[-1][0] == "overhead":
        expected, terms = expected - terms[-1][1], terms[:-1]  # fused into a neighbouring kernel
    if is_num(time) and time == 0:
        expected, terms = time, terms[:1]  # a view (Flatten) does nothing, so nothing is launched
        binding, by = Bound.NONE, ""
    else:
        binding, by = _binding(compute, memory, time, unit_name)
    return Projection(
        name=name or layer.kind, device=dev.id, precision=s.precision, traffic_model=s.traffic, batch=layer.batch,
        flops=flops, executed_flops=flops, traffic=nbytes, compute_time=compute, memory_time=memory,
        time=time, bound=bound_words(binding, by), unit=unit_name, peak=peak, ridge_point=ridge,
        utilisation_of_tile=1.0, lowering=lowering_label(how, cp, s.precision), binding=binding, bound_by=by,
        efficiency=eff, expected_time=expected, expected=tuple(Term(*t) for t in terms),
    )


def vector_class(kind: str) -> str:
    """The op class of a vector-unit layer kind: 'pooling' for pools, 'elementwise' otherwise."""
    return "pooling" if "pool" in kind else "elementwise"


def terms_for(dev: Any, op_class: str, s: _Settings) -> Any:
    """:func:`.expected.expected_terms` at the call's precision; None with ``calibrated=False``."""
    return expected_terms(dev, op_class, s.precision) if s.calibrated else None
