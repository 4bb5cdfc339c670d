"""What the non-convolution layer kinds share: symbolic dimensions, immutability, reprs, tables.
(Each kind's own counts and conventions: test_linear, test_pool, test_elementwise, test_se.)"""

from __future__ import annotations

import pytest
import sympy as sp

from roofline_conv import Depthwise
from roofline_conv.layers import BatchNorm2d, Linear, MaxPool2d, ReLU
from roofline_conv.layers.families import LINEAR


def test_symbolic_dimensions():
    c = sp.Symbol("c", positive=True, integer=True)
    assert ReLU((c, 7, 7)).ops == 49 * c
    assert Linear(c, 10).macs == 10 * c
    assert MaxPool2d(c, 3, 56, stride=2, padding=1).ops == 6272 * c
    assert BatchNorm2d(c, 8).is_symbolic and BatchNorm2d(c, 8).params == 2 * c
    assert str(LINEAR["macs"]) == "B*F_in*F_out"


def test_layers_are_immutable_hashable_and_repr():
    fc = Linear(4, 2)
    with pytest.raises(AttributeError):
        fc.in_features = 3  # type: ignore[misc]
    assert fc == Linear(4, 2) and hash(fc) == hash(Linear(4, 2)) and fc != Linear(4, 2, bias=False)
    assert repr(MaxPool2d(64, 3, 112, stride=2, padding=1)) == \
        "MaxPool2d(channels=64, kernel_size=3, input_size=112, stride=2, padding=1)"
    assert "ops" in [row[0] for row in ReLU((4, 4, 4)).table()]
    assert "ops" not in [row[0] for row in Depthwise(8, 3, 16).table()]  # conv tables unchanged


def test_traffic_model_and_precision_in_either_order_everywhere():
    """One rule for every function that takes both: the two words may come in either order."""
    from roofline_conv import DepSep, V100, project, zoo
    from roofline_conv.sweeps import sweep

    sep = DepSep(128, 128, 3, 224, padding=1)
    assert sep.traffic("fp16", "unfused") == sep.traffic("unfused", "fp16") == 51_415_296
    assert project(sep, V100, "compulsory", "fp16").time == project(sep, V100, "fp16", "compulsory").time
    assert sweep("traffic", None, "im2col", "fp32", in_channels=[8, 16], out_channels=8, kernel_size=3,
                 input_size=8).tolist() == sweep("traffic", None, "fp32", "im2col", in_channels=[8, 16], out_channels=8,
                                                  kernel_size=3, input_size=8).tolist()
    net = zoo.get("cifar_cnn")
    assert net.traffic("bf16", "unfused") == net.traffic("unfused", "bf16")
    assert net.rows("unfused", "fp32") == net.rows("fp32", "unfused")
    with pytest.raises(ValueError, match="traffic='fp32' is not a known traffic model"):
        project(sep, V100, "fp16", "fp32")


def test_table_and_describe_take_model_then_precision_in_either_order():
    from roofline_conv import DepSep
    from roofline_conv.conventions import traffic_and_precision

    sep = DepSep(128, 128, 3, 224, padding=1)
    assert sep.table("unfused", "fp32") == sep.table("fp32", "unfused") == sep.table(precision="fp32", model="unfused")
    assert sep.describe("im2col", "bf16") == sep.describe("bf16", "im2col")
    # a lone precision is the precision (the earlier table(precision, model) order, one argument)
    assert sep.describe("fp32") == sep.describe("compulsory", "fp32") == sep.describe(precision="fp32")
    assert sep.table("unfused") == sep.table("unfused", "fp16") and sep.traffic("fp32") == sep.traffic("compulsory", "fp32")
    assert traffic_and_precision("fp16", "compulsory") == ("compulsory", "fp16")
    with pytest.raises(ValueError, match="model='fp16'"):
        traffic_and_precision("fp16", "fp32")
