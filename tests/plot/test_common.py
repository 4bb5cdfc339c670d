"""plot.common: saving as PNG/SVG/PDF at a fixed size, headless rendering, the shared helpers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from roofline_conv.devices import TPUv2, V100
from roofline_conv.plot import FORMATS, plot_roofline, save
from roofline_conv.plot.common import ridge_label, si, top_unit

from .charts import _check_png, _study_chart


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


def test_headless_no_pyplot(tmp_path):
    """Importing the package loads no matplotlib; charts render without pyplot or a display."""
    code = ("import sys, roofline_conv; assert 'matplotlib' not in sys.modules; "
            "from roofline_conv import plot_roofline, V100, study; fig = plot_roofline(V100, study.layers()); "
            "fig.savefig(sys.argv[1]); assert 'matplotlib.pyplot' not in sys.modules")
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY")}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.png")], check=True, env=env)
    _check_png(tmp_path / "x.png")


def test_top_unit_and_labels():
    assert top_unit(V100, "fp16") == "tensor" and top_unit(V100, "fp64") == "cuda"
    assert top_unit(TPUv2, "bf16") == "mxu"
    with pytest.raises(ValueError, match="has no unit with a peak at precision 'fp64'"):
        top_unit(TPUv2, "fp64")
    assert ridge_label(V100.ridge_point("tensor", "fp16")) == "ridge 138.9 FLOP/B"
    assert si(125e12, "FLOP/s") == "125 TFLOP/s" and si(900e9, "B/s") == "900 GB/s" and si(12.5, "s") == "12.5 s"


def test_device_argument_is_resolved():
    with pytest.raises(ValueError, match="='nope' is not a known device id"):
        plot_roofline("nope")
    with pytest.raises(ValueError, match="device=42 must be a Device or a catalog id"):
        plot_roofline(42)
