"""Walking a sweep's configurations a chunk at a time, so that memory stays flat in the number of
configurations (every temporary is at most a chunk; only the result has the sweep's size), the
time linear in it, and each chunk's arrays small enough to be read again from the CPU cache.

A chunk is a block of the broadcast shape that is contiguous in C order: whole trailing axes
and a run of one axis. Each argument array is sliced where it varies and never broadcast; an
argument given as one number stays one number. Per chunk: the formula, then (on the same
arrays) one min and one max per argument array against its limits, the rules between
arguments, the 63-bit guard; only then is the result kept. (Evaluating first puts the reads
from main memory under the formula's own arithmetic; numpy's warnings are silenced meanwhile,
and an evaluation error on an invalid chunk gives way to the rule it breaks.) When a
chunk breaks a rule, :func:`explain` raises the error of the whole sweep (see :mod:`.inputs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .arguments import fail, raise_broken
from .inputs import ARG_NAMES, Inputs, specialisation

CHUNK_SIZE = 1 << 15
"""Configurations evaluated at a time (a few hundred KiB per temporary: cache-sized, and large
enough that numpy's per-call overhead is a few percent)."""

_INT64_SAFE = 2.0**62
_MAX, _MIN = np.maximum.reduce, np.minimum.reduce  # without ndarray.max's Python wrapper


class Overflowing(Exception):
    """A count of the sweep could pass 2**62: it must be evaluated in exact Python ints."""


def blocks(inputs: Inputs, raw: dict[str, np.ndarray] | None = None, chunk: int | None = None
           ) -> Iterator[tuple[tuple[Any, ...], int, tuple[int, ...], dict[str, np.ndarray]]]:
    """(index into the result, flat index of its first configuration, its shape, the argument
    arrays (``raw``, default ``inputs.raw``) sliced to it) for each chunk of a non-empty sweep,
    in C order. An array given to two names is sliced once: the slices are one object."""
    raw = inputs.raw if raw is None else raw
    chunk = chunk or CHUNK_SIZE
    shape, nd = inputs.shape, len(inputs.shape)
    if nd == 0:
        yield (), 0, (), dict(raw)
        return
    axis, inner = nd - 1, 1  # split ``axis``; every axis after it whole
    while axis > 0 and inner * shape[axis] <= chunk:
        inner *= shape[axis]
        axis -= 1
    step = max(1, chunk // inner)
    arrays: dict[int, tuple[np.ndarray, tuple[int, ...], bool]] = {}  # padded, the lead axes it varies on, on ``axis``
    for arr in raw.values():
        if arr.ndim and id(arr) not in arrays:
            padded = arr.reshape((1,) * (nd - arr.ndim) + arr.shape)
            arrays[id(arr)] = padded, tuple(d for d in range(axis) if padded.shape[d] != 1), padded.shape[axis] != 1
    names = [(key, id(arr)) for key, arr in raw.items() if arr.ndim]
    fixed = {key: arr for key, arr in raw.items() if not arr.ndim}
    strides = [int(x) for x in np.cumprod((1,) + shape[::-1])[::-1][1:]]  # C-order flat index per axis
    for lead in np.ndindex(*shape[:axis]):
        base = sum(i * s for i, s in zip(lead, strides))
        for start in range(0, shape[axis], step):
            stop = min(start + step, shape[axis])
            run = slice(start, stop)
            sliced = {}
            for key, (padded, varies, along) in arrays.items():
                index = [0] * axis
                for d in varies:
                    index[d] = lead[d]
                sliced[key] = padded[(*index, run if along else slice(None))]
            r = dict(fixed)
            for key, ident in names:
                r[key] = sliced[ident]
            yield lead + (run,), base + start * strides[axis], (stop - start,) + shape[axis + 1:], r


def cast(r: dict[str, np.ndarray], dtype: Any) -> dict[str, np.ndarray]:
    """``r`` with every array as ``dtype`` (int64 or object), an array shared by two names still shared."""
    memo: dict[int, np.ndarray] = {}
    out = {}
    for key, arr in r.items():
        c = memo.get(id(arr))
        if c is None:
            c = memo[id(arr)] = arr if arr.dtype == dtype else arr.astype(dtype)
        out[key] = c
    return out


class Walk:
    """The chunks of one sweep with what checks each: iterate for (index into the result, raw
    argument arrays, the sweep symbols' values (int64), the values to evaluate (int64, or Python
    ints in ``"object"`` mode), their specialisation), evaluate, then :meth:`check`. ``mode``:
    ``"guarded"`` (int64, :meth:`check` raises :class:`Overflowing` where a count could pass
    2**62, by an upper bound of the guard: see :func:`exact_bound`), ``"int64"`` (the whole
    sweep's guard is known to hold) or ``"object"`` (exact Python ints)."""

    def __init__(self, inputs: Inputs, mode: str, im2col: bool) -> None:
        self.inputs, self.mode, self.im2col = inputs, mode, im2col
        self.raw = dict(inputs.raw, **cast({k: a for k, a in inputs.raw.items() if not a.ndim}, np.int64))
        for key, arr in self.raw.items():
            low, high = inputs.limits[key]
            if not arr.ndim and not low <= arr <= high:
                explain(inputs)
        checks: dict[int, tuple[str, int, int]] = {}  # one check per array, however many names share it
        self.aliases = []
        for key, arr in self.raw.items():
            if arr.ndim:
                low, high = inputs.limits[key]
                first = checks.setdefault(id(arr), (key, low, high))
                checks[id(arr)] = (first[0], max(low, first[1]), min(high, first[2]))
                if first[0] != key:
                    self.aliases.append((key, first[0]))
        shared = {first for _, first in self.aliases}
        self.plans = [(key, low, high, _how(inputs, key, low, key in shared)) for key, low, high in checks.values()]
        self.largest: dict[str, Any] = {k: a for k, a in self.raw.items() if not a.ndim}
        self.recast = any(a.dtype != np.int64 for a in self.raw.values())
        self.rules = inputs.rules
        self.top = [0.0] * 8

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        fixed = None
        for index, _, _, r in blocks(self.inputs, self.raw):
            if self.recast:
                r = cast(r, np.int64)
            v = self.inputs.values(r)
            if self.im2col:
                self.inputs.add_im2col_flags(v)
            if fixed is None:
                fixed = specialisation(v)
            exact = v
            if self.mode == "object":  # every value an exact Python int (slow, but never wrong)
                exact = dict(v, **{k: np.asarray(v[k]).astype(object) for k in ARG_NAMES})
            yield index, r, v, exact, fixed

    def check(self, r: dict[str, Any], v: dict[str, Any], fits: Any = ()) -> None:
        """Raise the sweep's error if a configuration of the chunk breaks a rule (``fits``: the
        evaluation's kernel-fit counts, >= 0 where it fits), :class:`Overflowing` if a count of
        it could pass 2**62 in ``"guarded"`` mode."""
        largest, inputs = self.largest, self.inputs
        for key, low, high, how in self.plans:
            arr = r[key]
            if how == "unsigned":  # a negative value is above 2**63 here: one max checks both ends
                hi = largest[key] = _MAX(arr.view(np.uint64), axis=None)
                if hi > high:
                    explain(inputs)
            elif how == "min":
                if _MIN(arr, axis=None) < low:
                    explain(inputs)
            else:
                hi = largest[key] = _MAX(arr, axis=None)
                if hi > high or _MIN(arr, axis=None) < low:
                    explain(inputs)
        for key, first in self.aliases:
            largest[key] = largest[first]
        for rule in self.rules:  # nonzero where broken: a bool or a remainder (>= 0 here)
            if _MAX(rule(v), axis=None):
                explain(inputs)
        for fit in fits:
            if _MIN(fit, axis=None) < 0:
                explain(inputs)
        if self.mode == "guarded":
            bound, top = 64.0, self.top
            for i, factor in enumerate(inputs.bound_factors(v, largest)):
                if factor > top[i]:
                    top[i] = factor
                bound *= top[i]
            if bound >= _INT64_SAFE:
                raise Overflowing


def _how(inputs: Inputs, key: str, low: int, shared: bool) -> str:
    """How a chunk of argument ``key`` is checked against its limits: ``"both"`` (its min and
    its max), ``"unsigned"`` (an int64 array whose minimum is 0: the max of its unsigned view),
    or ``"min"`` (groups when the sweep checks that they divide in_channels: a value above
    in_channels, so any value above the limit, breaks that rule, and :func:`explain` then names
    the limit, stated first; unless the array is another argument's too)."""
    dtype = inputs.raw[key].dtype
    if low == 0 and dtype == np.int64:
        return "unsigned"
    if key == "g" and inputs.grouped and dtype.kind == "i" and not shared:
        return "min"
    return "both"


def exact_bound(inputs: Inputs) -> float:
    """The 63-bit guard over the whole sweep: 64 x the product of the largest batch,
    in_channels, multiplier, out_channels, kernel height and width, padded height and width (a
    valid sweep). A count of a sweep under 2**62 is exact in int64; :class:`Walk`
    checks an upper bound of it (the padded sizes bounded by the largest size plus the largest
    padding), so this pass runs only when that bound reaches 2**62."""
    top = [0.0] * 8
    with np.errstate(all="ignore"):  # a chunk not yet checked may divide by zero: the next pass reports it
        for _, _, _, r in blocks(inputs):
            v = inputs.values(cast(r, np.int64))
            top = [max(t, f) for t, f in zip(top, inputs.bound_factors(v, None))]
    bound = 64.0
    for factor in top:
        bound *= factor
    return bound


def explain(inputs: Inputs) -> None:
    """Raise the error of the first rule, in the order stated, that some configuration breaks:
    the rule, how many configurations break it, and the first (values of single arguments over
    the whole arrays; rules between arguments chunk by chunk, so memory stays flat)."""
    def scan(text: str, rule: Any) -> None:
        count, first = 0, None
        for _, start, shape, r in blocks(inputs):
            v = inputs.values(cast(r, np.int64))
            mask = np.asarray(rule[0](v)) != 0
            if not mask.any():
                continue
            named = rule[1](v)
            full = np.broadcast_to(mask, shape)
            count += int(np.count_nonzero(full))
            if first is None:
                local = int(np.argmax(full.ravel()))
                at = np.unravel_index(local, shape)
                first = start + local, {k: np.broadcast_to(np.asarray(x), shape)[at] for k, x in named.items()}
        if first is not None:
            raise_broken(text, count, inputs.shape, *first)

    inputs.check_stated(scan)
    raise AssertionError("a chunk broke a rule the whole sweep keeps")  # pragma: no cover


def check_empty(inputs: Inputs) -> None:
    """An empty sweep: every rule over the arguments as given (a single value can still break one)."""
    def whole(text: str, rule: Any) -> None:
        v = inputs.values(cast(inputs.raw, np.int64))
        mask = np.asarray(rule[0](v)) != 0
        if mask.any():
            fail(text, mask, inputs.shape, rule[1](v))

    inputs.check_stated(whole)
