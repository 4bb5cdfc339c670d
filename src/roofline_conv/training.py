"""Training-step estimates: forward + backward work and traffic per layer, the activation memory
a step keeps for its backward pass, and a projected step time on a device.

Conventions (also in docs/networks.md):

* **Forward** is the inference forward pass, unfused (``fuse=False``): in training a BatchNorm
  uses batch statistics and cannot be folded, and every layer output is kept or re-read. Its
  counts and its projection are ``net.project(device, fuse=False)``'s. (BatchNorm's batch
  statistics, about 3 more ops per element, are not counted.)
* **Backward of a conv / linear** (``Conv2d`` of every kind, the parts of a ``DepSep``, the FCs
  of a ``SqueezeExcitation``): two GEMMs, each with exactly the forward MACs —
  the *data gradient* dX = dY W^T (skipped for layers whose input depends on no trainable
  parameter when ``skip_input_grad=True``; counted by default) and the *weight gradient*
  dW = X^T dY — plus one add per output element for a bias gradient. So backward MACs =
  2 x forward MACs (1 x where the data gradient is skipped). Per group the forward GEMM is
  (m, n/G, k); the data gradient is (m, k, n/G) and the weight gradient (k, n/G, m) — the
  reduction runs over output pixels — laid on the same unit with the same tile and depthwise
  lowering rules as the forward op.
* **Backward traffic of a conv / linear**: each GEMM moves its operands once: the data gradient
  reads dY and W and writes dX, the weight gradient reads dY and X and writes dW (and db): each
  is params + input + output elements, so 2 x the forward compulsory traffic.
* **Backward of the other layers** (pooling, BatchNorm, activations, the SE pool/gate/rescale):
  ops = forward ops + one per output element (the local derivative costs about what the
  function did, then one multiply by the incoming gradient); ``Add`` as its forward (the
  gradients of a residual fork are summed: one add per element, reading two, writing one);
  ``Flatten`` nothing (a view). Traffic: reads the output gradient, the tensors it saved and
  its parameters, writes the input gradient(s) and its parameter gradients. This is a stated
  approximation (a real BatchNorm backward does more ops); these layers are memory-bound, and
  their bytes are modelled per tensor.
* **Activation memory** = the distinct tensors some layer saves for its backward pass, at the
  precision: conv / linear / BatchNorm / SiLU / HardSwish / max-pool save their input;
  ReLU / ReLU6 / Sigmoid / HardSigmoid their output; a DepSep also its intermediate; the SE
  rescale its input and its gate; average pools, ``Add`` and ``Flatten`` nothing. A tensor saved
  by two layers (a ReLU's output that the next conv also needs) counts once; ``Flatten``'s
  output is a view of its input. Per-channel statistics (2 C per BatchNorm) are left out, so the
  memory is exactly proportional to the batch.
* **Optimizer update** (``optimizer=None`` by default: forward + backward only): ``"sgd"``
  (2 ops and 3 elements moved per parameter: read w and g, write w), ``"momentum"`` (4 ops,
  5 elements), ``"adam"`` (12 ops, 7 elements), one vector op over all parameters at the
  step's precision (fp32 master weights are not modelled).
* **Step time** = the forward projection's time + the backward's (+ the update's), every op on
  the unit its kind uses in the forward pass; images/s = batch / step time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, FLOPS_PER_MAC, bytes_per_element, check_traffic_model
from .layers.base import Count, Layer
from .layers.conv import Conv2d, GemmShape
from .layers.depsep import DepSep
from .layers.linear import Linear
from .layers.se import SqueezeExcitation
from .network.core import Network, NetworkError
from .report import Table

if TYPE_CHECKING:  # pragma: no cover
    from .devices import Device
    from .roofline import Projection

GEMM_KINDS = frozenset({"conv", "pointwise", "depthwise", "linear"})
SAVES_INPUT = frozenset({"conv", "pointwise", "depthwise", "linear", "batchnorm", "silu", "hardswish", "maxpool"})
SAVES_OUTPUT = frozenset({"relu", "relu6", "sigmoid", "hardsigmoid"})
OPTIMIZERS: dict[str, tuple[int, int]] = {"sgd": (2, 3), "momentum": (4, 5), "adam": (12, 7)}
"""Optimizer -> (ops, elements moved) per parameter."""


# ---------------------------------------------------------------------------------------------
class _Op(Layer):
    """A backward op: a GEMM (projected like its forward kind) or a vector op, with its counts."""

    roofline_op: ClassVar[str] = "vector"

    def __init__(self, kind: str, batch: Count, macs: Count = 0, ops: Count = 0, elements: Count = 0,
                 gemm: GemmShape | None = None, bias_adds: Count = 0) -> None:
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "batch", batch)
        object.__setattr__(self, "_macs", macs)
        object.__setattr__(self, "_ops", ops)
        object.__setattr__(self, "_elements", elements)
        object.__setattr__(self, "_gemm", gemm)
        object.__setattr__(self, "_bias_adds", bias_adds)
        if gemm is not None:
            object.__setattr__(self, "roofline_op", "gemm")
            object.__setattr__(self, "groups", gemm.groups)

    weights = 0  # type: ignore[assignment]
    bias_params = 0  # type: ignore[assignment]
    input_elements = 0  # type: ignore[assignment]
    output_elements = 0  # type: ignore[assignment]
    is_symbolic = False  # type: ignore[assignment]

    @property
    def macs(self) -> Count:
        return self._macs  # type: ignore[attr-defined, no-any-return]

    @property
    def ops(self) -> Count:
        return self._ops  # type: ignore[attr-defined, no-any-return]

    @property
    def bias_adds(self) -> Count:
        return self._bias_adds  # type: ignore[attr-defined, no-any-return]

    @property
    def gemm(self) -> GemmShape:
        return self._gemm  # type: ignore[attr-defined, no-any-return]

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> Count:
        return self._elements  # type: ignore[attr-defined, no-any-return]

    def __repr__(self) -> str:
        return f"_Op({self.kind!r}, macs={self.macs}, ops={self.ops}, elements={self._elements})"  # type: ignore[attr-defined]


def data_grad_gemm(g: GemmShape) -> GemmShape:
    """dX = dY W^T: per group (m, k, n/G) from the forward (m, n/G, k)."""
    ng = g.n // g.groups
    return GemmShape(g.m, g.k * g.groups, ng, g.groups)


def weight_grad_gemm(g: GemmShape) -> GemmShape:
    """dW = X^T dY: per group (k, n/G, m) from the forward (m, n/G, k): the reduction runs over m."""
    return GemmShape(g.k, g.n, g.m, g.groups)


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepRow:
    """One layer's share of a training step. MACs in MAC, ops in FLOP, traffic in elements."""

    index: int
    name: str
    kind: str
    forward_macs: int
    data_grad_macs: int
    weight_grad_macs: int
    forward_flops: int
    backward_ops: int
    """Non-MAC backward FLOP (bias gradients, pooling/BN/activation backward)."""
    forward_elements: int
    backward_elements: int
    saved: tuple[tuple[Any, int], ...]
    """(tensor id, elements) this layer keeps for backward."""
    backward: tuple[tuple[str, _Op], ...] = field(repr=False, default=())

    @property
    def backward_macs(self) -> int:
        return self.data_grad_macs + self.weight_grad_macs

    @property
    def backward_flops(self) -> int:
        return FLOPS_PER_MAC * self.backward_macs + self.backward_ops


