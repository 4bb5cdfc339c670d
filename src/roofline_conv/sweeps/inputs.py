"""A sweep's inputs: arrays of dimensions normalised, validated (each broken rule named with how
many configurations break it and the first one) and broadcast, as the compiled functions' arguments."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..layers.dims import LayerError, dilated_extent, divides, kernel_fits
from ..layers.formulas import B, C_in, C_out, D_h, D_w, G, H, K_h, K_w, P_h, P_w, S_h, S_w, W
from ..layers.formulas import bias as BIAS
from ..validation import shown
from .arguments import check, check_applicable, int_array, int_pair
from .compiled import compiled_function
from .symbolic import CPG, IM2COL_FLAGS, IM2COL_IDENTITY, MULT, SWEEP_ARGS, im2col_flag, mapped, parts_of

# ---------------------------------------------------------------------------------------------
_INT64_SAFE = 2.0**62


class Inputs:
    """Validated, broadcast-compatible int arrays of the generic arguments of one sweep."""

    def __init__(self, kind: str, *, batch: Any, in_channels: Any, out_channels: Any, kernel_size: Any,
                 input_size: Any, stride: Any, padding: Any, dilation: Any, groups: Any, bias: Any,
                 depth_multiplier: Any) -> None:
        self.kind = kind
        check_applicable(kind, dict(in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                                    input_size=input_size, padding=padding, dilation=dilation, groups=groups,
                                    depth_multiplier=depth_multiplier))
        if kind == "pointwise":
            kernel_size, padding = 1, 0
        padding = 0 if padding is None else padding
        cin = int_array(in_channels, "in_channels")
        b = int_array(batch, "batch")
        g = int_array(1 if groups is None else groups, "groups")
        kh, kw = int_pair(kernel_size, "kernel_size")
        h, w = int_pair(input_size, "input_size")
        sh, sw = int_pair(stride, "stride")
        dh, dw = int_pair(1 if dilation is None else dilation, "dilation")
        bias_arr = int_array(bias, "bias", minimum=0, flags=True)
        mult = int_array(1 if depth_multiplier is None else depth_multiplier, "depth_multiplier")
        if out_channels is None:  # depthwise only (check_applicable): in_channels x depth_multiplier
            cout = cin * mult
        else:
            cout = int_array(out_channels, "out_channels")

        same = isinstance(padding, str)
        if same:
            if padding not in ("same", "valid"):
                raise LayerError(f"padding={shown(padding)} must be an int, an array, an (h, w) pair, 'same' or 'valid'")
        arrays = [b, cin, cout, g, kh, kw, h, w, sh, sw, dh, dw, bias_arr, mult]
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
            check(arr < minimum, shape, f"{name} must be >= {minimum}", **{name: arr})
        check((bias_arr != 0) & (bias_arr != 1), shape, "bias must be True/False (1/0)", bias=bias_arr)

        if same:
            if padding == "same":
                check((sh != 1) | (sw != 1), shape,
                       "padding='same' is supported for stride 1 only in a sweep (give explicit padding)",
                       stride_h=sh, stride_w=sw)
                ph, pw = dilated_extent(kh, dh) - 1, dilated_extent(kw, dw) - 1
            else:
                ph = pw = np.zeros((), np.int64)
        elif isinstance(padding, tuple) and len(padding) == 2 and all(isinstance(p, tuple) for p in padding):
            sides = []
            for i, side in enumerate(padding):
                if len(side) != 2:
                    raise LayerError(f"padding[{i}]={shown(side)} must be a (before, after) pair in per-side "
                                     "padding ((top, bottom), (left, right))")
                for j, v in enumerate(side):
                    if isinstance(v, tuple):
                        raise LayerError(f"padding[{i}][{j}]={shown(v)} must be an int or an array, not a tuple")
                    sides.append(int_array(v, f"padding[{i}][{j}]", minimum=0))
            for (i, j), arr in zip(((0, 0), (0, 1), (1, 0), (1, 1)), sides):
                check(arr < 0, np.broadcast_shapes(shape, arr.shape), f"padding[{i}][{j}] must be >= 0", padding=arr)
            ph, pw = sides[0] + sides[1], sides[2] + sides[3]
        else:
            p0, p1 = int_pair(padding, "padding", minimum=0)
            for arr in (p0, p1):
                check(arr < 0, np.broadcast_shapes(shape, arr.shape), "padding must be >= 0", padding=arr)
            ph, pw = 2 * p0, 2 * p1
        shape = np.broadcast_shapes(shape, ph.shape, pw.shape)

        if kind in ("conv", "pointwise"):
            check(~divides(g, cin), shape, "groups does not divide in_channels", groups=g, in_channels=cin)
            check(~divides(g, cout), shape, "groups does not divide out_channels", groups=g, out_channels=cout)
        if kind == "depthwise":
            check(~divides(cin, cout), shape, "out_channels must be a multiple of in_channels for a depthwise conv",
                   in_channels=cin, out_channels=cout)
            mult = cout // cin
        if kind == "pointwise":
            dh = dw = np.ones((), np.int64)
        for axis, k, d, n, p in (("height", kh, dh, h, ph), ("width", kw, dw, w, pw)):
            check(~kernel_fits(n, k, p, d), shape,
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
