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

from .conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC, traffic_and_precision
from .devices import resolve_device
from .layers import Conv2d, DepSep
from .roofline import project
from .study_data import layer_spec
from .validation import MAX_DIMENSION, choice, flag, integer, name as name_rule, shown

if TYPE_CHECKING:  # pragma: no cover
    from .devices import Device

X = sp.Symbol("x", integer=True, positive=True)

MAX_SCAN = 1 << 16
"""The most integers an exact scan (:func:`sign_regions` when sympy cannot solve) evaluates: each
is one exact sympy substitution (about a millisecond or two), so a wider range is refused with a
clear error rather than left running for hours."""


def search_range(lo: Any, hi: Any, lo_argument: str = "lo", hi_argument: str = "hi") -> tuple[int, int]:
    """(lo, hi) as ints: 1 <= lo <= hi <= MAX_DIMENSION (2**31), else a ValueError naming them."""
    lo = integer(lo, lo_argument, minimum=1, maximum=MAX_DIMENSION)
    hi = integer(hi, hi_argument, minimum=1, maximum=MAX_DIMENSION)
    if hi < lo:
        raise ValueError(f"{hi_argument}={hi} must be >= {lo_argument}={lo} (the range searched is [{lo_argument}, {hi_argument}])")
    return lo, hi


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
    per interval decides it. ``expr`` may hold no symbol but ``x``; ``lo <= hi`` are integers,
    and a scan (sympy cannot solve ``expr``) covers at most :data:`MAX_SCAN` integers.
    """
    expr, x = _checked_expression(expr, x)
    lo = integer(lo, "lo")
    hi = integer(hi, "hi")
    if hi < lo:
        raise ValueError(f"hi={hi} must be >= lo={lo}")
    strict = flag(strict, "strict")
    name = name_rule(name, "name")

    def holds(n: int) -> bool:
        value = expr.subs(x, n)
        return bool(value < 0) if strict else bool(value <= 0)

    roots = _breakpoints(expr, x)
    if roots is None:
        if hi - lo + 1 > MAX_SCAN:
            raise ValueError(f"[{lo}, {hi}] holds {hi - lo + 1:,} values of {name}, more than the {MAX_SCAN:,} an exact "
                             f"scan evaluates (sympy cannot solve this expression: tile padding); narrow the range")
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


def _checked_expression(expr: Any, x: Any) -> tuple[sp.Expr, sp.Symbol]:
    if not isinstance(x, sp.Symbol):
        raise ValueError(f"x={shown(x)} must be a sympy Symbol")
    try:
        expr = sp.sympify(expr, strict=True)
    except (sp.SympifyError, TypeError):
        raise ValueError(f"expr={shown(expr)} must be a sympy expression in {x}") from None
    if not isinstance(expr, sp.Expr) or expr.free_symbols - {x}:
        others = ", ".join(sorted(str(s) for s in getattr(expr, "free_symbols", set()) - {x}))
        raise ValueError(f"expr={shown(expr)} must be an expression in {x} alone"
                         + (f" (it also holds {others})" if others else ""))
    return expr, x


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
    for pieces in itertools.product(*(m.args for m in maxes)):
        equations.append(expr.xreplace(dict(zip(maxes, pieces))))
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
    """Smallest integer in [lo, hi] from which the layer stays compute-bound; None if never (lo is
    1, or for ``input_size`` the smallest size the kernel fits in)."""
    compute_time: sp.Expr
    memory_time: sp.Expr
    regions: Regions

    def __str__(self) -> str:
        if self.value is None:
            return f"memory-bound for every {self.variable} in [{self.regions.lo}, {self.regions.hi}]"
        return f"compute-bound from {self.variable} = {self.value}"


_DIMENSIONS = ("batch", "channels", "in_channels", "out_channels", "input_size")


def _with(layer: Conv2d, variable: str, value: Any) -> Conv2d:
    if variable == "channels":
        groups = value if layer.groups == layer.in_channels and layer.groups != 1 else layer.groups
        mult = layer.out_channels // layer.in_channels
        return layer.replace(in_channels=value, out_channels=value * mult, groups=groups)
    if variable == "input_size":
        return layer.replace(input_size=(value, value))
    return layer.replace(**{variable: value})


def _smallest_valid(layer: Conv2d, variable: str) -> int:
    """The smallest value of ``variable`` for which ``layer`` stays a valid layer (1, or for
    ``input_size`` the smallest size its dilated kernel fits in); a variable that would make the
    layer invalid at most values (channels not a multiple of groups) is refused."""
    cin, cout, groups = layer.in_channels, layer.out_channels, layer.groups
    if variable == "channels":
        if cout % cin:
            raise ValueError(f"variable='channels' scales out_channels with in_channels, which needs out_channels "
                             f"({cout}) a multiple of in_channels ({cin}); use 'in_channels' or 'out_channels'")
        if groups not in (1, cin):
            raise ValueError(f"variable='channels' on a grouped conv (groups={groups}) would give channels that "
                             "groups does not divide; use a groups=1 or a depthwise layer")
    if variable in ("in_channels", "out_channels") and groups != 1:
        raise ValueError(f"variable={variable!r} on a grouped conv (groups={groups}) would give {variable} that "
                         "groups does not divide; use 'channels' for a depthwise layer, or a groups=1 layer")
    if variable != "input_size":
        return 1
    extents = [d * (k - 1) + 1 - sum(p) for k, d, p in zip(layer.kernel_size, layer.dilation, layer.padding)]
    return max(1, *extents)


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
    ``layer`` is compute-bound on ``device``: compute time >= every memory time.

    The search covers [lo, ``hi``], lo being 1 (for ``input_size``, the smallest size the
    kernel fits in), ``hi`` an int up to 2**31 (``MAX_DIMENSION``; a range sympy cannot solve is
    scanned, at most :data:`MAX_SCAN` integers). ``layer`` must have int dimensions; ``channels``
    (in and out scaled together) needs out_channels a multiple of in_channels, and a grouped
    (not depthwise) layer refuses ``channels``, ``in_channels`` and ``out_channels``, whose values
    groups would not divide."""
    if isinstance(layer, DepSep) or not isinstance(layer, Conv2d):
        raise ValueError(f"layer={shown(layer)} must be one conv (Conv2d, Depthwise or Pointwise; "
                         "for a DepSep, pass .depthwise or .pointwise)")
    if layer.is_symbolic:
        raise ValueError(f"layer={shown(layer)} must have int dimensions (the variable is the only symbol)")
    variable = choice(variable, "variable", _DIMENSIONS)
    device = resolve_device(device)
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    hi = integer(hi, "hi", minimum=1, maximum=MAX_DIMENSION)
    lo = _smallest_valid(layer, variable)
    if hi < lo:
        raise ValueError(f"hi={hi} must be >= {lo}, the smallest {variable} for which {layer!r} is a valid layer")
    p = project(_with(layer, variable, X), device, precision, traffic, unit)
    memory = sp.Max(*p.memory_time.values())
    compute = sp.sympify(p.compute_time)
    regions = sign_regions(memory - compute, X, lo, hi, strict=False, name=variable)
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
    stride 1, 'same' padding; a dimension left None is the study's layer's: M=N=128, Dk=3, Df=224).

    The dimension that is the variable must be left None (``out_channels`` for 'N',
    ``in_channels`` for 'M', ``kernel_size`` for 'Dk'); the others are ints in [1, 2**31]; the
    search covers [``lo``, ``hi``] with 1 <= lo <= hi <= 2**31 (``MAX_DIMENSION``; a range sympy
    cannot solve is scanned, at most :data:`MAX_SCAN` integers)."""
    variable = choice(variable, "variable", _FIXED)
    given = {"in_channels": in_channels, "out_channels": out_channels, "kernel_size": kernel_size,
             "input_size": input_size, "batch": batch}
    if given[_FIXED[variable]] is not None:
        raise ValueError(f"{_FIXED[variable]}={shown(given[_FIXED[variable]])} cannot be given with variable="
                         f"{variable!r}: {variable} is the {_FIXED[variable]} searched over [lo, hi]")
    study = layer_spec()
    defaults = {"in_channels": study.in_channels, "out_channels": study.out_channels,
                "kernel_size": study.kernel_size, "input_size": study.input_size, "batch": 1}
    values = {k: defaults[k] if v is None else integer(v, k, minimum=1, maximum=MAX_DIMENSION) for k, v in given.items()}
    values[_FIXED[variable]] = X
    lo, hi = search_range(lo, hi)
    device = resolve_device(device)
    traffic, precision = traffic_and_precision(traffic, precision, "traffic", precision_first=True)
    args = (values["in_channels"], values["out_channels"], values["kernel_size"], values["input_size"])
    conv = project(Conv2d(*args, padding="same", batch=values["batch"]), device, precision, traffic)
    sep = project(DepSep(*args, padding="same", batch=values["batch"]), device, precision, traffic)
    t_conv, t_sep = sp.sympify(conv.time), sp.sympify(sep.time)
    regions = sign_regions(t_sep - t_conv, X, lo, hi, strict=True, name=variable)
    return DepSepWins(variable, regions, t_conv, t_sep)


_FIXED = {"N": "out_channels", "M": "in_channels", "Dk": "kernel_size"}
"""depsep_faster's variables and the dimension each one is."""
