"""Label placement without overlaps: a small deterministic search of our own.

Each movable label (an :class:`~matplotlib.text.Annotation`) comes with candidate placements
(an anchor in data coordinates or None to keep it, an offset in points, and the alignment). After
the figure is drawn once with Agg, the labels are placed in order: each takes the first candidate
whose box meets no text already placed and no marker (fixed texts -- titles, axis and tick
labels, the legend -- and the markers first) and stays inside the axes; failing that, the candidate with the least overlap. Same
figure in, same placement out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

__all__ = ["Candidate", "around", "place_labels"]

Candidate = tuple[Any, float, float, str, str]
"""(anchor ``(x, y)`` in data coordinates or None for the label's own, dx, dy in points, ha, va)."""

_PAD = 1.0
"""Pixels kept between two labels."""


def around(dx: float = 6.0, dy: float = 4.0, steps: Sequence[float] = (1.0, 2.0, 3.2, 4.5)) -> list[Candidate]:
    """Placements around a marker: right-above first, then right-below, left-above, left-below,
    above and below, each at growing distances."""
    out: list[Candidate] = []
    for s in steps:
        for sx, sy, ha, va in ((1, 1, "left", "bottom"), (1, -1, "left", "top"), (-1, 1, "right", "bottom"),
                               (-1, -1, "right", "top"), (0, 1, "center", "bottom"), (0, -1, "center", "top")):
            out.append((None, sx * dx * s, sy * dy * s, ha, va))
    return out


def _area(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0) + _PAD
    h = min(a.y1, b.y1) - max(a.y0, b.y0) + _PAD
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box: Bbox, frame: Bbox) -> float:
    w = max(0.0, frame.x0 - box.x0) + max(0.0, box.x1 - frame.x1)
    h = max(0.0, frame.y0 - box.y0) + max(0.0, box.y1 - frame.y1)
    return w * box.height + h * box.width


def place_labels(fig: Figure, labels: Sequence[tuple[Annotation, Sequence[Candidate]]]) -> None:
    """Move each of ``labels`` to its first candidate that overlaps nothing placed before it."""
    if not labels:
        return
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    movable = {id(a) for a, _ in labels}
    placed: list[Bbox] = []
    for t in fig.findobj(Text):
        if id(t) in movable or not t.get_visible() or not t.get_text().strip():
            continue
        placed.append(t.get_window_extent(renderer))
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            placed.append(legend.get_window_extent(renderer))
        placed += _marker_boxes(ax, fig.dpi)
    for ann, candidates in labels:
        ax = ann.axes
        frame = ax.get_window_extent(renderer) if ax is not None else fig.bbox
        own = (ann.xy, *ann.xyann, ann.get_ha(), ann.get_va())
        best: tuple[float, float, int] | None = None
        best_candidate: Candidate = own
        for i, cand in enumerate([own, *candidates]):
            _apply(ann, cand)
            box = ann.get_window_extent(renderer)
            score = (sum(_area(box, other) for other in placed), _outside(box, frame), i)
            if best is None or score < best:
                best, best_candidate = score, cand
            if score[0] == 0 and score[1] == 0:
                break
        _apply(ann, best_candidate)
        placed.append(ann.get_window_extent(renderer))


def _marker_boxes(ax: Any, dpi: float) -> list[Bbox]:
    """A box around every visible marker in ``ax`` (a label must not cover a point)."""
    boxes: list[Bbox] = []
    frame = ax.get_window_extent()
    for line in ax.lines:
        if not line.get_visible() or line.get_marker() in (None, "None", "none", "", " "):
            continue
        half = line.get_markersize() * dpi / 72.0 / 2.0
        for x, y in line.get_transform().transform(line.get_xydata()):
            if frame.x0 <= x <= frame.x1 and frame.y0 <= y <= frame.y1:
                boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def _apply(ann: Annotation, cand: Candidate) -> None:
    xy, dx, dy, ha, va = cand
    if xy is not None:
        ann.xy = xy
    ann.xyann = (dx, dy)
    ann.set_ha(ha)
    ann.set_va(va)
