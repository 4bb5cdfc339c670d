"""The marks of a roofline chart's points: the bound (filled), the expected point (hollow, joined
to the bound by a thin line), the measured or published point (hollow diamond, joined by a
dotted line), a composite's parts, and the legend that says which is which."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..devices import Device
from .common import MARKERS, PALETTE
from .labels import Candidate, around
from .roofline_points import Point

__all__ = ["draw_points", "legend", "BOUND", "EXPECTED"]

Scale = Callable[[int], tuple[float, float]]
"""Device index -> (intensity divisor, FLOP/s divisor): (1, 1), or (ridge, peak) when normalised."""

BOUND = "roofline bound"
EXPECTED = "expected (fitted terms)"

Labels = list[tuple[Any, list[Candidate]]]


def draw_expected(ax: Axes, x: float, bound: float, expected: float, color: str, marker: str, size: float,
                  gid: str) -> None:
    """The expected point below its bound, hollow, joined to it by a thin solid line."""
    ax.plot([x, x], [bound, expected], color=color, linewidth=0.8, zorder=5, gid=f"expected-join:{gid}")
    ax.plot([x], [expected], marker=marker, markersize=size, markerfacecolor="white", markeredgecolor=color,
            markeredgewidth=1.3, linestyle="none", zorder=6, gid=f"expected:{gid}")


def draw_points(ax: Axes, pts: list[Point], scale: Scale, multi: bool, parts: bool,
                expected: bool = True) -> tuple[Labels, Labels]:
    """Every point's marks; returns (point labels, part labels) with their candidate placements."""
    labels = list(dict.fromkeys(pt.label for pt in pts))
    style_of = {lbl: i for i, lbl in enumerate(labels)}
    predicted = {(pt.device, pt.label): pt for pt in pts if not pt.measured}
    point_labels: Labels = []
    part_labels: Labels = []
    for pt in pts:
        sx, sy = scale(pt.device)
        i = style_of[pt.label]
        color = PALETTE[pt.device % len(PALETTE)] if multi else PALETTE[i % len(PALETTE)]
        marker = MARKERS[i % len(MARKERS)] if multi else "o"
        x, y = pt.intensity / sx, pt.flops_per_s / sy
        if pt.measured:
            ax.plot([x], [y], marker="D", markersize=6.5, markerfacecolor="white", markeredgecolor=color,
                    markeredgewidth=1.6, linestyle="none", zorder=6, gid=f"measured:{pt.label}")
            pred = predicted.get((pt.device, pt.label))
            if pred is not None:
                ax.plot([pred.intensity / sx, x], [pred.flops_per_s / sy, y], color=color, linewidth=1.0,
                        linestyle=(0, (2, 2)), zorder=5, gid=f"join:{pt.label}")
            else:
                point_labels.append((ax.annotate(f"{pt.label} (measured)", (x, y), xytext=(6, -4),
                                                 textcoords="offset points", fontsize=8, color=color, va="top"),
                                     around(6, 4)))
            continue
        ax.plot([x], [y], marker=marker, markersize=7.5, color=color, markeredgecolor="black",
                markeredgewidth=0.6, linestyle="none", zorder=7, gid=f"point:{pt.label}")
        if expected and pt.expected is not None:
            draw_expected(ax, x, y, pt.expected / sy, color, marker, 7.0, pt.label)
        if not multi or pt.device == 0:
            point_labels.append((ax.annotate(pt.label, (x, y), xytext=(6, 4), textcoords="offset points",
                                             fontsize=8.5, color=color, fontweight="bold", va="bottom"),
                                 around(6, 4)))
        if parts:
            for part in pt.parts:
                px, py = float(part.intensity) / sx, float(part.attainable) / sy
                ax.plot([px], [py], marker=marker, markersize=4.5, color=color, alpha=0.6, linestyle="none",
                        zorder=6, gid=f"part:{pt.label}:{part.name}")
                part_labels.append((ax.annotate(f"{pt.label}: {part.name} ({part.unit})", (px, py), xytext=(5, -3),
                                                textcoords="offset points", fontsize=7, color=color, va="top",
                                                alpha=0.8), around(5, 4)))
    return point_labels, part_labels


def legend(ax: Axes, devs: list[Device], pts: list[Point], multi: bool, expected: bool = True,
           measured_label: str = "measured") -> None:
    """Device colours (several devices) and what each kind of point is."""
    handles: list[Line2D] = []
    if multi:
        for d, dev in enumerate(devs):
            handles.append(Line2D([], [], color=PALETTE[d % len(PALETTE)], linewidth=1.8, label=dev.name))
    has_expected = expected and any(pt.expected is not None for pt in pts if not pt.measured)
    if any(pt.measured for pt in pts) or has_expected:
        handles.append(Line2D([], [], marker="o", color="#555555", markeredgecolor="black", markeredgewidth=0.6,
                              linestyle="none", label=BOUND))
    if has_expected:
        handles.append(Line2D([], [], marker="o", color="#555555", markerfacecolor="white", linestyle="-",
                              linewidth=0.8, label=EXPECTED))
    if any(pt.measured for pt in pts):
        handles.append(Line2D([], [], marker="D", color="#555555", markerfacecolor="white", linestyle="none",
                              label=measured_label))
    if handles:
        ax.legend(handles=handles, loc="lower right")
