"""What the chart tests share: the study chart, baseline settings, and readers of a figure's
texts and lines (by gid)."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.text
import numpy as np
from matplotlib.image import imread

from roofline_conv import study
from roofline_conv.devices import V100
from roofline_conv.plot import plot_roofline

BASELINE = Path(__file__).parent.parent / "baseline"
UPDATE = os.environ.get("ROOFLINE_CONV_UPDATE_BASELINES") == "1"
LINES_TOL = 1.0
FULL_TOL = 20.0


def _study_chart():
    conv, sep = study.layers()
    return plot_roofline(V100, [conv, sep])


def _lines_only(fig):
    for t in fig.findobj(matplotlib.text.Text):
        t.set_visible(False)
    return fig


def _check_png(path: Path, min_kb: float = 10) -> np.ndarray:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > min_kb * 1024
    img = imread(str(path))
    assert img.ndim == 3 and img.shape[2] in (3, 4) and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.05  # not a blank canvas
    return img


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _gids(fig) -> dict[str, object]:
    return {line.get_gid(): line for line in fig.axes[0].lines if line.get_gid()}
