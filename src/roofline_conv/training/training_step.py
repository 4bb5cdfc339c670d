"""The training step: :class:`TrainingStep` (totals and per-layer tables of forward + backward
work, traffic and activation memory), its projection on a device (:class:`TrainingProjection`),
and the entry points :func:`step` and :func:`estimate`. Conventions: the package docstring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, bytes_per_element, check_traffic_model, parse_precision
from ..layers.base import Layer
from ..projection.engine import project_pass_on, step_term
from ..projection.expected import Term
from ..projection.result import summed_terms
from ..roofline import project_ops
from ..report import Table
from .backward import BackwardOp
from .protocol import TrainableNetwork, require_network
from .rows import StepRow, step_rows
from .tables import optimizers
from ..validation import flag

if TYPE_CHECKING:  # pragma: no cover
    from ..devices import Device
    from ..roofline import Projection


class TrainingStep:
    """Forward + backward (+ optional optimizer update) of one training step on ``net``'s batch.

    Build it with :func:`step` (or ``net.training_step()``). Totals: ``forward_macs``,
    ``backward_macs`` (= 2 x forward for convs and linears), ``macs``, ``flops``,
    ``traffic(precision)``, ``activation_elements`` / ``activation_bytes(precision)``;
    per layer: ``rows`` and ``table()``; on a device: ``project(device)``.
    """

    def __init__(self, net: TrainableNetwork, skip_input_grad: bool = False, optimizer: str | None = None,
                 traffic: str = DEFAULT_TRAFFIC) -> None:
        self.net = require_network(net)
        if not isinstance(skip_input_grad, bool):
            raise ValueError(f"skip_input_grad={skip_input_grad!r} must be True or False")
        if optimizer is not None and optimizer not in optimizers():
            raise ValueError(f"optimizer={optimizer!r} must be None or one of {', '.join(optimizers())}")
        self.skip_input_grad = skip_input_grad
        self.optimizer = optimizer
        self.traffic_model = check_traffic_model(traffic, "traffic")
        self.rows: tuple[StepRow, ...] = tuple(step_rows(self.net, skip_input_grad, self.traffic_model))

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
        return 0 if self.optimizer is None else optimizers()[self.optimizer][0] * self.net.params

    @property
    def update_elements(self) -> int:
        return 0 if self.optimizer is None else optimizers()[self.optimizer][1] * self.net.params

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
                calibrated: bool = True, update_precision: str | None = None,
                fuse: bool = False) -> "TrainingProjection":
        """Projected step time: forward (unfused network projection) + backward (every GEMM and
        vector op on the unit its forward kind uses) + the optimizer update, at
        ``update_precision`` (default ``precision``; "fp32" for mixed precision's fp32 variables).

        The bound is the same either way; the expected time adds the device's training step
        overhead (``step`` term) and, with ``fuse=False`` (default: an eager framework), every
        elementwise op (BatchNorm, activation, Add, and their backward) pays its per-op
        overhead; ``fuse=True`` (a compiler such as XLA) fuses them into neighbouring kernels:
        they move the same bytes but pay no per-op overhead."""
        from ..devices import resolve_device

        dev = resolve_device(device)
        fuse = flag(fuse, "fuse")
        if update_precision is not None:
            update_precision = parse_precision(update_precision, "update_precision")
        fwd = project_pass_on(self.net, dev, precision, self.traffic_model, unit, lowering, calibrated, fused=fuse)
        bwd = project_ops(self.backward_ops(), dev, precision, self.traffic_model, unit, lowering, calibrated,
                          name=f"{self.net.name} backward", batch=self.batch, launch_elementwise=not fuse)
        upd = None
        if self.optimizer is not None:
            op = BackwardOp("optimizer", self.batch, ops=self.update_ops, elements=self.update_elements)
            upd = project_ops([(f"{self.optimizer} update", op, op.traffic_elements())], dev,
                              precision if update_precision is None else update_precision,
                              self.traffic_model, unit, lowering, calibrated, name="update", batch=self.batch)
        return TrainingProjection(self, precision, fwd, bwd, upd, step_term(dev, "training", fwd.precision, calibrated))

    # -- tables -------------------------------------------------------------------------------
    def table(self, precision: str = DEFAULT_PRECISION, totals: bool = True) -> Table:
        """Per layer: forward and backward MACs (data and weight gradients), backward ops,
        forward and backward bytes, saved activation bytes."""
        bpe = bytes_per_element(precision)
        totals = flag(totals, "totals")
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
    step_overhead: Term | None = None
    """The device's fixed cost per training step (the expected time's ``step`` term), if any."""

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
    def expected_time(self) -> float | None:
        """Sum of the passes' ``expected_time`` (seconds) where every pass projection has one;
        None otherwise."""
        parts = [getattr(p, "expected_time", None) for p in self.passes]
        if any(t is None for t in parts):
            return None
        return sum(float(t) for t in parts) + (float(self.step_overhead.seconds) if self.step_overhead else 0.0)

    @property
    def expected(self) -> tuple[Term, ...]:
        """The terms of ``expected_time`` summed over the passes, then the ``step`` term."""
        return summed_terms(self.passes, (self.step_overhead,) if self.step_overhead else ())

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


def step(net: TrainableNetwork, skip_input_grad: bool = False, optimizer: str | None = None,
         traffic: str = DEFAULT_TRAFFIC) -> TrainingStep:
    """A training step of ``net`` at its batch size: see the package docstring for every convention.

    ``skip_input_grad`` (default False: counted) skips the data-gradient GEMM of every conv/linear
    whose input depends on no trainable parameter (the first layer: nothing needs dL/dx of the
    images). ``optimizer``: None (default), "sgd", "momentum" or "adam"."""
    return TrainingStep(net, skip_input_grad, optimizer, traffic)


def estimate(net: TrainableNetwork, device: "Device | str", precision: str = DEFAULT_PRECISION, **kwargs: Any) -> TrainingProjection:
    """``step(net, **kwargs).project(device, precision)``."""
    project_keys, step_keys = {"unit", "lowering", "calibrated", "update_precision"}, {"skip_input_grad", "optimizer", "traffic"}
    for key in kwargs:
        if key not in project_keys | step_keys:
            raise TypeError(f"estimate() got an unexpected keyword argument {key!r}; it takes "
                            f"{', '.join(sorted(step_keys | project_keys))}")
    proj_kw = {k: kwargs.pop(k) for k in list(kwargs) if k in project_keys}
    return step(net, **kwargs).project(device, precision, **proj_kw)


__all__ = ["TrainingStep", "TrainingProjection", "step", "estimate"]
