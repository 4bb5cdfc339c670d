"""Vectorised sweeps: one formula evaluated over numpy arrays of dimensions, no Python loop.

    >>> import numpy as np
    >>> from roofline_conv.sweeps import sweep
    >>> sweep("macs", in_channels=np.array([64, 128]), out_channels=128, kernel_size=3,
    ...       input_size=224, padding=1).tolist()
    [3699376128, 7398752256]

Every count is the **same** sympy expression the scalar layers use (``layers.formulas.FORMULAS``),
composed into traffic exactly as ``layers.base.Layer`` composes it (the composition is not
re-written here: a private :class:`~roofline_conv.layers.base.Layer` subclass whose counts are
sympy expressions runs ``Layer.params``/``flops``/``traffic_elements``/``traffic``), then compiled
once per (kind, quantity, traffic model, precision) with ``sympy.lambdify(..., modules="numpy")``
and a printer that keeps integer arithmetic integer (``floor(a/b)`` -> ``a // b``; ``C_in/G`` is
rewritten as a channels-per-group argument), so counts are exact ``int64`` (or exact Python ints
in an ``object`` array when a sweep could overflow 63 bits).

Predicted times use :mod:`roofline_conv.roofline`'s own arithmetic (``choose_lowering``,
``gemm_utilisation``, ``roof_time``, which accept numpy arrays), element by element: the unit for
each element's op kind (conv / pointwise / depthwise, classified per element as ``Conv2d.kind``
does), tile padding on matrix units (vectorised ceil), the device's depthwise lowering, efficiency
ceilings of a calibrated device, compute and per-level memory times and their maximum; a DepSep is
the sum of its parts, its intermediate charged to neither part under ``compulsory``.
"""

from __future__ import annotations

import math
import threading
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from .conventions import (
    DEFAULT_PRECISION,
    DEFAULT_TRAFFIC,
    FLOPS_PER_MAC,
    bytes_per_element,
    check_precision,
    check_traffic_model,
    Lowering,
    Precision,
    parse_lowering,
    parse_precision,
    parse_traffic,
)
from .devices import Device, resolve_device
from .layers.base import Layer
from .layers.conv import OP_KINDS, op_kind_code
from .projection.arith import executed_flops, gemm_utilisation, leaf_times
from .projection.placement import choose_lowering, pick_unit
from .layers.dims import LayerError
from .layers.formulas import (
    ARGS,
    B,
    C_in,
    C_out,
    D_h,
    D_w,
    FORMULAS,
    G,
    H,
    K_h,
    K_w,
    P_h,
    P_w,
    S_h,
    S_w,
    W,
)
from .layers.formulas import bias as BIAS

__all__ = ["sweep", "expression", "QUANTITIES", "COUNT_QUANTITIES", "DEVICE_QUANTITIES", "KINDS"]

KINDS: tuple[str, ...] = ("conv", "depsep", "depthwise", "pointwise")
"""Layer kinds a sweep can describe (``Conv2d``, ``DepSep``, ``Depthwise``, ``Pointwise``)."""

COUNT_QUANTITIES: dict[str, str] = {
    "macs": "MAC",
    "flops": "FLOP (2 x MACs + bias adds)",
    "params": "parameters (weights + bias)",
    "weights": "parameters",
    "bias_params": "parameters",
    "bias_adds": "FLOP",
    "input_elements": "elements",
    "output_elements": "elements",
    "intermediate_elements": "elements",
    "im2col_elements": "elements",
    "traffic_elements": "elements (traffic model)",
    "traffic": "bytes (traffic model, precision)",
    "intensity": "FLOP/byte (traffic model, precision)",
    "output_size": "pixels, an (H_out, W_out) pair of arrays",
    "output_height": "pixels",
    "output_width": "pixels",
}
"""Quantities that need no device, with their units."""

DEVICE_QUANTITIES: dict[str, str] = {
    "time": "seconds (the roofline: largest of compute and memory times; DepSep: sum of parts)",
    "compute_time": "seconds (executed FLOPs / unit peak; DepSep: sum of parts)",
    "memory_time": "seconds (traffic bytes / main-memory bandwidth; DepSep: sum of parts)",
    "attainable": "FLOP/s (useful FLOPs / time)",
    "per_second": "layers per second (1 / time)",
    "executed_flops": "FLOP (tile padding and lowering waste included)",
}
"""Quantities that need ``device=``, with their units."""

