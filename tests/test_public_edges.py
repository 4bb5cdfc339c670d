"""Every public entry point refuses every class of invalid value with a ValueError that names
the argument the caller wrote (issue 9's rule), property-tested: hypothesis draws the invalid
values (bools, floats, strings, None, containers, out-of-range and non-finite numbers) per
argument. Files, sweeps, the CLI and the measurement guard have their own tests beside them."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invalid import choices, flags, numbers, sizes
from roofline_conv import (Add, AvgPool2d, BatchNorm2d, Conv2d, DepSep, Depthwise, GlobalAvgPool, Linear,
                           MaxPool2d, Pointwise, ReLU, SqueezeExcitation, devices, zoo)
from roofline_conv import network as nw
from roofline_conv.conventions import PRECISIONS, TRAFFIC_MODELS
from roofline_conv.layers import ACTIVATIONS, KINDS
from roofline_conv.roofline import project, project_ops

CONV = dict(in_channels=8, out_channels=8, kernel_size=3, input_size=8)
ACTS = sorted(ACTIVATIONS)
SHAPES = (sizes(none_ok=True, pairs_ok=False).filter(lambda v: not isinstance(v, list) or len(v) not in (1, 3))
          | st.lists(st.integers(1, 9), min_size=2, max_size=2)
          | st.tuples(st.integers(1, 9), st.integers(max_value=0), st.integers(1, 9))
          | st.tuples(st.integers(1, 9), st.floats(), st.integers(1, 9)))
"""Invalid ``input_shape`` values: (C, H, W) and (F,) of positive ints are the valid ones."""
PADDING = sizes(minimum=0).filter(lambda v: v not in ("same", "valid"))


def _conv() -> Conv2d:
    return Conv2d(8, 8, 3, 8, padding=1)


def _net() -> Any:
    return zoo.get("cifar_cnn")


def call(fn: Callable[..., Any], **base: Any) -> Callable[..., Any]:
    return lambda **kw: fn(**{**base, **kw})


# (entry point, call taking the argument as a keyword, {argument: invalid values})
EDGES: list[tuple[str, Callable[..., Any], dict[str, Any]]] = [
    ("Conv2d", call(Conv2d, **CONV), dict(
        in_channels=sizes(pairs_ok=False), out_channels=sizes(pairs_ok=False), kernel_size=sizes(),
        input_size=sizes(), stride=sizes(), padding=PADDING, dilation=sizes(), groups=sizes(pairs_ok=False),
        bias=flags(), batch=sizes(pairs_ok=False))),
    ("Depthwise", call(Depthwise, channels=8, kernel_size=3, input_size=8), dict(
        channels=sizes(pairs_ok=False), multiplier=sizes(pairs_ok=False), bias=flags())),
    ("Pointwise", call(Pointwise, in_channels=8, out_channels=8, input_size=8), dict(
        groups=sizes(pairs_ok=False), stride=sizes(), batch=sizes(pairs_ok=False))),
    ("DepSep", call(DepSep, **CONV), dict(
        in_channels=sizes(pairs_ok=False), out_channels=sizes(pairs_ok=False), depth_multiplier=sizes(pairs_ok=False),
        padding=PADDING, bias=flags())),
    ("Linear", call(Linear, in_features=8, out_features=8), dict(
        in_features=sizes(pairs_ok=False), out_features=sizes(pairs_ok=False), bias=flags(), batch=sizes(pairs_ok=False))),
    ("MaxPool2d", call(MaxPool2d, channels=8, kernel_size=2, input_size=8), dict(
        kernel_size=sizes(), stride=sizes(none_ok=True), channels=sizes(pairs_ok=False))),
    ("AvgPool2d", call(AvgPool2d, channels=8, kernel_size=2, input_size=8), dict(kernel_size=sizes())),
    ("GlobalAvgPool", call(GlobalAvgPool, channels=8, input_size=8), dict(channels=sizes(pairs_ok=False))),
    ("BatchNorm2d", call(BatchNorm2d, channels=8, input_size=8), dict(channels=sizes(pairs_ok=False))),
    ("ReLU", call(ReLU, shape=(8, 4, 4)), dict(batch=sizes(pairs_ok=False))),
    ("Add", call(Add, shape=(8, 4, 4)), dict(inputs=sizes(pairs_ok=False, minimum=2))),
    ("SqueezeExcitation", call(SqueezeExcitation, channels=8, squeeze_channels=2, input_size=4), dict(
        squeeze_channels=sizes(pairs_ok=False), activation=choices(ACTS), gate=choices(ACTS))),
    ("Layer.traffic", lambda **kw: _conv().traffic(**kw), dict(
        model=choices(TRAFFIC_MODELS + PRECISIONS, none_ok=True), precision=choices(PRECISIONS + TRAFFIC_MODELS, none_ok=True))),
    ("project", call(lambda **kw: project(**kw), layer=_conv(), device="v100-sxm2"), dict(
        device=choices(devices.list()), precision=choices(PRECISIONS + TRAFFIC_MODELS, none_ok=True),
        traffic=choices(TRAFFIC_MODELS + PRECISIONS, none_ok=True), unit=choices(["tensor", "cuda"], none_ok=True).filter(lambda v: v != {}),
        lowering=choices(["gemm", "diagonal", "vector", "im2col", "native"], none_ok=True), calibrated=flags())),
    ("project_ops", call(lambda **kw: project_ops(**kw), ops=[("fwd", _conv(), None)], device="v100-sxm2"), dict(
        device=choices(devices.list()), calibrated=flags())),
    ("devices.get", call(devices.get), dict(id=choices(devices.list() + list(devices.constants())))),
    ("Device.with_clock", lambda **kw: devices.get("v100-sxm2").with_clock(**{"hz": 1.53e9, **kw}), dict(
        hz=numbers(minimum=1e3, maximum=1e12), unit=choices(["tensor", "cuda"], none_ok=True))),
    ("Device.peak", lambda **kw: devices.get("v100-sxm2").peak(**{"unit": "tensor", "precision": "fp16", **kw}), dict(
        unit=choices(["tensor", "cuda"]), precision=choices(["fp16", "fp32", "fp64"]))),
    ("Device.ridge_point", lambda **kw: devices.get("v100-sxm2").ridge_point(
        **{"unit": "tensor", "precision": "fp16", **kw}), dict(unit=choices(["tensor", "cuda"]))),
    ("network.conv", call(nw.conv, out_channels=8, kernel_size=3), dict(
        out_channels=sizes(pairs_ok=False), kernel_size=sizes(), stride=sizes(), padding=PADDING, dilation=sizes(),
        groups=sizes(pairs_ok=False), bias=flags(), in_channels=sizes(pairs_ok=False, none_ok=True))),
    ("network.depthwise", call(nw.depthwise, kernel_size=3), dict(kernel_size=sizes(), multiplier=sizes(pairs_ok=False))),
    ("network.depsep", call(nw.depsep, out_channels=8, kernel_size=3), dict(
        depth_multiplier=sizes(pairs_ok=False), padding=PADDING)),
    ("network.linear", call(nw.linear, out_features=8), dict(out_features=sizes(pairs_ok=False), bias=flags())),
    ("network.maxpool", call(nw.maxpool, kernel_size=2), dict(kernel_size=sizes(), stride=sizes(none_ok=True))),
    ("network.se", call(nw.se), dict(squeeze_channels=sizes(pairs_ok=False, none_ok=True),
                                     ratio=numbers(above=0, maximum=1), activation=choices(ACTS), gate=choices(ACTS))),
    ("network.activation", call(nw.activation), dict(kind=choices(ACTS))),
    ("Sequential", call(nw.Sequential, items=[nw.conv(4, 3)], input_shape=(3, 8, 8)), dict(
        batch=sizes(pairs_ok=False), fuse=flags(), input_shape=SHAPES)),
    ("Network.traffic", lambda **kw: _net().traffic(**kw), dict(fuse=flags(none_ok=True))),
    ("Network.project", lambda **kw: _net().project("v100-sxm2", **kw), dict(
        precision=choices(PRECISIONS + TRAFFIC_MODELS, none_ok=True), calibrated=flags())),
    ("Network.with_batch", lambda **kw: _net().with_batch(**kw), dict(batch=sizes(pairs_ok=False, none_ok=True))),
    ("Network.training_step", lambda **kw: _net().training_step(**kw), dict(
        skip_input_grad=flags(), traffic=choices(TRAFFIC_MODELS))),
    ("zoo.get", call(zoo.get, name="mobilenet_v2"), dict(
        batch=sizes(pairs_ok=False), resolution=sizes(pairs_ok=False), num_classes=sizes(pairs_ok=False),
        fuse=flags(), width_mult=numbers(above=0, maximum=16))),
    ("zoo.get mobilenet_v1", call(zoo.get, name="mobilenet_v1"), dict(alpha=numbers(above=0, maximum=16))),
    ("zoo.get cifar_cnn", call(zoo.get, name="cifar_cnn"), dict(
        depsep=flags(), width=sizes(pairs_ok=False), pools=sizes(pairs_ok=False))),
    ("zoo.get resnet50", call(zoo.get, name="resnet50"), dict(variant=choices(["v1", "v1.5"]))),
]
CASES = [(label, fn, arg, strategy) for label, fn, args in EDGES for arg, strategy in args.items()]


@pytest.mark.parametrize("label, fn, argument, strategy", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_invalid_values_are_refused_by_name(label: str, fn: Callable[..., Any], argument: str, strategy: Any) -> None:
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(value=strategy)
    def check(value: Any) -> None:
        with pytest.raises(ValueError) as info:
            fn(**{argument: value})
        assert argument in str(info.value), f"{label}({argument}={value!r}): {info.value}"

    check()


def test_the_table_covers_every_layer_kind_and_builder() -> None:
    """A new public layer class or builder joins the table above (or this test says so)."""
    covered = {label.split()[0].split(".")[-1] for label, _, _ in EDGES}
    builders = {"conv", "depthwise", "depsep", "linear", "maxpool", "se", "activation"}
    assert builders <= covered
    assert {"Conv2d", "Depthwise", "Pointwise", "DepSep", "Linear", "MaxPool2d", "AvgPool2d", "GlobalAvgPool",
            "BatchNorm2d", "ReLU", "Add", "SqueezeExcitation"} <= covered
    assert "conv" in KINDS


def test_numpy_integers_are_accepted_where_ints_are() -> None:
    import numpy as np

    assert zoo.get("resnet18", batch=np.int64(2)).batch == 2
    net = nw.Sequential([nw.conv(4, 3)], input_shape=np.array([3, 8, 8]))
    assert net.input_shape == (3, 8, 8) and all(type(d) is int for d in net.input_shape)
    assert Conv2d(np.int32(8), np.int64(8), np.int16(3), np.uint8(8)).macs == Conv2d(8, 8, 3, 8).macs
    assert DepSep(8, 8, 3, 8, depth_multiplier=np.int64(2), bias=np.bool_(True)).params == DepSep(8, 8, 3, 8, depth_multiplier=2, bias=True).params


@pytest.mark.parametrize("call, needle", [
    (lambda: project_ops(3, "v100-sxm2"), "ops=3 must be a list or tuple"),
    (lambda: project_ops([3], "v100-sxm2"), "ops[0]=3 must be a (name, layer, elements) triple"),
    (lambda: project_ops([("x", 3, None)], "v100-sxm2"), "ops[0]: layer=3 must be a layer"),
    (lambda: project_ops([("x", _conv(), "many")], "v100-sxm2"), "ops[0]: elements='many' must be an integer"),
    (lambda: project_ops([(3, _conv(), None)], "v100-sxm2"), "ops[0]: name=3 must be a non-empty string"),
    (lambda: project_ops([("x", _conv(), None)], "v100-sxm2", batch=True), "batch=True"),
    (lambda: _net().node(True), "key=True must be an integer"),
    (lambda: _net().node(1.0), "key=1.0 must be an integer"),
    (lambda: _net().node(None), "key=None"),
    (lambda: _net().node(999), "key=999 is not a layer index"),
    (lambda: _net().node("nope"), "key='nope'"),
    (lambda: _net().table(unit="tensor"), "unit='tensor' applies to a projection: give device="),
    (lambda: _net().totals(calibrated=False), "calibrated=False applies to a projection"),
    (lambda: _net().table(totals=1), "totals=1 must be True or False"),
    (lambda: _net().training_step().table(totals="no"), "totals='no' must be True or False"),
    (lambda: devices.dumps(3), "devices=3 must be a Device"),
    (lambda: devices.dumps([devices.get("v100-sxm2"), 3]), "devices[1]=3 must be a Device"),
])
def test_review_leaks_are_refused_by_name(call: Callable[..., Any], needle: str) -> None:
    """Leaks an adversarial review found: a TypeError/IndexError/KeyError from inside, or an
    argument silently ignored or coerced (issue 9)."""
    with pytest.raises(ValueError) as info:
        call()
    assert needle in str(info.value), info.value
