"""The predicted-vs-measured chart: predicted against measured time, log-log, with the y = x
line, a +-band around it and the median errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..validation import number, sequence, shown
from .common import DPI, PALETTE, check_figure, decades, log_axes, new_figure, style

__all__ = ["plot_predicted_vs_measured"]

_Row = tuple[str, str, float, float, float | None]
"""(label, group, measured, predicted, calibrated or None)"""


def _pvm_rows(data: Any) -> list[_Row]:
    """(label, group, measured, predicted, calibrated or None) from a Comparison-like object or
    from (measured, predicted) pairs / (label, measured, predicted[, calibrated]) tuples."""
    rows = getattr(data, "rows", None)
    out: list[_Row] = []
    if rows is not None:
        for i, r in enumerate(rows):
            group = str(getattr(r, "op_class", "") or "")
            label = repr(getattr(r, "layer", "")) if hasattr(r, "layer") else str(i)
            cal = getattr(r, "calibrated", None)
            out.append((label, group, float(r.measured), float(r.predicted), None if cal is None else float(cal)))
        return out
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ValueError(f"data={shown(data)} must be a Comparison, (measured, predicted) pairs or "
                         "(label, measured, predicted[, calibrated]) tuples")
    for i, item in enumerate(data):
        item = sequence(item, f"data[{i}]", length=(2, 3, 4))

        def time(j: int, what: str) -> float:
            return number(item[j], f"data[{i}][{j}] ({what}, s)", above=0)

        if len(item) == 2:
            out.append((str(i), "", time(0, "measured"), time(1, "predicted"), None))
        elif isinstance(item[0], str):
            cal = time(3, "calibrated") if len(item) == 4 else None
            out.append((item[0], "", time(1, "measured"), time(2, "predicted"), cal))
        else:
            raise ValueError(f"data[{i}]={shown(item)}: give (measured, predicted) pairs or "
                             "(label, measured, predicted[, calibrated])")
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
    band = number(band, "band")
    if not 0 < band < 1:
        raise ValueError(f"band={shown(band)} must be a fraction in (0, 1)")
    if not isinstance(unit, str):
        raise ValueError(f"unit={shown(unit)} must be a string (the time unit shown on the axes)")
    figsize, dpi = check_figure(figsize, dpi, title)
    rows = _pvm_rows(data)
    if not rows:
        raise ValueError("data is empty: plot_predicted_vs_measured needs at least one (measured, predicted) row")
    values = [v for r in rows for v in (r[2], r[3], r[4]) if v is not None]
    if min(values) <= 0:
        raise ValueError("measured and predicted times must be > 0 on a log-log chart")
    lo, hi = decades(min(values) / 1.5, max(values) * 1.5)

    with style():
        fig, ax = new_figure(figsize, dpi, (0.14, 0.11, 0.96, 0.91))
        log_axes(ax, (lo, hi), (lo, hi))
        line = np.geomspace(lo, hi, 64)
        ax.fill_between(line, line * (1 - band), line * (1 + band), color="#2ca02c", alpha=0.15, linewidth=0,
                        label=f"±{band:.0%}", gid="band")
        ax.plot(line, line, color="black", linewidth=1.0, label="predicted = measured", gid="identity")
        groups = list(dict.fromkeys(r[1] for r in rows))
        for g, group in enumerate(groups):
            color = PALETTE[g % len(PALETTE)]
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
