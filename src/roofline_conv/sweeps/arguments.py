"""A sweep's raw arguments, checked where the user hands them in: integer arrays (never floats,
bools, strings or None), each value bounded by :data:`MAX_DIMENSION`, and only the arguments that
apply to the layer kind. Every refusal is a :class:`~roofline_conv.layers.dims.LayerError`
naming the argument."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..layers.dims import LayerError
from ..validation import MAX_DIMENSION, integer, shown

_LIMIT = f"{MAX_DIMENSION} (2**31, sweeps.MAX_DIMENSION)"

# what each kind takes beyond batch, in_channels, input_size, stride and bias (None = not given)
_NOT_FOR: dict[str, dict[str, str]] = {
    "conv": {"depth_multiplier": "depth_multiplier applies to kind='depsep' or 'depthwise', not 'conv' "
                                 "(a grouped conv takes groups)"},
    "pointwise": {"kernel_size": "kernel_size cannot be set for kind='pointwise' (a 1x1 conv)",
                  "padding": "padding cannot be set for kind='pointwise' (a 1x1 conv, unpadded)",
                  "dilation": "dilation cannot be set for kind='pointwise' (a 1x1 conv)",
                  "depth_multiplier": "depth_multiplier applies to kind='depsep' or 'depthwise', not 'pointwise'"},
    "depthwise": {"groups": "groups cannot be set for kind='depthwise' (a depthwise conv has groups = in_channels)"},
    "depsep": {"groups": "groups cannot be set for kind='depsep' (its depthwise part has groups = in_channels, "
                         "its pointwise part groups 1)"},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "conv": ("in_channels", "out_channels", "kernel_size", "input_size"),
    "pointwise": ("in_channels", "out_channels", "input_size"),
    "depthwise": ("in_channels", "kernel_size", "input_size"),
    "depsep": ("in_channels", "out_channels", "kernel_size", "input_size"),
}


def check_applicable(kind: str, given: Mapping[str, Any]) -> None:
    """Every argument ``kind`` needs is given; none that it ignores is (``None`` = not given)."""
    for name in _REQUIRED[kind]:
        if given.get(name) is None:
            raise LayerError(f"{name} is required for kind={kind!r}")
    for name, why in _NOT_FOR[kind].items():
        if given.get(name) is not None:
            raise LayerError(f"{why}; got {name}={shown(given[name])}")
    if kind == "depthwise" and given.get("out_channels") is not None and given.get("depth_multiplier") is not None:
        raise LayerError("out_channels and depth_multiplier cannot both be given for kind='depthwise' "
                         "(out_channels = in_channels x depth_multiplier): give one of them; got "
                         f"out_channels={shown(given['out_channels'])}, "
                         f"depth_multiplier={shown(given['depth_multiplier'])}")


def _fmt_index(flat: int, shape: tuple[int, ...]) -> str:
    if len(shape) <= 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def fail(rule: str, mask: np.ndarray, shape: tuple[int, ...], values: Mapping[str, Any]) -> None:
    """Raise the LayerError for ``rule``: how many configurations break it, and the first."""
    full = np.broadcast_to(mask, shape)
    count = int(np.count_nonzero(full))
    if not full.size:  # an empty sweep with a broken scalar: name the values as given
        raise_broken(rule, count, shape, 0, {key: np.asarray(v) for key, v in values.items()})
    flat = int(np.argmax(full.ravel()))
    at = np.unravel_index(flat, shape)
    named = {key: np.broadcast_to(np.asarray(v), shape)[at] for key, v in values.items()}
    raise_broken(rule, count, shape, flat, named)


def raise_broken(rule: str, count: int, shape: tuple[int, ...], flat: int, named: Mapping[str, Any]) -> None:
    """Raise the LayerError saying ``rule`` is broken in ``count`` configurations of ``shape``,
    the first at flat index ``flat``, where the named values are ``named``."""
    total = math.prod(shape)
    where = f"first at index {_fmt_index(flat, shape)}: " if total > 1 else ""
    raise LayerError(f"{rule} in {count:,} of {total:,} configuration{'s' if total != 1 else ''} "
                     f"({where}{', '.join(f'{key}={shown(v)}' for key, v in named.items())})")


def check(bad: Any, shape: tuple[int, ...], rule: str, **values: Any) -> None:
    bad = np.asarray(bad)
    if bad.any():
        fail(rule, bad, shape, values)


def _bounded(value: int, name: str, minimum: int) -> int:
    if value > MAX_DIMENSION:
        raise LayerError(f"{name}={shown(value)} must be <= {_LIMIT}")
    if value < -MAX_DIMENSION:
        raise LayerError(f"{name}={shown(value)} must be >= {minimum}")
    return value


def int_array(value: Any, name: str, *, minimum: int = 1, flags: bool = False) -> np.ndarray:
    """``value`` (an int, a list or an array of ints) as an integer array, without a copy where
    it already is one (other integer dtypes are cast to int64 chunk by chunk). Floats (even
    ``8.0``), bools (unless ``flags``: ``bias``), strings, None and other objects are refused,
    naming ``name``. A single value, and each value of an object array, is checked against
    :data:`MAX_DIMENSION` here; an integer array's values by :func:`check_range` (values below
    ``minimum`` are left to the caller's rule over the broadcast configurations)."""
    if value is None or np.isscalar(value) or isinstance(value, (numbers.Number, tuple, Mapping, set, frozenset)):
        # one value: the shared integer rule
        if flags and isinstance(value, (bool, np.bool_)):
            return np.asarray(int(value), np.int64)
        return np.asarray(_bounded(integer(value, name, error=LayerError), name, minimum), np.int64)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nesting
        raise LayerError(f"{name}={shown(value)} must be an integer or a rectangular array of integers "
                         "(its nested lists differ in length)") from None
    if arr.size == 0 and arr.dtype.kind in "biufO":  # no value to be wrong (``[]`` is a float array)
        return arr.astype(np.int64)
    if arr.dtype == bool:
        if flags:
            return arr.astype(np.int64)
        raise LayerError(f"{name}={shown(value)} must be integers, not bools")
    if arr.dtype.kind == "f":
        integral = bool(np.isfinite(arr).all() and (arr == np.floor(arr)).all())
        hint = " (integral floats are refused too: pass ints, e.g. np.asarray(x, dtype=int))" if integral else ""
        raise LayerError(f"{name}={shown(value)} must be integers, not floats{hint}")
    if arr.dtype == object:
        flat = arr.ravel()
        for i, v in enumerate(flat):
            if not (flags and isinstance(v, (bool, np.bool_))):
                where = f"{name}[{_fmt_index(i, arr.shape)}]"
                _bounded(integer(v, where, error=LayerError), where, minimum)
        return np.array([int(v) for v in flat], dtype=np.int64).reshape(arr.shape)
    if arr.dtype.kind not in "iu":
        raise LayerError(f"{name}={shown(value)} must be integers, not an array of {arr.dtype}")
    return arr  # its values are checked by check_range, chunk by chunk (see inputs.Inputs)


