"""A sweep's inputs: the arguments normalised (integer arrays, never copied or broadcast), the
rules a configuration must keep, and the values of the sweep symbols chunk by chunk.

Here only what costs O(1) per argument is checked (types, dtypes, structure, broadcasting);
values are checked chunk by chunk (:mod:`.chunks`): one min and one max per argument array,
then the rules between arguments. When a chunk breaks a rule, ``chunks.explain`` checks every
rule over the whole sweep in the order they are stated here, so the error (the rule, how many
configurations break it, the first) is the one a check of the whole sweep before any
evaluation would give, whichever chunk met it first.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..layers.dims import LayerError, dilated_extent, kernel_fits
from ..layers.formulas import B, C_in, D_h, D_w, G, H, K_h, K_w, P_h, P_l, P_t, P_w, S_h, S_w, W
from ..layers.formulas import bias as BIAS
from ..validation import MAX_DIMENSION, shown
from .arguments import check, check_applicable, check_range, int_array, int_pair
from .symbolic import CPG, IM2COL_FLAGS, IM2COL_IDENTITY, MULT, SWEEP_ARGS, im2col_flag, mapped, parts_of

_ONE = np.ones((), np.int64)
_ZERO = np.zeros((), np.int64)
ARG_NAMES = tuple(s.name for s in SWEEP_ARGS)
"""The compiled functions' arguments, as the keys of a chunk's values."""
_PAIRS = ((W, H), (K_w, K_h), (S_w, S_h), (P_w, P_h), (P_l, P_t), (D_w, D_h), (CPG, C_in))
"""(symbol, the symbol it equals when both are given the same array): width as height, ..."""
_NEUTRAL: dict[sp.Symbol, tuple[int, ...]] = {
    B: (1,), G: (1,), MULT: (1,), K_h: (1,), K_w: (1,), S_h: (1,), S_w: (1,), D_h: (1,), D_w: (1,),
    P_h: (0,), P_w: (0,), P_t: (0,), P_l: (0,), BIAS: (0, 1), IM2COL_FLAGS[0]: (0, 1), IM2COL_FLAGS[1]: (0, 1)}
"""Values a symbol given as one number for the whole sweep is compiled in as (see ``specialisation``)."""
_BOUND_KEYS = ("b", "cin", "mult", "cout", "kh", "kw", "hp", "wp")
"""The factors of the 63-bit guard, in order: every term of every count is a product of factors
bounded by the largest batch, in_channels, multiplier, out_channels, kernel and padded sizes."""
Rule = Callable[[Mapping[str, Any]], Any]
FITS = ("fit_height", "fit_width")
"""Counts >= 0 where the dilated kernel fits the padded input (``symbolic.count_expr``): the
numerators of the output extents, so the evaluation computes them anyway."""


def _fraction(quotient: np.ndarray) -> np.ndarray:
    """True where ``quotient``, the float64 quotient a / b of integers 1 <= a, b <= 2**31, is not
    a whole number: where b does not divide a. Its int64 truncation is a // b exactly. Proof:
    fl(a / b) is a / b correctly rounded; a whole a / b (<= 2**31) is exact; otherwise a / b is at
    least 1/b from a whole number and the rounding moves it by at most (a / b) 2**-53 < 1/b, so it
    stays strictly between a // b and a // b + 1. (Two conversions and a float division cost less
    than numpy's int64 division, a scalar instruction per element; one divisor serves two
    quotients.)"""
    return quotient != np.rint(quotient)


def _is(arr: Any, value: int) -> bool:
    """True when ``arr`` is one number (a 0-d array) equal to ``value``."""
    return np.ndim(arr) == 0 and arr == value


class Inputs:
    """The normalised arguments of one sweep (``raw``: name -> integer array), their broadcast
    ``shape``, and the rules between them. :mod:`.chunks` walks the configurations a chunk at a
    time and :meth:`values` gives the sweep symbols' values of one chunk."""

    def __init__(self, kind: str, *, batch: Any, in_channels: Any, out_channels: Any, kernel_size: Any,
                 input_size: Any, stride: Any, padding: Any, dilation: Any, groups: Any, bias: Any,
                 depth_multiplier: Any) -> None:
        self.kind = kind
        check_applicable(kind, dict(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                                    input_size=input_size, padding=padding, dilation=dilation, groups=groups,
                                    depth_multiplier=depth_multiplier))
        self.raw: dict[str, np.ndarray] = {}
        self.limits: dict[str, tuple[int, int]] = {}  # per raw array: the smallest and largest value allowed
        self._stated: list[tuple[str, Any]] = []       # every rule in the order it is stated
        try:
            self._normalise(kind, batch, in_channels, out_channels, kernel_size, input_size, stride, padding,
                            dilation, groups, bias, depth_multiplier)
        except (LayerError, ValueError):
            self.check_stated()  # a rule stated before the broken one is reported first
            raise
        self.size = math.prod(self.shape)
        self.derived = ({"cout"} if out_channels is None else set()) | ({"mult"} if kind == "depthwise" else set())
        """Guard factors computed in each chunk rather than read from an argument's largest value."""

    # -- normalisation: dtype and structure now (O(1) per argument); values per chunk ---------
    def _arg(self, key: str, value: Any, name: str, minimum: int = 1, maximum: int = MAX_DIMENSION) -> np.ndarray:
        arr = int_array(value, name, minimum=minimum, flags=key == "bias")
        return self._add(key, arr, name, minimum, maximum)

    def _add(self, key: str, arr: np.ndarray, name: str, minimum: int, maximum: int = MAX_DIMENSION) -> np.ndarray:
        self.raw[key] = arr
        self.limits[key] = (minimum, maximum)
        self._stated.append(("value", lambda: check_range(arr, name, minimum)))
        return arr

    def _pair(self, keys: tuple[str, str], value: Any, name: str, minimum: int = 1) -> tuple[np.ndarray, np.ndarray]:
        h, w = int_pair(value, name, minimum=minimum)  # structure and dtypes
        names = (name, name) if h is w else (f"{name}[0]", f"{name}[1]")
        self._add(keys[0], h, names[0], minimum)
        self._add(keys[1], w, names[1], minimum)
        return h, w

    def _normalise(self, kind: str, batch: Any, in_channels: Any, out_channels: Any, kernel_size: Any,
                   input_size: Any, stride: Any, padding: Any, dilation: Any, groups: Any, bias: Any,
                   depth_multiplier: Any) -> None:
        if kind == "pointwise":
            kernel_size, padding = 1, 0
        padding = 0 if padding is None else padding
        cin = self._arg("cin", in_channels, "in_channels")
        b = self._arg("b", batch, "batch")
        g = self._arg("g", 1 if groups is None else groups, "groups")
        kh, kw = self._pair(("kh", "kw"), kernel_size, "kernel_size")
        h, w = self._pair(("h", "w"), input_size, "input_size")
        sh, sw = self._pair(("sh", "sw"), stride, "stride")
        dh, dw = self._pair(("dh", "dw"), 1 if dilation is None else dilation, "dilation")
        bias_arr = self._arg("bias", bias, "bias", minimum=0, maximum=1)
        mult = self._arg("mult", 1 if depth_multiplier is None else depth_multiplier, "depth_multiplier")
        cout = None if out_channels is None else self._arg("cout", out_channels, "out_channels")
        self.padding = padding if isinstance(padding, str) else "pair"
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise LayerError(f"padding={shown(padding)} must be an int, an array, an (h, w) pair, 'same' or 'valid'")
        arrays = [b, cin, cin if cout is None else cout, g, kh, kw, h, w, sh, sw, dh, dw, bias_arr, mult]
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            raise LayerError("the dimension arrays do not broadcast together: " + ", ".join(
                f"{n}{a.shape}" for n, a in zip(
                    ("batch", "in_channels", "out_channels", "groups", "kernel_h", "kernel_w", "input_h",
                     "input_w", "stride_h", "stride_w", "dilation_h", "dilation_w", "bias", "depth_multiplier"),
                    arrays) if a.ndim)) from None
        for name, arr, minimum in (("batch", b, 1), ("in_channels", cin, 1), ("depth_multiplier", mult, 1),
                                   ("out_channels", cout, 1), ("groups", g, 1), ("kernel_size", kh, 1),
                                   ("kernel_size", kw, 1), ("input_size", h, 1), ("input_size", w, 1),
                                   ("stride", sh, 1), ("stride", sw, 1), ("dilation", dh, 1), ("dilation", dw, 1)):
            if arr is not None:  # a depthwise out_channels left out is in_channels x multiplier >= 1
                self._minimum(name, arr, minimum, shape)
        self._stated.append(("value", lambda: check((bias_arr != 0) & (bias_arr != 1), shape,
                                                    "bias must be True/False (1/0)", bias=bias_arr)))
        if self.padding == "same":
            self._rule("padding='same' is supported for stride 1 only in a sweep (give explicit padding)",
                       lambda v: (v["sh"] != 1) | (v["sw"] != 1), lambda v: dict(stride_h=v["sh"], stride_w=v["sw"]),
                       skip=_is(sh, 1) and _is(sw, 1))
        elif isinstance(padding, tuple) and len(padding) == 2 and all(isinstance(p, tuple) for p in padding):
            self.padding = "sides"
            sides = []
            for i, side in enumerate(padding):
                if len(side) != 2:
                    raise LayerError(f"padding[{i}]={shown(side)} must be a (before, after) pair in per-side "
                                     "padding ((top, bottom), (left, right))")
                for j, v in enumerate(side):
                    if isinstance(v, tuple):
                        raise LayerError(f"padding[{i}][{j}]={shown(v)} must be an int or an array, not a tuple")
                    sides.append(self._arg(f"p{i}{j}", v, f"padding[{i}][{j}]", minimum=0))
            for (i, j), arr in zip(((0, 0), (0, 1), (1, 0), (1, 1)), sides):
                self._minimum(f"padding[{i}][{j}]", arr, 0, np.broadcast_shapes(shape, arr.shape), label="padding")
            shape = np.broadcast_shapes(shape, *(a.shape for a in sides))
        elif not isinstance(padding, str):
            p0, p1 = self._pair(("p0", "p1"), padding, "padding", minimum=0)
            for arr in (p0, p1):
                self._minimum("padding", arr, 0, np.broadcast_shapes(shape, arr.shape))
            shape = np.broadcast_shapes(shape, p0.shape, p1.shape)
        self.shape: tuple[int, ...] = tuple(shape)
        # which arrays are one: then height and width (and channels per group) are computed once
        self.square_kernel = kh is kw and dh is dw
        pads = {"same": self.square_kernel, "valid": True, "pair": self.raw.get("p0") is self.raw.get("p1"),
                "sides": False}[self.padding]
        self.square = self.square_kernel and h is w and pads
        self.grouped = kind in ("conv", "pointwise") and not _is(g, 1)
        self.fits = FITS[:1] if self.square else FITS
        """What the evaluation of each chunk adds, to check that the kernel fits (height and
        width; height alone when they are one computation)."""

        if kind in ("conv", "pointwise"):
            self._rule("groups does not divide in_channels", lambda v: _fraction(v["per_group"]),
                       lambda v: dict(groups=v["g"], in_channels=v["cin"]), skip=not self.grouped)
            self._rule("groups does not divide out_channels",
                       lambda v: _fraction(v["cout"].astype(np.float64) / v["per_group_divisor"]),
                       lambda v: dict(groups=v["g"], out_channels=v["cout"]), skip=not self.grouped)
        if kind == "depthwise":
            self._rule("out_channels must be a multiple of in_channels for a depthwise conv",
                       lambda v: _fraction(v["multiple"]), lambda v: dict(in_channels=v["cin"], out_channels=v["cout"]),
                       skip=cout is None)
        for axis, a in (("height", "h"), ("width", "w")):  # checked on the evaluation's fit_height/fit_width
            self._rule(f"kernel_size (dilated extent dilation*(kernel-1)+1) is larger than the padded input {axis}",
                       lambda v, a=a: ~kernel_fits(v[a], v["k" + a], v["p" + a], v["d" + a]),
                       lambda v, a=a: dict(kernel_size=v["k" + a], dilation=v["d" + a], input_size=v[a],
                                           total_padding=v["p" + a]), evaluated=True)

    def _minimum(self, name: str, arr: np.ndarray, minimum: int, shape: tuple[int, ...], label: str = "") -> None:
        rule = f"{label or name} must be >= {minimum}"
        self._stated.append(("value", lambda: check(arr < minimum, shape, rule, **{label or name: arr})))

    def _rule(self, text: str, broken: Rule, named: Callable[[Mapping[str, Any]], dict[str, Any]],
              skip: bool = False, evaluated: bool = False) -> None:
        """A rule between arguments, checked chunk by chunk: ``broken(values)`` is nonzero (True, a
        remainder) where a configuration breaks it, ``named(values)`` what its error shows (``skip``:
        it cannot be broken in this sweep; ``evaluated``: the chunk's evaluation checks it, from a
        count computed with the formula, see ``FITS``)."""
        if not skip:
            self._stated.append((text, (broken, named, evaluated)))

    @property
    def rules(self) -> list[Rule]:
        """What each chunk checks before it is evaluated."""
        return [rule[0] for text, rule in self._stated if text != "value" and not rule[2]]

    def check_stated(self, scan: Callable[[str, Any], None] | None = None) -> None:
        """Every rule in the order stated: a single argument's over its whole array (raising),
        then ``scan(text, (broken, named))`` for each rule between arguments."""
        for text, rule in self._stated:
            if text == "value":
                rule()
            elif scan is not None:
                scan(text, rule)

    # -- the values of one chunk --------------------------------------------------------------
    def values(self, r: Mapping[str, Any]) -> dict[Any, Any]:
        """The sweep symbols' values (and what the rules read) for raw chunk arrays ``r`` (int64);
        a value the sweep gives as one array is one object, so ``specialisation`` sees it."""
        kind = self.kind
        cin, mult, kh, kw, dh, dw, h = r["cin"], r["mult"], r["kh"], r["kw"], r["dh"], r["dw"], r["h"]
        cout = cin * mult if "cout" in self.derived else r["cout"]
        if self.padding == "pair":
            pt, pl = r["p0"], r["p1"]
            ph = 2 * pt
            pw = ph if pt is pl else 2 * pl
        elif self.padding == "same":  # stride 1: the odd row at the bottom, as resolve_padding splits it
            ph = dilated_extent(kh, dh) - 1
            pw = ph if self.square_kernel else dilated_extent(kw, dw) - 1
            pt = ph // 2
            pl = pt if pw is ph else pw // 2
        elif self.padding == "valid":
            ph = pw = pt = pl = _ZERO
        else:
            ph, pw, pt, pl = r["p00"] + r["p01"], r["p10"] + r["p11"], r["p00"], r["p10"]
        multiple = None
        if kind == "depthwise" and "cout" not in self.derived:  # out_channels / in_channels: see _fraction
            multiple = cout.astype(np.float64) / cin.astype(np.float64)
            mult = multiple.astype(np.int64)
        elif kind == "pointwise":
            dh = dw = _ONE
        g = cin if kind in ("depsep", "depthwise") else r["g"]
        v: dict[Any, Any] = dict(r, cout=cout, mult=mult, ph=ph, pw=pw, dh=dh, dw=dw, multiple=multiple)
        v.update(B=r["b"], C_in=cin, C_out=cout, G=g, H=h, W=r["w"], K_h=kh, K_w=kw, S_h=r["sh"], S_w=r["sw"],
                 P_h=ph, P_w=pw, P_t=pt, P_l=pl, D_h=dh, D_w=dw, bias=r["bias"], depth_multiplier=mult,
                 C_per_group=cin, im2col_0=_ZERO, im2col_1=_ZERO)
        if self.grouped:  # in_channels / groups: see _fraction
            v["per_group_divisor"] = divisor = g.astype(np.float64)
            v["per_group"] = per_group = cin.astype(np.float64) / divisor
            v["C_per_group"] = per_group.astype(np.int64)
        return v

    def add_im2col_flags(self, v: dict[Any, Any]) -> None:
        """Per part, 1 where its column matrix must be materialised (``Conv2d.needs_im2col``)."""
        for i, part in enumerate(parts_of(self.kind)):
            if im2col_flag(part, i) != 0:
                identity: Any = np.ones((), bool)
                for s, value in IM2COL_IDENTITY.items():
                    if mapped(part, s) == s:
                        identity = identity & (np.asarray(v[s.name]) == value)
                v[IM2COL_FLAGS[i].name] = (~identity).astype(np.int64)

    def bound_factors(self, v: Mapping[str, Any], largest: Mapping[str, Any] | None) -> list[float]:
        """The largest value of each factor of the 63-bit guard (``_BOUND_KEYS``) in one chunk:
        exact when ``largest`` (each argument's largest value in the chunk) is None, else read
        from it, padded sizes bounded by the largest size plus the largest total padding."""
        if largest is None:
            v = dict(v, hp=v["h"] + v["ph"], wp=v["w"] + v["pw"])
            return [float(np.max(v[k])) for k in _BOUND_KEYS]
        if self.padding == "pair":
            pad_h, pad_w = 2 * int(largest["p0"]), 2 * int(largest["p1"])
        elif self.padding == "same":
            pad_h = int(dilated_extent(largest["kh"], largest["dh"])) - 1
            pad_w = int(dilated_extent(largest["kw"], largest["dw"])) - 1
        elif self.padding == "sides":
            pad_h, pad_w = int(largest["p00"]) + int(largest["p01"]), int(largest["p10"]) + int(largest["p11"])
        else:
            pad_h = pad_w = 0
        derived = self.derived
        return [float(largest["b"]), float(largest["cin"]),
                float(np.max(v["mult"]) if "mult" in derived else largest["mult"]),
                float(np.max(v["cout"]) if "cout" in derived else largest["cout"]),
                float(largest["kh"]), float(largest["kw"]), float(int(largest["h"]) + pad_h),
                float(int(largest["w"]) + pad_w)]

    args = staticmethod(operator.itemgetter(*ARG_NAMES))
    """The compiled functions' arguments from a chunk's values."""


def specialisation(v: Mapping[Any, Any]) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
    """The substitutions a chunk's values allow in every chunk of the sweep: a symbol given one
    neutral number (no dilation, no padding, stride 1, ...) becomes that number, and one given the
    same array as its pair (width as height, ...) becomes its pair, so the compiled function does
    not multiply by one or compute an output height twice. Depends only on which arguments are
    numbers and which arrays are shared, so it is the same for every chunk."""
    fixed: dict[sp.Symbol, sp.Expr] = {}
    for s, allowed in _NEUTRAL.items():
        x = v[s.name]  # a 0-d array, or a numpy scalar (what numpy makes of one)
        if np.ndim(x) == 0 and isinstance(x, (np.ndarray, np.integer)) and x.dtype != object and int(x) in allowed:
            fixed[s] = sp.Integer(int(x))
    for a, b in _PAIRS:
        if a not in fixed and v[a.name] is v[b.name]:
            fixed[a] = fixed.get(b, b)
    return tuple(sorted(fixed.items(), key=lambda kv: kv[0].name))
