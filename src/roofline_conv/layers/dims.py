"""Normalising and validating layer dimensions (ints, (h, w) pairs, sympy symbols).

Every check raises :class:`LayerError` (a ``ValueError``) at construction, naming the
argument, the value and the rule it broke.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any, Union

from .._sympy import is_sympy, sympy
from ..validation import integer, is_bool, shown

if TYPE_CHECKING:  # pragma: no cover
    import sympy as sp

Dim = Union[int, "sp.Expr"]
"""A dimension: an exact int, or a sympy symbol/expression."""


class LayerError(ValueError):
    """A layer was described with an impossible or unsupported dimension."""


class NetworkError(LayerError):
    """A network could not be built: a shape or channel mismatch between two layers, a bad spec.
    The message names the layers involved (index, kind and name) and their shapes."""


# -- the shape rules, once: array-generic predicates (ints, numpy arrays) every validator uses ---
def dilated_extent(kernel: Any, dilation: Any) -> Any:
    """Input rows (or columns) one dilated kernel window spans: dilation x (kernel - 1) + 1."""
    return dilation * (kernel - 1) + 1


def kernel_fits(size: Any, kernel: Any, total_padding: Any, dilation: Any) -> Any:
    """True where the dilated kernel fits in the padded input (size + padding on both sides)."""
    return dilated_extent(kernel, dilation) <= size + total_padding


def divides(groups: Any, channels: Any) -> Any:
    """True where ``groups`` divides ``channels`` (ints or integer arrays)."""
    return channels % groups == 0


def dim(value: Any, argument: str, *, minimum: int = 1) -> Dim:
    """One dimension as an int (>= ``minimum``) or a sympy expression."""
    if type(value) is int and value >= minimum:  # the common case (never a bool), as integer() takes it
        return value
    if is_sympy(value):
        if value.is_Number:
            if not value.is_Integer:
                raise LayerError(f"{argument}={value} must be an integer")
            return integer(int(value), argument, minimum=minimum, error=LayerError)
        else:
            if value.is_integer is False or (value.is_real is False):
                raise LayerError(f"{argument}={value} must be an integer-valued expression")
            if value.is_nonnegative is False or (minimum >= 1 and value.is_positive is False):
                raise LayerError(f"{argument}={value} must be >= {minimum}")
            return value
    if isinstance(value, numbers.Real) or is_bool(value):
        return integer(value, argument, minimum=minimum, error=LayerError)
    raise LayerError(f"{argument}={shown(value)} must be an int or a sympy expression, not {type(value).__name__}")


def pair(value: Any, argument: str, *, minimum: int = 1) -> tuple[Dim, Dim]:
    """An int/expression or an (h, w) pair, as an (h, w) tuple of dimensions."""
    if isinstance(value, (tuple, list)) or (hasattr(value, "ndim") and getattr(value, "ndim", 0) == 1):
        if len(value) != 2:
            raise LayerError(f"{argument}={shown(tuple(value))} must be an int or an (h, w) pair")
        return (dim(value[0], f"{argument}[0]", minimum=minimum), dim(value[1], f"{argument}[1]", minimum=minimum))
    d = dim(value, argument, minimum=minimum)
    return (d, d)


def known(value: Dim) -> bool:
    """True when a dimension is a concrete int."""
    return isinstance(value, int)


def resolve_padding(
    padding: Any,
    size: tuple[Dim, Dim],
    kernel: tuple[Dim, Dim],
    stride: tuple[Dim, Dim],
    dilation: tuple[Dim, Dim],
) -> tuple[tuple[Dim, Dim], tuple[Dim, Dim]]:
    """Per-side padding ((top, bottom), (left, right)).

    ``padding`` is an int, an (h, w) pair (symmetric per side), a ((top, bottom), (left, right))
    pair of pairs, ``"valid"`` (0) or ``"same"``. ``"same"`` keeps ``ceil(size/stride)`` outputs
    (TensorFlow's rule). With stride 1 an odd total (even kernel) is split with the extra row at
    the bottom/right, as PyTorch does; with stride > 1 the total must be even (symmetric),
    otherwise construction fails, because frameworks disagree on where the extra row goes.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise LayerError(f"padding={padding!r} must be an int, an (h, w) pair, 'same' or 'valid'")
        sides = []
        for axis, n, k, s, d in zip(("height", "width"), size, kernel, stride, dilation):
            extent = dilated_extent(k, d)
            if s == 1:
                total = extent - 1
            elif known(n) and known(k) and known(s) and known(d):
                out = -(-n // s)
                total = max((out - 1) * s + extent - n, 0)
                if total % 2:
                    raise LayerError(
                        f"padding='same' with stride={s} on {axis} {n} and kernel {k} needs {total} rows of "
                        "padding, which cannot be split symmetrically; give explicit padding instead"
                    )
            else:
                raise LayerError(
                    f"padding='same' with stride={s} needs a numeric {axis}, kernel and stride "
                    "(the padding depends on size mod stride); give explicit padding instead"
                )
            if isinstance(total, int):
                sides.append((total // 2, total - total // 2))
            else:
                sp = sympy()
                half = sp.floor(sp.sympify(total) / 2)
                sides.append((half, sp.simplify(total - half)))
        return (sides[0], sides[1])
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and any(isinstance(p, (tuple, list)) for p in padding):
        if not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            raise LayerError(f"padding={shown(padding)} must be an int, an (h, w) pair, ((top, bottom), (left, right)), "
                             "'same' or 'valid'")
        (t, b), (l, r) = padding
        return (
            (dim(t, "padding[0][0]", minimum=0), dim(b, "padding[0][1]", minimum=0)),
            (dim(l, "padding[1][0]", minimum=0), dim(r, "padding[1][1]", minimum=0)),
        )
    ph, pw = pair(padding, "padding", minimum=0)
    return ((ph, ph), (pw, pw))


def check_padding(padding: Any, argument: str = "padding") -> Any:
    """Raise unless ``padding`` has one of the forms :func:`resolve_padding` takes (checked
    before the input size is known, e.g. by a network builder); returns it unchanged."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise LayerError(f"{argument}={padding!r} must be an int, an (h, w) pair, 'same' or 'valid'")
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and any(isinstance(p, (tuple, list)) for p in padding):
        for i, side in enumerate(padding):
            if not (isinstance(side, (tuple, list)) and len(side) == 2):
                raise LayerError(f"{argument}={shown(padding)} must be an int, an (h, w) pair, "
                                 "((top, bottom), (left, right)), 'same' or 'valid'")
            for j, value in enumerate(side):
                dim(value, f"{argument}[{i}][{j}]", minimum=0)
    else:
        pair(padding, argument, minimum=0)
    return padding


def check_fits(size: tuple[Dim, Dim], kernel: tuple[Dim, Dim], pad: tuple[tuple[Dim, Dim], tuple[Dim, Dim]], dilation: tuple[Dim, Dim]) -> None:
    """Raise unless the dilated kernel fits in the padded input on both axes."""
    for axis, n, k, (p0, p1), d in zip(("height", "width"), size, kernel, pad, dilation):
        extent = dilated_extent(k, d)
        padded = n + p0 + p1
        if all(known(v) for v in (n, k, p0, p1, d)) and not kernel_fits(n, k, p0 + p1, d):
            raise LayerError(
                f"kernel_size={k} (dilated extent {extent}) is larger than the padded input {axis} "
                f"{padded} (input {n} + padding {p0 + p1})"
            )


def check_groups(groups: Dim, in_channels: Dim, out_channels: Dim) -> None:
    """Raise unless ``groups`` divides both channel counts."""
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if known(channels) and known(groups):
            if channels % groups:
                raise LayerError(f"groups={groups} does not divide {name}={channels}")
            continue
        ratio = sympy().sympify(channels) / groups
        if ratio.is_integer is False or (ratio.is_Number and not ratio.is_Integer):
            raise LayerError(f"groups={groups} does not divide {name}={channels}")