class TrainingStep:
    """Forward + backward (+ optional optimizer update) of one training step on ``net``'s batch.

    Build it with :func:`step` (or ``net.training_step()``). Totals: ``forward_macs``,
    ``backward_macs`` (= 2 x forward for convs and linears), ``macs``, ``flops``,
    ``traffic(precision)``, ``activation_elements`` / ``activation_bytes(precision)``;
    per layer: ``rows`` and ``table()``; on a device: ``project(device)``.
    """

    def __init__(self, net: Network, skip_input_grad: bool = False, optimizer: str | None = None,
                 traffic: str = DEFAULT_TRAFFIC) -> None:
        if not isinstance(net, Network):
            raise ValueError(f"training.step() needs a network (a Sequential or a zoo model), not {type(net).__name__}")
        if not isinstance(skip_input_grad, bool):
            raise ValueError(f"skip_input_grad={skip_input_grad!r} must be True or False")
        if optimizer is not None and optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer={optimizer!r} must be None or one of {', '.join(OPTIMIZERS)}")
        self.net = net
        self.skip_input_grad = skip_input_grad
        self.optimizer = optimizer
        self.traffic_model = check_traffic_model(traffic, "traffic")
        self.rows: tuple[StepRow, ...] = tuple(self._rows())

    # -- construction ------------------------------------------------------------------------
    def _rows(self) -> list[StepRow]:
        net = self.net
        nodes = net.nodes
        forward = net.node_traffic_elements(self.traffic_model, fuse=False)
        alias: dict[int, Any] = {-1: ("t", -1)}
        trainable_upstream: dict[int, bool] = {-1: False}
        rows = []
        for node, fwd_elements in zip(nodes, forward):
            i, layer = node.index, node.layer
            src = node.inputs[0]
            alias[i] = alias[src] if node.kind == "flatten" else ("t", i)
            upstream = any(trainable_upstream[j] for j in node.inputs)
            trainable_upstream[i] = upstream or layer.params > 0
            skip = self.skip_input_grad and not upstream
            x_id = alias[src]
            x_elements = net.input_elements if src < 0 else nodes[src].layer.output_elements
            ops: list[tuple[str, _Op]] = []
            saved: list[tuple[Any, int]] = []
            if isinstance(layer, DepSep):
                dw, pw = layer.parts
                mid = ("dw", i)
                ops += _gemm_backward(f"{node.name}.depthwise", dw, skip)
                ops += _gemm_backward(f"{node.name}.pointwise", pw, False)
                saved += [(x_id, x_elements), (mid, dw.output_elements)]
            elif isinstance(layer, SqueezeExcitation):
                ops, saved = _se_backward(node.name, layer, x_id, x_elements, i)
            elif isinstance(layer, (Conv2d, Linear)) or layer.kind in GEMM_KINDS:
                ops += _gemm_backward(node.name, layer, skip)
                saved.append((x_id, x_elements))
            else:
                ops.append((f"{node.name}.grad", _vector_backward(layer)))
                if node.kind in SAVES_INPUT:
                    saved.append((x_id, x_elements))
                elif node.kind in SAVES_OUTPUT:
                    saved.append((alias[i], layer.output_elements))
            data = sum(op.macs for n, op in ops if n.endswith("data_grad"))
            weight = sum(op.macs for n, op in ops if n.endswith("weight_grad"))
            rows.append(StepRow(
                index=i, name=node.name, kind=node.kind, forward_macs=layer.macs, data_grad_macs=data,
                weight_grad_macs=weight, forward_flops=layer.flops,
                backward_ops=sum(op.ops + op.bias_adds for _, op in ops),
                forward_elements=fwd_elements, backward_elements=sum(op.traffic_elements() for _, op in ops),
                saved=tuple(saved), backward=tuple(ops),
            ))
        return rows

    # -- totals ------------------------------------------------------------------------------
    @property
    def batch(self) -> int:
        return self.net.batch

    @property
    def forward_macs(self) -> int:
        return sum(r.forward_macs for r in self.rows)

    @property
    def data_grad_macs(self) -> int:
        return sum(r.data_grad_macs for r in self.rows)

    @property
    def weight_grad_macs(self) -> int:
        return sum(r.weight_grad_macs for r in self.rows)

    @property
    def backward_macs(self) -> int:
        """Data-gradient + weight-gradient MACs (2 x forward, less any skipped data gradient)."""
        return self.data_grad_macs + self.weight_grad_macs

    @property
    def macs(self) -> int:
        return self.forward_macs + self.backward_macs

    @property
    def update_ops(self) -> int:
        return 0 if self.optimizer is None else OPTIMIZERS[self.optimizer][0] * self.net.params

    @property
    def update_elements(self) -> int:
        return 0 if self.optimizer is None else OPTIMIZERS[self.optimizer][1] * self.net.params

    @property
    def forward_flops(self) -> int:
        return sum(r.forward_flops for r in self.rows)

    @property
    def backward_flops(self) -> int:
        return sum(r.backward_flops for r in self.rows)

    @property
    def flops(self) -> int:
        return self.forward_flops + self.backward_flops + self.update_ops

    def traffic_elements(self) -> int:
        """Elements moved by the forward, backward and update passes."""
        return sum(r.forward_elements + r.backward_elements for r in self.rows) + self.update_elements

    def traffic(self, precision: str = DEFAULT_PRECISION) -> int:
        """Bytes moved by the whole step at ``precision``."""
        return self.traffic_elements() * bytes_per_element(precision)

    @property
    def saved_tensors(self) -> dict[Any, int]:
        """Distinct tensors kept for backward: id -> elements."""
        out: dict[Any, int] = {}
        for r in self.rows:
            for tid, n in r.saved:
                out[tid] = n
        return out

    @property
    def activation_elements(self) -> int:
        """Elements of the activations a step keeps for its backward pass (each tensor once)."""
        return sum(self.saved_tensors.values())

    def activation_bytes(self, precision: str = DEFAULT_PRECISION) -> int:
        """Bytes of the activations kept for backward at ``precision``."""
        return self.activation_elements * bytes_per_element(precision)

    # -- projection ---------------------------------------------------------------------------
    def backward_ops(self) -> list[tuple[str, Layer, Any]]:
        """(name, op, elements) of every backward op, last layer first."""
        return [(n, op, op.traffic_elements()) for r in reversed(self.rows) for n, op in r.backward]

    def project(self, device: "Device | str", precision: str = DEFAULT_PRECISION,
                unit: str | Mapping[str, str] | None = None, lowering: str | None = None,
                calibrated: bool = True) -> "TrainingProjection":
        """Projected step time: forward (unfused network projection) + backward (every GEMM and
        vector op on the unit its forward kind uses) + the optimizer update."""
        from .roofline import project, project_ops

        fwd = project(self.net, device, precision, self.traffic_model, unit, lowering, calibrated, fuse=False)
        bwd = project_ops(self.backward_ops(), device, precision, self.traffic_model, unit, lowering, calibrated,
                          name=f"{self.net.name} backward", batch=self.batch)
        upd = None
        if self.optimizer is not None:
            op = _Op("optimizer", self.batch, ops=self.update_ops, elements=self.update_elements)
            upd = project_ops([(f"{self.optimizer} update", op, op.traffic_elements())], device, precision,
                              self.traffic_model, unit, lowering, calibrated, name="update", batch=self.batch)
        return TrainingProjection(self, precision, fwd, bwd, upd)

    # -- tables -------------------------------------------------------------------------------
    def table(self, precision: str = DEFAULT_PRECISION, totals: bool = True) -> Table:
        """Per layer: forward and backward MACs (data and weight gradients), backward ops,
        forward and backward bytes, saved activation bytes."""
        bpe = bytes_per_element(precision)
        body: list[list[Any]] = []
        for r in self.rows:
            body.append([r.index, r.name, r.kind, r.forward_macs, r.data_grad_macs, r.weight_grad_macs, r.backward_ops,
                         r.forward_elements * bpe, r.backward_elements * bpe, sum(n for _, n in r.saved) * bpe])
        if totals:
            body.append(["", "total", self.net.name, self.forward_macs, self.data_grad_macs, self.weight_grad_macs,
                         sum(r.backward_ops for r in self.rows), sum(r.forward_elements for r in self.rows) * bpe,
                         sum(r.backward_elements for r in self.rows) * bpe, self.activation_bytes(precision)])
        return Table(
            title=f"{self.net.name}: training step, batch {self.batch}, {precision}",
            columns=["#", "layer", "kind", "forward MACs", "data-grad MACs", "weight-grad MACs", "backward ops (FLOP)",
                     "forward bytes", "backward bytes", "saved bytes"],
            rows=body,
            notes=[
                "backward of a conv/linear = data gradient + weight gradient, each = forward MACs"
                + (" (data gradient skipped where the input depends on no parameter)" if self.skip_input_grad else ""),
                "saved bytes per layer may overlap (a ReLU's output is also the next conv's input); "
                "the total counts each tensor once",
                f"bytes at {precision} ({bpe} B/element); forward unfused (BatchNorm is not folded in training)",
            ],
        )

    def totals(self, precision: str = DEFAULT_PRECISION) -> Table:
        """Step totals with units."""
        rows: list[list[Any]] = [
            ["forward MACs", self.forward_macs, "MAC"],
            ["backward MACs", self.backward_macs, "MAC (data gradient + weight gradient)"],
            ["step MACs", self.macs, "MAC"],
            ["step FLOP", self.flops, "FLOP (2 per MAC + ops" + (" + update)" if self.optimizer else ")")],
            ["step traffic", self.traffic(precision), f"bytes at {precision}"],
            ["activation memory", self.activation_bytes(precision), f"bytes at {precision}, kept for backward"],
            ["parameters", self.net.params, "parameters"],
        ]
        return Table(title=f"{self.net.name}: training step totals (batch {self.batch}, {precision})",
                     columns=["quantity", "value", "unit"], rows=rows)

    def __repr__(self) -> str:
        return (f"TrainingStep({self.net.name!r}, batch {self.batch}: {self.forward_macs:,} forward + "
                f"{self.backward_macs:,} backward MACs, {self.activation_elements:,} activation elements kept)")

    def _repr_markdown_(self) -> str:
        return self.totals().to_markdown()


