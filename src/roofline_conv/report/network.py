"""The tables of a network: one row per layer, totals, the split by layer kind.

Each function takes the network as its first argument (anything shaped like
:class:`~roofline_conv.network.Network`, see :class:`NetworkLike`); this module does not import
the network package, which calls it from its thin ``Network.table()``-style methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence

from ..conventions import (Bound, DEFAULT_PRECISION, DEFAULT_TRAFFIC, FLOPS_PER_MAC, bytes_per_element,
                           traffic_and_precision)
from ..projection.result import Projection, bound_summary
from ..validation import flag, shown
from .table import Table, shape_str

if TYPE_CHECKING:  # pragma: no cover
    from ..devices import Device
    from ..layers.base import Layer


class NodeLike(Protocol):
    """What the tables read from a network node (``network.Node``)."""

    @property
    def index(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def layer(self) -> Layer: ...
    @property
    def output_shape(self) -> tuple[int, ...]: ...


class NetworkLike(Protocol):
    """What the tables read from a network (``network.Network``)."""

    @property
    def name(self) -> str: ...
    @property
    def batch(self) -> int: ...
    @property
    def nodes(self) -> Sequence[NodeLike]: ...
    @property
    def input_shape(self) -> tuple[int, ...]: ...
    @property
    def output_shape(self) -> tuple[int, ...]: ...
    @property
    def params(self) -> int: ...
    @property
    def macs(self) -> int: ...
    @property
    def ops(self) -> int: ...
    @property
    def flops(self) -> int: ...
    @property
    def activation_elements(self) -> int: ...

    def resolve_fuse(self, fuse: bool | None) -> bool: ...
    def fused_into(self, fuse: bool | None = None) -> dict[int, int]: ...
    def node_traffic_elements(self, model: str = ..., fuse: bool | None = None) -> tuple[int, ...]: ...
    def traffic(self, model: str = ..., precision: str = ..., fuse: bool | None = None) -> int: ...
    def intensity(self, model: str = ..., precision: str = ..., fuse: bool | None = None) -> float: ...
    def project(self, device: Device | str, precision: str = ..., traffic: str = ..., fuse: bool | None = None,
                **kwargs: Any) -> Projection: ...


def rows(net: NetworkLike, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
         fuse: bool | None = None, device: Device | str | None = None,
         **project_kwargs: Any) -> list[dict[str, Any]]:
    """One dict per node (name, kind, output shape, params, MACs, FLOP, bytes, intensity,
    fused-into; with a device also unit, bound, time in seconds and share of the total time)."""
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    _needs_device(device, project_kwargs)
    bpe = precision.bytes
    elements = net.node_traffic_elements(traffic, fuse)
    fused = net.fused_into(fuse)
    proj = None if device is None else net.project(device, precision, traffic, fuse, **project_kwargs)
    total_time = float(proj.time) if proj is not None else 0.0
    out = []
    for node, e in zip(net.nodes, elements):
        layer = node.layer
        nbytes = e * bpe
        flops = layer.flops
        row: dict[str, Any] = {
            "index": node.index, "name": node.name, "kind": node.kind,
            "output_shape": shape_str(node.output_shape),
            "params": layer.params, "macs": layer.macs, "flops": flops, "bytes": nbytes,
            "intensity": flops / nbytes if nbytes else None,
            "fused_into": f"#{fused[node.index]} {net.nodes[fused[node.index]].name}" if node.index in fused else "",
        }
        if proj is not None:
            part = proj.parts[node.index]
            t = float(part.time)
            unit, bound = part.unit, part.bound
            if part.parts:  # a DepSep or SE: each distinct unit once, the roofs by share of time
                unit = "+".join(dict.fromkeys(q.unit for q in part.parts))
                bound = bound_summary(part.parts)
            row.update(unit=unit, bound=bound, time=t, expected_time=float(part.expected_time),
                       share=t / total_time if total_time else 0.0)
        out.append(row)
    return out


def table(net: NetworkLike, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
          fuse: bool | None = None, device: Device | str | None = None, totals: bool = True,
          top: int | None = None, depth: int | None = None, **project_kwargs: Any) -> Table:
    """The per-layer table (and a total row): every column with its unit. With ``device``,
    also the unit, binding roof, time and share of the total time of each layer. ``depth`` N
    sums the layers per parent module (the first N dot-separated parts of their names, as
    torchinfo does); ``top`` K keeps the K heaviest rows (by time with a device, else by MACs);
    the total row stays the whole network's."""
    from .grouping import by_depth, heaviest

    fuse_on = net.resolve_fuse(fuse)
    totals = flag(totals, "totals")
    all_rows = rows(net, precision, traffic, fuse, device, **project_kwargs)
    body_rows = all_rows if depth is None else by_depth(all_rows, depth)
    if top is not None:
        body_rows = heaviest(body_rows, top, "time" if device is not None else "macs")
    columns = ["#", "layer", "kind", "output shape", "params", "MACs", "FLOP",
               f"traffic (bytes, {precision})", "intensity (FLOP/B)", "fused into"]
    keys = ["index", "name", "kind", "output_shape", "params", "macs", "flops", "bytes", "intensity", "fused_into"]
    if device is not None:
        columns += ["unit", "bound", "time (us)", "expected (us)", "share of time (%)"]
        keys += ["unit", "bound", "time", "expected_time", "share"]
    body = [[_scaled(k, r[k]) for k in keys] for r in body_rows]
    if totals:
        total: dict[str, Any] = {
            "index": "", "name": "total", "kind": net.name, "output_shape": shape_str(net.output_shape),
            "params": net.params, "macs": net.macs, "flops": net.flops,
            "bytes": sum(r["bytes"] for r in all_rows), "fused_into": ""}
        total["intensity"] = total["flops"] / total["bytes"] if total["bytes"] else None
        if device is not None:
            whole = net.project(device, precision, traffic, fuse, **project_kwargs)  # kept: a look-up
            total.update(unit="", bound="", time=sum(r["time"] for r in all_rows),
                         expected_time=float(whole.expected_time),  # the layers' plus the per-step term
                         share=1.0 if all_rows else 0.0)
        body.append([_scaled(k, total[k]) for k in keys])
    title = (f"{net.name}{_on(device)}: batch {net.batch}, input {shape_str(net.input_shape)}, "
             f"{precision}, traffic '{traffic}', {'fused' if fuse_on else 'unfused'}")
    notes = [
        "MACs: multiply-accumulates (the models' published 'FLOPs'); FLOP = 2 x MACs + bias adds + ops "
        "(pooling comparisons, BN, activations, adds).",
        f"traffic: bytes to/from main memory at {precision} ({bytes_per_element(precision)} B/element).",
        "fused: BatchNorm folded into the preceding conv, activation in its epilogue; fused rows move 0 bytes."
        if fuse_on else "unfused: every layer reads its input and writes its output.",
    ]
    if device is not None:
        notes.append("time: roofline lower bound per layer (upper bound on speed), summed over layers; expected: "
                     "the bound plus the device's fitted terms (docs/fidelity.md), per layer; the total adds the "
                     "per-step term (a framework's fixed cost per forward pass).")
    if depth is not None:
        notes.append(f"depth {depth}: layers summed per module (the first {depth} parts of their dotted names); "
                     "'#' is the first layer's, 'kind' the layer count.")
    if top is not None:
        notes.append(f"top {top}: the {len(body_rows)} heaviest rows by {'time' if device is not None else 'MACs'} "
                     f"of {len(all_rows) if depth is None else len(by_depth(all_rows, depth))}; the total is the "
                     "whole network's.")
    return Table(title=title, columns=columns, rows=body, notes=notes, name="layers", total_rows=1 if totals else 0)


