"""Makers: each turns a spec's arguments plus the propagated input shape (per sample, batch
excluded) and the batch into one concrete layer. A builder in :mod:`.builders` binds the
arguments (``functools.partial``); :class:`~.specs.LayerSpec` supplies ``(shape, batch)``."""

from __future__ import annotations

from typing import Any, Callable

from ..layers.base import Layer
from ..layers.conv import Conv2d, Depthwise, Pointwise
from ..layers.depsep import DepSep
from ..layers.elementwise import BatchNorm2d, Flatten
from ..layers.linear import Linear
from ..layers.pool import AvgPool2d, GlobalAvgPool, MaxPool2d
from ..layers.se import SqueezeExcitation
from .graph import Shape


def make_conv(out: int, k: Any, stride: Any, padding: Any, dilation: Any, groups: int, bias: bool, s: Shape, b: int) -> Layer:
    return Conv2d(s[0], out, k, s[1:], stride, padding, dilation, groups, bias, b)


def make_depthwise(k: Any, stride: Any, padding: Any, dilation: Any, bias: bool, multiplier: int, s: Shape, b: int) -> Layer:
    return Depthwise(s[0], k, s[1:], stride, padding, dilation, bias, b, multiplier)


def make_pointwise(out: int, stride: Any, bias: bool, s: Shape, b: int) -> Layer:
    return Pointwise(s[0], out, s[1:], stride, 1, bias, b)


def make_depsep(out: int, k: Any, stride: Any, padding: Any, dilation: Any, bias: bool, mult: int, s: Shape, b: int) -> Layer:
    return DepSep(s[0], out, k, s[1:], stride, padding, dilation, bias, b, mult)


def make_linear(out: int, bias: bool, s: Shape, b: int) -> Layer:
    return Linear(s[0], out, bias, b)


def make_maxpool(k: Any, stride: Any, padding: Any, dilation: Any, s: Shape, b: int) -> Layer:
    return MaxPool2d(s[0], k, s[1:], stride, padding, dilation, b)


def make_avgpool(k: Any, stride: Any, padding: Any, s: Shape, b: int) -> Layer:
    return AvgPool2d(s[0], k, s[1:], stride, padding, b)


def make_global_avgpool(s: Shape, b: int) -> Layer:
    return GlobalAvgPool(s[0], s[1:], b)


def make_batchnorm(s: Shape, b: int) -> Layer:
    return BatchNorm2d(s[0], s[1:], b)


def make_activation(cls: Callable[[Shape, int], Layer], s: Shape, b: int) -> Layer:
    return cls(s, b)


def make_flatten(s: Shape, b: int) -> Layer:
    return Flatten(s, b)


def make_se(squeeze: int | None, ratio: float, activation: str, gate: str, s: Shape, b: int) -> Layer:
    squeeze = squeeze if squeeze is not None else max(1, int(s[0] * ratio))
    return SqueezeExcitation(s[0], squeeze, s[1:], b, activation, gate)


__all__ = [
    "make_conv", "make_depthwise", "make_pointwise", "make_depsep", "make_linear", "make_maxpool", "make_avgpool",
    "make_global_avgpool", "make_batchnorm", "make_activation", "make_flatten", "make_se",
]
