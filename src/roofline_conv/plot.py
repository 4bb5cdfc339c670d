"""Charts: roofline plots, sweeps, predicted vs measured (matplotlib, headless).

Every function builds a :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no global
state, no display needed: it renders with Agg) and returns it; :func:`save` writes it as PNG, SVG
or PDF by the file's extension.

    >>> from roofline_conv import V100, study
    >>> from roofline_conv.plot import plot_roofline, save
    >>> fig = plot_roofline(V100, study.layers())          # doctest: +SKIP
    >>> save(fig, "roofline_v100.png")                       # doctest: +SKIP

Rendering is pinned for reproducible images: a fixed figure size and dpi, fixed margins (no
automatic layout), and the style in :data:`STYLE` (matplotlib's bundled DejaVu Sans, no font
hinting, as matplotlib's own image tests use), applied while the figure is built and while
:func:`save` writes it.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, check_precision, check_traffic_model

if TYPE_CHECKING:  # pragma: no cover
    from .devices import Device

__all__ = ["plot_roofline", "plot_sweep", "plot_predicted_vs_measured", "save", "style", "STYLE", "FORMATS"]

STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same glyphs on every machine
    "font.size": 9.0,
    "text.hinting": "none",
    "text.antialiased": True,
    "lines.antialiased": True,
    "axes.unicode_minus": False,
    "mathtext.fontset": "dejavusans",
    "axes.formatter.use_mathtext": True,
    "svg.fonttype": "path",
    "svg.hashsalt": "roofline_conv",
    "pdf.fonttype": 42,
    "path.simplify": False,
    "axes.linewidth": 0.8,
    "axes.edgecolor": "black",
    "axes.facecolor": "white",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.bbox": None,
    "legend.fontsize": 8.0,
    "legend.frameon": True,
}
"""The rcParams every chart is built and saved under (see the module docstring)."""

FORMATS: dict[str, str] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
"""File extensions :func:`save` writes, and the format each means."""

FIGSIZE = (8.0, 5.5)
"""Inches, the roofline chart's default size."""
DPI = 100

_METADATA = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
            "#7f7f7f"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "<", ">", "h", "*"]
_KIND_NAMES = {"conv": "standard conv", "depsep": "DepSep", "depthwise": "depthwise", "pointwise": "pointwise"}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """A context in which matplotlib uses :data:`STYLE` (what every function here uses)."""
    with matplotlib.rc_context(STYLE):
        yield


