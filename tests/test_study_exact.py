"""The seed study's analytic table, reproduced exactly from the public API."""

from __future__ import annotations

import pytest

from roofline_conv import MB, Conv2d, DepSep
from roofline_conv import study


@pytest.fixture
def pair() -> tuple[Conv2d, DepSep]:
    return Conv2d(128, 128, kernel_size=3, input_size=224, padding=1), DepSep(128, 128, kernel_size=3, input_size=224, padding=1)


def test_params(pair):
    conv, sep = pair
    assert conv.params == 147_456 and sep.params == 17_536
    assert isinstance(conv.params, int)


def test_macs_are_the_study_flops(pair):
    conv, sep = pair
    assert conv.macs == 7_398_752_256 and sep.macs == 879_886_336
    assert conv.flops == 2 * 7_398_752_256 and sep.flops == 2 * 879_886_336


def test_memory_access_fp16_compulsory(pair):
    conv, sep = pair
    assert conv.traffic("compulsory", "fp16") == 25_985_024
    assert sep.traffic("compulsory", "fp16") == 25_725_184
    assert round(conv.traffic() / MB, 1) == 26.0 and round(sep.traffic() / MB, 1) == 25.7


def test_intensity_fp16(pair):
    conv, sep = pair
    assert round(conv.intensity("compulsory", "fp16"), 1) == 569.5
    assert round(sep.intensity("compulsory", "fp16"), 1) == 68.4
    # at fp16, FLOP per byte equals MACs per element moved
    assert conv.intensity() == conv.macs / conv.traffic_elements()


def test_unfused_depsep(pair):
    conv, sep = pair
    inter = 128 * 224 * 224
    assert sep.intermediate_elements == inter
    assert sep.traffic("unfused", "fp16") == 25_725_184 + 2 * 2 * inter == 51_415_296
    assert round(sep.intensity("unfused", "fp16"), 2) == 34.23
    assert conv.traffic("unfused") == conv.traffic("compulsory")  # no intermediate in a single conv


def test_fp32(pair):
    conv, sep = pair
    assert conv.traffic("compulsory", "fp32") == 51_970_048
    assert sep.traffic("compulsory", "fp32") == 51_450_368
    assert round(conv.intensity("compulsory", "fp32"), 2) == 284.73
    assert round(sep.intensity("compulsory", "fp32"), 2) == 34.2
    assert round(sep.intensity("unfused", "fp32"), 2) == 17.11


def test_im2col_traffic(pair):
    conv, sep = pair
    col = 9 * 128 * 224 * 224
    assert conv.im2col_elements == col
    assert conv.traffic("im2col", "fp16") == 25_985_024 + 2 * 2 * col
    # the pointwise half needs no re-layout: only the depthwise column matrix is added
    assert sep.pointwise.im2col_elements == 0
    assert sep.traffic("im2col", "fp16") == 51_415_296 + 2 * 2 * 9 * 128 * 224 * 224


def test_study_layers_and_table_match_data():
    conv, sep = study.layers()
    pub = study.data()["analytic"]
    assert [conv.params, sep.params] == pub["params_exact"]
    assert [conv.macs, sep.macs] == pub["macs_exact"]
    assert [conv.traffic(), sep.traffic()] == pub["memory_bytes_exact"]
    assert [round(conv.intensity(), 1), round(sep.intensity(), 1)] == pub["intensity_printed"]
    table = study.analytic_table()
    text = table.to_markdown()
    for needle in ("147,456", "17,536", "7,398,752,256", "879,886,336", "25,985,024", "25,725,184",
                   "569.5", "68.4", "26.0", "25.7", "MAC", "FLOP/byte", "1 MAC = 2 FLOP"):
        assert needle in text, needle


def test_gemm_shape(pair):
    conv, sep = pair
    m, n, k = conv.gemm
    assert (m, n, k) == (224 * 224, 128, 9 * 128)
    assert m * n * k == conv.macs
    dw, pw = sep.gemm
    assert dw.macs + pw.macs == sep.macs