@dataclass(frozen=True)
class TrainingProjection:
    """A training step projected on a device: ``forward``, ``backward`` (and ``update``)
    projections; ``time`` their sum in seconds; ``images_per_second`` = batch / time."""

    step: TrainingStep
    precision: str
    forward: "Projection"
    backward: "Projection"
    update: "Projection | None" = None

    @property
    def passes(self) -> tuple["Projection", ...]:
        return tuple(p for p in (self.forward, self.backward, self.update) if p is not None)

    @property
    def time(self) -> float:
        return sum(float(p.time) for p in self.passes)

    @property
    def images_per_second(self) -> float:
        return self.step.batch / self.time

    @property
    def flops(self) -> float:
        return sum(float(p.flops) for p in self.passes)

    @property
    def traffic(self) -> float:
        return sum(float(p.traffic) for p in self.passes)

    def table(self) -> Table:
        rows = []
        for label, p in zip(("forward", "backward", "update"), (self.forward, self.backward, self.update)):
            if p is None:
                continue
            rows.append([label, float(p.flops), float(p.traffic), float(p.time) * 1e6,
                         100 * float(p.time) / self.time, p.bound])
        rows.append(["step", self.flops, self.traffic, self.time * 1e6, 100.0, f"{self.images_per_second:,.0f} images/s"])
        dev = self.forward.device
        return Table(
            title=f"{self.step.net.name} training step on {dev}: batch {self.step.batch}, {self.precision}",
            columns=["pass", "FLOP", "traffic (bytes)", "time (us)", "share (%)", "bound"],
            rows=rows,
            notes=[f"activation memory kept: {self.step.activation_bytes(self.precision):,} bytes",
                   "roofline bound: every layer at its own roof, forward unfused; images/s is an upper bound"],
        )

    def __str__(self) -> str:
        return self.table().to_markdown()

    def _repr_markdown_(self) -> str:
        return str(self)


