"""Charts: roofline plots, sweeps, predicted vs measured (matplotlib, headless).

Every function builds a :class:`matplotlib.figure.Figure` directly (no ``pyplot``, no global
state, no display needed: it renders with Agg) and returns it; :func:`save` writes it as PNG, SVG
or PDF by the file's extension.

    >>> from roofline_conv import V100, study
    >>> from roofline_conv.plot import plot_roofline, save
    >>> fig = plot_roofline(V100, study.layers())          # doctest: +SKIP
    >>> save(fig, "roofline_v100.png")                       # doctest: +SKIP

One module per chart (:mod:`.roofline_chart` with :mod:`.roofline_points`, :mod:`.sweep_chart`,
:mod:`.predicted_vs_measured`); :mod:`.common` holds the pinned style (:data:`STYLE`) and
:func:`save` they share.
"""

from __future__ import annotations

# DPI and FIGSIZE (default resolution and roofline size) stay importable from here too.
from .common import DPI as DPI, FORMATS, STYLE, save, style
from .predicted_vs_measured import plot_predicted_vs_measured
from .roofline_chart import FIGSIZE as FIGSIZE, plot_roofline
from .sweep_chart import plot_sweep

__all__ = ["plot_roofline", "plot_sweep", "plot_predicted_vs_measured", "save", "style", "STYLE", "FORMATS"]