QUANTITIES: tuple[str, ...] = (*COUNT_QUANTITIES, *DEVICE_QUANTITIES)

# ---------------------------------------------------------------------------------------------
# Symbols: the generic ARGS, plus what a sweep adds
# ---------------------------------------------------------------------------------------------
_CPG = sp.Symbol("C_per_group", integer=True, positive=True)
"""in_channels / groups, supplied as an exact integer so that no division is left to print."""
_MULT = sp.Symbol("depth_multiplier", integer=True, positive=True)
_I2C = (sp.Symbol("im2col_0", integer=True, nonnegative=True), sp.Symbol("im2col_1", integer=True, nonnegative=True))
"""Per part: 1 where the part's column matrix must be materialised (``Conv2d.needs_im2col``), else 0."""

SWEEP_ARGS: tuple[sp.Symbol, ...] = (*ARGS, _CPG, _MULT, *_I2C)
"""Argument order of every compiled sweep function."""

_IDENTITY = {K_h: 1, K_w: 1, S_h: 1, S_w: 1, P_h: 0, P_w: 0}
"""Values of a part's (kernel, stride, padding) for which ``Conv2d.needs_im2col`` is False."""

_ONE_BY_ONE = {K_h: 1, K_w: 1, P_h: 0, P_w: 0, D_h: 1, D_w: 1}


def _parts(kind: str) -> tuple[dict[sp.Symbol, sp.Expr], ...]:
    """The generic-argument substitution of each part of ``kind``, in sweep symbols.

    Mirrors the layer classes' constructors: ``Depthwise(channels, ..., multiplier)`` is a conv
    with groups = channels and channels x multiplier outputs; ``Pointwise`` a 1x1 unpadded
    undilated conv; ``DepSep`` a depthwise conv then a pointwise conv on its output."""
    grouped = {C_in: _CPG * G}  # C_in/G -> C_per_group: no division left in any formula
    if kind == "conv":
        return (grouped,)
    if kind == "pointwise":
        return ({**grouped, **_ONE_BY_ONE},)
    depthwise = {G: C_in, C_out: C_in * _MULT}
    if kind == "depthwise":
        return (depthwise,)
    if kind == "depsep":
        h_out = FORMULAS["output_height"].xreplace(depthwise)
        w_out = FORMULAS["output_width"].xreplace(depthwise)
        pointwise = {C_in: C_in * _MULT, G: sp.Integer(1), H: h_out, W: w_out, S_h: 1, S_w: 1, **_ONE_BY_ONE}
        return (depthwise, pointwise)
    raise ValueError(f"kind={kind!r} must be one of {', '.join(KINDS)}")


def _mapped(part: Mapping[sp.Symbol, sp.Expr], symbol: sp.Symbol) -> sp.Expr:
    return sp.sympify(part.get(symbol, symbol))


def _formula(name: str, part: Mapping[sp.Symbol, sp.Expr]) -> sp.Expr:
    return FORMULAS[name].xreplace(part)


def _im2col_flag_symbolic(part: Mapping[sp.Symbol, sp.Expr], index: int) -> sp.Expr:
    """0 when the part is statically 1x1 / stride 1 / unpadded, else its flag symbol."""
    if all(_mapped(part, s) == v for s, v in _IDENTITY.items()):
        return sp.Integer(0)
    return _I2C[index]


