"""plot.roofline_chart: roofs, ridge points and labels, several devices, normalised axes; the
study chart against its baseline image.

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

import numpy as np
import pytest
from matplotlib.testing.compare import compare_images

from roofline_conv import project, study
from roofline_conv.devices import TPUv2, V100, XeonE5_2698v4
from roofline_conv.plot import plot_roofline, save

from .charts import BASELINE, FULL_TOL, LINES_TOL, UPDATE, _check_png, _gids, _lines_only, _study_chart, _texts


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


def test_omitting_other_precisions_and_bf16_merging():
    omitted = _gids(plot_roofline(V100, other_precisions="omit"))
    assert "roof:cuda fp32 15.7 TFLOP/s" not in omitted and "roof:tensor fp16 125 TFLOP/s" in omitted
    tpu = _texts(plot_roofline(TPUv2, precision="bf16"))
    assert "mxu bf16/fp16 22.94 TFLOP/s" in tpu and "ridge 76.5 FLOP/B" in tpu
    with pytest.raises(ValueError, match="has no unit with a peak at precision 'fp64'"):
        plot_roofline(TPUv2, precision="fp64")


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
