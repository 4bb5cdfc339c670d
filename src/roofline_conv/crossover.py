"""Crossovers, solved with sympy: where a layer turns compute-bound, where DepSep beats a conv.

A projected time is piecewise: ``Max(compute, memory_1, ...)`` per op, summed over parts. Its
sign changes can only happen where two pieces of one ``Max`` meet, or where the compared
expressions are equal for one choice of pieces. :func:`sign_regions` collects those roots with
``sympy.solve`` (exact), then decides the sign between consecutive roots by exact substitution.
Expressions sympy cannot solve (the ``ceiling`` of a matrix unit's tile padding, say) fall back
to an exact integer scan, and the result says which ``method`` was used.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sympy as sp

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from .layers import Conv2d, DepSep
from .roofline import project
from .study_data import layer_spec

if TYPE_CHECKING:  # pragma: no cover
    from .devices import Device

X = sp.Symbol("x", integer=True, positive=True)


@dataclass(frozen=True)
class Regions:
    """Integer values of ``variable`` in [lo, hi] where a condition holds, as inclusive ranges."""

    variable: str
    ranges: tuple[tuple[int, int], ...]
    roots: tuple[sp.Expr, ...]
    """Exact boundaries found by sympy (empty when the scan was used)."""
    method: str
    """'sympy' (exact roots, then exact substitution) or 'scan' (exact evaluation at every integer)."""
    lo: int
    hi: int

    def __contains__(self, value: int) -> bool:
        return any(a <= value <= b for a, b in self.ranges)

    @property
    def first(self) -> int | None:
        """The smallest value in the regions, or None when empty."""
        return self.ranges[0][0] if self.ranges else None

    def __str__(self) -> str:
        if not self.ranges:
            return f"no {self.variable} in [{self.lo}, {self.hi}]"
        return ", ".join(f"{self.variable} = {a}" if a == b else f"{self.variable} in [{a}, {b}]" for a, b in self.ranges)


def sign_regions(expr: sp.Expr, x: sp.Symbol, lo: int, hi: int, strict: bool = True, name: str = "x") -> Regions:
    """Integers n in [lo, hi] with ``expr(n) < 0`` (``<= 0`` when ``strict`` is False).

    With exact roots r_1 < r_2 < ... the sign of ``expr`` is constant on each open interval
    between consecutive candidates {lo, hi, floor(r), floor(r) + 1}, so one exact substitution
    per interval decides it.
    """
    def holds(n: int) -> bool:
        value = expr.subs(x, n)
        return bool(value < 0) if strict else bool(value <= 0)

    roots = _breakpoints(expr, x)
    if roots is None:
        values = [n for n in range(lo, hi + 1) if holds(n)]
        return Regions(name, _to_ranges(values), (), "scan", lo, hi)
    real = sorted({r for r in roots if lo - 1 < r < hi + 1}, key=float)
    cands = sorted({lo, hi} | {int(sp.floor(r)) + d for r in real for d in (0, 1)})
    cands = [c for c in cands if lo <= c <= hi]
    ranges: list[tuple[int, int]] = []
    for c, nxt in zip(cands, cands[1:] + [None]):
        if holds(c):
            ranges.append((c, c))
        if nxt is not None and nxt - c > 1 and holds(c + 1):
            ranges.append((c + 1, nxt - 1))
    return Regions(name, tuple(_merge(ranges)), tuple(real), "sympy", lo, hi)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _to_ranges(values: list[int]) -> tuple[tuple[int, int], ...]:
    return tuple(_merge([(v, v) for v in values]))


_T = sp.Symbol("t", real=True)


def _breakpoints(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr] | None:
    """Real roots where ``expr`` can change sign, or None when sympy cannot find them exactly."""
    if expr.has(sp.ceiling, sp.floor, sp.frac):
        return None
    maxes = sorted(expr.atoms(sp.Max), key=sp.default_sort_key)
    equations = [a - b for m in maxes for a, b in itertools.combinations(m.args, 2)]
    for choice in itertools.product(*(m.args for m in maxes)):
        equations.append(expr.xreplace(dict(zip(maxes, choice))))
    roots: list[sp.Expr] = []
    for eq in equations:
        eq = sp.together(sp.sympify(eq))
        if eq.free_symbols - {x}:
            return None
        if eq == 0 or x not in eq.free_symbols:
            continue
        try:
            sols = sp.solve(sp.numer(eq).subs(x, _T), _T)
        except NotImplementedError:
            return None
        roots += [s for s in sols if s.is_real]
    return roots


@dataclass(frozen=True)
class Threshold:
    """The smallest ``variable`` at which a layer becomes compute-bound on a device."""

    variable: str
    value: int | None
    """Smallest integer in [1, hi] from which the layer stays compute-bound; None if never."""
    compute_time: sp.Expr
    memory_time: sp.Expr
    regions: Regions

    def __str__(self) -> str:
        if self.value is None:
            return f"memory-bound for every {self.variable} in [1, {self.regions.hi}]"
        return f"compute-bound from {self.variable} = {self.value}"


_DIMENSIONS = ("batch", "channels", "in_channels", "out_channels", "input_size")


def _with(layer: Conv2d, variable: str, value: Any) -> Conv2d:
    if variable not in _DIMENSIONS:
        raise ValueError(f"variable={variable!r} must be one of {', '.join(_DIMENSIONS)}")
    if variable == "channels":
        groups = value if layer.groups == layer.in_channels and layer.groups != 1 else layer.groups
        mult = sp.sympify(layer.out_channels) / layer.in_channels
        return layer.replace(in_channels=value, out_channels=value * mult, groups=groups)
    if variable == "input_size":
        return layer.replace(input_size=(value, value))
    return layer.replace(**{variable: value})


def compute_bound_threshold(
    layer: Conv2d,
    device: "Device | str",
    variable: str = "batch",
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    unit: str | None = None,
    hi: int = 1 << 16,
) -> Threshold:
    """Smallest ``variable`` (batch, channels, in_channels, out_channels or input_size) at which
    ``layer`` is compute-bound on ``device``: compute time >= every memory time."""
    if isinstance(layer, DepSep) or not isinstance(layer, Conv2d):
        raise ValueError("compute_bound_threshold takes one conv (for a DepSep, pass .depthwise or .pointwise)")
    p = project(_with(layer, variable, X), device, precision, traffic, unit)
    memory = sp.Max(*p.memory_time.values())
    compute = sp.sympify(p.compute_time)
    regions = sign_regions(memory - compute, X, 1, hi, strict=False, name=variable)
    value = None
    if regions.ranges and regions.ranges[-1][1] == hi:
        value = regions.ranges[-1][0]
    return Threshold(variable, value, compute, memory, regions)


@dataclass(frozen=True)
class DepSepWins:
    """Values of ``variable`` where DepSep is predicted faster than the standard conv."""

    variable: str
    regions: Regions
    conv_time: sp.Expr
    depsep_time: sp.Expr

    def __str__(self) -> str:
        return f"DepSep predicted faster for {self.regions}"


def depsep_faster(
    device: "Device | str",
    variable: str = "N",
    *,
    in_channels: int | None = None,
    out_channels: int | None = None,
    kernel_size: int | None = None,
    input_size: int | None = None,
    batch: int = 1,
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    lo: int = 1,
    hi: int = 4096,
) -> DepSepWins:
    """Range of ``variable`` ('N' output channels, 'M' input channels, 'Dk' kernel size) over
    which DepSep's projected time beats the standard conv's on ``device`` (other dimensions fixed,
    stride 1, 'same' padding; a dimension left None is the study's layer's: M=N=128, Dk=3, Df=224)."""
    study = layer_spec()
    dims: dict[str, Any] = {"M": study.in_channels if in_channels is None else in_channels,
                            "N": study.out_channels if out_channels is None else out_channels,
                            "Dk": study.kernel_size if kernel_size is None else kernel_size}
    if input_size is None:
        input_size = study.input_size
    if variable not in dims:
        raise ValueError(f"variable={variable!r} must be one of N, M, Dk")
    dims[variable] = X
    args = (dims["M"], dims["N"], dims["Dk"], input_size)
    conv = project(Conv2d(*args, padding="same", batch=batch), device, precision, traffic)
    sep = project(DepSep(*args, padding="same", batch=batch), device, precision, traffic)
    t_conv, t_sep = sp.sympify(conv.time), sp.sympify(sep.time)
    regions = sign_regions(t_sep - t_conv, X, lo, hi, strict=True, name=variable)
    return DepSepWins(variable, regions, t_conv, t_sep)