class _SymbolicComposite(Layer):
    """A layer whose counts are sympy expressions over the sweep symbols, built from FORMULAS
    part by part exactly as ``Conv2d``/``DepSep`` build theirs. Only the element counts are
    given here; params, flops, traffic_elements and traffic come from :class:`Layer` unchanged."""

    kind = "sweep"

    def __init__(self, parts: tuple[Mapping[sp.Symbol, sp.Expr], ...], indices: tuple[int, ...] | None = None) -> None:
        self._parts = parts
        self._indices = indices if indices is not None else tuple(range(len(parts)))

    def _sum(self, name: str) -> sp.Expr:
        return sp.Add(*(_formula(name, p) for p in self._parts))

    @property
    def weights(self) -> sp.Expr:
        return self._sum("weights")

    @property
    def bias_params(self) -> sp.Expr:
        return self._sum("bias_params")

    @property
    def macs(self) -> sp.Expr:
        return self._sum("macs")

    @property
    def bias_adds(self) -> sp.Expr:
        return self._sum("bias_adds")

    @property
    def input_elements(self) -> sp.Expr:
        return _formula("input_elements", self._parts[0])

    @property
    def output_elements(self) -> sp.Expr:
        return _formula("output_elements", self._parts[-1])

    @property
    def intermediate_elements(self) -> sp.Expr:
        """Outputs of every part but the last (DepSep: the depthwise output), as ``DepSep`` says."""
        return sp.Add(*(_formula("output_elements", p) for p in self._parts[:-1]))

    @property
    def im2col_elements(self) -> sp.Expr:
        return sp.Add(*(_im2col_flag_symbolic(p, i) * _formula("im2col_elements", p)
                        for p, i in zip(self._parts, self._indices)))

    @property
    def is_symbolic(self) -> bool:
        return True


# ---------------------------------------------------------------------------------------------
# Expressions and their compilation
# ---------------------------------------------------------------------------------------------
def _count_expr(kind: str, quantity: str, traffic: str, precision: str, part: int | None = None) -> sp.Expr:
    """The sympy expression (over ``SWEEP_ARGS``) of count ``quantity`` for ``kind`` (or one part
    of it). ``part_traffic_elements`` is what ``roofline._leaf`` charges a part: under
    ``compulsory`` a DepSep's depthwise part skips its output and the pointwise part its input."""
    parts = _parts(kind)
    if part is not None:
        layer = _SymbolicComposite((parts[part],), (part,))
    else:
        layer = _SymbolicComposite(parts)
    if quantity in ("output_height", "output_width"):
        return _formula(quantity, parts[-1 if part is None else part])
    if quantity in ("gemm_m", "gemm_n", "gemm_k"):
        return _formula(quantity, parts[part or 0])
    if quantity in ("in_channels", "groups", "kernel_h", "kernel_w"):
        sym = {"in_channels": C_in, "groups": G, "kernel_h": K_h, "kernel_w": K_w}[quantity]
        return _mapped(parts[part or 0], sym)
    if quantity == "traffic_elements":
        return sp.sympify(layer.traffic_elements(traffic))
    if quantity == "traffic":
        return sp.sympify(layer.traffic(traffic, precision))
    if quantity == "part_traffic_elements":
        elements = layer.traffic_elements(traffic)
        if kind == "depsep" and traffic == "compulsory":  # fused: the intermediate stays on chip
            elements -= layer.output_elements if part == 0 else layer.input_elements
        return sp.sympify(elements)
    return sp.sympify(getattr(layer, quantity))


class _ExactIntPrinter(NumPyPrinter):
    """Prints integer-valued expressions with integer operations only: ``floor(a/b)`` as
    ``a // b``, ``ceiling(a/b)`` as ``-((-a) // b)``. Any other division is refused, so a
    compiled count can never silently go through floating point."""

    def _print_floor(self, expr: sp.Expr) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"({self._print(num)})"
        return f"(({self._print(num)}) // ({self._print(den)}))"

    def _print_ceiling(self, expr: sp.Expr) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"({self._print(num)})"
        return f"(-((-({self._print(num)})) // ({self._print(den)})))"

    def _print_Mul(self, expr: sp.Expr) -> str:
        _, den = expr.as_numer_denom()
        if den != 1:
            raise TypeError(f"sweep: refusing to print a division in an integer count: {expr}")
        return super()._print_Mul(expr)

    def _print_Pow(self, expr: sp.Expr, rational: bool = False) -> str:
        if not (expr.exp.is_Integer and expr.exp > 0):
            raise TypeError(f"sweep: refusing to print a non-integer power in an integer count: {expr}")
        return super()._print_Pow(expr, rational=rational)

    def _print_Rational(self, expr: sp.Expr) -> str:
        if expr.q != 1:
            raise TypeError(f"sweep: refusing to print the fraction {expr} in an integer count")
        return str(expr.p)


_COMPILED: dict[tuple[Any, ...], Callable[..., Any]] = {}
_LOCK = threading.Lock()
COMPILE_COUNT = 0
"""How many functions have been compiled so far (to check the cache in tests)."""


