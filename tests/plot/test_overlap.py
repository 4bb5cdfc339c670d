"""No two texts overlap on any chart the study writes, the docs draw, or the catalog devices give
(the check itself: tests/plot/overlap.py)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from roofline_conv import DepSep, study
from roofline_conv.devices import TPUv2, V100, XeonE5_2698v4, all_devices
from roofline_conv.plot import plot_predicted_vs_measured, plot_roofline, plot_sweep
from roofline_conv.plot.network_chart import plot_network_roofline

from .overlap import assert_no_overlap, overlapping_texts


def test_the_check_finds_overlap():
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "one label")
    assert overlapping_texts(fig) == []
    ax.text(0.52, 0.5, "another label")
    assert overlapping_texts(fig) == [("one label", "another label")]
    with pytest.raises(AssertionError, match="'one label' on 'another label'"):
        assert_no_overlap(fig)


def test_study_charts(tmp_path, monkeypatch):
    """Every chart `roofline-conv study --no-measure` writes (the four rooflines and the sweeps)."""
    import roofline_conv.plot as plot
    from roofline_conv.cli import study as cli_study

    figs: list[Figure] = []
    real = plot.save
    monkeypatch.setattr(plot, "save", lambda fig, path, dpi=None: (figs.append(fig), real(fig, path, dpi))[1])
    written = cli_study.write_charts(tmp_path, "compulsory")
    assert len(figs) == len(written) == 6
    for fig in figs:
        assert_no_overlap(fig)
        texts = [t.get_text() for t in fig.findobj(Text)]
        if any(t.startswith("DepSep: pointwise") for t in texts):
            assert "published" in texts and "measured" not in texts


def _docs_charts():
    conv, sep = study.layers()
    c16, s16 = study.layers(batch=16)
    precisions = {"V100": "fp16", "TPUv2": "bf16", "XeonE5_2698v4": "fp32"}
    devices = [V100, TPUv2, XeonE5_2698v4]
    yield "roofline_v100", plot_roofline(V100, [conv, sep])
    yield "measured", plot_roofline(V100, {"standard": c16, "DepSep": s16,
                                           "MobileNet block": [DepSep(32, 64, 3, 112, padding=1)]},
                                    measured={"standard": 2 * c16.macs * 4097 / 16, "DepSep": 2 * s16.macs * 4335 / 16},
                                    parts=True)
    yield "three", plot_roofline(devices, [conv, sep], precision=precisions)
    yield "normalised", plot_roofline(devices, [conv, sep], precision=precisions, normalise=True)
    yield "sweep intensity", plot_sweep(("in_channels", "out_channels"), np.arange(8, 1025, 8), "intensity",
                                        devices=[V100, TPUv2], kernel_size=3, input_size=56, padding=1)
    yield "sweep attainable", plot_sweep("batch", 2 ** np.arange(9), "attainable", devices=[V100, TPUv2],
                                         in_channels=128, out_channels=128, kernel_size=3, input_size=56, padding=1)
    yield "pvm", plot_predicted_vs_measured([("conv", 1.0e-3, 0.62e-3, 0.97e-3), ("depthwise", 2.1e-4, 0.45e-4, 1.8e-4),
                                             ("pointwise", 5e-4, 4.1e-4, 5.2e-4)])
    yield "network", plot_network_roofline("resnet50", "v100-sxm2")


@pytest.mark.parametrize("name, fig", list(_docs_charts()), ids=lambda v: v if isinstance(v, str) else "")
def test_docs_charts(name, fig):
    assert_no_overlap(fig)


@pytest.mark.parametrize("device", [d.id for d in all_devices()])
def test_every_catalog_device_at_every_precision(device):
    """Each catalog device's roofline with the study layer, at every precision it has a peak at
    (the A100's tensor tf32/fp32 and cuda fp32 roofs, 19.5 vs 156 TFLOP/s, used to collide)."""
    from roofline_conv.devices import get

    dev = get(device)
    conv, sep = study.layers()
    for precision in sorted({p for u in dev.units.values() for p in u.peaks}):
        try:
            fig = plot_roofline(dev, [conv, sep], precision, parts=True)
        except ValueError:  # a precision the layer cannot run at here: nothing to draw
            continue
        assert overlapping_texts(fig) == [], (device, precision)
