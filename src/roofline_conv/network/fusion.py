"""Fusion: which nodes run inside the kernel of the conv before them, and what each node then
moves to and from main memory.

A conv (or pointwise, depthwise, DepSep, linear) followed by a BatchNorm and/or an activation
runs as one kernel: the BatchNorm is folded into the conv (its scale into the weights, its shift
into a bias) and the activation is applied in the conv's epilogue, so neither intermediate
tensor is written to memory.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..layers.elementwise import ACTIVATIONS
from .graph import NetworkError, Node

FUSION_HEADS = frozenset({"conv", "pointwise", "depthwise", "depsep", "linear"})
"""Layer kinds that can absorb a following BatchNorm (folded) and activation (epilogue)."""
FUSABLE_ACTIVATIONS = frozenset(cls.kind for cls in ACTIVATIONS.values())
"""Activation kinds a fused conv applies in its epilogue."""


def resolve_fuse(default: bool, fuse: bool | None) -> bool:
    """``fuse``, or ``default`` (a network's own setting) when it is None."""
    if fuse is None:
        return default
    if not isinstance(fuse, bool):
        raise NetworkError(f"fuse={fuse!r} must be True, False or None (the network's setting)")
    return fuse


def fusion_groups(nodes: Sequence[Node], consumers: Sequence[Sequence[int]]) -> dict[int, tuple[int, ...]]:
    """Head index -> the indices fused into it: a head node (``FUSION_HEADS``), then a BatchNorm
    reading only its output (folded), then an activation reading only the previous output
    (epilogue). A tensor that anything else also reads is not fused away. ``consumers[i]``
    lists the nodes reading node i's output."""
    groups: dict[int, tuple[int, ...]] = {}
    for head in nodes:
        if head.kind not in FUSION_HEADS:
            continue
        members: list[int] = []
        cur = head.index
        for wanted in ("batchnorm", "activation"):
            nxt = consumers[cur]
            if len(nxt) != 1:
                break
            c = nodes[nxt[0]]
            ok = c.kind == "batchnorm" if wanted == "batchnorm" else c.kind in FUSABLE_ACTIVATIONS
            if not ok or c.inputs != (cur,):
                continue
            members.append(c.index)
            cur = c.index
        if members:
            groups[head.index] = tuple(members)
    return groups


def fused_into(groups: Mapping[int, Sequence[int]]) -> dict[int, int]:
    """Fused node index -> its head's index."""
    return {m: head for head, members in groups.items() for m in members}


def node_traffic_elements(nodes: Sequence[Node], groups: Mapping[int, Sequence[int]] | None,
                          model: str) -> tuple[int, ...]:
    """Elements each node moves under ``model`` (already checked). Unfused (``groups`` None):
    each layer's own traffic. Fused: a group's head moves its parameters, its input and the
    group's output (and, when a BatchNorm is folded into a head without a bias, the folded
    shift: C_out elements); the fused BatchNorm and activation move nothing."""
    own = [int(n.layer.traffic_elements(model)) for n in nodes]  # a network's layers are numeric
    if groups is None:
        return tuple(own)
    for head, members in groups.items():
        layer = nodes[head].layer
        folded = [nodes[m].layer for m in members if nodes[m].kind == "batchnorm"]
        if folded and layer.bias_params == 0:
            own[head] += int(folded[0].bias_params)  # the shift becomes the conv's bias
        for m in members:
            own[m] = 0
    return tuple(own)


__all__ = ["FUSION_HEADS", "FUSABLE_ACTIVATIONS", "resolve_fuse", "fusion_groups", "fused_into",
           "node_traffic_elements"]