def _compiled(kind: str, quantity: str, traffic: str, precision: str, part: int | None = None) -> Callable[..., Any]:
    """The compiled function of one count, built on first use and cached (per kind, quantity,
    traffic model, precision and part)."""
    global COMPILE_COUNT
    # keys that do not depend on traffic/precision share one entry
    if quantity not in ("traffic", "traffic_elements", "part_traffic_elements"):
        traffic = precision = ""
    elif quantity != "traffic":
        precision = ""
    key = (kind, quantity, traffic, precision, part)
    fn = _COMPILED.get(key)
    if fn is None:
        with _LOCK:
            fn = _COMPILED.get(key)
            if fn is None:
                expr = _count_expr(kind, quantity, traffic or DEFAULT_TRAFFIC, precision or DEFAULT_PRECISION, part)
                fn = sp.lambdify(SWEEP_ARGS, expr, modules="numpy", printer=_ExactIntPrinter, cse=True)
                _COMPILED[key] = fn
                COMPILE_COUNT += 1
    return fn


def expression(quantity: str, kind: str = "conv", traffic: str = DEFAULT_TRAFFIC,
               precision: str = DEFAULT_PRECISION) -> sp.Expr:
    """The sympy expression a sweep of count ``quantity`` compiles, over the generic symbols of
    ``layers.formulas`` plus ``depth_multiplier`` (DepSep/Depthwise) and ``im2col_0``/``im2col_1``
    (1 where a part's column matrix is materialised); ``C_per_group`` written back as ``C_in/G``.

    >>> str(expression("weights"))
    'C_in*C_out*K_h*K_w/G'
    """
    check_traffic_model(traffic, "traffic")
    check_precision(precision)
    _check_kind(kind)
    if quantity == "intensity":
        return expression("flops", kind, traffic, precision) / expression("traffic", kind, traffic, precision)
    if quantity not in COUNT_QUANTITIES or quantity == "output_size":
        raise ValueError(f"quantity={quantity!r} has no single count expression; use one of "
                         f"{', '.join(q for q in COUNT_QUANTITIES if q != 'output_size')}")
    return _count_expr(kind, quantity, traffic, precision).xreplace({_CPG: C_in / G})


# ---------------------------------------------------------------------------------------------
# Inputs: normalising and validating arrays of dimensions
# ---------------------------------------------------------------------------------------------
_INT64_SAFE = 2.0**62


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} must be one of {', '.join(KINDS)}")
    return kind


def _int_array(value: Any, name: str) -> np.ndarray:
    """``value`` (an int, a sequence or an array) as an int64 array; non-integers are refused."""
    if isinstance(value, str):
        raise ValueError(f"{name}={value!r} must be an integer or an array of integers")
    arr = np.asarray(value)
    if arr.dtype == bool:
        return arr.astype(np.int64)
    if arr.dtype.kind in "iu":
        if arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name}: values beyond int64 are not supported")
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.floor(arr))
        if bad.any():
            _fail(f"{name} must be integers", bad, bad.shape, {name: arr})
        if arr.size and np.abs(arr).max() >= 2.0**63:
            raise ValueError(f"{name}: values beyond int64 are not supported")
        return arr.astype(np.int64)
    if arr.dtype == object:
        flat = arr.ravel()
        for i, v in enumerate(flat):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{name} must be integers; the element at index {i} is {v!r}")
        try:
            return arr.astype(np.int64)
        except OverflowError:
            raise ValueError(f"{name}: values beyond int64 are not supported") from None
    raise ValueError(f"{name} must be integers, got an array of {arr.dtype}")


def _pair(value: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A tuple of two is an (h, w) pair; anything else applies to both axes."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{name} as a tuple must be an (h, w) pair, got {len(value)} items; "
                             "pass a list or an array for several configurations")
        return _int_array(value[0], f"{name}[0]"), _int_array(value[1], f"{name}[1]")
    arr = _int_array(value, name)
    return arr, arr


