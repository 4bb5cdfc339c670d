"""The backward ops of each layer kind, with their counts (conventions: the package docstring).

A conv or linear layer's backward is two GEMMs with the forward MACs each, the data gradient
(skippable) and the weight gradient (which also carries the bias gradient's adds); every other
layer's is one vector op. Each op is a :class:`BackwardOp`, a layer the roofline projects like
its forward kind.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from ..conventions import DEFAULT_TRAFFIC
from ..layers.base import Count, Layer
from ..layers.conv import GemmShape
from ..layers.se import SqueezeExcitation
from .tables import saves_input, saves_output

NamedOps = list[tuple[str, "BackwardOp"]]
"""(name, op) pairs, in the order the ops run."""
Saved = list[tuple[Any, int]]
"""(tensor id, elements) pairs a layer keeps for its backward pass."""


class CountedLayer(Protocol):
    """What a backward op is derived from: a layer's kind, batch and counts."""

    kind: str

    @property
    def batch(self) -> Count: ...

    @property
    def params(self) -> Count: ...

    @property
    def macs(self) -> Count: ...

    @property
    def ops(self) -> Count: ...

    @property
    def bias_adds(self) -> Count: ...

    @property
    def input_elements(self) -> Count: ...

    @property
    def output_elements(self) -> Count: ...


class GemmLayer(CountedLayer, Protocol):
    """A conv or linear layer: also its forward GEMM."""

    @property
    def gemm(self) -> GemmShape: ...


class BackwardOp(Layer):
    """A backward op: a GEMM (projected like its forward kind) or a vector op, with its counts."""

    roofline_op: ClassVar[str] = "vector"

    def __init__(self, kind: str, batch: Count, macs: Count = 0, ops: Count = 0, elements: Count = 0,
                 gemm: GemmShape | None = None, bias_adds: Count = 0) -> None:
        self.kind = kind
        self.batch = batch
        self._macs = macs
        self._ops = ops
        self._elements = elements
        self._gemm = gemm
        self._bias_adds = bias_adds
        if gemm is not None:
            object.__setattr__(self, "roofline_op", "gemm")  # the instance's, over the ClassVar
            self.groups = gemm.groups

    @property
    def weights(self) -> Count:
        return 0

    @property
    def bias_params(self) -> Count:
        return 0

    @property
    def input_elements(self) -> Count:
        return 0

    @property
    def output_elements(self) -> Count:
        return 0

    @property
    def is_symbolic(self) -> bool:
        return False

    @property
    def macs(self) -> Count:
        return self._macs

    @property
    def ops(self) -> Count:
        return self._ops

    @property
    def bias_adds(self) -> Count:
        return self._bias_adds

    @property
    def gemm(self) -> GemmShape | None:
        return self._gemm

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> Count:
        return self._elements

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.kind!r}, macs={self.macs}, ops={self.ops}, elements={self._elements})"


def data_grad_gemm(g: GemmShape) -> GemmShape:
    """dX = dY W^T: per group (m, k, n/G) from the forward (m, n/G, k)."""
    ng = g.n // g.groups
    return GemmShape(g.m, g.k * g.groups, ng, g.groups)


def weight_grad_gemm(g: GemmShape) -> GemmShape:
    """dW = X^T dY: per group (k, n/G, m) from the forward (m, n/G, k): the reduction runs over m."""
    return GemmShape(g.k, g.n, g.m, g.groups)


def gemm_backward(name: str, layer: GemmLayer, skip_data: bool) -> NamedOps:
    """A conv / linear layer's data gradient (unless ``skip_data``) and weight gradient: each has
    the forward MACs and moves params + input + output elements."""
    g = layer.gemm
    kind = layer.kind
    base = layer.params + layer.input_elements + layer.output_elements
    ops: NamedOps = []
    if not skip_data:
        ops.append((f"{name}.data_grad", BackwardOp(kind, layer.batch, macs=layer.macs, elements=base,
                                                    gemm=data_grad_gemm(g))))
    ops.append((f"{name}.weight_grad", BackwardOp(kind, layer.batch, macs=layer.macs, elements=base,
                                                  gemm=weight_grad_gemm(g), bias_adds=layer.bias_adds)))
    return ops


def vector_backward(layer: CountedLayer) -> BackwardOp:
    """Any other layer's backward: forward ops + one per output element (``add``: as its forward;
    ``flatten``: nothing); reads the output gradient, what it saved and its parameters, writes the
    input gradient and the parameter gradients."""
    kind = layer.kind
    if kind == "flatten":
        return BackwardOp(kind, layer.batch)
    if kind == "add":
        ops = layer.ops
    else:
        ops = layer.ops + layer.output_elements
    saved: Count = 0
    if kind in saves_input() or kind == "scale":
        saved = layer.input_elements
    elif kind in saves_output():
        saved = layer.output_elements
    elements = layer.output_elements + saved + layer.params + layer.input_elements + layer.params
    return BackwardOp(kind, layer.batch, ops=ops, elements=elements)


def se_backward(name: str, se: SqueezeExcitation, x_id: Any, x_elements: int, index: int) -> tuple[NamedOps, Saved]:
    """A squeeze-excitation block's backward ops, part by part, and the tensors it keeps: the
    pooled vector, the FCs' inputs, the activation's and the gate's outputs, the block input."""
    pool, fc1, act, fc2, gate, scale = se.parts
    ops: NamedOps = [(f"{name}.pool.grad", vector_backward(pool))]
    ops += gemm_backward(f"{name}.fc1", fc1, False)
    ops.append((f"{name}.act.grad", vector_backward(act)))
    ops += gemm_backward(f"{name}.fc2", fc2, False)
    ops += [(f"{name}.gate.grad", vector_backward(gate)), (f"{name}.scale.grad", vector_backward(scale))]
    saved: Saved = [(("se", index, "pool"), pool.output_elements)]
    act_saves = ("se", index, "fc1") if act.kind in saves_input() else ("se", index, "act")
    saved.append((act_saves, act.output_elements))
    saved.append((("se", index, "act"), act.output_elements))
    gate_saves = ("se", index, "fc2") if gate.kind in saves_input() else ("se", index, "gate")
    saved.append((gate_saves, gate.output_elements))
    saved += [(x_id, x_elements), (("se", index, "gate"), gate.output_elements)]
    return ops, saved


__all__ = ["BackwardOp", "data_grad_gemm", "weight_grad_gemm", "gemm_backward", "vector_backward", "se_backward"]
