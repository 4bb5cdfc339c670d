"""Which convolution algorithm a projection assumes, and the multiplies it executes.

``macs`` stays the layer's direct count; the executed multiplies of an algorithm are:

* ``direct``: ``macs``;
* ``winograd_2x2_3x3`` / ``winograd_4x4_3x3`` (Winograd F(m x m, 3 x 3)): ``macs x (m+2)^2 / (9 m^2)``
  (16/36 and 36/144: 2.25x and 4x fewer), the transforms' additions not counted;
* ``fft``: the frequency-domain products only, :data:`FFT_MULTIPLIES_PER_PRODUCT` real multiplies
  per complex product of a (H + P_h) x (floor((W + P_w)/2) + 1) half spectrum of a real signal,
  per (image, input channel, output channel) of a group: ``fft_macs`` in ``layers.formulas``;
  the transforms are not counted (see docs/conventions.md).

An algorithm applies at stride 1 and dilation 1, ungrouped: the Winograd ones to 3 x 3 kernels,
``fft`` to square kernels larger than 1. Where the asked (or the device's) algorithm does not
apply, the projection assumes ``direct`` and says so. Leaving out transform work keeps the
projection a lower bound on what a library doing that algorithm can take.
"""

from __future__ import annotations

from typing import Any

from ..conventions import Algorithm, Precision
from .._sympy import sympy
from .arith import is_num, ratio

FFT_MULTIPLIES_PER_PRODUCT = 3
"""Real multiplies per complex product (Gauss's three-multiply form: the fewest)."""

_WINOGRAD_TILE = {Algorithm.WINOGRAD_2X2_3X3: 2, Algorithm.WINOGRAD_4X4_3X3: 4}


def applies(algorithm: Algorithm, layer: Any) -> bool:
    """True when ``algorithm`` can run ``layer`` (see the module docstring)."""
    if algorithm == Algorithm.DIRECT:
        return True
    if not hasattr(layer, "stride") or not hasattr(layer, "dilation"):
        return False
    if layer.stride != (1, 1) or layer.dilation != (1, 1) or layer.groups != 1:
        return False
    kh, kw = layer.kernel_size
    if algorithm in _WINOGRAD_TILE:
        return kh == 3 and kw == 3
    return is_num(kh, kw) and kh == kw and kh > 1


def choose(layer: Any, dev: Any, precision: Precision, asked: Algorithm | None) -> Algorithm:
    """The algorithm the bound assumes: ``asked`` where it applies, else (``asked`` None) the
    device's first rule that covers the layer (``Device.algorithms``), else direct."""
    if asked is not None:
        return asked if applies(asked, layer) else Algorithm.DIRECT
    if getattr(layer, "kind", None) != "conv" or not hasattr(layer, "kernel_size"):  # backward ops: direct
        return Algorithm.DIRECT
    for rule in getattr(dev, "algorithms", ()):
        kh, kw = layer.kernel_size
        if precision in rule.precisions and kh == kw and kh in rule.kernels:
            chosen = Algorithm(rule.algorithm)
            if applies(chosen, layer):
                return chosen
    return Algorithm.DIRECT


def executed_macs(layer: Any, algorithm: Algorithm) -> Any:
    """The multiplies (as MACs) ``algorithm`` executes for ``layer`` (``layer.macs`` for direct)."""
    if algorithm == Algorithm.DIRECT:
        return layer.macs
    if algorithm in _WINOGRAD_TILE:
        m = _WINOGRAD_TILE[algorithm]
        return ratio(layer.macs * (m + 2) ** 2, 9 * m * m)
    fft = FFT_MULTIPLIES_PER_PRODUCT * layer.fft_macs
    if is_num(fft, layer.macs):  # a library does not run an FFT that multiplies more than direct
        return min(fft, layer.macs)
    return sympy().Min(fft, layer.macs)