def _fmt_index(flat: int, shape: tuple[int, ...]) -> str:
    if len(shape) <= 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _fail(rule: str, mask: np.ndarray, shape: tuple[int, ...], values: Mapping[str, Any]) -> None:
    """Raise the ValueError for ``rule``: how many configurations break it, and the first."""
    full = np.broadcast_to(mask, shape)
    count = int(np.count_nonzero(full))
    total = math.prod(shape)
    flat = int(np.argmax(full.ravel()))
    shown = []
    for key, v in values.items():
        a = np.broadcast_to(np.asarray(v), shape)
        shown.append(f"{key}={a.ravel()[flat].item()!r}")
    where = f"first at index {_fmt_index(flat, shape)}: " if total > 1 else ""
    raise LayerError(f"{rule} in {count:,} of {total:,} configuration{'s' if total != 1 else ''} "
                     f"({where}{', '.join(shown)})")


def _check(bad: Any, shape: tuple[int, ...], rule: str, **values: Any) -> None:
    bad = np.asarray(bad)
    if bad.any():
        _fail(rule, bad, shape, values)


class _Inputs:
    """Validated, broadcast-compatible int arrays of the generic arguments of one sweep."""

    def __init__(self, kind: str, *, batch: Any, in_channels: Any, out_channels: Any, kernel_size: Any,
                 input_size: Any, stride: Any, padding: Any, dilation: Any, groups: Any, bias: Any,
                 depth_multiplier: Any) -> None:
        self.kind = kind
        if in_channels is None:
            raise ValueError("in_channels is required")
        if input_size is None:
            raise ValueError("input_size is required")
        if kind == "pointwise":
            for name, value, default in (("kernel_size", kernel_size, None), ("dilation", dilation, 1)):
                if value is not None and not (np.isscalar(value) and value == (1 if default is None else default)):
                    raise ValueError(f"{name} cannot be set for kind='pointwise' (a 1x1 conv); got {name}={value!r}")
            if not (padding in ("valid", "same") if isinstance(padding, str)
                    else isinstance(padding, (int, np.integer)) and padding == 0):
                raise ValueError(f"padding cannot be set for kind='pointwise' (a 1x1 conv); got padding={padding!r}")
            kernel_size, padding = 1, 0
        elif kernel_size is None:
            raise ValueError(f"kernel_size is required for kind={kind!r}")
        if kind in ("depsep", "depthwise"):
            if not (np.isscalar(groups) and groups == 1):
                raise ValueError(f"groups cannot be set for kind={kind!r} (a depthwise conv has groups = in_channels)")
        elif not (np.isscalar(depth_multiplier) and depth_multiplier == 1):
            raise ValueError(f"depth_multiplier applies to kind='depsep' or 'depthwise', not {kind!r}")

        cin = _int_array(in_channels, "in_channels")
        b = _int_array(batch, "batch")
        g = _int_array(groups, "groups")
        kh, kw = _pair(kernel_size, "kernel_size")
        h, w = _pair(input_size, "input_size")
        sh, sw = _pair(stride, "stride")
        dh, dw = _pair(dilation, "dilation")
        bias_arr = _int_array(bias, "bias")
        mult = _int_array(depth_multiplier, "depth_multiplier")
        if kind == "depthwise" and out_channels is not None:
            cout = _int_array(out_channels, "out_channels")
        elif out_channels is None:
            if kind != "depthwise":
                raise ValueError(f"out_channels is required for kind={kind!r}")
            cout = cin * mult
        else:
            cout = _int_array(out_channels, "out_channels")

        same = isinstance(padding, str)
        if same:
            if padding not in ("same", "valid"):
                raise ValueError(f"padding={padding!r} must be an int, an array, an (h, w) pair, 'same' or 'valid'")
        arrays = [b, cin, cout, g, kh, kw, h, w, sh, sw, dh, dw, bias_arr, mult]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            raise ValueError("the dimension arrays do not broadcast together: " + ", ".join(
                f"{n}{a.shape}" for n, a in zip(
                    ("batch", "in_channels", "out_channels", "groups", "kernel_h", "kernel_w", "input_h",
                     "input_w", "stride_h", "stride_w", "dilation_h", "dilation_w", "bias", "depth_multiplier"),
                    arrays) if a.ndim)) from None

        for name, arr, minimum in (("batch", b, 1), ("in_channels", cin, 1), ("out_channels", cout, 1),
                                   ("groups", g, 1), ("kernel_size", kh, 1), ("kernel_size", kw, 1),
                                   ("input_size", h, 1), ("input_size", w, 1), ("stride", sh, 1),
                                   ("stride", sw, 1), ("dilation", dh, 1), ("dilation", dw, 1),
                                   ("depth_multiplier", mult, 1)):
            _check(arr < minimum, shape, f"{name} must be >= {minimum}", **{name: arr})
        _check((bias_arr != 0) & (bias_arr != 1), shape, "bias must be True/False (1/0)", bias=bias_arr)

        if same:
            if padding == "same":
                _check((sh != 1) | (sw != 1), shape,
                       "padding='same' is supported for stride 1 only in a sweep (give explicit padding)",
                       stride_h=sh, stride_w=sw)
                ph, pw = dh * (kh - 1), dw * (kw - 1)
            else:
                ph = pw = np.zeros((), np.int64)
        elif isinstance(padding, tuple) and len(padding) == 2 and all(isinstance(p, tuple) for p in padding):
            (t, bo), (le, ri) = padding
            sides = [_int_array(v, f"padding[{i}][{j}]") for i, j, v in ((0, 0, t), (0, 1, bo), (1, 0, le), (1, 1, ri))]
            for (i, j), arr in zip(((0, 0), (0, 1), (1, 0), (1, 1)), sides):
                _check(arr < 0, np.broadcast_shapes(shape, arr.shape), f"padding[{i}][{j}] must be >= 0", padding=arr)
            ph, pw = sides[0] + sides[1], sides[2] + sides[3]
        else:
            p0, p1 = _pair(padding, "padding")
            for arr in (p0, p1):
                _check(arr < 0, np.broadcast_shapes(shape, arr.shape), "padding must be >= 0", padding=arr)
            ph, pw = 2 * p0, 2 * p1
        shape = np.broadcast_shapes(shape, ph.shape, pw.shape)

        if kind in ("conv", "pointwise"):
            _check(cin % g != 0, shape, "groups does not divide in_channels", groups=g, in_channels=cin)
            _check(cout % g != 0, shape, "groups does not divide out_channels", groups=g, out_channels=cout)
        if kind == "depthwise":
            _check(cout % cin != 0, shape, "out_channels must be a multiple of in_channels for a depthwise conv",
                   in_channels=cin, out_channels=cout)
            mult = cout // cin
        if kind == "pointwise":
            dh = dw = np.ones((), np.int64)
        for axis, k, d, n, p in (("height", kh, dh, h, ph), ("width", kw, dw, w, pw)):
            extent = d * (k - 1) + 1
            _check(extent > n + p, shape,
                   f"kernel_size (dilated extent dilation*(kernel-1)+1) is larger than the padded input {axis}",
                   kernel_size=k, dilation=d, input_size=n, total_padding=p)

        self.shape: tuple[int, ...] = tuple(shape)
        self.size = math.prod(self.shape)
        if kind in ("depsep", "depthwise"):
            g = cin
        cpg = cin // g if kind in ("conv", "pointwise") else cin
        values = {B: b, C_in: cin, C_out: cout, G: g, H: h, W: w, K_h: kh, K_w: kw, S_h: sh, S_w: sw,
                  P_h: ph, P_w: pw, D_h: dh, D_w: dw, BIAS: bias_arr, _CPG: cpg, _MULT: mult}
        # 63-bit guard: every term of every count is a product of factors bounded by these maxima
        bound = 64.0
        for arr in (b, cin, mult, cout, kh, kw, h + ph, w + pw):
            bound *= float(arr.max()) if arr.size else 1.0
        self.exact_object = bound >= _INT64_SAFE
        if self.exact_object:  # exact Python ints (slow, but never wrong)
            values = {s: np.asarray(v).astype(object) for s, v in values.items()}
        self.values = values
        for i, part in enumerate(_parts(kind)):
            flag = _im2col_flag_symbolic(part, i)
            if flag != 0:
                identity = np.ones((), bool)
                for s, v in _IDENTITY.items():
                    identity = identity & (np.asarray(values[s]) == v) if _mapped(part, s) == s else identity
                values[_I2C[i]] = (~identity).astype(np.int64)
        for s in _I2C:
            values.setdefault(s, np.zeros((), np.int64))
        self.args = tuple(values[s] for s in SWEEP_ARGS)

    def full(self, result: Any) -> np.ndarray:
        """``result`` as an array of the sweep's shape."""
        arr = np.asarray(result)
        if arr.shape != self.shape:
            arr = np.broadcast_to(arr, self.shape).copy()
        return arr


