"""``explore()``: design-space exploration, a grid of layer kinds, dimensions, batches, devices and
precisions evaluated by ``sweep()`` into one tidy pandas table, in this process (numpy, chunk by
chunk) or on a dask.distributed cluster (``client=``), or left lazy as dask arrays (``lazy=True``)."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from ..devices import Device
from ..validation import flag, integer, shown
from .grid import MISSING, Grid, axis_strides, axis_values, kind_dimensions, takes
from .quantities import DEVICE_QUANTITIES

DEFAULT_CHUNK = 1 << 18
"""Rows evaluated at once (one dask block of a lazy table): 262,144, about 50 MB of temporaries
for four quantities, long enough for numpy to run at its floor."""


def explore(
    quantities: str | Sequence[str] | None = None,
    devices: "Device | str | Sequence[Device | str] | None" = None,
    precisions: str | Sequence[str] = DEFAULT_PRECISION,
    *,
    kinds: str | Sequence[str] = "conv",
    batch: Any = 1,
    in_channels: Any = None,
    out_channels: Any = None,
    kernel_size: Any = None,
    input_size: Any = None,
    stride: Any = 1,
    padding: Any = None,
    dilation: Any = None,
    groups: Any = None,
    depth_multiplier: Any = None,
    bias: Any = False,
    traffic: str = DEFAULT_TRAFFIC,
    lowering: str | None = None,
    calibrated: bool | None = None,
    client: Any = None,
    lazy: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> Any:
    """Every combination of the grid, one row each, one column per quantity: a tidy pandas table.

    The grid is the product of ``kinds`` (``"conv"``, ``"depsep"``, ``"depthwise"``,
    ``"pointwise"``: the layers of :func:`sweep`), ``devices`` (catalog ids or Devices),
    ``precisions`` and the values of each dimension: ``batch``, ``in_channels``,
    ``out_channels``, ``kernel_size``, ``input_size``, ``stride``, ``padding`` (ints, or one of
    ``"same"``/``"valid"`` for the whole grid), ``dilation``, ``groups``, ``depth_multiplier`` and
    ``bias`` (bools). Each takes one value or a list (a range, a 1-d array) of values; sizes are
    square (a tuple, an (h, w) pair to ``sweep()``, is refused: use sweep for rectangles). Each
    dimension applies to the kinds that take it (``groups``: conv and pointwise;
    ``depth_multiplier``: depsep and depthwise, whose out_channels is in_channels x
    depth_multiplier; ``kernel_size``, ``padding``, ``dilation``: all but pointwise); a
    dimension that no listed kind takes is refused, and a kind's missing required dimension too.

    ``quantities`` are sweep quantities (default macs, traffic, intensity, and time when devices
    are given; ``output_size`` gives ``output_height`` and ``output_width``); device quantities
    need ``devices``. ``traffic``, ``lowering`` and ``calibrated`` apply to every row, as in sweep.

    Returns a ``pandas.DataFrame`` with columns ``kind``, ``device`` (when devices are given),
    ``precision`` (categoricals), the dimensions (int64; ``<NA>`` where a kind takes no such
    argument; ``bias`` bool) and one column per quantity (counts int64, the rest float64), its
    unit in ``df.attrs["units"]`` (and the traffic model in ``df.attrs["traffic"]``). Rows run
    kind by kind, then device, then precision, then the dimension values in C order (the last
    dimension fastest). Each value is exactly ``sweep()``'s for that configuration.

    Where it is computed: by default here, with numpy, ``chunk_size`` rows at a time. With
    ``client=`` (a ``dask.distributed.Client``, e.g. ``Client("tcp://scheduler:8786")``, whose
    workers have roofline_conv installed), the quantities are computed on the cluster as lazy
    sweeps of ``chunk_size``-row blocks and gathered into the same table. With ``lazy=True``
    nothing is computed: the result is a dict of 1-d dask arrays, one per column, of the same
    rows (text columns as object arrays, ``-1`` for ``<NA>``), to reduce on any scheduler without
    gathering the table (how 1e8 configurations are explored; needs dask, not pandas).

    Every argument is checked before anything is computed (a ``ValueError`` naming it), and the
    first configuration of every kind, device and precision is swept; the rules between
    dimensions (groups dividing channels, the kernel fitting the input, ...) are checked as each
    chunk is evaluated (on the cluster: at compute time, naming the block).
    """
    lazy = flag(lazy, "lazy")
    chunk_size = integer(chunk_size, "chunk_size", minimum=1)
    if client is not None:
        if lazy:
            raise ValueError(f"client={shown(client)} with lazy=True: a lazy table computes on whichever scheduler "
                             "computes it; give one of them")
        if not (callable(getattr(client, "compute", None)) and callable(getattr(client, "gather", None))):
            raise ValueError(f"client={shown(client)} must be a dask.distributed Client, e.g. "
                             "Client('tcp://scheduler:8786') or Client(LocalCluster())")
    dimensions = dict(batch=batch, in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size,
                      input_size=input_size, stride=stride, padding=padding, dilation=dilation, groups=groups,
                      depth_multiplier=depth_multiplier, bias=bias)
    grid = Grid(quantities, devices, precisions, kinds, dimensions, traffic, lowering, calibrated)
    if lazy:
        return _lazy_table(grid, chunk_size)
    if importlib.util.find_spec("pandas") is None:  # pragma: no cover - exercised only without pandas
        raise ImportError("explore() returns a pandas table: pip install 'roofline_conv[pandas]' "
                          "(or lazy=True for dask arrays)")
    columns = _dimension_columns(grid)
    if client is None:
        _evaluate_here(grid, columns, chunk_size)
    else:
        _fill_dimensions(grid, columns, chunk_size)
        lazy_columns = _lazy_table(grid, chunk_size, dimensions_too=False)
        names = list(grid.quantities)
        results = client.gather(client.compute([lazy_columns[q] for q in names]))
        for name, values in zip(names, results):
            _put(columns, name, slice(0, grid.rows), values, grid.rows)
    return _frame(grid, columns)


# ---------------------------------------------------------------------------------------------
# Here, with numpy
# ---------------------------------------------------------------------------------------------
def _dimension_columns(grid: Grid) -> dict[str, np.ndarray]:
    """An int64 column per array dimension, -1 (MISSING) where a row's kind takes no such argument."""
    columns = {}
    for name in grid.columns:
        if not isinstance(grid.axes[name], str):
            every = all(name in takes(k) for k in grid.kinds)
            columns[name] = np.empty(grid.rows, np.int64) if every else np.full(grid.rows, MISSING, np.int64)
    return columns


