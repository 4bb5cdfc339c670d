"""``sweep()`` over dask arrays: a lazy dask array, block by block through the numpy sweep.

When any dimension of a sweep is a ``dask.array.Array`` (an item of an (h, w) pair or of per-side
padding included), :func:`lazy_sweep` returns a dask array of the broadcast shape instead of
computing: each output block is the numpy ``sweep()`` of the matching blocks of the dimension
arrays (chunks aligned by ``dask.array.unify_chunks``, blocks mapped and broadcast by
``dask.array.map_blocks``), so every element is exactly what the numpy sweep gives for it.

Checked up front, before anything is computed: every argument's kind and type (the quantity,
device, precision, traffic model, unit, lowering, which dimensions the layer kind takes; each
dask array's dtype, integers, bools only for ``bias``), that the arrays' shapes are known and
broadcast together, and the numpy and list arguments' values. The values inside dask arrays are
checked where they are computed, block by block, by the numpy sweep's own rules: a broken rule
raises its ``LayerError`` at ``compute()`` time, naming the rule, how many configurations of the
block break it, the first (indices within the block) and the block's place in the whole array
(so does any other ``ValueError`` of a block, such as a device without a unit for an op kind
that only some blocks hold).

Counts come back as ``int64`` blocks (a block whose bound could pass 2**62 is computed in exact
Python ints by the numpy sweep and cast back, which is exact; a count that really passes int64
raises instead of wrapping), ratios and times as ``float64``; ``output_size`` gives a pair of lazy
arrays. Nothing here imports dask until a dask array is seen (:func:`holds_dask` looks only in
``sys.modules``), so the core imports and runs without it.
"""

from __future__ import annotations

import string
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from ..layers.dims import LayerError
from ..validation import shown
from .arguments import int_array

_MAX_DEPTH = 2  # an (h, w) pair of per-side (before, after) pairs


def _dask_array_type() -> type | None:
    """``dask.array.Array`` if dask.array has been imported (no dask array can exist otherwise)."""
    module = sys.modules.get("dask.array")
    return getattr(module, "Array", None) if module is not None else None


def _leaves(value: Any, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Any]]:
    """(path, value) of each item of a dimension argument, into its (h, w) and per-side tuples."""
    if isinstance(value, tuple) and len(path) < _MAX_DEPTH:
        for i, item in enumerate(value):
            yield from _leaves(item, (*path, i))
    else:
        yield path, value


def holds_dask(dimensions: Mapping[str, Any]) -> bool:
    """Whether any dimension (or an item of a pair) is a dask array."""
    array = _dask_array_type()
    if array is None:
        return False
    return any(isinstance(leaf, array) for value in dimensions.values() for _, leaf in _leaves(value))


def _label(name: str, path: tuple[int, ...]) -> str:
    return name + "".join(f"[{i}]" for i in path)


def _rebuild(value: Any, path: tuple[int, ...], leaf: Any) -> Any:
    """``value`` with the item at ``path`` replaced by ``leaf``."""
    if not path:
        return leaf
    items = list(value)
    items[path[0]] = _rebuild(items[path[0]], path[1:], leaf)
    return tuple(items)


def _check_dask(array: Any, label: str, flags: bool) -> None:
    """A dask array's dtype and shape, as far as they are known without computing."""
    kind = array.dtype.kind
    if kind == "b" and not flags:
        raise LayerError(f"{label}: a dask array of bools; {label} must be integers")
    if kind not in "iub":
        what = "floats (even integral ones are refused: cast with .astype(int))" if kind == "f" else f"{array.dtype}"
        raise LayerError(f"{label}: a dask array of {what}; {label} must be integers")
    if any(np.isnan(n) for n in array.shape):
        raise LayerError(f"{label}: a dask array of unknown shape {array.shape}; call .compute_chunk_sizes() first")