# ---------------------------------------------------------------------------------------------
def _gemm_backward(name: str, layer: Any, skip_data: bool) -> list[tuple[str, _Op]]:
    g = layer.gemm
    kind = layer.kind
    base = layer.params + layer.input_elements + layer.output_elements
    ops: list[tuple[str, _Op]] = []
    if not skip_data:
        ops.append((f"{name}.data_grad", _Op(kind, layer.batch, macs=layer.macs, elements=base, gemm=data_grad_gemm(g))))
    ops.append((f"{name}.weight_grad", _Op(kind, layer.batch, macs=layer.macs, elements=base, gemm=weight_grad_gemm(g),
                                           bias_adds=layer.bias_adds)))
    return ops


def _vector_backward(layer: Layer) -> _Op:
    kind = layer.kind
    if kind == "flatten":
        return _Op(kind, layer.batch)  # type: ignore[attr-defined]
    if kind == "add":
        ops = layer.ops
    else:
        ops = layer.ops + layer.output_elements
    saved = 0
    if kind in SAVES_INPUT or kind == "scale":
        saved = layer.input_elements
    elif kind in SAVES_OUTPUT:
        saved = layer.output_elements
    elements = layer.output_elements + saved + layer.params + layer.input_elements + layer.params
    return _Op(kind, layer.batch, ops=ops, elements=elements)  # type: ignore[attr-defined]


