"""Linear: counts, its GEMM, and its equality with a 1x1 conv on a 1x1 map."""

from __future__ import annotations

from roofline_conv import Pointwise
from roofline_conv.layers import Linear


def test_linear_counts_and_gemm():
    fc = Linear(1024, 1000, batch=8)
    assert fc.weights == 1_024_000 and fc.bias_params == 1000 and fc.params == 1_025_000
    assert fc.macs == 8 * 1024 * 1000
    assert fc.flops == 2 * fc.macs + 8 * 1000  # bias adds
    assert tuple(fc.gemm) == (8, 1000, 1024) and fc.gemm.macs == fc.macs
    assert fc.input_elements == 8 * 1024 and fc.output_elements == 8000
    assert fc.traffic("compulsory", "fp16") == 2 * (1_025_000 + 8 * 1024 + 8000)
    assert fc.output_shape == (8, 1000) and fc.kind == "linear"
    assert Linear(10, 5, bias=False).params == 50
    # a Linear is a 1x1 conv on a 1x1 map: same MACs, params and traffic
    pw = Pointwise(1024, 1000, 1, bias=True, batch=8)
    assert (pw.macs, pw.params, pw.traffic()) == (fc.macs, fc.params, fc.traffic())