def _eval(inputs: _Inputs, quantity: str, traffic: str, precision: str, part: int | None = None) -> np.ndarray:
    return np.asarray(_compiled(inputs.kind, quantity, traffic, precision, part)(*inputs.args))


def _to_float(arr: np.ndarray) -> np.ndarray:
    return arr.astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Device quantities: roofline.project, vectorised
# ---------------------------------------------------------------------------------------------
def _op_kind_codes(inputs: _Inputs, part: int) -> np.ndarray:
    """Per element, the op kind of this part as an index into ``layers.conv.OP_KINDS`` (the rule
    ``Conv2d.kind`` uses, applied element by element)."""
    return np.asarray(op_kind_code(_eval(inputs, "in_channels", "", "", part), _eval(inputs, "groups", "", "", part),
                                   _eval(inputs, "kernel_h", "", "", part), _eval(inputs, "kernel_w", "", "", part)))


def _leaf(inputs: _Inputs, part: int, dev: "Device", precision: Precision, traffic: str,
          unit: str | Mapping[str, str] | None, lowering: Lowering | None, calibrated: bool) -> dict[str, Any]:
    """compute, memory (per level), time, executed and useful FLOPs of one part, per element:
    the placement and arithmetic of ``project()`` (:mod:`roofline_conv.projection`), on arrays."""
    macs = _eval(inputs, "macs", traffic, precision, part)
    bias_adds = _eval(inputs, "bias_adds", traffic, precision, part)
    flops = FLOPS_PER_MAC * macs + bias_adds
    nbytes = _eval(inputs, "part_traffic_elements", traffic, precision, part) * precision.bytes
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
                gemm = (_eval(inputs, "gemm_n", "", "", part), _eval(inputs, "gemm_k", "", "", part),
                        _eval(inputs, "groups", "", "", part))
            n, k, groups = gemm
            util = gemm_utilisation(how, n, k, groups, cu.tile)
        executed = _to_float(np.asarray(executed_flops(macs, bias_adds, util)))
        compute, memory, time = leaf_times(executed, _to_float(nbytes), dev.peak(unit_name, cp), bandwidths, eff)
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


