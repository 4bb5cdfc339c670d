"""The roofline chart: every compute and memory roof of one or several devices, their ridge
points, and layers, networks, projections and measurements as points (log-log).

What goes on the chart as points is worked out in :mod:`.roofline_points`; this module draws.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, check_precision, check_traffic_model
from ..devices import Device, resolve_device
from ..validation import choice
from .common import DPI, check_figure, check_limits, PALETTE, decades, new_figure, ridge_label, si, short_name, slope_angle, style, top_unit
from .labels import Candidate, around, place_labels
from .roofline_marks import draw_points, legend
from .roofline_points import collect_points

__all__ = ["plot_roofline", "FIGSIZE"]

FIGSIZE = (8.0, 5.5)
"""Inches, the roofline chart's default size."""



@dataclass
class _Roof:
    unit: str
    precisions: list[str]
    peak: float
    prominent: bool


def _roofs(dev: Device, precision: str) -> list[_Roof]:
    """Every (unit, peak) of the device, precisions with the same peak on one unit merged; ``prominent``
    (and ``precision`` first among its precisions) where ``precision`` is one of them."""
    roofs: list[_Roof] = []
    for name, unit in dev.units.items():
        by_value: dict[float, list[str]] = {}
        for prec, fig in unit.peaks.items():
            by_value.setdefault(fig.value, []).append(prec)
        for value, precs in by_value.items():
            if precision in precs:  # the selected precision first in the label
                precs = [precision] + [p for p in precs if p != precision]
            roofs.append(_Roof(name, precs, value, precision in precs))
    return roofs


def _precisions(precision: str | Mapping[str, str], devs: Sequence[Device]) -> list[str]:
    """The precision of each device: one for all, or a mapping device id (or constant) -> precision."""
    if not isinstance(precision, Mapping):
        return [check_precision(precision)] * len(devs)
    out: list[str] = []
    for dev in devs:
        p = precision.get(dev.id, precision.get(dev.constant or "", None))
        if p is None:
            raise ValueError(f"precision has no entry for device {dev.id!r}; give one per device or a single precision")
        out.append(check_precision(p))
    return out


