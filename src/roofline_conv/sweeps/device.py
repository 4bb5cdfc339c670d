"""Device quantities of a sweep: ``project()``'s placement and arithmetic, element by element."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..conventions import FLOPS_PER_MAC, Lowering, Precision
from ..devices import Device
from ..layers.conv import OP_KINDS, op_kind_code
from ..projection.arith import executed_flops, leaf_times, padded_utilisation
from ..projection.expected import expected_terms, expected_times
from ..projection.placement import choose_lowering, pick_unit
from .compiled import compiled_function
from .inputs import Inputs
from .symbolic import parts_of

_LEAF_COUNTS = ("macs", "bias_adds", "part_traffic_elements", "in_channels", "groups", "kernel_h", "kernel_w",
                "gemm_n", "gemm_k")
"""What one part's leaf needs, compiled as one function (common subexpressions computed once)."""
_OUTPUT = {"time": "time", "compute_time": "compute", "memory_time": "memory", "executed_flops": "executed",
           "attainable": "time", "per_second": "time", "expected_time": "expected", "expected_per_second": "expected"}


def to_float(arr: Any) -> np.ndarray:
    return np.asarray(arr, np.float64)


# ---------------------------------------------------------------------------------------------
# Device quantities: roofline.project, vectorised
# ---------------------------------------------------------------------------------------------
class DevicePlan:
    """One device quantity of one sweep, evaluated a chunk at a time (``plan(values, fixed)``):
    per part, the counts of its leaf, each configuration's op kind (the rule ``Conv2d.kind``
    uses), the unit and lowering ``project()`` picks for that kind, and the leaf arithmetic of
    :mod:`roofline_conv.projection` on the arrays of the configurations of each placement."""

    dtypes = (np.float64,)

    def __init__(self, quantity: str, kind: str, dev: Device, precision: Precision, traffic: str,
                 unit: str | Mapping[str, str] | None, lowering: Lowering | None, calibrated: bool,
                 fits: tuple[str, ...]) -> None:
        self.quantity, self.kind, self.dev, self.precision, self.traffic = quantity, kind, dev, precision, traffic
        self.fits = fits
        self.unit, self.lowering, self.calibrated = unit, lowering, calibrated
        self.im2col = traffic == "im2col"
        bandwidths = {lvl: level.bandwidth.value for lvl, level in dev.memory.items()}
        # Only one memory level is needed: the time's slowest memory time is that of the level
        # of least bandwidth (x / (bw * e) is monotone in bw, rounding included, and one leaf
        # has one memory efficiency e), and memory_time is main memory's.
        self.level = dev.main_memory if quantity == "memory_time" else min(bandwidths, key=bandwidths.__getitem__)
        self.bandwidths = {self.level: bandwidths[self.level]}
        self.key = _OUTPUT[quantity]
        self._variants: dict[int, tuple[Any, ...]] = {}
        self._fns: list[Any] | None = None

    def _variant(self, code: int) -> tuple[Any, ...]:
        """The placement of op kind ``code``: unit, precision, lowering, ceiling, peak (on first use,
        so a device without a unit for an op kind the sweep does not hold is not refused)."""
        found = self._variants.get(code)
        if found is None:
            op_kind, dev = OP_KINDS[code], self.dev
            unit_name, cp = pick_unit(op_kind, dev, self.precision, self.unit, alias=op_kind)
            how = choose_lowering(op_kind, dev.units[unit_name].kind, dev, self.lowering)
            eff = expected_terms(dev, op_kind, self.precision) if self.calibrated else None
            found = self._variants[code] = (unit_name, cp, how, eff, dev.peak(unit_name, cp))
        return found

    def _leaf(self, variant: tuple[Any, ...], macs: Any, bias_adds: Any, nbytes: Any, n: Any, k: Any,
              groups: Any, taps: Any) -> np.ndarray:
        """``project()``'s leaf arithmetic for configurations of one placement (the direct
        algorithm: a sweep does not assume Winograd or FFT)."""
        unit_name, cp, how, eff, peak = variant
        cu = self.dev.units[unit_name]
        util: Any = 1.0  # a vector unit: no tile
        if cu.kind == "matrix":
            assert cu.tile is not None
            util = padded_utilisation(how, n, k, groups, cu.tile, taps, cu.channel_multiple.get(cp))
        executed = to_float(executed_flops(macs, bias_adds, util))
        if self.key == "executed":
            return executed
        compute, memory, time = leaf_times(executed, nbytes, peak, self.bandwidths)
        if self.key == "expected":
            return to_float(expected_times(compute, memory, eff, (macs // (n * k), n, k), words=False)[0])
        return {"time": time, "compute": compute, "memory": memory[self.level]}[self.key]

    def _part(self, fn: Any, args: tuple[Any, ...]) -> tuple[np.ndarray, Any, Any]:
        counts = fn(*args)
        macs, bias_adds, traffic, cin, groups, kh, kw, n, k = (np.asarray(x) for x in counts[:9])
        nbytes = to_float(traffic * self.precision.bytes)
        codes = op_kind_code(cin, groups, kh, kw)
        counts = np.bincount(codes.ravel(), minlength=len(OP_KINDS))
        placements: dict[tuple[Any, ...], list[int]] = {}
        for code in np.flatnonzero(counts):
            placements.setdefault(self._variant(int(code)), []).append(int(code))
        leaf_args = (macs, bias_adds, nbytes, n, k, groups, kh * kw)
        ranked = sorted(placements.items(), key=lambda item: -sum(counts[c] for c in item[1]))
        out = self._leaf(ranked[0][0], *leaf_args)  # the most frequent placement, on every configuration
        if len(ranked) > 1:  # the others only on their own configurations
            shape = np.broadcast_shapes(codes.shape, *(np.shape(a) for a in leaf_args))
            if out.shape != shape or out.base is not None:
                out = np.array(np.broadcast_to(out, shape))
            codes = np.broadcast_to(codes, shape)
            for variant, own in ranked[1:]:
                table = np.zeros(len(OP_KINDS), bool)
                table[own] = True
                where = np.nonzero(table[codes])
                out[where] = self._leaf(variant, *(a if not np.ndim(a) else np.broadcast_to(a, shape)[where]
                                                   for a in leaf_args))
        return out, (FLOPS_PER_MAC * macs + bias_adds if self.quantity == "attainable" else 0), counts[9:]

    def __call__(self, v: Mapping[Any, Any], fixed: tuple[Any, ...]) -> tuple[tuple[np.ndarray], Any]:
        """(the result of one chunk, its ``fits`` counts)."""
        if self._fns is None:  # the same specialisation for every chunk of one sweep
            self._fns = [compiled_function(self.kind, _LEAF_COUNTS + (self.fits if i == 0 else ()), self.traffic,
                                           self.precision, i, fixed) for i in range(len(parts_of(self.kind)))]
        args = Inputs.args(v)
        total, flops, fits = self._part(self._fns[0], args)
        for fn in self._fns[1:]:  # a DepSep: the sum of its parts
            more, more_flops, _ = self._part(fn, args)
            total, flops = total + more, flops + more_flops
        if self.quantity == "attainable":
            with np.errstate(divide="ignore", invalid="ignore"):
                return (to_float(flops) / total,), fits
        if self.quantity in ("per_second", "expected_per_second"):
            with np.errstate(divide="ignore", invalid="ignore"):
                return (1.0 / total,), fits
        return (total,), fits