def _chunks(grid: Grid, kind: str, chunk_size: int):
    """(rows of one of ``kind``'s segments, its sweep dimensions), ``chunk_size`` at a time."""
    axes, word, size = grid.kind_axes(kind), grid.padding_word(kind), grid.size(kind)
    for a in range(0, size, chunk_size):
        b = min(size, a + chunk_size)
        yield a, b, kind_dimensions(axes, word, np.arange(a, b, dtype=np.int64))


def _fill_dimensions(grid: Grid, columns: dict[str, np.ndarray], chunk_size: int) -> None:
    for kind in grid.kinds:
        for a, b, dims in _chunks(grid, kind, chunk_size):
            for seg_kind, _, _, start, _ in grid.segments:
                if seg_kind == kind:
                    _put_dimensions(columns, dims, slice(start + a, start + b))


def _put_dimensions(columns: dict[str, np.ndarray], dims: dict[str, Any], rows: slice) -> None:
    for name, values in dims.items():
        if name in columns:
            columns[name][rows] = values


def _evaluate_here(grid: Grid, columns: dict[str, np.ndarray], chunk_size: int) -> None:
    """Every segment, chunk by chunk; a count is swept once per precision, whatever the device."""
    for kind in grid.kinds:
        for a, b, dims in _chunks(grid, kind, chunk_size):
            counts: dict[tuple[str, int], Any] = {}
            for seg_kind, d, p, start, _ in grid.segments:
                if seg_kind != kind:
                    continue
                rows = slice(start + a, start + b)
                _put_dimensions(columns, dims, rows)
                try:
                    for q in grid.quantities:
                        _put(columns, q, rows, _value(grid, q, kind, d, p, dims, counts), grid.rows)
                except ValueError as err:
                    raise type(err)(f"{err} [in rows {rows.start}:{rows.stop} of the table (kind={kind!r}); "
                                    "indices are within those rows]") from None


