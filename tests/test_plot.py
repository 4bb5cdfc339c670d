"""Charts render headless to valid files; the main chart matches its baseline image.

Image comparison (``tests/baseline/``): the study chart ``plot_roofline(V100, [conv, DepSep])`` is
compared twice with ``matplotlib.testing.compare.compare_images``:

* **lines only** (every text artist hidden before saving) at ``tol=LINES_TOL`` (1.0 RMS on 0-255):
  no glyphs, so the FreeType version and hinting cannot move a pixel (text hinting on/off measured
  0.0 here), while removing any single roof, ridge marker or point measures >= 1.6
  (``test_lines_comparison_fails_when_anything_is_removed`` checks that it fails for each);
* **the whole chart** at ``tol=FULL_TOL`` (20): a coarse guard only, because glyph rasterisation
  differs between FreeType builds (switching hinting on moves the RMS by 14.5 here, as much as
  removing the tensor-core roof, 11.0). What the text *says* is checked exactly instead, from
  the figure's text artists (``test_roofline_labels``).

Set ``ROOFLINE_CONV_UPDATE_BASELINES=1`` to rewrite the baselines after an intended change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import matplotlib.text
import numpy as np
import pytest
from matplotlib.image import imread
from matplotlib.testing.compare import compare_images

from roofline_conv import DepSep, Pointwise, project, study
from roofline_conv.devices import TPUv2, V100, XeonE5_2698v4
from roofline_conv.plot import FORMATS, plot_predicted_vs_measured, plot_roofline, plot_sweep, save
from roofline_conv.sweeps import sweep

BASELINE = Path(__file__).parent / "baseline"
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


# ---- rendering ------------------------------------------------------------------------------
def test_roofline_renders_png_svg_pdf(tmp_path):
    fig = _study_chart()
    img = _check_png(save(fig, tmp_path / "chart.png"))
    assert img.shape[:2] == (550, 800)  # 8 x 5.5 in at 100 dpi, fixed
    assert (tmp_path / "chart.png").read_bytes() == save(_study_chart(), tmp_path / "again.png").read_bytes()
    assert save(fig, tmp_path / "chart.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert save(fig, tmp_path / "chart.PDF").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"extension '.jpg' is not one of .png, .svg, .pdf"):
        save(fig, tmp_path / "chart.jpg")
    with pytest.raises(ValueError, match="extension '\\(none\\)'"):
        save(fig, tmp_path / "chart")
    assert set(FORMATS) == {".png", ".svg", ".pdf"}


def test_roofline_labels():
    fig = _study_chart()
    texts = _texts(fig)
    for label in ("tensor fp16 125 TFLOP/s", "cuda fp16 31.4 TFLOP/s", "cuda fp32 15.7 TFLOP/s",
                  "cuda fp64 7.8 TFLOP/s", "hbm 900 GB/s", "l2 2.155 TB/s", "shared 15.67 TB/s",
                  "ridge 138.9 FLOP/B", "ridge 34.9 FLOP/B", "Conv2d", "DepSep",
                  "arithmetic intensity (FLOP/byte)", "attainable performance (FLOP/s)"):
        assert label in texts, label
    gids = _gids(fig)
    assert {g for g in gids if g.startswith("roof:")} == {
        "roof:tensor fp16 125 TFLOP/s", "roof:cuda fp16 31.4 TFLOP/s", "roof:cuda fp32 15.7 TFLOP/s",
        "roof:cuda fp64 7.8 TFLOP/s", "roof:hbm 900 GB/s", "roof:l2 2.155 TB/s", "roof:shared 15.67 TB/s"}
    assert fig.axes[0].get_xscale() == fig.axes[0].get_yscale() == "log"


def test_points_sit_at_their_projection():
    conv, sep = study.layers()
    gids = _gids(plot_roofline(V100, [conv, ("separable", sep)]))
    for gid, layer in (("point:Conv2d", conv), ("point:separable", sep)):
        p = project(layer, V100, "fp16")
        x, y = gids[gid].get_data()
        assert (x[0], y[0]) == (pytest.approx(p.intensity), pytest.approx(p.attainable))


def test_omitting_other_precisions_and_bf16_merging():
    omitted = _gids(plot_roofline(V100, other_precisions="omit"))
    assert "roof:cuda fp32 15.7 TFLOP/s" not in omitted and "roof:tensor fp16 125 TFLOP/s" in omitted
    tpu = _texts(plot_roofline(TPUv2, precision="bf16"))
    assert "mxu bf16/fp16 22.94 TFLOP/s" in tpu and "ridge 76.5 FLOP/B" in tpu
    with pytest.raises(ValueError, match="has no unit with a peak at precision 'fp64'"):
        plot_roofline(TPUv2, precision="fp64")


def test_measured_points_joined_to_predicted(tmp_path):
    conv, sep = study.layers(batch=16)
    fig = plot_roofline(V100, [conv, sep], measured={"Conv2d": 6.1e13, "DepSep": 3.3e12}, parts=True)
    gids = _gids(fig)
    p = project(conv, V100, "fp16")
    x, y = gids["join:Conv2d"].get_data()
    assert list(x) == pytest.approx([p.intensity, p.intensity]) and list(y) == pytest.approx([p.attainable, 6.1e13])
    assert "measured:DepSep" in gids and "part:DepSep:depthwise" in gids
    assert "measured" in _texts(fig)  # legend
    # measured tuples (label, intensity, flops_per_s), and pairs for measured=
    fig = plot_roofline(V100, [conv, ("lab", 42.0, 1e12)], measured=[("Conv2d", 5e13)])
    gids = _gids(fig)
    assert gids["measured:lab"].get_data()[0][0] == 42.0 and "join:Conv2d" in gids
    _check_png(save(fig, tmp_path / "m.png"))
    with pytest.raises(ValueError, match=r"measured\['nope'\]: no predicted point"):
        plot_roofline(V100, [conv], measured={"nope": 1e12})


def test_networks_projections_and_duplicates():
    conv, sep = study.layers()
    net = [Pointwise(64, 128, 56), DepSep(128, 128, 3, 56, padding=1)]
    proj = project(conv, V100, "fp16")
    gids = _gids(plot_roofline(V100, {"net": net, "proj": proj, "again": conv}))
    assert {"point:net", "point:proj", "point:again"} <= set(gids)
    assert gids["point:net"].get_data()[0][0] == pytest.approx(project(net, V100, "fp16").intensity)
    gids = _gids(plot_roofline(V100, [conv, conv]))
    assert {"point:Conv2d", "point:Conv2d #2"} <= set(gids)
    with pytest.raises(ValueError, match="is a projection on 'v100-sxm2', not on 'tpuv2-core'"):
        plot_roofline(TPUv2, [proj])


def test_several_devices_and_normalised(tmp_path):
    conv, sep = study.layers()
    precision = {"V100": "fp16", "TPUv2": "bf16", "xeon-e5-2698v4": "fp32"}
    devices = [V100, TPUv2, XeonE5_2698v4]
    fig = plot_roofline(devices, [conv, sep], precision=precision)
    texts = _texts(fig)
    assert {"V100 tensor fp16 125 TFLOP/s", "TPUv2 hbm 300 GB/s", "XeonE5_2698v4 fma fp32 1.408 TFLOP/s"} <= set(texts)
    _check_png(save(fig, tmp_path / "multi.png"))

    fig = plot_roofline(devices, [conv, sep], precision=precision, normalise=True)
    lines = fig.axes[0].lines
    for dev, prec in zip(devices, ("fp16", "bf16", "fp32")):
        p = project(sep, dev, prec)
        ridge = max(u.peaks[prec].value for u in dev.units.values() if prec in u.peaks) / dev.bandwidth()
        peak = ridge * dev.bandwidth()
        want = (p.intensity / ridge, p.attainable / peak)
        assert any(np.allclose(line.get_data(), [[want[0]], [want[1]]]) for line in lines
                   if (line.get_gid() or "").startswith("point:DepSep")), dev.id
    assert "roof:normalised" in _gids(fig)
    _check_png(save(fig, tmp_path / "norm.png"))
    with pytest.raises(ValueError, match="precision has no entry for device 'tpuv2-core'"):
        plot_roofline(devices, precision={"V100": "fp16"})


# ---- image comparison -----------------------------------------------------------------------
@pytest.mark.parametrize("variant, tol", [("lines", LINES_TOL), ("full", FULL_TOL)])
def test_study_chart_matches_baseline(variant, tol, tmp_path):
    fig = _study_chart()
    if variant == "lines":
        _lines_only(fig)
    name = f"roofline_v100_study_{variant}.png"
    if UPDATE:
        BASELINE.mkdir(exist_ok=True)
        save(fig, BASELINE / name)
    actual = save(fig, tmp_path / name)
    assert compare_images(str(BASELINE / name), str(actual), tol=tol) is None


@pytest.mark.parametrize("gid", [
    "roof:tensor fp16 125 TFLOP/s", "roof:cuda fp16 31.4 TFLOP/s", "roof:cuda fp32 15.7 TFLOP/s",
    "roof:cuda fp64 7.8 TFLOP/s", "roof:hbm 900 GB/s", "roof:l2 2.155 TB/s", "roof:shared 15.67 TB/s",
    "ridge:tensor", "ridge:cuda", "point:Conv2d", "point:DepSep",
])
def test_lines_comparison_fails_when_anything_is_removed(gid, tmp_path):
    fig = _study_chart()
    _gids(fig)[gid].remove()
    actual = save(_lines_only(fig), tmp_path / "mutated.png")
    result = compare_images(str(BASELINE / "roofline_v100_study_lines.png"), str(actual), tol=LINES_TOL)
    assert result is not None and "did not match" in result


def test_docs_image_is_the_study_chart(tmp_path):
    img = BASELINE.parent.parent / "docs" / "img" / "roofline_v100.png"
    if UPDATE:
        save(_study_chart(), img)
    assert img.stat().st_size < 200 * 1024
    _check_png(img)
    fresh = save(_study_chart(), tmp_path / "fresh.png")
    assert compare_images(str(img), str(fresh), tol=FULL_TOL) is None


# ---- sweeps and predicted vs measured ----------------------------------------------------
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
    assert fig.axes[0].get_ylabel() == "intensity (FLOP/byte)"
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


def test_headless_no_pyplot(tmp_path):
    """Importing the package loads no matplotlib; charts render without pyplot or a display."""
    code = ("import sys, roofline_conv; assert 'matplotlib' not in sys.modules; "
            "from roofline_conv import plot_roofline, V100, study; fig = plot_roofline(V100, study.layers()); "
            "fig.savefig(sys.argv[1]); assert 'matplotlib.pyplot' not in sys.modules")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY")}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.png")], check=True, env=env)
    _check_png(tmp_path / "x.png")


def test_roofline_points_ignore_calibrated_ceilings():
    """The chart draws raw roofs, so its predicted points are raw roofline bounds too."""
    from roofline_conv import Pointwise, V100
    from roofline_conv.plot import plot_roofline

    layer = Pointwise(256, 256, 28)
    slowed = V100.with_efficiency({"pointwise": dict(compute=0.1, memory=0.1, source="test")})

    def point_y(device):
        fig = plot_roofline(device, [("pw", layer)])
        ys = [line.get_ydata()[0] for line in fig.axes[0].lines if str(line.get_gid() or "").startswith("point")]
        return ys

    assert point_y(slowed) == point_y(V100) and point_y(V100)