def _se_backward(name: str, se: SqueezeExcitation, x_id: Any, x_elements: int,
                 index: int) -> tuple[list[tuple[str, _Op]], list[tuple[Any, int]]]:
    pool, fc1, act, fc2, gate, scale = se.parts
    ops = [(f"{name}.pool.grad", _vector_backward(pool))]
    ops += _gemm_backward(f"{name}.fc1", fc1, False)
    ops.append((f"{name}.act.grad", _vector_backward(act)))
    ops += _gemm_backward(f"{name}.fc2", fc2, False)
    ops += [(f"{name}.gate.grad", _vector_backward(gate)), (f"{name}.scale.grad", _vector_backward(scale))]
    saved: list[tuple[Any, int]] = [(("se", index, "pool"), pool.output_elements)]
    act_saves = ("se", index, "fc1") if act.kind in SAVES_INPUT else ("se", index, "act")
    saved.append((act_saves, act.output_elements))
    saved.append((("se", index, "act"), act.output_elements))
    gate_saves = ("se", index, "fc2") if gate.kind in SAVES_INPUT else ("se", index, "gate")
    saved.append((gate_saves, gate.output_elements))
    saved += [(x_id, x_elements), (("se", index, "gate"), gate.output_elements)]
    return ops, saved


def step(net: Network, skip_input_grad: bool = False, optimizer: str | None = None,
         traffic: str = DEFAULT_TRAFFIC) -> TrainingStep:
    """A training step of ``net`` at its batch size: see the module docstring for every convention.

    ``skip_input_grad`` (default False: counted) skips the data-gradient GEMM of every conv/linear
    whose input depends on no trainable parameter (the first layer: nothing needs dL/dx of the
    images). ``optimizer``: None (default), "sgd", "momentum" or "adam"."""
    return TrainingStep(net, skip_input_grad, optimizer, traffic)


def estimate(net: Network, device: "Device | str", precision: str = DEFAULT_PRECISION, **kwargs: Any) -> TrainingProjection:
    """``step(net, **kwargs).project(device, precision)``."""
    project_keys = {"unit", "lowering", "calibrated"}
    proj_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in project_keys}
    return step(net, **kwargs).project(device, precision, **proj_kw)


__all__ = ["step", "estimate", "TrainingStep", "TrainingProjection", "StepRow", "OPTIMIZERS",
           "data_grad_gemm", "weight_grad_gemm", "NetworkError"]
