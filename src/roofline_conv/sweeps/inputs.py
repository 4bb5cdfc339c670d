"""A sweep's inputs: arrays of dimensions normalised, validated (each broken rule named with how
many configurations break it and the first one) and broadcast, as the compiled functions' arguments."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..layers.dims import LayerError, dilated_extent, divides, kernel_fits
from ..layers.formulas import B, C_in, C_out, D_h, D_w, G, H, K_h, K_w, P_h, P_w, S_h, S_w, W
from ..layers.formulas import bias as BIAS
from .compiled import compiled_function
from .symbolic import CPG, IM2COL_FLAGS, IM2COL_IDENTITY, MULT, SWEEP_ARGS, im2col_flag, mapped, parts_of

# ---------------------------------------------------------------------------------------------
_INT64_SAFE = 2.0**62


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


class Inputs:
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
                ph, pw = dilated_extent(kh, dh) - 1, dilated_extent(kw, dw) - 1
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
            _check(~divides(g, cin), shape, "groups does not divide in_channels", groups=g, in_channels=cin)
            _check(~divides(g, cout), shape, "groups does not divide out_channels", groups=g, out_channels=cout)
        if kind == "depthwise":
            _check(~divides(cin, cout), shape, "out_channels must be a multiple of in_channels for a depthwise conv",
                   in_channels=cin, out_channels=cout)
            mult = cout // cin
        if kind == "pointwise":
            dh = dw = np.ones((), np.int64)
        for axis, k, d, n, p in (("height", kh, dh, h, ph), ("width", kw, dw, w, pw)):
            _check(~kernel_fits(n, k, p, d), shape,
                   f"kernel_size (dilated extent dilation*(kernel-1)+1) is larger than the padded input {axis}",
                   kernel_size=k, dilation=d, input_size=n, total_padding=p)

        self.shape: tuple[int, ...] = tuple(shape)
        self.size = math.prod(self.shape)
        if kind in ("depsep", "depthwise"):
            g = cin
        cpg = cin // g if kind in ("conv", "pointwise") else cin
        values = {B: b, C_in: cin, C_out: cout, G: g, H: h, W: w, K_h: kh, K_w: kw, S_h: sh, S_w: sw,
                  P_h: ph, P_w: pw, D_h: dh, D_w: dw, BIAS: bias_arr, CPG: cpg, MULT: mult}
        # 63-bit guard: every term of every count is a product of factors bounded by these maxima
        bound = 64.0
        for arr in (b, cin, mult, cout, kh, kw, h + ph, w + pw):
            bound *= float(arr.max()) if arr.size else 1.0
        self.exact_object = bound >= _INT64_SAFE
        if self.exact_object:  # exact Python ints (slow, but never wrong)
            values = {s: np.asarray(v).astype(object) for s, v in values.items()}
        self.values = values
        for i, part in enumerate(parts_of(kind)):
            flag = im2col_flag(part, i)
            if flag != 0:
                identity = np.ones((), bool)
                for s, v in IM2COL_IDENTITY.items():
                    identity = identity & (np.asarray(values[s]) == v) if mapped(part, s) == s else identity
                values[IM2COL_FLAGS[i]] = (~identity).astype(np.int64)
        for s in IM2COL_FLAGS:
            values.setdefault(s, np.zeros((), np.int64))
        self.args = tuple(values[s] for s in SWEEP_ARGS)

    def full(self, result: Any) -> np.ndarray:
        """``result`` as an array of the sweep's shape."""
        arr = np.asarray(result)
        if arr.shape != self.shape:
            arr = np.broadcast_to(arr, self.shape).copy()
        return arr


def evaluate_count(inputs: Inputs, quantity: str, traffic: str, precision: str, part: int | None = None) -> np.ndarray:
    return np.asarray(compiled_function(inputs.kind, quantity, traffic, precision, part)(*inputs.args))


def to_float(arr: np.ndarray) -> np.ndarray:
    return arr.astype(np.float64)