def check_range(arr: np.ndarray, name: str, minimum: int = 1) -> None:
    """Every value of the integer array ``arr`` within [-MAX_DIMENSION, MAX_DIMENSION] (values
    below ``minimum`` are left to the caller's rule over the broadcast configurations)."""
    if arr.size and arr.max() > MAX_DIMENSION:
        check(arr > MAX_DIMENSION, arr.shape, f"{name} must be <= {_LIMIT}", **{name: arr})
    if arr.size and arr.dtype.kind == "i" and arr.min() < -MAX_DIMENSION:
        check(arr < -MAX_DIMENSION, arr.shape, f"{name} must be >= {minimum}", **{name: arr})


def int_pair(value: Any, name: str, *, minimum: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """A tuple of two is an (h, w) pair (each an int or an array); anything else applies to both
    axes."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise LayerError(f"{name} as a tuple must be an (h, w) pair, got {len(value)} items; "
                             "pass a list or an array for several configurations")
        for i, item in enumerate(value):
            if isinstance(item, tuple):
                raise LayerError(f"{name}[{i}]={shown(item)} must be an int or an array, not a tuple "
                                 "(several configurations: a list or an array)")
        return int_array(value[0], f"{name}[0]", minimum=minimum), int_array(value[1], f"{name}[1]", minimum=minimum)
    arr = int_array(value, name, minimum=minimum)
    return arr, arr


def check_unit(unit: Any, device: Any, op_kinds: tuple[str, ...]) -> None:
    """``unit`` is None, a unit name of ``device``, or a mapping from op kinds to unit names."""
    if unit is None:
        return
    names = list(device.units)
    if isinstance(unit, Mapping):
        for key, value in unit.items():
            if key not in op_kinds:
                raise ValueError(f"unit={shown(dict(unit))}: key {key!r} is not an op kind of a sweep; "
                                 f"use {', '.join(op_kinds)}")
            if not isinstance(value, str) or value not in names:
                raise ValueError(f"unit[{key!r}]={shown(value)} is not a unit of {device.id}; it has {', '.join(names)}")
        return
    if not isinstance(unit, str) or unit not in names:
        raise ValueError(f"unit={shown(unit)} is not a unit of {device.id}; it has {', '.join(names)}")
