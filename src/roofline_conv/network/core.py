"""The built network: nodes (concrete layers with names, producers and shapes), totals, per-layer
tables, fusion, projection."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from ..conventions import (
    DEFAULT_PRECISION,
    DEFAULT_TRAFFIC,
    FLOPS_PER_MAC,
    bytes_per_element,
    check_precision,
    check_traffic_model,
)
from ..layers.base import Layer
from ..layers.dims import LayerError
from ..layers.elementwise import ACTIVATIONS
from ..report import Table

if TYPE_CHECKING:  # pragma: no cover
    from ..devices import Device
    from ..roofline import Projection
    from ..training import TrainingStep

Shape = tuple[int, ...]
"""A per-sample activation shape, batch excluded: (C, H, W) or (F,)."""

FUSION_HEADS = frozenset({"conv", "pointwise", "depthwise", "depsep", "linear"})
"""Layer kinds that can absorb a following BatchNorm (folded) and activation (epilogue)."""
FUSABLE_ACTIVATIONS = frozenset(cls.kind for cls in ACTIVATIONS.values())
"""Activation kinds a fused conv applies in its epilogue."""


class NetworkError(LayerError):
    """A network could not be built: a shape or channel mismatch between two layers, a bad spec.
    The message names the layers involved (index, kind and name) and their shapes."""


def shape_str(shape: Sequence[Any]) -> str:
    """(32, 112, 112) -> '32x112x112'; (1000,) -> '1000'."""
    return "x".join(str(d) for d in shape)


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


class Network(Layer):
    """A built network: a directed acyclic graph of concrete layers in execution order.

    Build one with :class:`~roofline_conv.network.Sequential` (and ``Residual`` blocks) or take
    one from :mod:`roofline_conv.zoo`. It answers every question a layer does, as totals
    (``params``, ``macs``, ``ops``, ``flops``, ``traffic(model, precision, fuse)``,
    ``intensity(...)``) and per layer (``table(...)``), iterates over its concrete layers
    (``for layer in net``, ``net.layers``; ``net.nodes`` adds names and shapes) and projects onto a
    device (``net.project(device)`` or ``roofline.project(net, device)``).

    ``fuse`` (default True) is the network's fusion setting: a conv (or linear/DepSep) followed by
    a BatchNorm and/or an activation runs as one kernel, the BatchNorm folded into the conv (its
    scale into the weights, its shift into a bias) and the activation applied in the conv's
    epilogue, so neither intermediate tensor is written to memory. Every traffic method takes
    ``fuse=`` to override it.
    """

    kind = "network"

    def __init__(self, nodes: Sequence[Node], input_shape: Shape, batch: int, name: str = "network",
                 fuse: bool = True) -> None:
        self._init(tuple(nodes), tuple(input_shape), batch, name, fuse)

    def _init(self, nodes: tuple[Node, ...], input_shape: Shape, batch: int, name: str, fuse: bool) -> None:
        if not isinstance(fuse, bool):
            raise NetworkError(f"fuse={fuse!r} must be True or False")
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_input_shape", input_shape)
        object.__setattr__(self, "_batch", batch)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fuse", fuse)
        object.__setattr__(self, "_memo", {})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use with_batch()/with_fuse() or build a new one")

    # -- structure -----------------------------------------------------------------------------
    @property
    def nodes(self) -> tuple[Node, ...]:
        """The concrete layers with their names, producers and shapes, in execution order."""
        return self._nodes  # type: ignore[attr-defined, no-any-return]

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The concrete layers, in execution order (a DepSep or SqueezeExcitation is one layer)."""
        return tuple(n.layer for n in self.nodes)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, key: int | str) -> Layer:
        """The layer at an index, or with a (dotted) name."""
        return self.node(key).layer

    def node(self, key: int | str) -> Node:
        """The node at an index, or with a (dotted) name."""
        if isinstance(key, str):
            by_name = self._memoised("by_name", lambda: {n.name: n for n in self.nodes})
            if key not in by_name:
                import difflib

                close = difflib.get_close_matches(key, list(by_name), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise KeyError(f"{self.name!r} has no layer named {key!r}{hint}")
            return by_name[key]  # type: ignore[no-any-return]
        return self.nodes[key]

    @property
    def input_shape(self) -> Shape:
        """Per-sample input shape (batch excluded), e.g. (3, 224, 224)."""
        return self._input_shape  # type: ignore[attr-defined, no-any-return]

    @property
    def output_shape(self) -> Shape:
        """Per-sample output shape of the last layer."""
        return self.nodes[-1].output_shape if self.nodes else self.input_shape

    @property
    def batch(self) -> int:
        return self._batch  # type: ignore[attr-defined, no-any-return]

    @property
    def is_symbolic(self) -> bool:
        return False

    def _memoised(self, key: Any, fn: Any) -> Any:
        memo = self._memo  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = fn()
        return memo[key]

    # -- totals (exact ints) ---------------------------------------------------------------------
    def _total(self, attr: str) -> int:
        return self._memoised(attr, lambda: sum(getattr(n.layer, attr) for n in self.nodes))  # type: ignore[no-any-return]

    @property
    def weights(self) -> int:
        return self._total("weights")

    @property
    def bias_params(self) -> int:
        return self._total("bias_params")

    @property
    def params(self) -> int:
        """Parameters, BatchNorm's gamma and beta included (torchvision's count)."""
        return self._total("params")

    @property
    def macs(self) -> int:
        """MACs of every layer (convs, linears, SE's FCs): the published models' "FLOPs"."""
        return self._total("macs")

    @property
    def bias_adds(self) -> int:
        return self._total("bias_adds")

    @property
    def ops(self) -> int:
        """Non-MAC operations (pooling, BN, activations, adds), FLOP."""
        return self._total("ops")

    @property
    def flops(self) -> int:
        return self._total("flops")

    @property
    def input_elements(self) -> int:
        return self.batch * math.prod(self.input_shape)

    @property
    def output_elements(self) -> int:
        return self.batch * math.prod(self.output_shape)

    @property
    def intermediate_elements(self) -> int:
        """Elements of every activation produced and consumed inside the network (every node's
        output but the last)."""
        return sum(n.layer.output_elements for n in self.nodes[:-1])  # type: ignore[no-any-return]

    @property
    def activation_elements(self) -> int:
        """Elements of every layer's output (what an unfused forward pass writes)."""
        return self._total("output_elements")

    # -- fusion ----------------------------------------------------------------------------------
    def _consumers(self) -> list[list[int]]:
        def build() -> list[list[int]]:
            out: list[list[int]] = [[] for _ in self.nodes]
            for n in self.nodes:
                for i in n.inputs:
                    if i >= 0:
                        out[i].append(n.index)
            return out

        return self._memoised("consumers", build)  # type: ignore[no-any-return]

    def fusion_groups(self) -> dict[int, tuple[int, ...]]:
        """Head index -> the indices fused into it: a conv/pointwise/depthwise/DepSep/linear node,
        then a BatchNorm reading only its output (folded), then an activation reading only the
        previous output (epilogue). A tensor that anything else also reads is not fused away."""

        def build() -> dict[int, tuple[int, ...]]:
            consumers = self._consumers()
            nodes = self.nodes
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

        return self._memoised("fusion_groups", build)  # type: ignore[no-any-return]

    def fused_into(self, fuse: bool | None = None) -> dict[int, int]:
        """Fused node index -> its head's index (empty when ``fuse`` is False)."""
        if not self._fuse(fuse):
            return {}
        return {m: head for head, members in self.fusion_groups().items() for m in members}

    def _fuse(self, fuse: bool | None) -> bool:
        if fuse is None:
            return self.fuse  # type: ignore[attr-defined, no-any-return]
        if not isinstance(fuse, bool):
            raise NetworkError(f"fuse={fuse!r} must be True, False or None (the network's setting)")
        return fuse

    # -- traffic ---------------------------------------------------------------------------------
    def node_traffic_elements(self, model: str = DEFAULT_TRAFFIC, fuse: bool | None = None) -> tuple[int, ...]:
        """Elements each node moves under ``model``. Unfused: each layer's own traffic. Fused: a
        group's head moves its parameters, its input and the group's output (and, when a
        BatchNorm is folded into a head without a bias, the folded shift: C_out elements); the
        fused BatchNorm and activation move nothing."""
        model = check_traffic_model(model)
        fuse = self._fuse(fuse)

        def build() -> tuple[int, ...]:
            own = [n.layer.traffic_elements(model) for n in self.nodes]
            if not fuse:
                return tuple(own)
            for head, members in self.fusion_groups().items():
                layer = self.nodes[head].layer
                folded = [self.nodes[m].layer for m in members if self.nodes[m].kind == "batchnorm"]
                if folded and layer.bias_params == 0:
                    own[head] += folded[0].bias_params  # the shift becomes the conv's bias
                for m in members:
                    own[m] = 0
            return tuple(own)

        return self._memoised(("traffic", model, fuse), build)  # type: ignore[no-any-return]

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC, fuse: bool | None = None) -> int:  # type: ignore[override]
        """Elements moved to/from main memory by the whole network (sum of the per-node counts)."""
        return sum(self.node_traffic_elements(model, fuse))

    def traffic(self, model: str = DEFAULT_TRAFFIC, precision: str = DEFAULT_PRECISION,  # type: ignore[override]
                fuse: bool | None = None) -> int:
        """Bytes moved under ``model`` at ``precision``, fused or not (default: the network's)."""
        return self.traffic_elements(model, fuse) * bytes_per_element(precision)

    def intensity(self, model: str = DEFAULT_TRAFFIC, precision: str = DEFAULT_PRECISION,  # type: ignore[override]
                  fuse: bool | None = None) -> float:
        """FLOP / byte of the whole network."""
        return self.flops / self.traffic(model, precision, fuse)

    # -- derived networks -------------------------------------------------------------------------
    def with_batch(self, batch: int) -> "Network":
        """The same network at another batch size."""
        raise NetworkError(f"{type(self).__name__} cannot be rebuilt; build it with Sequential")

    def with_fuse(self, fuse: bool) -> "Network":
        """The same network with another default fusion setting (shares the layers)."""
        new = object.__new__(type(self))
        for k, v in self.__dict__.items():
            object.__setattr__(new, k, v)
        Network._init(new, self.nodes, self.input_shape, self.batch, self.name, fuse)  # type: ignore[attr-defined]
        return new

    # -- projection and training -----------------------------------------------------------------
    def project(self, device: "Device | str", precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
                fuse: bool | None = None, **kwargs: Any) -> "Projection":
        """``roofline.project(self, device, ...)``: one part per node, times summed."""
        from ..roofline import project

        return project(self, device, precision, traffic, fuse=fuse, **kwargs)

    def training_step(self, **kwargs: Any) -> "TrainingStep":
        """``training.step(self, **kwargs)``: forward + backward MACs, traffic, activation memory."""
        from ..training import step

        return step(self, **kwargs)

    # -- tables ----------------------------------------------------------------------------------
    def rows(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC, fuse: bool | None = None,
             device: "Device | str | None" = None, **project_kwargs: Any) -> list[dict[str, Any]]:
        """One dict per node (name, kind, output shape, params, MACs, FLOP, bytes, intensity,
        fused-into; with a device also unit, bound, time in seconds and share of the total time)."""
        check_precision(precision)
        bpe = bytes_per_element(precision)
        elements = self.node_traffic_elements(traffic, fuse)
        fused = self.fused_into(fuse)
        proj = None if device is None else self.project(device, precision, traffic, fuse, **project_kwargs)
        from ..roofline import _bound_summary
        total_time = float(proj.time) if proj is not None else 0.0
        out = []
        for node, e in zip(self.nodes, elements):
            layer = node.layer
            nbytes = e * bpe
            flops = layer.flops
            row: dict[str, Any] = {
                "index": node.index, "name": node.name, "kind": node.kind,
                "output_shape": shape_str(node.output_shape),
                "params": layer.params, "macs": layer.macs, "flops": flops, "bytes": nbytes,
                "intensity": flops / nbytes if nbytes else None,
                "fused_into": f"#{fused[node.index]} {self.nodes[fused[node.index]].name}" if node.index in fused else "",
            }
            if proj is not None:
                part = proj.parts[node.index]
                t = float(part.time)
                unit, bound = part.unit, part.bound
                if part.parts:  # a DepSep or SE: each distinct unit once, the roofs by share of time
                    unit = "+".join(dict.fromkeys(q.unit for q in part.parts))
                    bound = _bound_summary(part.parts)
                row.update(unit=unit, bound=bound, time=t, share=t / total_time if total_time else 0.0)
            out.append(row)
        return out

    def table(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,  # type: ignore[override]
              fuse: bool | None = None, device: "Device | str | None" = None, totals: bool = True,
              **project_kwargs: Any) -> Table:
        """The per-layer table (and a total row): every column with its unit. With ``device``,
        also the unit, binding roof, time and share of the total time of each layer."""
        fuse_on = self._fuse(fuse)
        rows = self.rows(precision, traffic, fuse, device, **project_kwargs)
        columns = ["#", "layer", "kind", "output shape", "params", "MACs", "FLOP",
                   f"traffic (bytes, {precision})", "intensity (FLOP/B)", "fused into"]
        keys = ["index", "name", "kind", "output_shape", "params", "macs", "flops", "bytes", "intensity", "fused_into"]
        if device is not None:
            columns += ["unit", "bound", "time (us)", "share of time (%)"]
            keys += ["unit", "bound", "time", "share"]
        body = [[_scaled(k, r[k]) for k in keys] for r in rows]
        if totals:
            total = {"index": "", "name": "total", "kind": self.name, "output_shape": shape_str(self.output_shape),
                     "params": self.params, "macs": self.macs, "flops": self.flops,
                     "bytes": sum(r["bytes"] for r in rows), "fused_into": ""}
            total["intensity"] = total["flops"] / total["bytes"] if total["bytes"] else None
            if device is not None:
                total.update(unit="", bound="", time=sum(r["time"] for r in rows), share=1.0 if rows else 0.0)
            body.append([_scaled(k, total[k]) for k in keys])
        dev_name = "" if device is None else f" on {device if isinstance(device, str) else device.id}"
        title = (f"{self.name}{dev_name}: batch {self.batch}, input {shape_str(self.input_shape)}, "
                 f"{precision}, traffic '{traffic}', {'fused' if fuse_on else 'unfused'}")
        notes = [
            "MACs: multiply-accumulates (the models' published 'FLOPs'); FLOP = 2 x MACs + bias adds + ops "
            "(pooling comparisons, BN, activations, adds).",
            f"traffic: bytes to/from main memory at {precision} ({bytes_per_element(precision)} B/element).",
            "fused: BatchNorm folded into the preceding conv, activation in its epilogue; fused rows move 0 bytes."
            if fuse_on else "unfused: every layer reads its input and writes its output.",
        ]
        if device is not None:
            notes.append("time: roofline lower bound per layer (upper bound on speed), summed over layers.")
        return Table(title=title, columns=columns, rows=body, notes=notes)

    def totals(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC, fuse: bool | None = None,
               device: "Device | str | None" = None, **project_kwargs: Any) -> Table:
        """Totals with units: layers, params, MACs, FLOP, bytes (fused and unfused), intensity,
        activation elements; with a device, time, images/s and the binding roofs' shares."""
        fuse_on = self._fuse(fuse)
        bpe = bytes_per_element(precision)
        rows: list[list[Any]] = [
            ["layers", len(self.nodes), "concrete layers (DepSep / SE count 1)"],
            ["params", self.params, "parameters (BatchNorm gamma + beta included)"],
            ["MACs", self.macs, "multiply-accumulates (published 'FLOPs')"],
            ["ops", self.ops, "non-MAC FLOP (pooling, BN, activations, adds)"],
            ["FLOP", self.flops, f"FLOP ({FLOPS_PER_MAC} per MAC + bias adds + ops)"],
            [f"traffic ({traffic}, {'fused' if fuse_on else 'unfused'})", self.traffic(traffic, precision, fuse),
             f"bytes at {precision} ({bpe} B/element)"],
            [f"traffic ({traffic}, {'unfused' if fuse_on else 'fused'})", self.traffic(traffic, precision, not fuse_on),
             f"bytes at {precision}"],
            ["intensity", self.intensity(traffic, precision, fuse), "FLOP/byte"],
            ["activations", self.activation_elements, "elements written by all layers (batch included)"],
        ]
        if device is not None:
            p = self.project(device, precision, traffic, fuse, **project_kwargs)
            rows += [
                ["time", float(p.time) * 1e6, "us (roofline bound, sum over layers)"],
                ["images/s", float(p.images_per_second), f"images per second at batch {self.batch} (upper bound)"],
                ["attainable", float(p.attainable) / 1e12, "TFLOP/s (useful FLOP / time)"],
                ["memory-bound share", _bound_share(p, "memory"), "fraction of the time in memory-bound layers"],
            ]
        dev_name = "" if device is None else f" on {device if isinstance(device, str) else device.id}"
        return Table(title=f"{self.name}{dev_name}: totals (batch {self.batch}, {precision})",
                     columns=["quantity", "value", "unit"], rows=rows)

    def by_kind(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
                fuse: bool | None = None) -> Table:
        """Params, MACs and bytes per layer kind, with their shares of the totals (the MobileNet
        paper's Table 2 view)."""
        shares = self.shares(precision, traffic, fuse)
        rows = [[k, v["layers"], v["params"], 100 * v["params_share"], v["macs"], 100 * v["macs_share"],
                 v["bytes"], 100 * v["bytes_share"]] for k, v in shares.items()]
        return Table(title=f"{self.name}: by layer kind ({precision}, traffic '{traffic}')",
                     columns=["kind", "layers", "params", "params (%)", "MACs", "MACs (%)", "bytes", "bytes (%)"],
                     rows=rows)

    def shares(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
               fuse: bool | None = None) -> dict[str, dict[str, Any]]:
        """Per layer kind: layers, params, MACs, bytes and each one's share (0..1) of the total.
        Composite layers count under their own kind (``depsep``, ``se``)."""
        bpe = bytes_per_element(precision)
        out: dict[str, dict[str, Any]] = {}
        for node, e in zip(self.nodes, self.node_traffic_elements(traffic, fuse)):
            d = out.setdefault(node.kind, {"layers": 0, "params": 0, "macs": 0, "bytes": 0})
            d["layers"] += 1
            d["params"] += node.layer.params
            d["macs"] += node.layer.macs
            d["bytes"] += e * bpe
        totals = {k: sum(d[k] for d in out.values()) for k in ("params", "macs", "bytes")}
        for d in out.values():
            for k in ("params", "macs", "bytes"):
                d[f"{k}_share"] = d[k] / totals[k] if totals[k] else 0.0
        return out

    def to_pandas(self, **table_kwargs: Any) -> Any:
        """The per-layer table as a pandas DataFrame (needs the ``pandas`` extra:
        ``pip install roofline_conv[pandas]``); the total row is left out."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - exercised only without pandas
            raise ImportError("to_pandas() needs pandas: pip install 'roofline_conv[pandas]'") from None
        table_kwargs.setdefault("totals", False)
        t = self.table(**table_kwargs)
        return pd.DataFrame([list(r) for r in t.rows], columns=list(t.columns))

    def describe(self, precision: str = DEFAULT_PRECISION, model: str = DEFAULT_TRAFFIC) -> str:
        """Totals with units, as text."""
        return self.totals(precision, model).to_markdown()

    def _repr_markdown_(self) -> str:
        return self.totals().to_markdown() + "\n\n" + self.table().to_markdown()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.name!r}: {shape_str(self.input_shape)} -> {shape_str(self.output_shape)}, "
                f"batch {self.batch}, {len(self.nodes)} layers, {self.params:,} params, {self.macs:,} MACs)")

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Network) and self.nodes == other.nodes and self.input_shape == other.input_shape
                and self.batch == other.batch)

    def __hash__(self) -> int:
        return hash((self.input_shape, self.batch, len(self.nodes), self.name))


def _scaled(key: str, value: Any) -> Any:
    if value is None or value == "":
        return value
    if key == "time":
        return value * 1e6
    if key == "share":
        return value * 100
    return value


def _bound_share(p: "Projection", kind: str) -> float:
    total = float(p.time)
    if not total:
        return 0.0
    return sum(float(q.time) for q in _leaves(p) if q.bound.startswith(kind)) / total


def _leaves(p: "Projection") -> list["Projection"]:
    if not p.parts:
        return [p]
    return [leaf for q in p.parts for leaf in _leaves(q)]


__all__ = ["Network", "Node", "NetworkError", "Shape", "shape_str", "FUSION_HEADS"]
