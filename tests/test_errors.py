"""Bad input fails at construction with a message naming the argument, the value and the rule."""

from __future__ import annotations

import pytest
import sympy as sp

from roofline_conv import Conv2d, DepSep, Depthwise, LayerError, Pointwise


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        (dict(in_channels=0), "in_channels=0 must be >= 1"),
        (dict(in_channels=-3), "in_channels=-3 must be >= 1"),
        (dict(out_channels=2.5), "out_channels=2.5 must be an integer"),
        (dict(out_channels=128.0), "out_channels=128.0 must be an integer, not a float"),
        (dict(kernel_size=0), "kernel_size=0 must be >= 1"),
        (dict(kernel_size=(3, 3, 3)), "kernel_size=(3, 3, 3) must be an int or an (h, w) pair"),
        (dict(input_size=(224, -1)), "input_size[1]=-1 must be >= 1"),
        (dict(stride=0), "stride=0 must be >= 1"),
        (dict(padding=-1), "padding=-1 must be >= 0"),
        (dict(dilation=0), "dilation=0 must be >= 1"),
        (dict(batch=0), "batch=0 must be >= 1"),
        (dict(batch=True), "batch=True must be an integer, not a bool"),
        (dict(bias="yes"), "bias='yes' must be True or False"),
        (dict(in_channels="128"), "in_channels='128' must be an int or a sympy expression, not str"),
        (dict(groups=3), "groups=3 does not divide in_channels=128"),
        (dict(groups=4, out_channels=6), "groups=4 does not divide out_channels=6"),
        (dict(kernel_size=7, input_size=5), "kernel_size=7 (dilated extent 7) is larger than the padded input height 5"),
        (dict(kernel_size=3, dilation=4, input_size=8), "dilated extent 9"),
        (dict(padding="full"), "padding='full' must be an int, an (h, w) pair, 'same' or 'valid'"),
        (dict(padding="same", stride=2, input_size=224, kernel_size=3), "cannot be split symmetrically"),
        (dict(in_channels=sp.Rational(1, 2)), "in_channels=1/2 must be an integer"),
        (dict(in_channels=-sp.Symbol("c", positive=True)), "must be >= 1"),
    ],
)
def test_conv2d_errors(kwargs, needle):
    args = dict(in_channels=128, out_channels=128, kernel_size=3, input_size=224)
    args.update(kwargs)
    with pytest.raises(LayerError) as info:
        Conv2d(**args)
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError)


def test_same_padding_strided_symbolic_refused():
    with pytest.raises(ValueError, match="needs a numeric height"):
        Conv2d(8, 8, 3, sp.Symbol("h", positive=True, integer=True), stride=2, padding="same")


def test_strided_same_padding_symmetric_is_fine():
    assert Conv2d(8, 8, 3, 225, stride=2, padding="same").output_size == (113, 113)


def test_unknown_precision_and_traffic_model():
    layer = Conv2d(8, 8, 3, 16)
    with pytest.raises(ValueError, match=r"precision='fp13' is not a known precision; use one of fp64, fp32"):
        layer.traffic("compulsory", "fp13")
    with pytest.raises(ValueError, match=r"model='cached' is not a known traffic model; use one of compulsory"):
        layer.intensity("cached")


def test_part_errors_name_the_argument():
    with pytest.raises(ValueError, match="channels=0 must be >= 1"):
        Depthwise(0, 3, 10)
    with pytest.raises(ValueError, match="multiplier=0 must be >= 1"):
        Depthwise(4, 3, 10, multiplier=0)
    with pytest.raises(ValueError, match="out_channels=-1 must be >= 1"):
        Pointwise(4, -1, 10)
    with pytest.raises(ValueError, match="out_channels=0 must be >= 1"):
        DepSep(4, 0, 3, 10)
    with pytest.raises(ValueError, match="kernel_size=5 .* larger than the padded input"):
        DepSep(4, 4, 5, 3)


def test_layers_are_immutable():
    layer = Conv2d(8, 8, 3, 16)
    with pytest.raises(AttributeError, match="immutable"):
        layer.batch = 2  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        DepSep(8, 8, 3, 16).depthwise = None  # type: ignore[misc]


def test_layers_pickle_and_copy():
    import copy
    import pickle

    import sympy as sp

    from roofline_conv import Depthwise, Dk
    for layer in (Conv2d(8, 16, 3, 32, padding=1, groups=2, bias=True), Depthwise(8, 3, 16), Pointwise(4, 8, 7),
                  DepSep(8, 16, 3, 32, padding="same"), Conv2d.symbolic(), DepSep(8, 8, Dk, 32, padding="same")):
        for clone in (pickle.loads(pickle.dumps(layer)), copy.deepcopy(layer)):
            assert clone == layer and type(clone) is type(layer)
            assert sp.simplify(sp.sympify(clone.macs) - layer.macs) == 0
            assert repr(clone) == repr(layer)
