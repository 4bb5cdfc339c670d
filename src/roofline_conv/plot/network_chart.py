"""A whole network's layers on one roofline (50-200 points that stay readable): one colour and
marker per layer kind, each layer's bound (filled) joined to its expected point (hollow) and to a
measured one where given, labels only for the ``top`` layers by time, and a table of every layer
(:func:`network_chart_table`) for the rest."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, check_precision, check_traffic_model
from ..devices import resolve_device
from ..report import Table
from ..roofline import Projection, project
from ..validation import number, shown
from .common import DPI, PALETTE, check_figure, decades, log_axes, new_figure, short_name, style, top_unit
from .labels import around, place_labels
from .roofline_chart import FIGSIZE, draw_device
from .roofline_marks import BOUND, EXPECTED, draw_expected
from .roofline_points import expected_rate

__all__ = ["plot_network_roofline", "network_chart_table", "KIND_STYLES"]

KIND_STYLES: dict[str, tuple[str, str]] = {
    "conv": (PALETTE[0], "o"), "pointwise": (PALETTE[2], "s"), "depthwise": (PALETTE[1], "^"),
    "linear": (PALETTE[3], "D"), "pooling": (PALETTE[4], "v"), "elementwise": (PALETTE[9], "P")}
"""Layer kind -> (colour, marker) on the network chart."""


def _kind(layer: Any) -> str:
    kind = str(getattr(layer, "kind", type(layer).__name__)).lower()
    if kind in KIND_STYLES:
        return kind
    return "pooling" if "pool" in kind else "elementwise"


def _layers(network: Any, device: Any, precision: str, traffic: str, fuse: bool | None) -> tuple[str, Any, list[tuple[Projection, str]]]:
    """(network name, device, [(part projection, kind)]) for every part that takes time."""
    dev = resolve_device(device, "device")
    if isinstance(network, str):
        from .. import zoo

        network = zoo.get(network)
    if isinstance(network, Projection):
        p, kinds = network, {}
        if p.device != dev.id:
            raise ValueError(f"network is a projection on {p.device!r}, not on {dev.id!r}")
    elif hasattr(network, "nodes"):
        p = project(network, dev, precision, traffic, fuse=fuse)
        kinds = {node.name: _kind(node.layer) for node in network.nodes}
    else:
        raise ValueError(f"network={shown(network)} must be a zoo name, a network or a network's projection")
    parts = [(q, kinds.get(q.name, "conv" if q.unit in ("tensor", "mxu") else "elementwise"))
             for q in p.parts if q.time > 0 and q.flops > 0 and 0 < q.intensity < math.inf]
    if not parts:
        raise ValueError("the network has no part that takes time on this device: nothing to plot")
    return str(getattr(network, "name", p.name)), dev, parts


def _ranked(parts: list[tuple[Projection, str]]) -> list[tuple[Projection, str]]:
    """Slowest first (by expected time, else the bound); ties by name, so the order is fixed."""
    return sorted(parts, key=lambda pk: (-max(pk[0].time, pk[0].expected_time or 0.0), pk[0].name))


def _check_top(top: Any) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError(f"top={shown(top)} must be an int >= 0 (how many of the slowest layers are labelled)")
    return top


def network_chart_table(network: Any, device: Any, precision: str = DEFAULT_PRECISION, *,
                        traffic: str = DEFAULT_TRAFFIC, top: int = 10, fuse: bool | None = None) -> Table:
    """Every layer of the chart, slowest first: its rank (the chart labels the first ``top``),
    kind, unit, intensity, bound and expected rate and time, and share of the expected total."""
    top = _check_top(top)
    name, dev, parts = _layers(network, device, check_precision(precision), traffic, fuse)
    total = sum(max(q.time, q.expected_time or 0.0) for q, _ in parts)
    rows = []
    for rank, (q, kind) in enumerate(_ranked(parts), 1):
        exp_t = q.expected_time if q.expected_time and q.expected_time > 0 else q.time
        rows.append([rank, q.name, kind, q.unit, round(float(q.intensity), 2), round(float(q.attainable) / 1e9, 1),
                     round(float(q.flops) / exp_t / 1e9, 1), round(q.time * 1e6, 2), round(exp_t * 1e6, 2),
                     round(100.0 * exp_t / total, 2), "yes" if rank <= top else "no"])
    return Table(title=f"{name} on {dev.id} ({precision}): layers by expected time",
                 columns=["rank", "layer", "kind", "unit", "intensity (FLOP/B)", "bound (GFLOP/s)",
                          "expected (GFLOP/s)", "bound time (us)", "expected time (us)", "share (%)", "labelled"],
                 rows=rows, notes=[f"the chart labels ranks 1-{min(top, len(rows))}; the others are in this table"])


def plot_network_roofline(
    network: Any,
    device: Any,
    precision: str = DEFAULT_PRECISION,
    *,
    traffic: str = DEFAULT_TRAFFIC,
    top: int = 10,
    measured: Mapping[str, float] | None = None,
    expected: bool = True,
    fuse: bool | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = FIGSIZE,
    dpi: float = DPI,
) -> Figure:
    """Every layer of ``network`` (a zoo name, a network, or its projection) on ``device``'s
    roofline: colour and marker by layer kind (:data:`KIND_STYLES`), the bound filled, the expected
    point hollow and joined to it, ``measured={layer name: FLOP/s}`` as hollow diamonds joined by a
    dotted line; only the ``top`` slowest layers labelled (``"1 layer3.0.conv2"``, rank as in
    :func:`network_chart_table`)."""
    check_traffic_model(traffic, "traffic")
    precision = check_precision(precision)
    top = _check_top(top)
    figsize, dpi = check_figure(figsize, dpi, title, expected=expected)
    name, dev, parts = _layers(network, device, precision, traffic, fuse)
    known = {q.name for q, _ in parts}
    measured = dict(measured or {})
    for key, value in measured.items():
        if key not in known:
            raise ValueError(f"measured[{key!r}]: no layer of that name takes time in {name}")
        measured[key] = number(value, f"measured[{key!r}] (FLOP/s)", above=0)
    ranked = _ranked(parts)
    xs = [float(q.intensity) for q, _ in parts]
    ys = [float(q.attainable) for q, _ in parts] + [r for r in (expected_rate(q) for q, _ in parts) if r] + list(measured.values())
    u = top_unit(dev, precision)
    xs.append(dev.ridge_point(u, precision))
    ys.append(dev.peak(u, precision))
    xlo, xhi = decades(min(xs) / 3.0, max(xs) * 3.0)
    ylo, yhi = decades(min([*ys, dev.bandwidth() * xlo]) / 2.0, max(ys) * 3.0)

    with style():
        fig, ax = new_figure(figsize, dpi, (0.1, 0.1, 0.97, 0.92))
        log_axes(ax, (xlo, xhi), (ylo, yhi))
        movable = draw_device(ax, dev, 0, precision, (1.0, 1.0), False, "omit", (xlo, xhi), (ylo, yhi))
        point_labels = []
        for rank, (q, kind) in enumerate(ranked, 1):
            color, marker = KIND_STYLES[kind]
            x, y = float(q.intensity), float(q.attainable)
            ax.plot([x], [y], marker=marker, markersize=5.5, color=color, markeredgecolor="black",
                    markeredgewidth=0.4, linestyle="none", zorder=7, gid=f"point:{q.name}")
            rate = expected_rate(q)
            if expected and rate is not None:
                draw_expected(ax, x, y, rate, color, marker, 4.5, q.name)
            if q.name in measured:
                ax.plot([x], [measured[q.name]], marker="D", markersize=5, markerfacecolor="white",
                        markeredgecolor=color, markeredgewidth=1.2, linestyle="none", zorder=6, gid=f"measured:{q.name}")
                ax.plot([x, x], [y, measured[q.name]], color=color, linewidth=0.8, linestyle=(0, (2, 2)), zorder=5,
                        gid=f"join:{q.name}")
            if rank <= top:
                point_labels.append((ax.annotate(f"{rank} {q.name}", (x, y), xytext=(5, 3), textcoords="offset points",
                                                 fontsize=7, color=color, va="bottom"),
                                     around(5, 4, (1.0, 2.0, 3.2, 4.5, 6.5, 9.0))))
        kinds = [k for k in KIND_STYLES if any(kind == k for _, kind in parts)]
        handles = [Line2D([], [], marker=KIND_STYLES[k][1], color=KIND_STYLES[k][0], markeredgecolor="black",
                          markeredgewidth=0.4, linestyle="none", label=k) for k in kinds]
        handles.append(Line2D([], [], marker="o", color="#555555", linestyle="none", label=BOUND))
        if expected and any(expected_rate(q) for q, _ in parts):
            handles.append(Line2D([], [], marker="o", color="#555555", markerfacecolor="white", linewidth=0.8,
                                  label=EXPECTED))
        if measured:
            handles.append(Line2D([], [], marker="D", color="#555555", markerfacecolor="white", linestyle="none",
                                  label="measured"))
        ax.legend(handles=handles, loc="upper left", fontsize=7)
        ax.set_xlabel("arithmetic intensity (FLOP/byte)")
        ax.set_ylabel("attainable performance (FLOP/s)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            title = (f"{name} per layer on {short_name(dev)}; {precision}, traffic '{traffic}' "
                     f"({len(parts)} layers, the {min(top, len(parts))} slowest labelled)")
        ax.set_title(title, fontsize=10)
        place_labels(fig, movable + point_labels)
    return fig
