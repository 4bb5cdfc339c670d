"""One row per layer of a training step: its forward counts, its backward ops and the tensors it
keeps for the backward pass (activation memory: each tensor has an id, so one saved by two layers
counts once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from ..conventions import FLOPS_PER_MAC
from ..layers.conv import Conv2d
from ..layers.depsep import DepSep
from ..layers.linear import Linear
from ..layers.se import SqueezeExcitation
from .backward import BackwardOp, CountedLayer, GemmLayer, NamedOps, Saved, gemm_backward, se_backward, vector_backward
from .protocol import TrainableNetwork
from .tables import GEMM_KINDS, saves_input, saves_output


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
    backward: tuple[tuple[str, BackwardOp], ...] = field(repr=False, default=())

    @property
    def backward_macs(self) -> int:
        return self.data_grad_macs + self.weight_grad_macs

    @property
    def backward_flops(self) -> int:
        return FLOPS_PER_MAC * self.backward_macs + self.backward_ops


def step_rows(net: TrainableNetwork, skip_input_grad: bool, traffic: str) -> list[StepRow]:
    """The rows of ``net``'s training step, in forward order. A ``flatten`` output is a view of its
    input (same tensor id); ``skip_input_grad`` drops the data gradient of a conv / linear whose
    input depends on no trainable parameter."""
    nodes = net.nodes
    forward = net.node_traffic_elements(traffic, fuse=False)
    alias: dict[int, Any] = {-1: ("t", -1)}
    trainable_upstream: dict[int, bool] = {-1: False}
    rows = []
    for node, fwd_elements in zip(nodes, forward):
        i, layer = node.index, node.layer
        src = node.inputs[0]
        alias[i] = alias[src] if node.kind == "flatten" else ("t", i)
        upstream = any(trainable_upstream[j] for j in node.inputs)
        trainable_upstream[i] = upstream or layer.params > 0
        skip = skip_input_grad and not upstream
        x_id = alias[src]
        x_elements = net.input_elements if src < 0 else nodes[src].layer.output_elements
        ops: NamedOps = []
        saved: Saved = []
        if isinstance(layer, DepSep):
            dw, pw = layer.parts
            mid = ("dw", i)
            ops += gemm_backward(f"{node.name}.depthwise", dw, skip)
            ops += gemm_backward(f"{node.name}.pointwise", pw, False)
            saved += [(x_id, x_elements), (mid, dw.output_elements)]
        elif isinstance(layer, SqueezeExcitation):
            ops, saved = se_backward(node.name, layer, x_id, x_elements, i)
        elif isinstance(layer, (Conv2d, Linear)) or layer.kind in GEMM_KINDS:
            ops += gemm_backward(node.name, cast(GemmLayer, layer), skip)  # a GEMM kind has .gemm
            saved.append((x_id, x_elements))
        else:
            ops.append((f"{node.name}.grad", vector_backward(cast(CountedLayer, layer))))  # layers carry .batch
            if node.kind in saves_input():
                saved.append((x_id, x_elements))
            elif node.kind in saves_output():
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


__all__ = ["StepRow", "step_rows"]