def plot_roofline(
    device: Device | str | Sequence[Device | str],
    points: Any = (),
    precision: str | Mapping[str, str] = DEFAULT_PRECISION,
    *,
    traffic: str = DEFAULT_TRAFFIC,
    measured: Mapping[Any, float] | Iterable[tuple[Any, float]] | None = None,
    normalise: bool = False,
    other_precisions: str = "light",
    parts: bool = False,
    expected: bool = True,
    measured_label: str = "measured",
    title: str | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    figsize: tuple[float, float] = FIGSIZE,
    dpi: float = DPI,
) -> Figure:
    """A log-log roofline chart of ``device`` (or a list of devices) with ``points`` on it.

    Axes: arithmetic intensity (FLOP/byte) and attainable performance (FLOP/s). Drawn:

    * every **compute roof**: one horizontal line per unit and peak, labelled
      ``"tensor fp16 125 TFLOP/s"`` (precisions with the same peak on one unit share a line,
      ``"mxu fp16/bf16 ..."``). Roofs at ``precision`` are drawn prominently; the others thin and
      light (``other_precisions="light"``) or not at all (``"omit"``);
    * every **memory roof**: one slanted line per memory level, ``"hbm 900 GB/s"``; main memory
      solid, inner levels (whose bandwidth applies only to data that fits there) dashed;
    * the **ridge point** of every prominent roof against main memory, marked and labelled with
      its FLOP/byte.

    ``points``: layers, DepSeps, networks or lists of layers (each projected with
    :func:`roofline_conv.roofline.project` at ``precision`` and ``traffic``), ``Projection``
    objects, ``(label, layer)`` pairs, a ``{label: layer}`` dict, or ``(label, intensity,
    flops_per_s)`` tuples for measured points. ``measured={label: flops_per_s}`` (or pairs) puts a
    measured point at the predicted point's intensity and joins the two. ``parts=True`` also
    draws a composite's parts (a DepSep's depthwise and pointwise) as small markers.

    Each predicted point is the roofline **bound** (filled marker). Where the projection's
    expected time (``Projection.expected_time``, with the device's fitted terms) is longer than
    the bound, an **expected** point (hollow marker of the same shape) sits below it, joined by a
    thin line (``expected=False`` leaves them out). Measured points are hollow diamonds, called
    ``measured_label`` in the legend (the study passes ``"published"``: its figures are the
    paper's, not measured here). Labels are placed so that no two texts overlap
    (:func:`roofline_conv.plot.labels.place_labels`).

    Several devices (a list): each in its own colour, every point projected on each device, only
    the prominent roofs labelled. ``normalise=True`` divides each device's intensities by its
    ridge point and FLOP/s by its peak (the highest at ``precision``), so every device's
    roofline becomes min(1, x), drawn once. ``precision`` may be a mapping device id (or
    constant) -> precision, e.g. ``{"V100": "fp16", "TPUv2": "bf16", "XeonE5_2698v4": "fp32"}``
    as in the seed study. Measured tuples and ``measured`` keys may name the device as a
    4th item / a ``(device_id, label)`` key; otherwise they belong to the first device.
    """
    check_traffic_model(traffic, "traffic")
    choice(other_precisions, "other_precisions", ("light", "omit"))
    figsize, dpi = check_figure(figsize, dpi, title, normalise=normalise, parts=parts, expected=expected)
    if not isinstance(measured_label, str) or not measured_label.strip():
        raise ValueError(f"measured_label={measured_label!r} must be a non-empty string (the legend's word for measured points)")
    xlim, ylim = check_limits(xlim, "xlim"), check_limits(ylim, "ylim")
    devs = [resolve_device(d, "device") for d in (device if isinstance(device, (list, tuple)) else [device])]
    if not devs:
        raise ValueError("plot_roofline needs at least one device")
    multi = len(devs) > 1
    precs = _precisions(precision, devs)
    top_units = [top_unit(d, p) for d, p in zip(devs, precs)]
    tops = [d.peak(u, p) for d, u, p in zip(devs, top_units, precs)]
    ridges = [d.ridge_point(u, p) for d, u, p in zip(devs, top_units, precs)]
    pts = collect_points(points, devs, precs, traffic, measured)

    def scale(d: int) -> tuple[float, float]:
        return (ridges[d], tops[d]) if normalise else (1.0, 1.0)

    with style():
        fig, ax = new_figure(figsize, dpi, (0.1, 0.1, 0.97, 0.92))
        ax.set_xscale("log")
        ax.set_yscale("log")

        # ---- limits: points and prominent ridge points, padded to whole decades
        xs, ys = [], []
        for d, dev in enumerate(devs):
            sx, sy = scale(d)
            for roof in _roofs(dev, precs[d]):
                if roof.prominent:
                    xs.append(dev.ridge_point(roof.unit, roof.precisions[0]) / sx)
                    ys.append(roof.peak / sy)
            ys.append(max(r.peak for r in _roofs(dev, precs[d])) / sy)
        for pt in pts:
            sx, sy = scale(pt.device)
            xs.append(pt.intensity / sx)
            ys.append(pt.flops_per_s / sy)
            if expected and pt.expected is not None:
                ys.append(pt.expected / sy)
            for part in pt.parts if parts else ():
                xs.append(float(part.intensity) / sx)
                ys.append(float(part.attainable) / sy)
        xlo, xhi = decades(min(xs) / 5.0, max(xs) * 5.0)
        if xlim is not None:
            xlo, xhi = xlim
        main_bw = min(d.bandwidth() / scale(i)[1] * scale(i)[0] for i, d in enumerate(devs))
        ylo, yhi = decades(min([*ys, main_bw * xlo]) / 2.0, max(ys) * 3.0)
        if ylim is not None:
            ylo, yhi = ylim
        ax.set_xlim(xlo, xhi)
        ax.set_ylim(ylo, yhi)

        movable: list[tuple[Any, list[Candidate]]] = []
        if normalise and multi:  # every device's main roofline is min(1, x): draw it once
            ax.plot([xlo, 1.0, xhi], [xlo, 1.0, 1.0], color="black", linewidth=1.8, gid="roof:normalised")
            movable.append((ax.annotate("peak (each device's)", (xhi, 1.0), xytext=(-4, 3),
                                        textcoords="offset points", ha="right", va="bottom", fontsize=8),
                            _roof_candidates(xhi, 1.0)))
            xa = math.exp(math.log(xlo) + 0.08 * (math.log(xhi) - math.log(xlo)))
            ax.annotate("main memory (each device's)", (xa, xa), xytext=(0, 3), textcoords="offset points",
                        ha="left", va="bottom", rotation=slope_angle(ax, xa, xa), rotation_mode="anchor", fontsize=8)
            ax.plot([1.0], [1.0], marker="o", markersize=6, markerfacecolor="white", markeredgecolor="black",
                    markeredgewidth=1.4, linestyle="none", zorder=4, gid="ridge:normalised")
            movable.append((ax.annotate("ridge (each device's)", (1.0, 1.0), xytext=(5, -11),
                                        textcoords="offset points", ha="left", va="bottom", fontsize=7.5),
                            around(5, 5)))
        for d, dev in enumerate(devs):
            movable += draw_device(ax, dev, d, precs[d], scale(d), multi, other_precisions, (xlo, xhi), (ylo, yhi),
                                   skip_top=normalise and multi)
        point_labels, part_labels = draw_points(ax, pts, scale, multi, parts, expected)

        if normalise:
            ax.set_xlabel("arithmetic intensity / ridge point (FLOP/byte per FLOP/byte of each device)")
            ax.set_ylabel("attainable / peak (fraction of each device's peak)")
        else:
            ax.set_xlabel("arithmetic intensity (FLOP/byte)")
            ax.set_ylabel("attainable performance (FLOP/s)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            names = ", ".join(short_name(d) for d in devs) if multi else devs[0].name
            shown = precs[0] if len(set(precs)) == 1 else "/".join(precs)
            title = f"Roofline: {names}; {shown}, traffic '{traffic}'" + (" (normalised)" if normalise else "")
        ax.set_title(title, fontsize=10)
        legend(ax, devs, pts, multi, expected, measured_label)
        place_labels(fig, [m for m in movable if not _is_ridge(m)] + point_labels
                     + [m for m in movable if _is_ridge(m)] + part_labels)
    return fig


def _is_ridge(label: tuple[Any, list[Candidate]]) -> bool:
    return label[0].get_text().startswith("ridge")


def _roof_candidates(x: float, y: float) -> list[Candidate]:
    """A compute roof's label: below the line at the right edge, above it, then further left."""
    return [((x, y), dx, dy, "right", va) for dx in (-4, -110, -220, -330) for dy, va in ((-3, "top"), (3, "bottom"))]


def _memory_candidates(bw: float, sx: float, sy: float, xlim: tuple[float, float], ylim: tuple[float, float],
                       start: float) -> list[Candidate]:
    """A memory roof's label: on its line (above, then below), further and further along it."""
    xlo, xhi = xlim
    span = math.log(xhi) - math.log(xlo)
    out: list[Candidate] = []
    for f in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, -0.04):
        xa = math.exp(math.log(start) + f * span)
        ya = bw * xa * sx / sy
        if xlo < xa < xhi and ylim[0] < ya < ylim[1]:
            out += [((xa, ya), 0, 3, "left", "bottom"), ((xa, ya), 0, -3, "left", "top")]
    return out


