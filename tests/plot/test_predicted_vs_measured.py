"""plot.predicted_vs_measured: the scatter, its band and median errors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from roofline_conv import Pointwise, study
from roofline_conv.plot import plot_predicted_vs_measured, save

from .charts import _check_png, _gids, _texts


def test_predicted_vs_measured(tmp_path):
    rows = tuple(SimpleNamespace(layer=f"layer{i}", op_class=c, measured=m, predicted=p, calibrated=cal)
                 for i, (c, m, p, cal) in enumerate([("conv", 1e-3, 0.5e-3, 0.9e-3), ("conv", 4e-3, 2.5e-3, 4.2e-3),
                                                     ("depthwise", 2e-4, 0.4e-4, 1.9e-4)]))
    comparison = SimpleNamespace(device="this-machine", rows=rows)
    fig = plot_predicted_vs_measured(comparison)
    gids = _gids(fig)
    assert {"identity", "predicted:conv", "calibrated:depthwise"} <= set(gids)
    assert "median |error|: 50%\ncalibrated: 5%" in _texts(fig)
    band = [c for c in fig.axes[0].collections if c.get_gid() == "band"]
    assert band, "the +-20% band is drawn"
    verts = band[0].get_paths()[0].vertices
    assert np.allclose(verts[1:10, 1] / verts[1:10, 0], 0.8) or np.allclose(verts[1:10, 1] / verts[1:10, 0], 1.2)
    _check_png(save(fig, tmp_path / "pvm.png"))
    fig = plot_predicted_vs_measured([(1e-3, 1.1e-3), (2e-3, 1.5e-3)])
    _check_png(save(fig, tmp_path / "pairs.png"))
    with pytest.raises(ValueError, match="at least one"):
        plot_predicted_vs_measured([])


def test_predicted_vs_measured_from_a_real_comparison(tmp_path):
    from roofline_conv.measure.calibrate import Comparison, Row

    rows = tuple(Row(layer=l, op_class=l.kind, measured=m, spread=0.01, predicted=p, calibrated=None)
                 for l, m, p in [(Pointwise(64, 64, 28), 1e-4, 0.6e-4), (study.layers()[0], 0.2, 0.11)])
    fig = plot_predicted_vs_measured(Comparison(device="this-machine", precision="fp32", rows=rows))
    assert fig.axes[0].get_title() == "Predicted vs measured on this-machine"
    _check_png(save(fig, tmp_path / "cmp.png"))
