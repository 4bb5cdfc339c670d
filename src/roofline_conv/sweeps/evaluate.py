"""``sweep()``: one quantity over every configuration of broadcast arrays of dimensions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, parse_lowering, traffic_and_precision
from ..devices import Device, resolve_device
from ..layers.conv import OP_KINDS
from ..validation import flag, shown
from .arguments import check_unit
from .device import device_quantity
from .inputs import evaluate_count, Inputs, to_float
from .lazy import holds_dask, lazy_sweep
from .quantities import DEVICE_QUANTITIES, QUANTITIES, check_kind

# ---------------------------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------------------------
def sweep(
    quantity: str,
    device: "Device | str | None" = None,
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    *,
    kind: str = "conv",
    batch: Any = 1,
    in_channels: Any = None,
    out_channels: Any = None,
    kernel_size: Any = None,
    input_size: Any = None,
    stride: Any = 1,
    padding: Any = None,
    dilation: Any = None,
    groups: Any = None,
    bias: Any = False,
    depth_multiplier: Any = None,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool | None = None,
) -> Any:
    """``quantity`` for every configuration of broadcast arrays of dimensions, vectorised.

    Dimensions take an int or an array (numpy broadcasting applies; a *list* is an array of
    configurations, a *tuple* of two is an (h, w) pair, each item an int or an array):
    ``batch``, ``in_channels``, ``out_channels``, ``kernel_size``, ``input_size``, ``stride``,
    ``padding`` (also ``"same"`` at stride 1, ``"valid"``, or ((top, bottom), (left, right))),
    ``dilation``, ``groups``, ``bias`` (bool or 0/1 array) and, for DepSep/Depthwise,
    ``depth_multiplier``. ``kind`` picks the layer: ``"conv"`` (``Conv2d``), ``"depsep"``
    (``DepSep``), ``"depthwise"`` (``Depthwise``; ``out_channels`` defaults to in_channels x
    depth_multiplier) or ``"pointwise"`` (``Pointwise``: no kernel_size/padding/dilation).

    Quantities (see ``COUNT_QUANTITIES`` / ``DEVICE_QUANTITIES`` for units): ``macs``, ``flops``,
    ``params``, ``traffic`` (bytes), ``intensity`` (FLOP/byte), ``output_size`` (an (H_out, W_out)
    pair), element counts; with ``device`` also ``time``, ``compute_time``, ``memory_time`` (main
    memory), ``attainable`` (FLOP/s), ``per_second`` and ``executed_flops``, as
    :func:`roofline_conv.roofline.project` computes them (same ``unit``, ``lowering`` and
    ``calibrated`` arguments).

    Arguments a kind does not take are refused, never ignored: ``depth_multiplier`` outside
    DepSep/Depthwise, ``groups`` for DepSep/Depthwise, ``kernel_size``/``padding``/``dilation``
    for Pointwise, both ``out_channels`` and ``depth_multiplier`` for Depthwise (give one);
    ``padding``, ``dilation``, ``groups`` and ``depth_multiplier`` left ``None`` take the
    defaults 0, 1, 1 and 1. ``device``, ``unit``, ``lowering`` and ``calibrated`` (default True)
    apply to the device quantities only.

    Dimensions are integers: Python or numpy ints, lists or integer arrays of them; floats (even
    ``8.0`` or an integral float array), bools (except in ``bias``), strings and None are
    refused, and so is any value above ``MAX_DIMENSION`` (2**31), so that no intermediate
    overflows. Counts come back as exact int64 arrays (``object`` arrays of Python ints when a
    value could pass 2**62, so a count never overflows), ratios and times as float64, each of the
    broadcast shape; an empty array gives an empty result of that shape for every quantity.
    Invalid arguments and configurations raise a ``ValueError`` (a ``LayerError`` for
    dimensions) naming the argument, or the rule, how many configurations break it and the first
    one, before anything is computed.

    Any dimension may be a dask array: the result is then a lazy dask array (a pair of them for
    ``output_size``) whose blocks are this numpy sweep of the dimensions' blocks, checked up
    front for everything but the values inside the dask arrays, which are checked block by block
    when computed (:mod:`roofline_conv.sweeps.lazy`).
    """
    dimensions = dict(batch=batch, in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                      input_size=input_size, stride=stride, padding=padding, dilation=dilation, groups=groups,
                      bias=bias, depth_multiplier=depth_multiplier)
    if holds_dask(dimensions):
        return lazy_sweep(sweep, quantity, dict(device=device, precision=precision, traffic=traffic, kind=kind,
                                                unit=unit, lowering=lowering, calibrated=calibrated), dimensions)
    if not isinstance(quantity, str) or quantity not in QUANTITIES:
        raise ValueError(f"quantity={shown(quantity)} is not a sweep quantity; use one of {', '.join(QUANTITIES)}")
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    kind = check_kind(kind)
    dev = None
    if quantity in DEVICE_QUANTITIES:
        if device is None:
            raise ValueError(f"quantity={quantity!r} needs device= (a Device or a catalog id)")
        dev = resolve_device(device)
        lowering = parse_lowering(lowering)
        calibrated = True if calibrated is None else flag(calibrated, "calibrated")
        check_unit(unit, dev, tuple(OP_KINDS))
    else:
        for name, value in (("device", device), ("unit", unit), ("lowering", lowering), ("calibrated", calibrated)):
            if value is not None:
                raise ValueError(f"{name}={shown(value)} does not apply to quantity={quantity!r} (a count); "
                                 f"it applies to the device quantities {', '.join(DEVICE_QUANTITIES)}")

    inputs = Inputs(kind, batch=batch, in_channels=in_channels, out_channels=out_channels,
                     kernel_size=kernel_size, input_size=input_size, stride=stride, padding=padding,
                     dilation=dilation, groups=groups, bias=bias, depth_multiplier=depth_multiplier)

    if dev is not None:
        if inputs.size == 0:
            return np.zeros(inputs.shape, np.float64)
        return inputs.full(device_quantity(quantity, inputs, dev, precision, traffic, unit, lowering, calibrated))
    if quantity == "output_size":
        return (inputs.full(evaluate_count(inputs, "output_height", traffic, precision)),
                inputs.full(evaluate_count(inputs, "output_width", traffic, precision)))
    if quantity == "intensity":  # Layer.intensity: flops / traffic
        flops = evaluate_count(inputs, "flops", traffic, precision)
        nbytes = evaluate_count(inputs, "traffic", traffic, precision)
        return inputs.full(to_float(flops) / to_float(nbytes))
    return inputs.full(evaluate_count(inputs, quantity, traffic, precision))
