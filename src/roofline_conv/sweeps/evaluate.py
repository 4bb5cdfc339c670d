"""``sweep()``: one quantity over every configuration of broadcast arrays of dimensions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, parse_lowering, traffic_and_precision
from ..devices import Device, resolve_device
from .device import device_quantity
from .inputs import evaluate_count, Inputs, to_float
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
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    bias: Any = False,
    depth_multiplier: Any = 1,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool = True,
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

    Counts come back as exact int64 arrays (``object`` arrays of Python ints when a value could
    pass 2**62), ratios and times as float64, each of the broadcast shape. Invalid
    configurations raise a ``ValueError`` (a ``LayerError``) naming the rule, how many
    configurations break it and the first one, before anything is computed.
    """
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    lowering = parse_lowering(lowering)
    check_kind(kind)
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r} is not a sweep quantity; use one of {', '.join(QUANTITIES)}")
    dev = None
    if quantity in DEVICE_QUANTITIES:
        if device is None:
            raise ValueError(f"quantity={quantity!r} needs device= (a Device or a catalog id)")
        dev = resolve_device(device)

    inputs = Inputs(kind, batch=batch, in_channels=in_channels, out_channels=out_channels,
                     kernel_size=kernel_size, input_size=input_size, stride=stride, padding=padding,
                     dilation=dilation, groups=groups, bias=bias, depth_multiplier=depth_multiplier)

    if dev is not None:
        return inputs.full(device_quantity(quantity, inputs, dev, precision, traffic, unit, lowering, calibrated))
    if quantity == "output_size":
        return (inputs.full(evaluate_count(inputs, "output_height", traffic, precision)),
                inputs.full(evaluate_count(inputs, "output_width", traffic, precision)))
    if quantity == "intensity":  # Layer.intensity: flops / traffic
        flops = evaluate_count(inputs, "flops", traffic, precision)
        nbytes = evaluate_count(inputs, "traffic", traffic, precision)
        return inputs.full(to_float(flops) / to_float(nbytes))
    return inputs.full(evaluate_count(inputs, quantity, traffic, precision))
