"""The text-overlap check every chart must pass: render a figure with Agg, collect the window
extent of every visible Text artist (titles, axis labels, annotations, legend texts, tick
labels) and report each pair whose boxes intersect by more than a tiny tolerance."""

from __future__ import annotations

import itertools

import matplotlib.text
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from roofline_conv.plot import style

TOLERANCE = 0.5
"""Pixels (at the figure's dpi) two boxes may share: anti-aliasing, not text on text."""


def text_boxes(fig: Figure) -> list[tuple[str, object]]:
    """(text, window extent) of every visible, non-empty Text artist, after a full Agg draw."""
    with style():
        canvas = FigureCanvasAgg(fig) if not isinstance(fig.canvas, FigureCanvasAgg) else fig.canvas
        canvas.draw()
        renderer = canvas.get_renderer()
        out = []
        for t in fig.findobj(matplotlib.text.Text):
            if not t.get_visible() or not t.get_text().strip() or t.get_alpha() == 0:
                continue
            if t.axes is not None and not _tick_label_shown(t):
                continue
            out.append((t.get_text(), t.get_window_extent(renderer)))
    return out


def _tick_label_shown(t: matplotlib.text.Text) -> bool:
    """Tick labels outside the view limits are kept as artists but not drawn."""
    ax = t.axes
    for axis in (ax.xaxis, ax.yaxis):
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            if t is tick.label1 or t is tick.label2:
                lo, hi = sorted(axis.get_view_interval())
                loc = tick.get_loc()
                return tick.get_visible() and tick.label1.get_visible() and lo * (1 - 1e-9) <= loc <= hi * (1 + 1e-9)
    return True


def overlapping_texts(fig: Figure, tolerance: float = TOLERANCE) -> list[tuple[str, str]]:
    """Every pair of text artists whose boxes intersect by more than ``tolerance`` pixels each way."""
    pairs = []
    for (ta, a), (tb, b) in itertools.combinations(text_boxes(fig), 2):
        w = min(a.x1, b.x1) - max(a.x0, b.x0)
        h = min(a.y1, b.y1) - max(a.y0, b.y0)
        if w > tolerance and h > tolerance:
            pairs.append((ta, tb))
    return pairs


def assert_no_overlap(fig: Figure) -> None:
    """Fail naming every overlapping pair."""
    pairs = overlapping_texts(fig)
    assert not pairs, "overlapping text: " + "; ".join(f"{a!r} on {b!r}" for a, b in pairs)
