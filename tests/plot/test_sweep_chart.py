"""plot.sweep_chart: sweep lines and ridge lines."""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv.devices import TPUv2, V100
from roofline_conv.plot import plot_sweep, save
from roofline_conv.sweeps import sweep

from .charts import _check_png, _gids, _texts


def test_plot_sweep_intensity_with_ridge_lines(tmp_path):
    channels = np.arange(8, 513, 8)
    fig = plot_sweep(("in_channels", "out_channels"), channels, "intensity", devices=[V100, TPUv2],
                     kernel_size=3, input_size=56, padding=1)
    gids = _gids(fig)
    x, y = gids["series:DepSep"].get_data()
    want = sweep("intensity", kind="depsep", in_channels=channels, out_channels=channels, kernel_size=3,
                 input_size=56, padding=1)
    assert np.array_equal(x, channels) and np.allclose(y, want, rtol=1e-12)
    assert gids["ridge:v100-sxm2"].get_ydata()[0] == pytest.approx(125e12 / 900e9)
    assert "V100 ridge 138.9 FLOP/B" in _texts(fig) and "TPUv2 ridge 76.5 FLOP/B" in _texts(fig)
    # words, not variable names
    assert fig.axes[0].get_ylabel() == "arithmetic intensity (FLOP/byte)"
    assert fig.axes[0].get_xlabel() == "input channels = output channels"
    assert fig.axes[0].get_title().startswith("Arithmetic intensity vs input channels = output channels\nkernel size 3")
    _check_png(save(fig, tmp_path / "sweep.png"))


def test_plot_sweep_device_quantity(tmp_path):
    batch = 2 ** np.arange(0, 8)
    fig = plot_sweep("batch", batch, "time", kinds=("conv", "depsep", "pointwise"), devices=["v100-sxm2", "tpuv2-core"],
                     in_channels=128, out_channels=128, kernel_size=3,
                     input_size=56, padding=1)
    gids = _gids(fig)
    assert {"series:standard conv on V100", "series:DepSep on TPUv2", "series:pointwise on V100"} <= set(gids)
    _check_png(save(fig, tmp_path / "time.png"))
    with pytest.raises(ValueError, match="needs devices="):
        plot_sweep("batch", batch, "time", in_channels=8, out_channels=8, kernel_size=3, input_size=8)