def totals(net: NetworkLike, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
           fuse: bool | None = None, device: Device | str | None = None, **project_kwargs: Any) -> Table:
    """Totals with units: layers, params, MACs, FLOP, bytes (fused and unfused), intensity,
    activation elements; with a device, time, images/s and the binding roofs' shares."""
    fuse_on = net.resolve_fuse(fuse)
    _needs_device(device, project_kwargs)
    bpe = bytes_per_element(precision)
    body: list[list[Any]] = [
        ["layers", len(net.nodes), "concrete layers (DepSep / SE count 1)"],
        ["params", net.params, "parameters (BatchNorm gamma + beta included)"],
        ["MACs", net.macs, "multiply-accumulates (published 'FLOPs')"],
        ["ops", net.ops, "non-MAC FLOP (pooling, BN, activations, adds)"],
        ["FLOP", net.flops, f"FLOP ({FLOPS_PER_MAC} per MAC + bias adds + ops)"],
        [f"traffic ({traffic}, {'fused' if fuse_on else 'unfused'})", net.traffic(traffic, precision, fuse),
         f"bytes at {precision} ({bpe} B/element)"],
        [f"traffic ({traffic}, {'unfused' if fuse_on else 'fused'})", net.traffic(traffic, precision, not fuse_on),
         f"bytes at {precision}"],
        ["intensity", net.intensity(traffic, precision, fuse), "FLOP/byte"],
        ["activations", net.activation_elements, "elements written by all layers (batch included)"],
    ]
    if device is not None:
        p = net.project(device, precision, traffic, fuse, **project_kwargs)
        body += [
            ["time", float(p.time) * 1e6, "us (roofline bound, sum over layers)"],
            ["images/s", float(p.images_per_second), f"images per second at batch {net.batch} (upper bound)"],
            ["expected time", float(p.expected_time) * 1e6, "us (the bound plus the fitted terms, docs/fidelity.md)"],
            ["expected images/s", float(p.expected_images_per_second), f"images per second at batch {net.batch}"],
            ["attainable", float(p.attainable) / 1e12, "TFLOP/s (useful FLOP / time)"],
            ["memory-bound share", _bound_share(p, Bound.MEMORY), "fraction of the time in memory-bound layers"],
        ]
    return Table(title=f"{net.name}{_on(device)}: totals (batch {net.batch}, {precision})",
                 columns=["quantity", "value", "unit"], rows=body, name="totals")


