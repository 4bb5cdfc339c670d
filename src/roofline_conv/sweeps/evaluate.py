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
from .chunks import Overflowing, Walk, check_empty, exact_bound
from .compiled import compiled_function
from .device import DevicePlan, to_float
from .inputs import Inputs
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
    one (the first rule broken in the order they are stated, wherever in the sweep).

    The configurations are evaluated a chunk at a time (``chunks.CHUNK_SIZE``), so memory beyond
    the result stays a few chunk-sized temporaries and the time is linear in the number of
    configurations; argument arrays are neither copied nor broadcast.

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
    plan: Any
    if dev is not None:
        plan = DevicePlan(quantity, kind, dev, precision, traffic, unit, lowering, calibrated, inputs.fits)
    else:
        plan = CountPlan(quantity, kind, traffic, precision, inputs.fits)
    outs = evaluate(inputs, plan)
    return tuple(outs) if quantity == "output_size" else outs[0]


# ---------------------------------------------------------------------------------------------
# Evaluation, a chunk at a time
# ---------------------------------------------------------------------------------------------
class CountPlan:
    """A count (or ``intensity``: flops / traffic, or ``output_size``: the two output extents) of
    one sweep, evaluated a chunk at a time by one compiled function."""

    def __init__(self, quantity: str, kind: str, traffic: str, precision: Any, fits: tuple[str, ...]) -> None:
        self.kind, self.traffic, self.precision, self.fits = kind, traffic, precision, fits
        self.ratio = quantity == "intensity"  # Layer.intensity: flops / traffic
        self.names = {"intensity": ("flops", "traffic"), "output_size": ("output_height", "output_width")}.get(
            quantity, (quantity,))
        self.dtypes = (np.float64,) if self.ratio else (np.int64,) * len(self.names)
        self.im2col = traffic == "im2col" or quantity == "im2col_elements"
        self._fn: Any = None

    def __call__(self, v: Mapping[Any, Any], fixed: tuple[Any, ...]) -> tuple[Any, Any]:
        """(the results of one chunk, its ``fits`` counts)."""
        if self._fn is None:  # the same specialisation for every chunk of one sweep
            self._fn = compiled_function(self.kind, self.names + self.fits, self.traffic, self.precision, None, fixed)
        results = self._fn(*Inputs.args(v))
        n = len(self.names)
        if self.ratio:
            return (to_float(results[0]) / to_float(results[1]),), results[n:]
        return results[:n], results[n:]


def evaluate(inputs: Inputs, plan: Any) -> list[np.ndarray]:
    """``plan`` over every configuration of ``inputs``, chunk by chunk, into result arrays of the
    sweep's shape (``object`` arrays of exact Python ints when a count could pass 2**62)."""
    if inputs.size == 0:
        check_empty(inputs)
        return [np.zeros(inputs.shape, dtype) for dtype in plan.dtypes]
    try:
        return _fill(inputs, plan, "guarded")
    except Overflowing:  # an upper bound of the guard reached 2**62: the guard itself decides
        return _fill(inputs, plan, "object" if exact_bound(inputs) >= 2.0**62 else "int64")


def _fill(inputs: Inputs, plan: Any, mode: str) -> list[np.ndarray]:
    outs = [np.empty(inputs.shape, object if mode == "object" and dtype == np.int64 else dtype)
            for dtype in plan.dtypes]
    walk = Walk(inputs, mode, plan.im2col)
    with np.errstate(all="ignore"):  # a chunk is checked after its evaluation: see chunks
        for index, raw, values, exact, fixed in walk:
            try:
                results, fits = plan(exact, fixed)
            except Exception:
                walk.check(raw, values)  # a broken rule is the error to report
                raise
            walk.check(raw, values, fits)
            for out, result in zip(outs, results):
                out[index] = result
    return outs
