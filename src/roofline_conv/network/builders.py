"""The lowercase builders: one per layer kind, each a spec without input sizes
(``conv(32, 3, stride=2, padding=1)``, ``relu()``, ``se()``, ...), plus ``named``.

A builder states its arguments once: in a readable repr (``conv(32, 3, stride=2)``) and bound
into a maker from :mod:`.makers`, which builds the concrete layer when ``Sequential`` propagates
the input shape to it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..layers.dims import check_padding, dim, pair
from ..layers.elementwise import ACTIVATIONS
from ..validation import choice, flag, number
from . import makers
from .graph import NetworkError
from .specs import LayerSpec, Spec, as_spec, check_name


def _kw(**kwargs: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if v is not None)


def _text(fn: str, *args: Any, **kwargs: Any) -> str:
    parts = [repr(a) for a in args] + ([_kw(**kwargs)] if _kw(**kwargs) else [])
    return f"{fn}({', '.join(parts)})"


def conv(out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
         groups: int = 1, bias: bool = False, *, in_channels: int | None = None, name: str | None = None) -> Spec:
    """A ``Conv2d`` whose input channels and size come from the previous layer (``in_channels``,
    when given, is checked)."""
    _dims(out_channels=out_channels, groups=groups, in_channels=in_channels)
    _conv_args(kernel_size, stride, padding, dilation, bias)
    text = _text("conv", out_channels, kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0),
                 dilation=_nd(dilation, 1), groups=_nd(groups, 1), bias=_nd(bias, False), in_channels=in_channels)
    make = partial(makers.make_conv, out_channels, kernel_size, stride, padding, dilation, groups, bias)
    return LayerSpec("conv", make, text, "chw", in_channels, name)


def depthwise(kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, bias: bool = False,
              multiplier: int = 1, *, channels: int | None = None, name: str | None = None) -> Spec:
    """A ``Depthwise`` conv over however many channels arrive."""
    _dims(multiplier=multiplier, channels=channels)
    _conv_args(kernel_size, stride, padding, dilation, bias)
    text = _text("depthwise", kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0), dilation=_nd(dilation, 1),
                 bias=_nd(bias, False), multiplier=_nd(multiplier, 1), channels=channels)
    make = partial(makers.make_depthwise, kernel_size, stride, padding, dilation, bias, multiplier)
    return LayerSpec("depthwise", make, text, "chw", channels, name)


def pointwise(out_channels: int, stride: Any = 1, bias: bool = False, *, in_channels: int | None = None,
              name: str | None = None) -> Spec:
    """A 1x1 ``Pointwise`` conv."""
    _dims(out_channels=out_channels, in_channels=in_channels)
    _conv_args(1, stride, 0, 1, bias)
    text = _text("pointwise", out_channels, stride=_nd(stride, 1), bias=_nd(bias, False), in_channels=in_channels)
    return LayerSpec("pointwise", partial(makers.make_pointwise, out_channels, stride, bias), text, "chw", in_channels, name)


def depsep(out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           bias: bool = False, depth_multiplier: int = 1, *, in_channels: int | None = None,
           name: str | None = None) -> Spec:
    """A ``DepSep`` (depthwise then pointwise, one composite layer: its intermediate stays on chip
    under the ``compulsory`` traffic model)."""
    _dims(out_channels=out_channels, depth_multiplier=depth_multiplier, in_channels=in_channels)
    _conv_args(kernel_size, stride, padding, dilation, bias)
    text = _text("depsep", out_channels, kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0),
                 dilation=_nd(dilation, 1), bias=_nd(bias, False), depth_multiplier=_nd(depth_multiplier, 1),
                 in_channels=in_channels)
    make = partial(makers.make_depsep, out_channels, kernel_size, stride, padding, dilation, bias, depth_multiplier)
    return LayerSpec("depsep", make, text, "chw", in_channels, name)


def linear(out_features: int, bias: bool = True, *, in_features: int | None = None, name: str | None = None) -> Spec:
    """A ``Linear`` on a (features,) input (``flatten()`` a map first)."""
    _dims(out_features=out_features, in_features=in_features)
    flag(bias, "bias", error=NetworkError)
    text = _text("linear", out_features, bias=_nd(bias, True), in_features=in_features)
    return LayerSpec("linear", partial(makers.make_linear, out_features, bias), text, "features", in_features, name)


def maxpool(kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1, *, name: str | None = None) -> Spec:
    """``MaxPool2d`` (stride defaults to the kernel size)."""
    _pool_args(kernel_size, stride, padding, dilation)
    text = _text("maxpool", kernel_size, stride=stride, padding=_nd(padding, 0), dilation=_nd(dilation, 1))
    return LayerSpec("maxpool", partial(makers.make_maxpool, kernel_size, stride, padding, dilation), text, "chw", None, name)


def avgpool(kernel_size: Any, stride: Any = None, padding: Any = 0, *, name: str | None = None) -> Spec:
    """``AvgPool2d`` (stride defaults to the kernel size)."""
    _pool_args(kernel_size, stride, padding, 1)
    text = _text("avgpool", kernel_size, stride=stride, padding=_nd(padding, 0))
    return LayerSpec("avgpool", partial(makers.make_avgpool, kernel_size, stride, padding), text, "chw", None, name)


def global_avgpool(*, name: str | None = None) -> Spec:
    """``GlobalAvgPool``: (C, H, W) -> (C, 1, 1)."""
    return LayerSpec("globalavgpool", makers.make_global_avgpool, "global_avgpool()", "chw", None, name)


def batchnorm(*, channels: int | None = None, name: str | None = None) -> Spec:
    """``BatchNorm2d`` over the incoming channels (``channels``, when given, is checked)."""
    _dims(channels=channels)
    return LayerSpec("batchnorm", makers.make_batchnorm, _text("batchnorm", channels=channels), "chw", channels, name)


def activation(kind: str, *, name: str | None = None) -> Spec:
    """An activation by name: relu, relu6, sigmoid, silu (swish), hardsigmoid, hardswish."""
    cls = ACTIVATIONS[choice(kind.lower() if isinstance(kind, str) else kind, "kind", sorted(ACTIVATIONS),
                             error=NetworkError)]
    return LayerSpec(cls.kind, partial(makers.make_activation, cls), f"{cls.kind}()", "any", None, name)


def relu(*, name: str | None = None) -> Spec:
    """``ReLU`` (1 op per element)."""
    return activation("relu", name=name)


def relu6(*, name: str | None = None) -> Spec:
    """``ReLU6`` (2 ops per element)."""
    return activation("relu6", name=name)


def sigmoid(*, name: str | None = None) -> Spec:
    """``Sigmoid`` (3 ops per element)."""
    return activation("sigmoid", name=name)


def silu(*, name: str | None = None) -> Spec:
    """``SiLU`` / swish (4 ops per element)."""
    return activation("silu", name=name)


swish = silu


def hardsigmoid(*, name: str | None = None) -> Spec:
    """``HardSigmoid`` (4 ops per element)."""
    return activation("hardsigmoid", name=name)


def hardswish(*, name: str | None = None) -> Spec:
    """``HardSwish`` (5 ops per element)."""
    return activation("hardswish", name=name)


def flatten(*, name: str | None = None) -> Spec:
    """``Flatten`` (a view: 0 ops, 0 bytes)."""
    return LayerSpec("flatten", makers.make_flatten, "flatten()", "any", None, name)


def se(squeeze_channels: int | None = None, *, ratio: float = 0.25, activation: str = "relu",
       gate: str = "sigmoid", name: str | None = None) -> Spec:
    """``SqueezeExcitation`` on the incoming map: ``squeeze_channels`` (default
    ``max(1, int(channels x ratio))``, ``0 < ratio <= 1``), FC activation and gate by name."""
    if squeeze_channels is not None:
        dim(squeeze_channels, "squeeze_channels")
    ratio = number(ratio, "ratio", above=0, maximum=1, error=NetworkError)
    choice(activation, "activation", sorted(ACTIVATIONS), error=NetworkError)
    choice(gate, "gate", sorted(ACTIVATIONS), error=NetworkError)
    text = _text("se", squeeze_channels, ratio=_nd(ratio, 0.25), activation=_nd(activation, "relu"), gate=_nd(gate, "sigmoid"))
    return LayerSpec("se", partial(makers.make_se, squeeze_channels, ratio, activation, gate), text, "chw", None, name)


def named(spec: Any, name: str) -> Spec:
    """``spec`` (a spec, layer or list) under ``name``."""
    s = as_spec(spec)
    clone = object.__new__(type(s))
    clone.__dict__.update(s.__dict__)
    clone.name = check_name(name)
    return clone


def _dims(**values: Any) -> None:
    """Sizes a builder takes, checked when the builder is called; the ones that may come from the
    previous layer (``in_channels``, ``in_features``, ``channels``) may be None."""
    for argument, value in values.items():
        if value is not None or argument not in ("in_channels", "in_features", "channels"):
            dim(value, argument)


def _conv_args(kernel_size: Any, stride: Any, padding: Any, dilation: Any, bias: Any) -> None:
    """The window arguments of a conv builder, checked before the input size is known."""
    pair(kernel_size, "kernel_size")
    pair(stride, "stride")
    pair(dilation, "dilation")
    check_padding(padding)
    flag(bias, "bias", error=NetworkError)


def _pool_args(kernel_size: Any, stride: Any, padding: Any, dilation: Any) -> None:
    pair(kernel_size, "kernel_size")
    if stride is not None:
        pair(stride, "stride")
    check_padding(padding)
    pair(dilation, "dilation")


def _nd(value: Any, default: Any) -> Any:
    """``value`` unless it equals the default (keeps spec reprs short)."""
    return None if value == default else value


__all__ = [
    "named", "conv", "depthwise", "pointwise", "depsep", "linear", "maxpool", "avgpool", "global_avgpool",
    "batchnorm", "activation", "relu", "relu6", "sigmoid", "silu", "swish", "hardsigmoid", "hardswish",
    "flatten", "se",
]