def lazy_sweep(numpy_sweep: Callable[..., Any], quantity: Any, settings: Mapping[str, Any],
               dimensions: Mapping[str, Any]) -> Any:
    """``numpy_sweep(quantity, **settings, **dimensions)`` as a lazy dask array (see the module).

    ``numpy_sweep`` is ``roofline_conv.sweeps.sweep`` itself, passed in by its caller; ``settings``
    are its non-dimension arguments (device, precision, traffic, kind, unit, lowering, calibrated)."""
    import dask.array as da

    if isinstance(quantity, str) and quantity == "output_size":  # a pair, as the numpy sweep gives
        return tuple(lazy_sweep(numpy_sweep, part, settings, dimensions) for part in ("output_height", "output_width"))
    probe: dict[str, Any] = dict(dimensions)  # every array empty: the numpy sweep checks the rest
    template: dict[str, Any] = dict(dimensions)  # every array a placeholder, filled per block
    arrays: list[Any] = []
    slots: list[tuple[str, tuple[int, ...]]] = []  # where each array goes back in
    for name, value in dimensions.items():
        for path, leaf in _leaves(value):
            label = _label(name, path)
            if isinstance(leaf, da.Array):
                _check_dask(leaf, label, flags=name == "bias")
                array = leaf
            elif leaf is None or isinstance(leaf, (str, tuple)):
                continue  # the numpy sweep takes or refuses it as it is
            else:  # a scalar stays as it is; a list or numpy array is checked now and chunked with the rest
                values = int_array(leaf, label, minimum=0 if name == "padding" else 1, flags=name == "bias")
                if values.ndim == 0:
                    continue
                array = da.from_array(values, chunks=-1)
            probe[name] = _rebuild(probe[name], path, np.zeros(0, np.int64))
            template[name] = _rebuild(template[name], path, None)
            arrays.append(array)
            slots.append((name, path))
    try:
        shape = tuple(int(n) for n in np.broadcast_shapes(*(a.shape for a in arrays)))
    except ValueError:
        raise LayerError("the dimension arrays do not broadcast together: " + ", ".join(
            f"{_label(name, path)}{a.shape}" for (name, path), a in zip(slots, arrays))) from None
    dtype = np.asarray(numpy_sweep(quantity, **settings, **probe)).dtype
    if dtype == object:
        dtype = np.dtype(np.int64)
    letters = string.ascii_letters[:len(shape)]  # align the chunks of equal axes (trailing axes match)
    chunks, arrays = da.unify_chunks(*(x for a in arrays for x in (a, letters[len(shape) - a.ndim:])))
    return da.map_blocks(_block, *arrays, dtype=dtype, meta=np.empty((0,) * len(shape), dtype),
                         chunks=tuple(chunks[letter] for letter in letters),
                         numpy_sweep=numpy_sweep, quantity=quantity, settings=dict(settings), template=template,
                         slots=slots, dtype_out=dtype, shape=shape)


def _block(*blocks: np.ndarray, numpy_sweep: Callable[..., Any], quantity: str, settings: Mapping[str, Any],
           template: Mapping[str, Any], slots: list[tuple[str, tuple[int, ...]]], dtype_out: np.dtype,
           shape: tuple[int, ...], block_info: Any = None) -> np.ndarray:
    """One output block: the numpy sweep of the matching input blocks."""
    dimensions = dict(template)
    for (name, path), block in zip(slots, blocks):
        dimensions[name] = _rebuild(dimensions[name], path, block)
    try:
        out = np.asarray(numpy_sweep(quantity, **settings, **dimensions))
    except ValueError as err:  # LayerError included: the same class, told where the block lies
        where = ""
        if block_info and None in block_info:
            where = ", ".join(f"{a}:{b}" for a, b in block_info[None]["array-location"])
        raise type(err)(f"{err} [in the block [{where}] of a lazy sweep of shape {shape}; "
                        "indices are within the block]") from None
    if out.dtype != dtype_out:
        try:
            out = out.astype(dtype_out)
        except OverflowError:
            raise ValueError(f"quantity={quantity!r} passes int64 in a lazy sweep (largest {shown(max(out.ravel()))}); "
                             "sweep numpy arrays instead, which give exact Python ints") from None
    return out
