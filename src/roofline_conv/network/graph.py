"""The network graph: nodes (concrete layers with names, producers and shapes), the builder that
appends them while shapes propagate, each node's consumers and the totals over nodes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

from ..layers.base import Layer
from ..layers.dims import NetworkError
from ..report.table import shape_str

Shape = tuple[int, ...]
"""A per-sample activation shape, batch excluded: (C, H, W) or (F,)."""


@dataclass(frozen=True)
class Node:
    """One concrete layer in a network: its ``index`` (execution order), dotted ``name``, the
    ``layer`` itself, the indices of the nodes whose outputs it reads (``inputs``; -1 is the
    network input) and its per-sample input and output shapes (batch excluded)."""

    index: int
    name: str
    layer: Layer
    inputs: tuple[int, ...]
    input_shape: Shape
    output_shape: Shape

    @property
    def kind(self) -> str:
        return self.layer.kind

    @property
    def label(self) -> str:
        """'layer 3 (relu 'stem.act')': how error messages name it."""
        return f"layer {self.index} ({self.kind} {self.name!r})"


class GraphBuilder:
    """Collects nodes while a network is built: each added layer becomes the next node, its
    output shape (batch excluded) the shape the next spec sees.

    ``made`` interns the layers of one build: a spec that makes a layer from the same maker,
    arguments and input shape as an earlier one gets that same (immutable) layer, so its
    construction and formula evaluations are done once per distinct layer (a ResNet-50 has 175
    nodes and 55 distinct layers)."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.nodes: list[Node] = []
        self.names: set[str] = set()
        self.made: dict[Hashable, Layer] = {}

    def layer(self, key: Hashable | None, make: Callable[[], Layer]) -> Layer:
        """The layer made earlier in this build under ``key``, else ``make()`` (kept under ``key``
        unless it is None: a maker whose arguments cannot be compared)."""
        if key is None:
            return make()
        made = self.made.get(key)
        if made is None:
            made = self.made[key] = make()
        return made

    def label(self, kind: str, name: str) -> str:
        """How error messages name the node about to be added."""
        return f"layer {len(self.nodes)} ({kind} {name!r})"

    def producer(self, index: int, shape: Shape) -> str:
        """'the network input is (3, 32, 32)' or 'layer 2 (...) outputs (16, 8, 8)'."""
        if index < 0:
            return f"the network input is {tuple(shape)}"
        return f"{self.nodes[index].label} outputs {tuple(shape)}"

    def source(self, index: int) -> str:
        """'the network input' or the label of node ``index``."""
        return "the network input" if index < 0 else self.nodes[index].label

    def add(self, name: str, layer: Layer, inputs: tuple[int, ...], in_shape: Shape) -> tuple[int, Shape]:
        """Append ``layer`` reading ``inputs``; returns its index and per-sample output shape."""
        if name in self.names:
            raise NetworkError(f"two layers are named {name!r}; give one of them another name=")
        out = tuple(int(d) for d in layer.output_shape[1:])  # type: ignore[attr-defined]  # Layer does not declare it
        node = Node(len(self.nodes), name, layer, inputs, tuple(in_shape), out)
        self.nodes.append(node)
        self.names.add(name)
        return node.index, out


def consumers(nodes: Sequence[Node]) -> list[list[int]]:
    """For each node, the indices of the nodes that read its output."""
    out: list[list[int]] = [[] for _ in nodes]
    for n in nodes:
        for i in n.inputs:
            if i >= 0:
                out[i].append(n.index)
    return out


def total(nodes: Sequence[Node], attr: str) -> int:
    """The sum of a count (``params``, ``macs``, ...) over the nodes' layers (exact ints)."""
    value: int = sum(getattr(n.layer, attr) for n in nodes)
    return value


__all__ = ["Shape", "NetworkError", "Node", "GraphBuilder", "consumers", "total", "shape_str"]
