"""The built network: a layer made of nodes, answering totals, fused traffic, projections and
(through :mod:`roofline_conv.report.network`) its tables."""

from __future__ import annotations

import math
from typing import Any, Callable, Hashable, Iterator, Sequence, TypeVar

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, check_traffic_model, traffic_and_precision
from ..layers.base import Layer, intensity_of
from ..devices import Device
from ..roofline import Projection, project
from ..training import TrainingStep, step
from ..report import Table
from ..validation import flag, integer
from ..report import network as tables
from . import fusion
from .fusion import FUSABLE_ACTIVATIONS, FUSION_HEADS
from .graph import NetworkError, Node, Shape, consumers, shape_str, total


T = TypeVar("T")


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
    name: str
    fuse: bool
    _nodes: tuple[Node, ...]  # an unbuilt Sequential holds None here and in _input_shape
    _input_shape: Shape
    _batch: int
    _memo: dict[Hashable, Any]

    def __init__(self, nodes: Sequence[Node], input_shape: Shape, batch: int, name: str = "network",
                 fuse: bool = True) -> None:
        self._init(tuple(nodes), tuple(input_shape), batch, name, fuse)

    def _init(self, nodes: tuple[Node, ...], input_shape: Shape, batch: int, name: str, fuse: bool) -> None:
        fuse = flag(fuse, "fuse", error=NetworkError)
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
        return self._nodes

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
        """The node at an index (an int; negative counts from the end), or with a (dotted) name;
        anything else is a :class:`NetworkError` naming ``key``."""
        if isinstance(key, str):
            by_name = self._memoised("by_name", lambda: {n.name: n for n in self.nodes})
            if key not in by_name:
                import difflib

                close = difflib.get_close_matches(key, list(by_name), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise NetworkError(f"key={key!r}: {self.name!r} has no layer named {key!r}{hint}")
            return by_name[key]
        index = integer(key, "key", error=NetworkError)
        if not -len(self.nodes) <= index < len(self.nodes):
            raise NetworkError(f"key={index} is not a layer index of {self.name!r}: it has {len(self.nodes)} layers "
                               f"(0 to {len(self.nodes) - 1}, or negative from the end)")
        return self.nodes[index]

    @property
    def input_shape(self) -> Shape:
        """Per-sample input shape (batch excluded), e.g. (3, 224, 224)."""
        return self._input_shape

    @property
    def output_shape(self) -> Shape:
        """Per-sample output shape of the last layer."""
        return self.nodes[-1].output_shape if self.nodes else self.input_shape

    @property
    def batch(self) -> int:
        return self._batch

    @property
    def is_symbolic(self) -> bool:
        return False

    def memoised(self, key: Hashable, fn: Callable[[], T]) -> T:
        """``fn()``, computed once per network for ``key`` (a network is immutable): its totals,
        fused traffic and, through the projection engine, its projections per device and settings."""
        memo = self._memo
        if key not in memo:
            memo[key] = fn()
        value: T = memo[key]
        return value

    _memoised = memoised

    # -- totals (exact ints) ---------------------------------------------------------------------
    def _total(self, attr: str) -> int:
        return self._memoised(attr, lambda: total(self.nodes, attr))

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
        return total(self.nodes[:-1], "output_elements")

    @property
    def activation_elements(self) -> int:
        """Elements of every layer's output (what an unfused forward pass writes)."""
        return self._total("output_elements")

    # -- fusion (see network.fusion) -------------------------------------------------------------
    def fusion_groups(self) -> dict[int, tuple[int, ...]]:
        """Head index -> the indices fused into it: a conv/pointwise/depthwise/DepSep/linear node,
        then a BatchNorm reading only its output (folded), then an activation reading only the
        previous output (epilogue). A tensor that anything else also reads is not fused away."""
        return self._memoised("fusion_groups", lambda: fusion.fusion_groups(self.nodes, consumers(self.nodes)))

    def fused_into(self, fuse: bool | None = None) -> dict[int, int]:
        """Fused node index -> its head's index (empty when ``fuse`` is False)."""
        if not self.resolve_fuse(fuse):
            return {}
        return fusion.fused_into(self.fusion_groups())

    def resolve_fuse(self, fuse: bool | None) -> bool:
        """The fusion setting a call uses: ``fuse``, or the network's own when it is None."""
        return fusion.resolve_fuse(self.fuse, fuse)

    # -- traffic ---------------------------------------------------------------------------------
    def node_traffic_elements(self, model: str = DEFAULT_TRAFFIC, fuse: bool | None = None) -> tuple[int, ...]:
        """Elements each node moves under ``model``. Unfused: each layer's own traffic. Fused: a
        group's head moves its parameters, its input and the group's output (and, when a
        BatchNorm is folded into a head without a bias, the folded shift: C_out elements); the
        fused BatchNorm and activation move nothing."""
        model = check_traffic_model(model)
        fuse = self.resolve_fuse(fuse)
        groups = self.fusion_groups() if fuse else None
        return self._memoised(("traffic", model, fuse),
                              lambda: fusion.node_traffic_elements(self.nodes, groups, model))

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC, fuse: bool | None = None) -> int:
        """Elements moved to/from main memory by the whole network (sum of the per-node counts)."""
        return sum(self.node_traffic_elements(model, fuse))

    def traffic(self, model: str | None = None, precision: str | None = None,
                fuse: bool | None = None) -> int:
        """Bytes moved under ``model`` at ``precision``, fused or not (default: the network's)."""
        model, precision = traffic_and_precision(model, precision)
        return self.traffic_elements(model, fuse) * precision.bytes

    def intensity(self, model: str | None = None, precision: str | None = None,
                  fuse: bool | None = None) -> float:
        """FLOP / byte of the whole network (the rule of :func:`~roofline_conv.layers.base.intensity_of`)."""
        return float(intensity_of(self.flops, self.traffic(model, precision, fuse)))

    # -- derived networks -------------------------------------------------------------------------
    def with_batch(self, batch: int) -> "Network":
        """The same network at another batch size."""
        raise NetworkError(f"{type(self).__name__} cannot be rebuilt; build it with Sequential")

    def with_fuse(self, fuse: bool) -> "Network":
        """The same network with another default fusion setting (shares the layers)."""
        new = object.__new__(type(self))
        for k, v in self.__dict__.items():
            object.__setattr__(new, k, v)
        Network._init(new, self.nodes, self.input_shape, self.batch, self.name, fuse)
        return new

    # -- projection and training -----------------------------------------------------------------
    def project(self, device: "Device | str", precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
                fuse: bool | None = None, **kwargs: Any) -> "Projection":
        """``roofline.project(self, device, ...)``: one part per node, times summed."""
        return project(self, device, precision, traffic, fuse=fuse, **kwargs)

    def training_step(self, **kwargs: Any) -> "TrainingStep":
        """``training.step(self, **kwargs)``: forward + backward MACs, traffic, activation memory."""
        return step(self, **kwargs)

    # -- tables (see report.network) -------------------------------------------------------------
    def rows(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC, fuse: bool | None = None,
             device: "Device | str | None" = None, **project_kwargs: Any) -> list[dict[str, Any]]:
        """One dict per node (name, kind, output shape, params, MACs, FLOP, bytes, intensity,
        fused-into; with a device also unit, bound, time in seconds and share of the total time)."""
        return tables.rows(self, precision, traffic, fuse, device, **project_kwargs)

    def table(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,  # type: ignore[override]
              fuse: bool | None = None, device: "Device | str | None" = None, totals: bool = True,
              top: int | None = None, depth: int | None = None, **project_kwargs: Any) -> Table:
        """The per-layer table (and a total row): every column with its unit. With ``device``,
        also the unit, binding roof, time and share of the total time of each layer; ``depth``
        sums per parent module, ``top`` keeps the heaviest rows (report.network.table).
        (Overrides ``Layer.table``'s quantity rows with a Table: a network has many layers.)"""
        return tables.table(self, precision, traffic, fuse, device, totals, top, depth, **project_kwargs)

    def totals(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC, fuse: bool | None = None,
               device: "Device | str | None" = None, **project_kwargs: Any) -> Table:
        """Totals with units: layers, params, MACs, FLOP, bytes (fused and unfused), intensity,
        activation elements; with a device, time, images/s and the binding roofs' shares."""
        return tables.totals(self, precision, traffic, fuse, device, **project_kwargs)

    def by_kind(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
                fuse: bool | None = None) -> Table:
        """Params, MACs and bytes per layer kind, with their shares of the totals (the MobileNet
        paper's Table 2 view)."""
        return tables.by_kind(self, precision, traffic, fuse)

    def shares(self, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
               fuse: bool | None = None) -> dict[str, dict[str, Any]]:
        """Per layer kind: layers, params, MACs, bytes and each one's share (0..1) of the total.
        Composite layers count under their own kind (``depsep``, ``se``)."""
        return tables.shares(self, precision, traffic, fuse)

    def to_pandas(self, **table_kwargs: Any) -> Any:
        """The per-layer table as a pandas DataFrame (needs the ``pandas`` extra:
        ``pip install roofline_conv[pandas]``); the total row is left out."""
        return tables.to_pandas(self, **table_kwargs)

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


# importable from here as before the split into graph and fusion
__all__ = ["Network", "Node", "NetworkError", "Shape", "shape_str", "FUSION_HEADS", "FUSABLE_ACTIVATIONS"]