def draw_device(ax: Axes, dev: Device, d: int, precision: str, scale: tuple[float, float], multi: bool,
                other_precisions: str, xlim: tuple[float, float], ylim: tuple[float, float],
                skip_top: bool = False) -> list[tuple[Any, list[Candidate]]]:
    """One device's roofs and ridge points; returns its labels with their candidate placements.
    ``skip_top``: leave out the top roof at the precision and the main-memory roof (a normalised
    multi-device chart draws their common min(1, x) once)."""
    labels: list[tuple[Any, list[Candidate]]] = []
    sx, sy = scale
    top = dev.peak(top_unit(dev, precision), precision)
    xlo, xhi = xlim
    color = PALETTE[d % len(PALETTE)] if multi else "black"
    prefix = f"{short_name(dev)} " if multi else ""
    roofs = [r for r in _roofs(dev, precision) if r.prominent or other_precisions == "light"]
    main = dev.main_memory
    fastest_bw = max(level.bandwidth.value for level in dev.memory.values())
    highest = max(r.peak for r in roofs)

    # compute roofs: from where they meet the fastest memory roof to the right edge
    for roof in roofs:
        if skip_top and roof.prominent and roof.peak == top:
            continue
        y = roof.peak / sy
        x0 = roof.peak / fastest_bw / sx
        label = f"{prefix}{roof.unit} {'/'.join(roof.precisions)} {si(roof.peak, 'FLOP/s')}"
        if roof.prominent:
            ax.plot([x0, xhi], [y, y], color=color, linewidth=1.8, solid_capstyle="butt", gid=f"roof:{label}")
        else:
            ax.plot([x0, xhi], [y, y], color=color, linewidth=0.9, alpha=0.35, linestyle=(0, (4, 2)),
                    gid=f"roof:{label}")
        if roof.prominent or not multi:  # below the line: points sitting on a roof label themselves above
            labels.append((ax.annotate(label, (xhi, y), xytext=(-4, -3), textcoords="offset points", ha="right",
                                       va="top", fontsize=8 if roof.prominent else 7, color=color,
                                       alpha=1.0 if roof.prominent else 0.6), _roof_candidates(xhi, y)))

    # memory roofs: from the left edge to where they meet the highest compute roof
    for i, (name, level) in enumerate(dev.memory.items()):
        bw = level.bandwidth.value
        x1 = highest / bw / sx
        y0 = bw * xlo * sx / sy
        is_main = name == main
        if skip_top and is_main:
            continue
        label = f"{prefix}{name} {si(bw, 'B/s')}"
        ax.plot([xlo, x1], [y0, highest / sy], color=color, linewidth=1.8 if is_main else 0.9,
                alpha=1.0 if is_main else 0.5, linestyle="-" if is_main else (0, (5, 3)), gid=f"roof:{label}")
        if is_main or not multi:
            # the label sits on the line, a fifth of the way across the visible part
            xa = math.exp(math.log(xlo) + 0.08 * (math.log(xhi) - math.log(xlo)) + 0.25 * i * math.log(2))
            ya = bw * xa * sx / sy
            if not (ylim[0] < ya < ylim[1]):
                xa = ylim[0] * 1.5 * sy / (bw * sx)
                ya = bw * xa * sx / sy
            ann = ax.annotate(label, (xa, ya), xytext=(0, 3), textcoords="offset points", ha="left", va="bottom",
                              rotation=slope_angle(ax, xa, ya), rotation_mode="anchor", fontsize=8 if is_main else 7,
                              color=color, alpha=1.0 if is_main else 0.7)
            labels.append((ann, _memory_candidates(bw, sx, sy, xlim, ylim, xa)))

    # ridge points of the prominent roofs against main memory
    for roof in roofs:
        if not roof.prominent or (skip_top and roof.peak == top):
            continue
        ridge = dev.ridge_point(roof.unit, roof.precisions[0], main)
        x, y = ridge / sx, roof.peak / sy
        ax.plot([x], [y], marker="o", markersize=6, markerfacecolor="white", markeredgecolor=color,
                markeredgewidth=1.4, linestyle="none", zorder=4, gid=f"ridge:{prefix}{roof.unit}")
        labels.append((ax.annotate(ridge_label(ridge), (x, y), xytext=(5, -11), textcoords="offset points",
                                   ha="left", va="bottom", fontsize=7.5, color=color),
                       [(None, 5, -5, "left", "top"), (None, 5, 5, "left", "bottom"), (None, -5, -5, "right", "top"),
                        (None, -5, 5, "right", "bottom"), *around(5, 5, (2.0, 3.2, 4.5))]))
    return labels
