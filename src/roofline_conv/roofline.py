"""Roofline projection of layers onto devices: the public entry point.

For one op on one compute unit (a *leaf* projection):

* the unit is chosen from the device's ``unit_for`` preference list for the op kind (conv,
  pointwise, depthwise) at the precision, or named by the caller (``unit=``);
* on a **matrix unit** the op's im2col GEMM is laid onto the unit's (rows, cols) = (K, N) tile,
  SCALE-Sim style: K and N are padded up to whole tiles, M streams through. Utilisation =
  useful MACs / executed MACs. A depthwise conv placed on a matrix unit is lowered the way the
  device's compiler does it (``device.depthwise_lowering``): per-channel tiny GEMMs (K = Kh Kw,
  N = multiplier) or one dense conv with block-diagonal weights (groups-fold wasted MACs);
* compute time = executed FLOPs / unit peak; memory time per level = traffic bytes / level
  bandwidth (the traffic model's bytes cross main memory; inner levels see at least those bytes,
  so their times are lower bounds); predicted time = the largest of them (the binding roof).

A ``DepSep`` (and any sequence of layers) is projected part by part, each part on its own unit,
and the times summed. Under the fused (``compulsory``) model the DepSep intermediate is charged
to neither part. Symbolic layers yield sympy expressions for every time.

The arithmetic, placement and result type live in :mod:`roofline_conv.projection` (one copy,
shared with sweeps and calibration); this module resolves catalog ids and re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from .devices import Device, resolve_device
from .layers import Layer
from .projection.arith import Number, gemm_utilisation, roof_time, tile_utilisation
from .projection.engine import project_on, project_ops_on
from .projection.placement import UPCAST, choose_lowering
from .projection.result import Projection, bound_summary
from .validation import integer, sequence, shown
from .validation import name as name_rule

__all__ = ["project", "project_ops", "ridge_point", "Projection", "bound_summary", "roof_time",
           "tile_utilisation", "gemm_utilisation", "choose_lowering", "UPCAST"]


def ridge_point(device: Device | str, unit: str, precision: str, level: str | None = None) -> float:
    """Intensity (FLOP/byte) where ``unit``'s peak at ``precision`` meets ``level``'s bandwidth."""
    return resolve_device(device).ridge_point(unit, precision, level)


def project(
    layer: Union[Layer, Iterable[Layer], Any],
    device: Device | str,
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool = True,
    fuse: bool | None = None,
    algorithm: str | None = None,
) -> Projection:
    """Project ``layer`` (a layer, a DepSep, a network, or an iterable of layers) onto ``device``.

    ``precision`` (default fp16) sets bytes per element and the peak used; ``traffic`` (default
    'compulsory') the traffic model; ``unit`` overrides the unit choice (a unit name for every op,
    or a mapping op kind -> unit name; keys may be device op kinds ``conv``/``pointwise``/
    ``depthwise``, layer kinds such as ``linear`` or ``relu``, or ``vector`` for every
    elementwise/pool/BN op); ``lowering`` overrides the device's depthwise lowering.
    ``calibrated`` applies the device's fitted efficiency ceilings (``device.efficiency``, set by
    ``roofline-conv calibrate``) when it has any: compute and memory roofs lowered to e x peak.
    ``fuse`` (networks only; default: the network's own setting) folds BatchNorm into the
    preceding conv and applies the activation in its epilogue (see ``docs/networks.md``).
    ``algorithm`` (``direct``, ``winograd_2x2_3x3``, ``winograd_4x4_3x3``, ``fft``; default None:
    the algorithm the device's libraries are known to use, ``Device.algorithms``, else direct)
    sets the multiplies a convolution executes where it applies (stride 1, dilation 1; see
    ``projection.algorithms``); ``macs`` stays the direct count, ``Projection.algorithm`` says
    which one the bound assumes.

    Layer kinds beyond convolutions: ``Linear`` runs on the matrix units like a pointwise conv
    (GEMM (batch, out, in), tile padding); pooling, BatchNorm, activations, ``Add``, ``Scale``
    and ``Flatten`` run on the first vector unit with the precision (a vector unit without it
    computes in fp32; a device with no vector unit uses its depthwise unit list, and
    ``lowering`` says so); a ``SqueezeExcitation`` is projected part by part; a network node by
    node, the result's ``parts`` being one projection per node, named after it.
    """
    return project_on(layer, resolve_device(device), precision, traffic, unit, lowering, calibrated, fuse, algorithm)


def project_ops(
    ops: Sequence[tuple[str, Layer, Any]],
    device: Device | str,
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    unit: str | Mapping[str, str] | None = None,
    lowering: str | None = None,
    calibrated: bool = True,
    name: str = "ops",
    batch: Number = 1,
    launch_elementwise: bool = True,
) -> Projection:
    """Named ops ``(name, layer, elements)`` projected one part each (``elements`` overrides the
    layer's traffic in elements when not None) and summed like a network: how
    :mod:`roofline_conv.training` projects a backward pass. Each op is placed by its ``kind``
    exactly as a layer of that kind would be. ``ops`` is a non-empty list of such triples
    (``elements`` None or an int >= 0), ``name`` a non-empty string and ``batch`` an int >= 1.
    ``launch_elementwise=False``: the elementwise ops are fused into neighbouring kernels (a
    compiler), so their expected time pays no per-op overhead; the bound is the same."""
    dev = resolve_device(device)
    return project_ops_on(_checked_ops(ops), dev, precision, traffic, unit, lowering, calibrated,
                          name_rule(name, "name"), integer(batch, "batch", minimum=1), launch_elementwise)


def _checked_ops(ops: Any) -> list[tuple[str, Layer, Any]]:
    """``ops`` as a list of ``(name, layer, elements)``, or a ValueError naming ``ops[i]``."""
    items = sequence(ops, "ops")
    if not items:
        raise ValueError("ops=[] must hold at least one (name, layer, elements) op")
    checked = []
    for i, op in enumerate(items):
        where = f"ops[{i}]"
        if isinstance(op, (str, bytes)) or not isinstance(op, Sequence) or len(op) != 3:
            raise ValueError(f"{where}={shown(op)} must be a (name, layer, elements) triple")
        op_name, layer, elements = op
        if not hasattr(layer, "roofline_op"):
            raise ValueError(f"{where}: layer={shown(layer)} must be a layer")
        if elements is not None:
            elements = integer(elements, f"{where}: elements", minimum=0)
        checked.append((name_rule(op_name, f"{where}: name"), layer, elements))
    return checked