def shares(net: NetworkLike, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
           fuse: bool | None = None) -> dict[str, dict[str, Any]]:
    """Per layer kind: layers, params, MACs, bytes and each one's share (0..1) of the total.
    Composite layers count under their own kind (``depsep``, ``se``)."""
    bpe = bytes_per_element(precision)
    out: dict[str, dict[str, Any]] = {}
    for node, e in zip(net.nodes, net.node_traffic_elements(traffic, fuse)):
        d = out.setdefault(node.kind, {"layers": 0, "params": 0, "macs": 0, "bytes": 0})
        d["layers"] += 1
        d["params"] += node.layer.params
        d["macs"] += node.layer.macs
        d["bytes"] += e * bpe
    sums = {k: sum(d[k] for d in out.values()) for k in ("params", "macs", "bytes")}
    for d in out.values():
        for k in ("params", "macs", "bytes"):
            d[f"{k}_share"] = d[k] / sums[k] if sums[k] else 0.0
    return out


def by_kind(net: NetworkLike, precision: str = DEFAULT_PRECISION, traffic: str = DEFAULT_TRAFFIC,
            fuse: bool | None = None) -> Table:
    """Params, MACs and bytes per layer kind, with their shares of the totals (the MobileNet
    paper's Table 2 view)."""
    body = [[k, v["layers"], v["params"], 100 * v["params_share"], v["macs"], 100 * v["macs_share"],
             v["bytes"], 100 * v["bytes_share"]] for k, v in shares(net, precision, traffic, fuse).items()]
    return Table(title=f"{net.name}: by layer kind ({precision}, traffic '{traffic}')",
                 columns=["kind", "layers", "params", "params (%)", "MACs", "MACs (%)", "bytes", "bytes (%)"],
                 rows=body, name="by_kind")


def to_pandas(net: NetworkLike, **table_kwargs: Any) -> Any:
    """The per-layer table as a pandas DataFrame (needs the ``pandas`` extra:
    ``pip install roofline_conv[pandas]``); the total row is left out."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - exercised only without pandas
        raise ImportError("to_pandas() needs pandas: pip install 'roofline_conv[pandas]'") from None
    table_kwargs.setdefault("totals", False)
    t = table(net, **table_kwargs)
    return pd.DataFrame([list(r) for r in t.rows], columns=list(t.columns))


def _needs_device(device: Any, project_kwargs: dict[str, Any]) -> None:
    """Projection options (``unit=``, ``lowering=``, ``calibrated=``) apply with ``device=`` only:
    without one they would be silently ignored, so they are refused."""
    if device is None and project_kwargs:
        key = sorted(project_kwargs)[0]
        raise ValueError(f"{key}={shown(project_kwargs[key])} applies to a projection: give device= as well")


def _on(device: Device | str | None) -> str:
    """' on v100-sxm2' for a title, '' without a device."""
    return "" if device is None else f" on {device if isinstance(device, str) else device.id}"


def _scaled(key: str, value: Any) -> Any:
    """Seconds to microseconds and fractions to percent for display."""
    if value is None or value == "":
        return value
    if key in ("time", "expected_time"):
        return value * 1e6
    if key == "share":
        return value * 100
    return value


def _bound_share(p: Projection, binding: Bound) -> float:
    """The fraction of the projected time spent in leaves bound by ``binding`` (compute, memory)."""
    total = float(p.time)
    if not total:
        return 0.0
    return sum(float(q.time) for q in _leaves(p) if q.binding == binding) / total


def _leaves(p: Projection) -> list[Projection]:
    if not p.parts:
        return [p]
    return [leaf for q in p.parts for leaf in _leaves(q)]


__all__ = ["NetworkLike", "NodeLike", "Projection", "rows", "table", "totals", "shares", "by_kind", "to_pandas"]