def _device_quantity(quantity: str, inputs: _Inputs, dev: "Device", precision: str, traffic: str,
                     unit: Any, lowering: str | None, calibrated: bool) -> np.ndarray:
    leaves = [_leaf(inputs, i, dev, precision, traffic, unit, lowering, calibrated)
              for i in range(len(_parts(inputs.kind)))]

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
            return _to_float(total("flops")) / time
        if quantity == "per_second":
            return 1.0 / time
    raise AssertionError(quantity)  # pragma: no cover


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
    precision = parse_precision(precision)
    traffic = parse_traffic(traffic, "traffic")
    lowering = parse_lowering(lowering)
    _check_kind(kind)
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r} is not a sweep quantity; use one of {', '.join(QUANTITIES)}")
    dev = None
    if quantity in DEVICE_QUANTITIES:
        if device is None:
            raise ValueError(f"quantity={quantity!r} needs device= (a Device or a catalog id)")
        dev = resolve_device(device)

    inputs = _Inputs(kind, batch=batch, in_channels=in_channels, out_channels=out_channels,
                     kernel_size=kernel_size, input_size=input_size, stride=stride, padding=padding,
                     dilation=dilation, groups=groups, bias=bias, depth_multiplier=depth_multiplier)

    if dev is not None:
        return inputs.full(_device_quantity(quantity, inputs, dev, precision, traffic, unit, lowering, calibrated))
    if quantity == "output_size":
        return (inputs.full(_eval(inputs, "output_height", traffic, precision)),
                inputs.full(_eval(inputs, "output_width", traffic, precision)))
    if quantity == "intensity":  # Layer.intensity: flops / traffic
        flops = _eval(inputs, "flops", traffic, precision)
        nbytes = _eval(inputs, "traffic", traffic, precision)
        return inputs.full(_to_float(flops) / _to_float(nbytes))
    return inputs.full(_eval(inputs, quantity, traffic, precision))
