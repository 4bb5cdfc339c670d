"""sympy on demand (``roofline_conv._sympy``): the numeric path never imports it (layers of every
kind, their counts, traffic and intensity, projection, zoo networks and their tables, the one-layer
command); the symbolic path imports it where it is first used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from roofline_conv._sympy import is_symbolic, is_sympy

NUMERIC = """
import sys
from roofline_conv import (Add, AvgPool2d, BatchNorm2d, Conv2d, DepSep, Depthwise, Flatten, GlobalAvgPool, HardSwish,
    Linear, MaxPool2d, Pointwise, ReLU, ReLU6, Scale, Sigmoid, SiLU, SqueezeExcitation, project, zoo)
layers = [Conv2d(64, 64, 3, 56, padding=1, groups=2, bias=True), DepSep(32, 64, 3, 112, 2, 1), Depthwise(32, 5, 28, 2, 2),
          Pointwise(64, 128, 28), Linear(1280, 1000), MaxPool2d(64, 3, 112, 2, 1), AvgPool2d(64, 2, 56),
          GlobalAvgPool(512, 7), BatchNorm2d(64, 56), ReLU((64, 56, 56)), ReLU6(64), Sigmoid(8), SiLU(8),
          HardSwish((16, 7, 7)), Add((64, 56, 56)), Scale(64, 7), Flatten((512, 7, 7)),
          SqueezeExcitation(96, 24, 14, activation="silu")]
for layer in layers:
    for model in ("compulsory", "unfused", "im2col"):
        layer.traffic(model, "fp32"), layer.intensity(model, "int8")
    layer.params, layer.macs, layer.flops, layer.describe()
    project(layer, "v100-sxm2", "fp16", "im2col"), project(layer, "tpuv2-core", "bf16")
for name in ("resnet50", "mobilenet_v2", "efficientnet_b0"):
    net = zoo.get(name)
    net.table(device="v100-sxm2").to_markdown(), net.totals(device="xeon-e5-2698v4", precision="fp32")
    net.project("v100-sxm2", fuse=True)
from roofline_conv.cli import main
assert main(["layer", "conv", "--in", "64", "--size", "56", "--device", "v100-sxm2"]) == 0
print(sorted(m for m in ("sympy", "matplotlib", "mpmath") if m in sys.modules))
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_the_numeric_path_never_imports_sympy():
    assert _run(NUMERIC).splitlines()[-1] == "[]"


def test_import_roofline_conv_imports_no_sympy_matplotlib_numpy_or_catalog():
    code = ("import sys, roofline_conv; print(sorted(m for m in ('sympy', 'matplotlib', 'numpy', 'pydantic', "
            "'roofline_conv.devices', 'roofline_conv.layers') if m in sys.modules))")
    assert _run(code).strip() == "[]"


def test_a_numeric_layer_imports_no_sympy_and_reads_no_catalog():
    code = ("import sys; from roofline_conv import Conv2d; c = Conv2d(3, 8, 3, 32); c.macs, c.intensity(); "
            "print(sorted(m for m in ('sympy', 'matplotlib', 'roofline_conv.devices') if m in sys.modules))")
    assert _run(code).strip() == "[]"


def test_the_symbolic_path_imports_sympy_where_it_is_used():
    code = ("import sys; from roofline_conv import Conv2d; print('sympy' in sys.modules); "
            "c = Conv2d.symbolic(batch=1); print('sympy' in sys.modules, c.macs)")
    assert _run(code).split("\n")[:2] == ["False", "True Df**2*Dk**2*M*N"]


def test_sympy_values_are_recognised():
    import sympy as sp

    x = sp.Symbol("x")
    assert is_sympy(x) and is_symbolic(x) and is_symbolic(x + 1)
    assert is_sympy(sp.Integer(3)) and not is_symbolic(sp.Integer(3))
    assert not is_sympy(3) and not is_symbolic(3.5) and not is_symbolic("x")
