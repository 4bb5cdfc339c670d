"""Unit placement, in one place: which compute unit runs an op, at which precision, lowered how.

* a convolution-like op (``conv``, ``pointwise``, ``depthwise``; a ``Linear`` runs as a
  ``pointwise``) takes the first unit of the device's ``unit_for`` list that has the precision,
  or the unit the caller names (a unit without the storage precision computes in fp32 when it is
  a vector unit that can: the result says so);
* an elementwise / pooling / BatchNorm op takes the first vector unit with the precision, else the
  first computing in fp32, else the device's depthwise unit list (a device with no vector unit);
* on a matrix unit the op is a GEMM, except a depthwise conv, which is lowered as the device's
  compiler does it (``per_channel_gemm`` or ``block_diagonal``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..conventions import Lowering, Precision

UPCAST = Precision.FP32
"""The precision a unit computes in when it lacks the storage precision (e.g. a TPUv2 VPU on bf16)."""

DEVICE_OP_KIND = {"linear": "pointwise"}
"""Device op kind (``unit_for`` key) of layer kinds that are not convolutions but run like one."""



def device_op_kind(layer_kind: str) -> str:
    """The device op kind (``unit_for`` key) a layer kind is placed as."""
    return DEVICE_OP_KIND.get(layer_kind, layer_kind)


def pick_unit(op_kind: str, dev: Any, precision: Precision, unit: str | Mapping[str, str] | None,
              alias: str | None = None) -> tuple[str, Precision]:
    """(unit name, compute precision) for an op of ``op_kind``. ``alias`` (a layer kind, e.g.
    'linear') is looked up in a ``unit`` mapping before ``op_kind``."""
    if isinstance(unit, Mapping):
        name = unit.get(alias) if alias is not None and alias in unit else unit.get(op_kind)
    else:
        name = unit
    if name is None:
        try:
            return dev.choose_unit(op_kind, precision), precision
        except ValueError:
            if precision != Precision.TF32:
                raise
            # tf32 is a matrix-unit math mode for fp32 data: a vector unit runs such an op in fp32
            for n in dev.unit_order(op_kind):
                if dev.units[n].kind == "vector" and dev.supports(n, UPCAST):
                    return n, UPCAST
            raise
    if name not in dev.units:
        raise ValueError(f"unit={name!r} is not a unit of {dev.id}; it has {', '.join(dev.units)}")
    if dev.supports(name, precision):
        return name, precision
    if dev.units[name].kind == "vector" and dev.supports(name, UPCAST):
        return name, UPCAST
    dev.peak(name, precision)  # raises the device's clear error
    raise AssertionError("unreachable")  # pragma: no cover


def pick_vector_unit(kind: str, dev: Any, precision: Precision,
                     unit: str | Mapping[str, str] | None) -> tuple[str, Precision, str]:
    """(unit, compute precision, lowering) for an elementwise/pool/BN op of layer ``kind``: a
    named unit (``unit`` as a name, or a mapping with the layer kind or ``"vector"``), else the
    first vector unit with the precision, else the first vector unit computing in fp32, else the
    device's depthwise unit list (a catalog entry that lists no vector unit, e.g. TPU v4/v5e)."""
    name = unit.get(kind, unit.get("vector")) if isinstance(unit, Mapping) else unit
    if name is not None:
        chosen, cp = pick_unit(kind, dev, precision, name)
        how = "vector" if dev.units[chosen].kind == "vector" else f"elementwise on {chosen}"
        return chosen, cp, how
    vectors = [n for n, u in dev.units.items() if u.kind == "vector"]
    for n in vectors:
        if precision in dev.units[n].peaks:
            return n, precision, "vector"
    for n in vectors:
        if UPCAST in dev.units[n].peaks:
            return n, UPCAST, "vector"
    chosen = dev.choose_unit("depthwise", precision)
    return chosen, precision, f"elementwise on {chosen} (no vector unit listed)"


def choose_lowering(op_kind: str, unit_kind: str, device: Any, lowering: str | None = None) -> Lowering:
    """How an op of ``op_kind`` maps onto a unit of ``unit_kind``: 'vector' on vector units,
    'gemm' on matrix units, and for a depthwise conv on a matrix unit the device's (or the given)
    depthwise lowering, 'per_channel_gemm' when that says 'vector' (the honest matrix-unit bound)."""
    if unit_kind != "matrix":
        return Lowering.VECTOR
    if op_kind != "depthwise":
        return Lowering.GEMM
    how = Lowering(lowering or device.depthwise_lowering.method)
    return Lowering.PER_CHANNEL_GEMM if how == Lowering.VECTOR else how


def lowering_label(how: str, compute_precision: str, precision: str) -> str:
    """The lowering as a projection states it: with '(computes in fp32)' when the unit upcasts."""
    return how if compute_precision == precision else f"{how} (computes in {compute_precision})"