def save(fig: Figure, path: str | Path, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` as PNG, SVG or PDF, chosen by the extension (a ValueError for any
    other). Metadata that would change from run to run (dates) is left out. Returns the path."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cannot save a chart as {path.name!r}: the extension {path.suffix or '(none)'!r} "
                         f"is not one of {', '.join(FORMATS)}")
    with style():
        fig.savefig(path, format=fmt, dpi=dpi if dpi is not None else fig.dpi, metadata=_METADATA[fmt])
    return path


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------
def _si(value: float, unit: str) -> str:
    """``125 TFLOP/s``, ``900 GB/s``, ``1.408 TFLOP/s``: 4 significant digits, an SI prefix."""
    for factor, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= factor:
            return f"{value / factor:.4g} {prefix}{unit}"
    return f"{value:.4g} {unit}"


def _device(device: Any) -> "Device":
    from .devices import Device, get

    dev = get(device) if isinstance(device, str) else device
    if not isinstance(dev, Device):
        raise ValueError(f"device={device!r} must be a Device or a catalog id")
    return dev


def _short_name(dev: "Device") -> str:
    return dev.constant or dev.id


def _new_figure(figsize: tuple[float, float], dpi: float, margins: tuple[float, float, float, float]) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize, dpi=dpi)
    left, bottom, right, top = margins
    fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def _decades(lo: float, hi: float) -> tuple[float, float]:
    return 10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi))


def _slope_angle(ax: Any, x: float, y: float, slope: float = 1.0) -> float:
    """Screen angle (degrees) of a line of log-log ``slope`` through (x, y), for label rotation."""
    p1 = ax.transData.transform((x, y))
    p2 = ax.transData.transform((x * 2.0, y * 2.0**slope))
    return math.degrees(math.atan2(p2[1] - p1[1], p2[0] - p1[0]))


# ---------------------------------------------------------------------------------------------
# roofline
# ---------------------------------------------------------------------------------------------
@dataclass
class _Roof:
    unit: str
    precisions: list[str]
    peak: float
    prominent: bool


@dataclass
class _Point:
    label: str
    intensity: float
    flops_per_s: float
    measured: bool
    device: int
    parts: tuple[Any, ...] = ()


def _roofs(dev: "Device", precision: str) -> list[_Roof]:
    """Every (unit, peak) of the device, precisions with the same peak on one unit merged."""
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


def _precisions(precision: str | Mapping[str, str], devs: list["Device"]) -> list[str]:
    """The precision of each device: one for all, or a mapping device id (or constant) -> precision."""
    if isinstance(precision, str):
        return [check_precision(precision)] * len(devs)
    out = []
    for dev in devs:
        p = precision.get(dev.id, precision.get(dev.constant or "", None))
        if p is None:
            raise ValueError(f"precision has no entry for device {dev.id!r}; give one per device or a single precision")
        out.append(check_precision(p))
    return out


def _top_peak(dev: "Device", precision: str) -> float:
    peaks = [u.peaks[precision].value for u in dev.units.values() if precision in u.peaks]
    if not peaks:
        raise ValueError(f"device {dev.id!r} has no unit with a peak at precision {precision!r}; "
                         f"its units support: " + "; ".join(f"{n} {', '.join(u.peaks)}" for n, u in dev.units.items()))
    return max(peaks)


def _is_layerish(obj: Any) -> bool:
    from .layers import Layer

    return isinstance(obj, Layer) or (isinstance(obj, (list, tuple)) and len(obj) > 0
                                      and all(isinstance(x, Layer) for x in obj))


def _default_label(obj: Any) -> str:
    from .layers import Layer

    if isinstance(obj, Layer):
        name = getattr(obj, "name", None)
        return name if isinstance(name, str) and name else type(obj).__name__
    if isinstance(obj, (list, tuple)):
        return f"network ({len(obj)} layers)"
    return getattr(obj, "name", type(obj).__name__)


def _normalise_points(points: Any) -> list[tuple[str | None, Any]]:
    """(label or None, item) for every point: layers, networks, projections, measured tuples."""
    from .roofline import Projection

    if isinstance(points, Mapping):
        return [(str(k), v) for k, v in points.items()]
    if _is_layerish(points) and not isinstance(points, (list, tuple)):
        return [(None, points)]
    if isinstance(points, Projection):
        return [(None, points)]
    out: list[tuple[str | None, Any]] = []
    for item in points:
        if isinstance(item, tuple) and item and isinstance(item[0], str):
            if len(item) == 2:
                out.append((item[0], item[1]))
            elif len(item) in (3, 4):
                out.append((item[0], ("measured", *item[1:])))
            else:
                raise ValueError(f"point {item!r}: a tuple is (label, layer) or (label, intensity, flops_per_s)")
        else:
            out.append((None, item))
    return out


def _unique(label: str, taken: set[str]) -> str:
    if label not in taken:
        taken.add(label)
        return label
    i = 2
    while f"{label} #{i}" in taken:
        i += 1
    taken.add(f"{label} #{i}")
    return f"{label} #{i}"


def _collect_points(points: Any, devs: list["Device"], precisions: list[str], traffic: str,
                    measured: Any) -> list[_Point]:
    from .roofline import Projection, project

    out: list[_Point] = []
    taken: set[str] = set()
    labels_by_item: list[tuple[str, Any]] = []
    for label, item in _normalise_points(points):
        if isinstance(item, tuple) and item and item[0] == "measured":
            _, x, y, *where = item
            d = 0
            if where:
                ids = [dv.id for dv in devs]
                wid = where[0].id if hasattr(where[0], "id") else str(where[0])
                if wid not in ids:
                    raise ValueError(f"measured point {label!r} names device {wid!r}, which is not on the chart")
                d = ids.index(wid)
            out.append(_Point(str(label), float(x), float(y), True, d))
            continue
        if label is None:
            label = item.name if isinstance(item, Projection) else _default_label(item)
        labels_by_item.append((_unique(label, taken), item))

    for label, item in labels_by_item:
        for d, dev in enumerate(devs):
            if isinstance(item, Projection):
                if item.device != dev.id:
                    if len(devs) == 1:
                        raise ValueError(f"point {label!r} is a projection on {item.device!r}, not on {dev.id!r}")
                    continue
                p = item
            else:
                p = project(item, dev, precisions[d], traffic, calibrated=False)  # on the raw roofs drawn
            out.append(_Point(label, float(p.intensity), float(p.attainable), False, d, p.parts))

    if measured:
        pairs = list(measured.items()) if isinstance(measured, Mapping) else list(measured)
        predicted = {(pt.device, pt.label): pt for pt in out if not pt.measured}
        for key, value in pairs:
            if isinstance(key, tuple):
                wid, label = key
                wid = wid.id if hasattr(wid, "id") else str(wid)
                ids = [dv.id for dv in devs]
                if wid not in ids:
                    raise ValueError(f"measured[{key!r}]: device {wid!r} is not on the chart")
                d = ids.index(wid)
            else:
                label, d = key, 0
            pred = predicted.get((d, label))
            if pred is None:
                known = sorted({lbl for _, lbl in predicted})
                raise ValueError(f"measured[{label!r}]: no predicted point with that label; points are: "
                                 f"{', '.join(known) or '(none)'}")
            out.append(_Point(label, pred.intensity, float(value), True, d))
    return out


def plot_roofline(
    device: Any,
    points: Any = (),
    precision: str | Mapping[str, str] = DEFAULT_PRECISION,
    *,
    traffic: str = DEFAULT_TRAFFIC,
    measured: Mapping[Any, float] | Iterable[tuple[Any, float]] | None = None,
    normalise: bool = False,
    other_precisions: str = "light",
    parts: bool = False,
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

    Several devices (a list): each in its own colour, every point projected on each device, only
    the prominent roofs labelled. ``normalise=True`` divides each device's intensities by its
    ridge point and FLOP/s by its peak (the highest at ``precision``), so every device's
    roofline becomes min(1, x), drawn once. ``precision`` may be a mapping device id (or
    constant) -> precision, e.g. ``{"V100": "fp16", "TPUv2": "bf16", "XeonE5_2698v4": "fp32"}``
    as in the seed study. Measured tuples and ``measured`` keys may name the device as a
    4th item / a ``(device_id, label)`` key; otherwise they belong to the first device.
    """
    check_traffic_model(traffic, "traffic")
    if other_precisions not in ("light", "omit"):
        raise ValueError(f"other_precisions={other_precisions!r} must be 'light' or 'omit'")
    devs = [_device(d) for d in (device if isinstance(device, (list, tuple)) else [device])]
    if not devs:
        raise ValueError("plot_roofline needs at least one device")
    multi = len(devs) > 1
    precs = _precisions(precision, devs)
    tops = [_top_peak(d, p) for d, p in zip(devs, precs)]
    ridges = [top / d.bandwidth() for top, d in zip(tops, devs)]
    pts = _collect_points(points, devs, precs, traffic, measured)

    def scale(d: int) -> tuple[float, float]:
        return (ridges[d], tops[d]) if normalise else (1.0, 1.0)

    with style():
        fig, ax = _new_figure(figsize, dpi, (0.1, 0.1, 0.97, 0.92))
        ax.set_xscale("log")
        ax.set_yscale("log")

        # ---- limits: points and prominent ridge points, padded to whole decades
        xs, ys = [], []
        for d, dev in enumerate(devs):
            sx, sy = scale(d)
            for roof in _roofs(dev, precs[d]):
                if roof.prominent:
                    xs.append(roof.peak / dev.bandwidth() / sx)
                    ys.append(roof.peak / sy)
            ys.append(max(r.peak for r in _roofs(dev, precs[d])) / sy)
        for pt in pts:
            sx, sy = scale(pt.device)
            xs.append(pt.intensity / sx)
            ys.append(pt.flops_per_s / sy)
            for part in pt.parts if parts else ():
                xs.append(float(part.intensity) / sx)
                ys.append(float(part.attainable) / sy)
        xlo, xhi = _decades(min(xs) / 5.0, max(xs) * 5.0)
        if xlim is not None:
            xlo, xhi = xlim
        main_bw = min(d.bandwidth() / scale(i)[1] * scale(i)[0] for i, d in enumerate(devs))
        ylo, yhi = _decades(min([*ys, main_bw * xlo]) / 2.0, max(ys) * 3.0)
        if ylim is not None:
            ylo, yhi = ylim
        ax.set_xlim(xlo, xhi)
        ax.set_ylim(ylo, yhi)

        if normalise and multi:  # every device's main roofline is min(1, x): draw it once
            ax.plot([xlo, 1.0, xhi], [xlo, 1.0, 1.0], color="black", linewidth=1.8, gid="roof:normalised")
            ax.annotate("peak (each device's)", (xhi, 1.0), xytext=(-4, 3),
                        textcoords="offset points", ha="right", va="bottom", fontsize=8)
            xa = math.exp(math.log(xlo) + 0.08 * (math.log(xhi) - math.log(xlo)))
            ax.annotate("main memory (each device's)", (xa, xa), xytext=(0, 3), textcoords="offset points",
                        ha="left", va="bottom", rotation=_slope_angle(ax, xa, xa), rotation_mode="anchor", fontsize=8)
            ax.plot([1.0], [1.0], marker="o", markersize=6, markerfacecolor="white", markeredgecolor="black",
                    markeredgewidth=1.4, linestyle="none", zorder=4, gid="ridge:normalised")
            ax.annotate("ridge (each device's)", (1.0, 1.0), xytext=(5, -11), textcoords="offset points",
                        ha="left", va="bottom", fontsize=7.5)
        for d, dev in enumerate(devs):
            _draw_device(ax, dev, d, precs[d], scale(d), multi, other_precisions, (xlo, xhi), (ylo, yhi),
                         skip_top=normalise and multi)
        _draw_points(ax, pts, scale, multi, parts)

        if normalise:
            ax.set_xlabel("arithmetic intensity / ridge point (FLOP/byte per FLOP/byte of each device)")
            ax.set_ylabel("attainable / peak (fraction of each device's peak)")
        else:
            ax.set_xlabel("arithmetic intensity (FLOP/byte)")
            ax.set_ylabel("attainable performance (FLOP/s)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            names = ", ".join(_short_name(d) for d in devs) if multi else devs[0].name
            shown = precs[0] if len(set(precs)) == 1 else "/".join(precs)
            title = f"Roofline: {names}; {shown}, traffic '{traffic}'" + (" (normalised)" if normalise else "")
        ax.set_title(title, fontsize=10)
        _legend(ax, devs, pts, multi)
    return fig


def _draw_device(ax: Any, dev: "Device", d: int, precision: str, scale: tuple[float, float], multi: bool,
                 other_precisions: str, xlim: tuple[float, float], ylim: tuple[float, float],
                 skip_top: bool = False) -> None:
    """One device's roofs and ridge points. ``skip_top``: leave out the top roof at the precision
    and the main-memory roof (a normalised multi-device chart draws their common min(1, x) once)."""
    sx, sy = scale
    top = _top_peak(dev, precision)
    xlo, xhi = xlim
    color = _PALETTE[d % len(_PALETTE)] if multi else "black"
    prefix = f"{_short_name(dev)} " if multi else ""
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
        label = f"{prefix}{roof.unit} {'/'.join(roof.precisions)} {_si(roof.peak, 'FLOP/s')}"
        if roof.prominent:
            ax.plot([x0, xhi], [y, y], color=color, linewidth=1.8, solid_capstyle="butt", gid=f"roof:{label}")
        else:
            ax.plot([x0, xhi], [y, y], color=color, linewidth=0.9, alpha=0.35, linestyle=(0, (4, 2)),
                    gid=f"roof:{label}")
        if roof.prominent or not multi:  # below the line: points sitting on a roof label themselves above
            ax.annotate(label, (xhi, y), xytext=(-4, -3), textcoords="offset points", ha="right", va="top",
                        fontsize=8 if roof.prominent else 7, color=color, alpha=1.0 if roof.prominent else 0.6)

    # memory roofs: from the left edge to where they meet the highest compute roof
    for i, (name, level) in enumerate(dev.memory.items()):
        bw = level.bandwidth.value
        x1 = highest / bw / sx
        y0 = bw * xlo * sx / sy
        is_main = name == main
        if skip_top and is_main:
            continue
        label = f"{prefix}{name} {_si(bw, 'B/s')}"
        ax.plot([xlo, x1], [y0, highest / sy], color=color, linewidth=1.8 if is_main else 0.9,
                alpha=1.0 if is_main else 0.5, linestyle="-" if is_main else (0, (5, 3)), gid=f"roof:{label}")
        if is_main or not multi:
            # the label sits on the line, a fifth of the way across the visible part
            xa = math.exp(math.log(xlo) + 0.08 * (math.log(xhi) - math.log(xlo)) + 0.25 * i * math.log(2))
            ya = bw * xa * sx / sy
            if not (ylim[0] < ya < ylim[1]):
                xa = ylim[0] * 1.5 * sy / (bw * sx)
                ya = bw * xa * sx / sy
            ax.annotate(label, (xa, ya), xytext=(0, 3), textcoords="offset points", ha="left", va="bottom",
                        rotation=_slope_angle(ax, xa, ya), rotation_mode="anchor", fontsize=8 if is_main else 7,
                        color=color, alpha=1.0 if is_main else 0.7)

    # ridge points of the prominent roofs against main memory
    for roof in roofs:
        if not roof.prominent or (skip_top and roof.peak == top):
            continue
        ridge = roof.peak / dev.bandwidth(main)
        x, y = ridge / sx, roof.peak / sy
        ax.plot([x], [y], marker="o", markersize=6, markerfacecolor="white", markeredgecolor=color,
                markeredgewidth=1.4, linestyle="none", zorder=4, gid=f"ridge:{prefix}{roof.unit}")
        ax.annotate(f"ridge {ridge:.1f} FLOP/B", (x, y), xytext=(5, -11), textcoords="offset points",
                    ha="left", va="bottom", fontsize=7.5, color=color)


def _draw_points(ax: Any, pts: list[_Point], scale: Any, multi: bool, parts: bool) -> None:
    labels = list(dict.fromkeys(pt.label for pt in pts))
    style_of = {lbl: i for i, lbl in enumerate(labels)}
    predicted = {(pt.device, pt.label): pt for pt in pts if not pt.measured}
    for pt in pts:
        sx, sy = scale(pt.device)
        i = style_of[pt.label]
        color = _PALETTE[pt.device % len(_PALETTE)] if multi else _PALETTE[i % len(_PALETTE)]
        marker = _MARKERS[i % len(_MARKERS)] if multi else "o"
        x, y = pt.intensity / sx, pt.flops_per_s / sy
        if pt.measured:
            ax.plot([x], [y], marker="D", markersize=6.5, markerfacecolor="white", markeredgecolor=color,
                    markeredgewidth=1.6, linestyle="none", zorder=6, gid=f"measured:{pt.label}")
            pred = predicted.get((pt.device, pt.label))
            if pred is not None:
                ax.plot([pred.intensity / sx, x], [pred.flops_per_s / sy, y], color=color, linewidth=1.0,
                        linestyle=(0, (2, 2)), zorder=5, gid=f"join:{pt.label}")
            else:
                ax.annotate(f"{pt.label} (measured)", (x, y), xytext=(6, -4), textcoords="offset points",
                            fontsize=8, color=color, va="top")
            continue
        ax.plot([x], [y], marker=marker, markersize=7.5, color=color, markeredgecolor="black",
                markeredgewidth=0.6, linestyle="none", zorder=7, gid=f"point:{pt.label}")
        if not multi or pt.device == 0:
            ax.annotate(pt.label, (x, y), xytext=(6, 4), textcoords="offset points", fontsize=8.5,
                        color=color, fontweight="bold", va="bottom")
        if parts:
            for part in pt.parts:
                px, py = float(part.intensity) / sx, float(part.attainable) / sy
                ax.plot([px], [py], marker=marker, markersize=4.5, color=color, alpha=0.6, linestyle="none",
                        zorder=6, gid=f"part:{pt.label}:{part.name}")
                ax.annotate(f"{pt.label}: {part.name} ({part.unit})", (px, py), xytext=(5, -3),
                            textcoords="offset points", fontsize=7, color=color, va="top", alpha=0.8)


def _legend(ax: Any, devs: list["Device"], pts: list[_Point], multi: bool) -> None:
    handles: list[Line2D] = []
    if multi:
        for d, dev in enumerate(devs):
            handles.append(Line2D([], [], color=_PALETTE[d % len(_PALETTE)], linewidth=1.8, label=dev.name))
    if any(pt.measured for pt in pts):
        handles.append(Line2D([], [], marker="o", color="#555555", linestyle="none", label="predicted (roofline bound)"))
        handles.append(Line2D([], [], marker="D", color="#555555", markerfacecolor="white", linestyle="none",
                              label="measured"))
    if handles:
        ax.legend(handles=handles, loc="lower right")


# ---------------------------------------------------------------------------------------------
# sweeps
# ---------------------------------------------------------------------------------------------
def plot_sweep(
    dimension: str | Sequence[str],
    values: Any,
    quantity: str = "intensity",
    *,
    kinds: Sequence[str] = ("conv", "depsep"),
    devices: Any = (),
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    ridge_lines: bool = True,
    logx: bool = True,
    logy: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.0, 4.5),
    dpi: float = DPI,
    **fixed: Any,
) -> Figure:
    """``quantity`` against a swept dimension, one line per layer kind (and device).

    ``dimension`` is a sweep keyword (``"in_channels"``, ``"input_size"``, ``"batch"``, ...) or a
    tuple of them swept together (``("in_channels", "out_channels")``); ``values`` its values;
    ``fixed`` the other dimensions (as :func:`roofline_conv.sweeps.sweep` takes them). Quantities
    that need a device (``time``, ``attainable``, ...) draw one line per (kind, device). For
    ``intensity`` each device's ridge point (its highest peak at ``precision`` over main-memory
    bandwidth) is a horizontal dashed line labelled with the device's name: above it a layer is
    compute-bound on that device, below it memory-bound. Kind ``pointwise`` ignores
    ``kernel_size``/``padding``/``dilation`` in ``fixed``.
    """
    from .sweeps import COUNT_QUANTITIES, DEVICE_QUANTITIES, sweep

    dims = (dimension,) if isinstance(dimension, str) else tuple(dimension)
    if quantity not in COUNT_QUANTITIES and quantity not in DEVICE_QUANTITIES:
        raise ValueError(f"quantity={quantity!r} is not a sweep quantity")
    if quantity == "output_size":
        raise ValueError("plot 'output_height' or 'output_width' instead of the 'output_size' pair")
    x = np.asarray(values)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("values must be a non-empty 1-D array")
    devs = [_device(d) for d in (devices if isinstance(devices, (list, tuple)) else [devices])]
    needs_device = quantity in DEVICE_QUANTITIES
    if needs_device and not devs:
        raise ValueError(f"quantity={quantity!r} needs devices=")
    unit = (DEVICE_QUANTITIES if needs_device else COUNT_QUANTITIES)[quantity]

    with style():
        fig, ax = _new_figure(figsize, dpi, (0.11, 0.12, 0.97, 0.87))
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        linestyles = ["-", "--", "-.", ":"]
        for k, kind in enumerate(kinds):
            kw = dict(fixed)
            if kind == "pointwise":
                for key in ("kernel_size", "padding", "dilation"):
                    kw.pop(key, None)
            kw.update({d: x for d in dims})
            for d, dev in enumerate(devs if needs_device else [None]):
                y = sweep(quantity, dev, precision, traffic, kind=kind, **kw)
                label = _KIND_NAMES.get(kind, kind) + (f" on {_short_name(dev)}" if dev is not None else "")
                # device quantities: colour = device, line style = kind; counts: colour = kind
                color = _PALETTE[(d if needs_device else k) % len(_PALETTE)]
                ax.plot(x, np.asarray(y, dtype=float), color=color, linestyle=linestyles[k % 4] if needs_device else "-",
                        linewidth=1.8, marker="o" if x.size <= 24 else None, markersize=3.5, label=label,
                        gid=f"series:{label}")
        if quantity == "intensity" and ridge_lines:
            for d, dev in enumerate(devs):
                ridge = _top_peak(dev, precision) / dev.bandwidth()
                ax.axhline(ridge, color=_PALETTE[(d + len(kinds)) % len(_PALETTE)], linestyle="--", linewidth=1.1,
                           gid=f"ridge:{dev.id}")
                ax.annotate(f"{_short_name(dev)} ridge {ridge:.1f} FLOP/B", (0.0, ridge),
                            xycoords=("axes fraction", "data"), xytext=(4, 2), textcoords="offset points",
                            ha="left", va="bottom", fontsize=7.5,
                            color=_PALETTE[(d + len(kinds)) % len(_PALETTE)])
        ax.set_xlabel(" = ".join(dims))
        ax.set_ylabel(f"{quantity} ({unit.split(' (')[0]})")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            shown = ", ".join(f"{k}={_brief(v)}" for k, v in fixed.items())
            title = f"{quantity} vs {' = '.join(dims)}\n" + textwrap.fill(
                f"{shown + '; ' if shown else ''}{precision}, traffic '{traffic}'", 100)
        ax.set_title(title, fontsize=9)
        ax.legend(loc="best")
    return fig


def _brief(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return str(value)


# ---------------------------------------------------------------------------------------------
# predicted vs measured
# ---------------------------------------------------------------------------------------------
def _pvm_rows(data: Any) -> list[tuple[str, str, float, float, float | None]]:
    """(label, group, measured, predicted, calibrated or None) from a Comparison-like object or
    from (measured, predicted) pairs / (label, measured, predicted[, calibrated]) tuples."""
    rows = getattr(data, "rows", None)
    out = []
    if rows is not None:
        for i, r in enumerate(rows):
            group = str(getattr(r, "op_class", "") or "")
            label = repr(getattr(r, "layer", "")) if hasattr(r, "layer") else str(i)
            cal = getattr(r, "calibrated", None)
            out.append((label, group, float(r.measured), float(r.predicted), None if cal is None else float(cal)))
        return out
    for i, item in enumerate(data):
        item = tuple(item)
        if len(item) == 2:
            out.append((str(i), "", float(item[0]), float(item[1]), None))
        elif len(item) in (3, 4) and isinstance(item[0], str):
            cal = item[3] if len(item) == 4 else None
            out.append((item[0], "", float(item[1]), float(item[2]), None if cal is None else float(cal)))
        else:
            raise ValueError(f"{item!r}: give (measured, predicted) pairs or (label, measured, predicted[, calibrated])")
    return out


def plot_predicted_vs_measured(
    data: Any,
    *,
    band: float = 0.2,
    title: str | None = None,
    unit: str = "s",
    figsize: tuple[float, float] = (5.5, 5.2),
    dpi: float = DPI,
) -> Figure:
    """Log-log scatter of predicted against measured time, with the y = x line and a +-``band``
    (default 20%) band around it.

    ``data``: a ``measure.calibrate.Comparison`` (anything with ``rows`` whose items have
    ``measured``, ``predicted`` and optionally ``calibrated`` seconds and ``op_class``; each op
    class gets its own colour), or ``(measured, predicted)`` pairs, or ``(label, measured,
    predicted[, calibrated])`` tuples. Uncalibrated predictions are filled circles, calibrated
    ones crosses. The median |error| of each is shown in the corner.
    """
    rows = _pvm_rows(data)
    if not rows:
        raise ValueError("plot_predicted_vs_measured needs at least one (measured, predicted) row")
    if not 0 < band < 1:
        raise ValueError(f"band={band!r} must be a fraction in (0, 1)")
    values = [v for r in rows for v in (r[2], r[3], r[4]) if v is not None]
    if min(values) <= 0:
        raise ValueError("measured and predicted times must be > 0 on a log-log chart")
    lo, hi = _decades(min(values) / 1.5, max(values) * 1.5)

    with style():
        fig, ax = _new_figure(figsize, dpi, (0.14, 0.11, 0.96, 0.91))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        line = np.geomspace(lo, hi, 64)
        ax.fill_between(line, line * (1 - band), line * (1 + band), color="#2ca02c", alpha=0.15, linewidth=0,
                        label=f"±{band:.0%}", gid="band")
        ax.plot(line, line, color="black", linewidth=1.0, label="predicted = measured", gid="identity")
        groups = list(dict.fromkeys(r[1] for r in rows))
        for g, group in enumerate(groups):
            color = _PALETTE[g % len(_PALETTE)]
            mine = [r for r in rows if r[1] == group]
            name = f"{group}: " if group else ""
            ax.plot([r[2] for r in mine], [r[3] for r in mine], marker="o", linestyle="none", color=color,
                    markersize=6, markeredgecolor="black", markeredgewidth=0.5, label=f"{name}predicted",
                    gid=f"predicted:{group}")
            cal = [r for r in mine if r[4] is not None]
            if cal:
                ax.plot([r[2] for r in cal], [r[4] for r in cal], marker="x", linestyle="none", color=color,
                        markersize=7, markeredgewidth=1.6, label=f"{name}calibrated", gid=f"calibrated:{group}")
        err = [abs(r[3] - r[2]) / r[2] for r in rows]
        text = f"median |error|: {float(np.median(err)):.0%}"
        cal_err = [abs(r[4] - r[2]) / r[2] for r in rows if r[4] is not None]
        if cal_err:
            text += f"\ncalibrated: {float(np.median(cal_err)):.0%}"
        ax.text(0.03, 0.97, text, transform=ax.transAxes, ha="left", va="top", fontsize=8,
                bbox=dict(boxstyle="round,pad=0.3", facecolor="white", edgecolor="#bbbbbb"))
        ax.set_xlabel(f"measured time ({unit})")
        ax.set_ylabel(f"predicted time ({unit})")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            device = getattr(data, "device", None)
            title = "Predicted vs measured" + (f" on {device}" if device else "")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower right")
    return fig
