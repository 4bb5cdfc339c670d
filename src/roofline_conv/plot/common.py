"""What every chart shares: the pinned style, figure and log-axis helpers, label formatting,
the palette, and :func:`save`.

Rendering is pinned for reproducible images: a fixed figure size and dpi, fixed margins (no
automatic layout), and the style in :data:`STYLE` (matplotlib's bundled DejaVu Sans, no font
hinting, as matplotlib's own image tests use), applied while a figure is built and while
:func:`save` writes it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..devices import Device
from ..report.numbers import si
from ..validation import flag, number, sequence, shown

__all__ = ["STYLE", "FORMATS", "DPI", "MAX_DPI", "MAX_FIGSIZE", "check_dpi", "check_figure", "check_limits", "PALETTE", "MARKERS", "style", "save", "new_figure", "decades",
           "slope_angle", "si", "ridge_label", "short_name", "top_unit"]

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

DPI = 100
"""Every chart's default resolution (dots per inch)."""

_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None}}
"""Per format, the metadata left out because it would change from run to run."""

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
           "#7f7f7f"]
MARKERS = ["o", "s", "^", "D", "v", "P", "<", ">", "h", "*"]


@contextlib.contextmanager
def style() -> Iterator[None]:
    """A context in which matplotlib uses :data:`STYLE` (what every chart uses)."""
    with matplotlib.rc_context(STYLE):
        yield


MAX_DPI = 2400
"""The highest resolution a chart is drawn or saved at (a 7-inch chart at 2400 dpi is already
16,800 pixels wide)."""

MAX_FIGSIZE = 100.0
"""The largest figure side, in inches."""


def check_dpi(dpi: Any, argument: str = "dpi") -> float:
    """A resolution: a finite number of dots per inch, > 0 and <= :data:`MAX_DPI`."""
    return number(dpi, argument, above=0, maximum=MAX_DPI)


def check_figure(figsize: Any, dpi: Any, title: Any = None, **flags: Any) -> tuple[tuple[float, float], float]:
    """A chart's common options, validated: ``figsize`` (two sides in inches, > 0), ``dpi``,
    ``title`` (a string or None) and any True/False options passed by name."""
    sides = sequence(figsize, "figsize", length=2)
    size = (number(sides[0], "figsize[0]", above=0, maximum=MAX_FIGSIZE),
            number(sides[1], "figsize[1]", above=0, maximum=MAX_FIGSIZE))
    if title is not None and not isinstance(title, str):
        raise ValueError(f"title={shown(title)} must be a string or None")
    for argument, value in flags.items():
        flag(value, argument)
    return size, check_dpi(dpi)


def check_limits(limits: Any, argument: str, *, log: bool = True) -> tuple[float, float] | None:
    """Axis limits: None, or (low, high) finite numbers with low < high (> 0 on a log axis)."""
    if limits is None:
        return None
    lo, hi = sequence(limits, argument, length=2)
    lo = number(lo, f"{argument}[0]", above=0 if log else None)
    hi = number(hi, f"{argument}[1]", above=0 if log else None)
    if not lo < hi:
        raise ValueError(f"{argument}={shown(limits)} must be (low, high) with low < high")
    return lo, hi


def save(fig: Figure, path: str | Path, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` as PNG, SVG or PDF, chosen by the extension (a ValueError for any
    other). Metadata that would change from run to run (dates) is left out. Returns the path."""
    if not isinstance(fig, Figure):
        raise ValueError(f"fig={shown(fig)} must be a matplotlib Figure (what the plot_* functions return)")
    if not isinstance(path, (str, Path)) or not str(path):
        raise ValueError(f"path={shown(path)} must be a file name (a str or Path) ending in {', '.join(FORMATS)}")
    if dpi is not None:
        dpi = check_dpi(dpi)
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"path={str(path)!r}: cannot save a chart there: the extension {path.suffix or '(none)'!r} "
                         f"is not one of {', '.join(FORMATS)}")
    with style():
        fig.savefig(path, format=fmt, dpi=dpi if dpi is not None else fig.dpi, metadata=_METADATA[fmt])
    return path


# ---- figures and log axes ---------------------------------------------------------------------
def new_figure(figsize: tuple[float, float], dpi: float,
               margins: tuple[float, float, float, float]) -> tuple[Figure, Axes]:
    """A figure with one axes and fixed ``(left, bottom, right, top)`` margins (no automatic layout)."""
    fig = Figure(figsize=figsize, dpi=dpi)
    left, bottom, right, top = margins
    fig.subplots_adjust(left=left, bottom=bottom, right=right, top=top)
    ax = fig.add_subplot(1, 1, 1)
    return fig, ax


def log_axes(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Both axes logarithmic, with these limits."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def decades(lo: float, hi: float) -> tuple[float, float]:
    """``(lo, hi)`` widened to whole powers of ten."""
    return 10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi))


def slope_angle(ax: Axes, x: float, y: float, slope: float = 1.0) -> float:
    """Screen angle (degrees) of a line of log-log ``slope`` through (x, y), for label rotation."""
    p1 = ax.transData.transform((x, y))
    p2 = ax.transData.transform((x * 2.0, y * 2.0**slope))
    return math.degrees(math.atan2(p2[1] - p1[1], p2[0] - p1[0]))


# ---- labels -----------------------------------------------------------------------------------
def ridge_label(ridge: float) -> str:
    """``ridge 138.9 FLOP/B``: a ridge point as the charts label it."""
    return f"ridge {ridge:.1f} FLOP/B"


def short_name(dev: Device) -> str:
    """The device's constant (``V100``) where it has one, else its id."""
    return dev.constant or dev.id


# ---- devices ----------------------------------------------------------------------------------
def top_unit(dev: Device, precision: str) -> str:
    """The unit with the highest peak at ``precision`` (the device's roof at that precision)."""
    units = [name for name, u in dev.units.items() if precision in u.peaks]
    if not units:
        raise ValueError(f"device {dev.id!r} has no unit with a peak at precision {precision!r}; "
                         f"its units support: " + "; ".join(f"{n} {', '.join(u.peaks)}" for n, u in dev.units.items()))
    return max(units, key=lambda name: dev.units[name].peaks[precision].value)