def _put(columns: dict[str, np.ndarray], name: str, rows: slice, value: Any, n: int) -> None:
    """``value`` into rows ``rows`` of column ``name`` (created on first use as int64 or float64;
    exact Python ints stay int64 where they fit, and turn the column to object where not)."""
    value = np.asarray(value)
    column = columns.get(name)
    if column is None:
        column = columns[name] = np.empty(n, np.int64 if value.dtype == object else value.dtype)
    try:
        column[rows] = value
    except OverflowError:
        column = columns[name] = column.astype(object)
        column[rows] = value


def _frame(grid: Grid, columns: dict[str, np.ndarray]) -> Any:
    import pandas as pd

    sizes = [size for *_, size in grid.segments]

    def categorical(codes: list[int], categories: Sequence[str]) -> Any:
        return pd.Categorical.from_codes(np.repeat(np.asarray(codes, np.int8), sizes), categories=list(categories))

    data: dict[str, Any] = {"kind": categorical([grid.kinds.index(s[0]) for s in grid.segments], grid.kinds)}
    if grid.devices != (None,):
        data["device"] = categorical([s[1] for s in grid.segments], [d.id for d in grid.devices])  # type: ignore[union-attr]
    data["precision"] = categorical([s[2] for s in grid.segments], grid.precisions)
    for name in grid.columns:
        axis = grid.axes[name]
        if isinstance(axis, str):  # 'same' / 'valid', where the kind takes padding
            data[name] = categorical([0 if name in takes(s[0]) else -1 for s in grid.segments], [axis])
        elif name == "bias":
            data[name] = columns[name].astype(bool)
        elif (columns[name] == MISSING).any():
            data[name] = pd.arrays.IntegerArray(columns[name], columns[name] == MISSING)
        else:
            data[name] = columns[name]
    for q in grid.quantities:
        data[q] = columns[q]
    frame = pd.DataFrame(data, copy=False)
    frame.attrs["units"] = grid.units()
    frame.attrs["traffic"] = grid.traffic
    return frame


# ---------------------------------------------------------------------------------------------
# Lazy: dask arrays, for the cluster or for reductions that never gather the table
# ---------------------------------------------------------------------------------------------
def _lazy_table(grid: Grid, chunk_size: int, dimensions_too: bool = True) -> dict[str, Any]:
    """One 1-d dask array per column; quantities are sweep() on dask arrays of the dimensions."""
    import dask.array as da

    parts: dict[str, list[Any]] = {}
    for kind in grid.kinds:
        size = grid.size(kind)
        rows = da.arange(size, chunks=chunk_size, dtype=np.int64)
        dims: dict[str, Any] = {name: rows.map_blocks(axis_values, values=values, stride=stride, dtype=np.int64)
                                for name, values, stride in axis_strides(grid.kind_axes(kind))}
        word = grid.padding_word(kind)
        if word is not None:
            dims["padding"] = word

        def full(value: Any, dtype: Any) -> Any:
            return da.full(size, value, dtype=dtype, chunks=chunk_size)  # noqa: B023 - used at once

        counts: dict[tuple[str, int], Any] = {}
        for seg_kind, d, p, _, _ in grid.segments:
            if seg_kind != kind:
                continue
            if dimensions_too:
                parts.setdefault("kind", []).append(full(kind, object))
                if grid.devices != (None,):
                    parts.setdefault("device", []).append(full(grid.devices[d].id, object))  # type: ignore[union-attr]
                parts.setdefault("precision", []).append(full(grid.precisions[p], object))
                for name in grid.columns:
                    axis = grid.axes[name]
                    if isinstance(axis, str):
                        column = full(axis if name in dims else None, object)
                    elif name in dims:
                        column = dims[name].astype(bool) if name == "bias" else dims[name]
                    else:
                        column = full(MISSING, np.int64)
                    parts.setdefault(name, []).append(column)
            for q in grid.quantities:
                parts.setdefault(q, []).append(_value(grid, q, kind, d, p, dims, counts))
    return {name: pieces[0] if len(pieces) == 1 else da.concatenate(pieces) for name, pieces in parts.items()}


def _value(grid: Any, q: str, kind: str, d: int, p: int, dims: Any, counts: dict[Any, Any]) -> Any:
    """Quantity ``q`` of one (kind, device, precision) block: a device quantity per device, a count
    once per precision (``counts`` keeps it for the other devices)."""
    if q in DEVICE_QUANTITIES:
        return grid.call(q, kind, grid.devices[d], grid.precisions[p], dims)
    if (q, p) not in counts:
        counts[q, p] = grid.call(q, kind, None, grid.precisions[p], dims)
    return counts[q, p]
