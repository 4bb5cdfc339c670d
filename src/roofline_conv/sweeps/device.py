"""Device quantities of a sweep: ``project()``'s placement and arithmetic, element by element."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..conventions import FLOPS_PER_MAC, Lowering, Precision
from ..devices import Device
from ..layers.conv import OP_KINDS, op_kind_code
from ..projection.arith import executed_flops, gemm_utilisation, leaf_times
from ..projection.placement import choose_lowering, pick_unit
from .inputs import evaluate_count, Inputs, to_float
from .symbolic import parts_of

# ---------------------------------------------------------------------------------------------
# Device quantities: roofline.project, vectorised
# ---------------------------------------------------------------------------------------------
def _op_kind_codes(inputs: Inputs, part: int) -> np.ndarray:
    """Per element, the op kind of this part as an index into ``layers.conv.OP_KINDS`` (the rule
    ``Conv2d.kind`` uses, applied element by element)."""
    return np.asarray(op_kind_code(evaluate_count(inputs, "in_channels", "", "", part), evaluate_count(inputs, "groups", "", "", part),
                                   evaluate_count(inputs, "kernel_h", "", "", part), evaluate_count(inputs, "kernel_w", "", "", part)))


def _leaf(inputs: Inputs, part: int, dev: "Device", precision: Precision, traffic: str,
          unit: str | Mapping[str, str] | None, lowering: Lowering | None, calibrated: bool) -> dict[str, Any]:
    """compute, memory (per level), time, executed and useful FLOPs of one part, per element:
    the placement and arithmetic of ``project()`` (:mod:`roofline_conv.projection`), on arrays."""
    macs = evaluate_count(inputs, "macs", traffic, precision, part)
    bias_adds = evaluate_count(inputs, "bias_adds", traffic, precision, part)
    flops = FLOPS_PER_MAC * macs + bias_adds
    nbytes = evaluate_count(inputs, "part_traffic_elements", traffic, precision, part) * precision.bytes
    codes = _op_kind_codes(inputs, part)
    present = [c for c in range(len(OP_KINDS)) if (codes == c).any()]
    bandwidths = {lvl: level.bandwidth.value for lvl, level in dev.memory.items()}

    gemm: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    variants: dict[tuple[Any, ...], list[int]] = {}
    for code in present:
        op_kind = OP_KINDS[code]
        unit_name, cp = pick_unit(op_kind, dev, precision, unit, alias=op_kind)
        how = choose_lowering(op_kind, dev.units[unit_name].kind, dev, lowering)
        eff = dev.efficiency.get(op_kind) if calibrated else None
        variants.setdefault((unit_name, cp, how, eff), []).append(code)

    results: list[tuple[list[int], dict[str, Any]]] = []
    for (unit_name, cp, how, eff), codes_here in variants.items():
        cu = dev.units[unit_name]
        util: Any = 1.0  # a vector unit: no tile
        if cu.kind == "matrix":
            assert cu.tile is not None
            if gemm is None:
                gemm = (evaluate_count(inputs, "gemm_n", "", "", part), evaluate_count(inputs, "gemm_k", "", "", part),
                        evaluate_count(inputs, "groups", "", "", part))
            n, k, groups = gemm
            util = gemm_utilisation(how, n, k, groups, cu.tile)
        executed = to_float(np.asarray(executed_flops(macs, bias_adds, util)))
        compute, memory, time = leaf_times(executed, to_float(nbytes), dev.peak(unit_name, cp), bandwidths, eff)
        results.append((codes_here, dict(compute=compute, memory=memory, time=time, executed=executed)))

    if len(results) == 1:
        out = results[0][1]
    else:  # several op kinds in one sweep: each element takes its own kind's variant
        out = {}
        for key in ("compute", "time", "executed"):
            out[key] = np.select([np.isin(codes, c) for c, _ in results], [r[key] for _, r in results])
        out["memory"] = {lvl: np.select([np.isin(codes, c) for c, _ in results], [r["memory"][lvl] for _, r in results])
                         for lvl in dev.memory}
    out["flops"] = flops
    return out


def device_quantity(quantity: str, inputs: Inputs, dev: "Device", precision: str, traffic: str,
                     unit: Any, lowering: str | None, calibrated: bool) -> np.ndarray:
    leaves = [_leaf(inputs, i, dev, precision, traffic, unit, lowering, calibrated)
              for i in range(len(parts_of(inputs.kind)))]

    def total(key: str) -> Any:
        acc = leaves[0][key]
        for leaf in leaves[1:]:
            acc = acc + leaf[key]
        return acc

    if quantity == "time":
        return total("time")
    if quantity == "compute_time":
        return total("compute")
    if quantity == "memory_time":
        main = dev.main_memory
        acc = leaves[0]["memory"][main]
        for leaf in leaves[1:]:
            acc = acc + leaf["memory"][main]
        return acc
    if quantity == "executed_flops":
        return total("executed")
    time = total("time")
    with np.errstate(divide="ignore", invalid="ignore"):
        if quantity == "attainable":
            return to_float(total("flops")) / time
        if quantity == "per_second":
            return 1.0 / time
    raise AssertionError(quantity)  # pragma: no cover
