"""The grid of an :func:`~roofline_conv.sweeps.explore`: its arguments checked up front, its rows
laid out (kind, then device, then precision, then every combination of the dimension values in
C order), and any range of a kind's rows turned into the dimension arrays of one ``sweep()``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..conventions import parse_lowering, parse_precision, parse_traffic
from ..devices import Device, resolve_device
from ..validation import MAX_DIMENSION, choice, flag, integer, shown
from .arguments import _NOT_FOR, _REQUIRED  # which arguments each kind takes: the sweep's own rule
from .evaluate import sweep
from .quantities import COUNT_QUANTITIES, DEVICE_QUANTITIES, DIMENSIONS, KINDS, QUANTITIES

_DEFAULTS = {"padding": 0, "dilation": 1, "groups": 1, "depth_multiplier": 1}
_MINIMUM = {"padding": 0}
MISSING = -1
"""Where a kind takes no such argument (a depthwise conv's out_channels, a conv's depth
multiplier), a lazy table's dimension column holds -1; the pandas table holds <NA>."""


def takes(kind: str) -> tuple[str, ...]:
    """The dimensions explore() passes to ``sweep(kind=kind)`` (a depthwise conv takes
    depth_multiplier, never out_channels)."""
    refused = set(_NOT_FOR[kind]) | ({"out_channels"} if kind == "depthwise" else set())
    return tuple(d for d in DIMENSIONS if d not in refused)


def _names(value: Any, argument: str, choices: Any) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else _items(value, argument)
    checked = tuple(choice(v, f"{argument}[{i}]" if len(items) > 1 else argument, choices) for i, v in enumerate(items))
    _unique(checked, argument)
    return checked


def _items(value: Any, argument: str) -> tuple[Any, ...]:
    """A list, range or 1-d array of values (never a tuple, which sweep() reads as an (h, w) pair)."""
    if isinstance(value, tuple) and argument in DIMENSIONS:
        raise ValueError(f"{argument}={shown(value)}: explore() takes square values, and sweep() reads a tuple as an "
                         f"(h, w) pair; give a list of values for a grid axis, e.g. {argument}={list(value)!r}")
    if isinstance(value, (list, tuple, range)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        items = tuple(value.tolist() if isinstance(value, np.ndarray) else value)
        if not items:
            raise ValueError(f"{argument}={shown(value)} has no values; give at least one")
        return items
    raise ValueError(f"{argument}={shown(value)} must be a value or a list of values")


def _unique(items: tuple[Any, ...], argument: str) -> None:
    seen = set()
    for item in items:
        if item in seen:
            raise ValueError(f"{argument} lists {item!r} twice")
        seen.add(item)


def _axis(name: str, value: Any) -> np.ndarray | str:
    """One dimension's values, each checked: an int64 array (bias as 0/1), or 'same'/'valid'."""
    if name == "padding" and isinstance(value, str):
        if value not in ("same", "valid"):
            raise ValueError(f"padding={shown(value)} must be an int, a list of ints, 'same' or 'valid'")
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    scalar = not isinstance(value, (list, tuple, range, np.ndarray))
    items = (value,) if scalar else _items(value, name)
    labels = [name if scalar else f"{name}[{i}]" for i in range(len(items))]
    if name == "bias":
        return np.array([flag(v, label) for v, label in zip(items, labels)], np.int64)
    minimum = _MINIMUM.get(name, 1)
    return np.array([integer(v, label, minimum=minimum, maximum=MAX_DIMENSION) for v, label in zip(items, labels)],
                    np.int64)


class Grid:
    """Every argument of an explore() checked, and its rows laid out in segments: one per
    (kind, device, precision), each the C-order product of the kind's dimension axes."""

    def __init__(self, quantities: Any, devices: Any, precisions: Any, kinds: Any, dimensions: Mapping[str, Any],
                 traffic: Any, lowering: Any, calibrated: Any) -> None:
        self.kinds = _names(kinds, "kinds", KINDS)
        if devices is None:
            self.devices: tuple[Device | None, ...] = (None,)
        else:
            given = (devices,) if isinstance(devices, (str, Device)) else _items(devices, "devices")
            label = (lambda i: f"devices[{i}]") if len(given) > 1 else (lambda i: "devices")  # noqa: E731
            self.devices = tuple(resolve_device(d, label(i)) for i, d in enumerate(given))
            _unique(tuple(d.id for d in self.devices), "devices")
        given = (precisions,) if isinstance(precisions, str) else _items(precisions, "precisions")
        self.precisions = tuple(parse_precision(p, f"precisions[{i}]" if len(given) > 1 else "precisions").value
                                for i, p in enumerate(given))
        _unique(self.precisions, "precisions")
        self.traffic = parse_traffic(traffic, "traffic").value
        if quantities is None:
            quantities = ("macs", "traffic", "intensity") + (("time",) if devices is not None else ())
        asked = _names(quantities, "quantities", QUANTITIES)
        self.quantities = tuple(q for a in asked for q in (("output_height", "output_width") if a == "output_size" else (a,)))
        _unique(self.quantities, "quantities")
        timed = [q for q in self.quantities if q in DEVICE_QUANTITIES]
        if timed and devices is None:
            raise ValueError(f"quantities {', '.join(timed)} need devices= (a catalog id, a Device or a list of them)")
        self.lowering = parse_lowering(lowering)
        self.calibrated = None if calibrated is None else flag(calibrated, "calibrated")
        for name, value in (("lowering", lowering), ("calibrated", calibrated)):
            if value is not None and not timed:
                raise ValueError(f"{name}={shown(value)} applies to the device quantities "
                                 f"({', '.join(DEVICE_QUANTITIES)}), and none was asked for")

        self.columns = tuple(d for d in DIMENSIONS if any(d in takes(k) for k in self.kinds))
        for name, value in dimensions.items():
            if value is not None and name not in self.columns:
                raise ValueError(f"{name}={shown(value)} applies to none of kinds={list(self.kinds)!r}")
        for kind in self.kinds:
            for name in _REQUIRED[kind]:
                if name in takes(kind) and dimensions.get(name) is None:
                    raise ValueError(f"{name} is required for kind={kind!r}")
        self.axes: dict[str, np.ndarray | str] = {
            name: _axis(name, _DEFAULTS.get(name) if dimensions.get(name) is None else dimensions[name])
            for name in self.columns}

        self.segments: list[tuple[str, int, int, int, int]] = []  # kind, device index, precision index, start, size
        start = 0
        for kind in self.kinds:
            size = self.size(kind)
            for d in range(len(self.devices)):
                for p in range(len(self.precisions)):
                    self.segments.append((kind, d, p, start, size))
                    start += size
        self.rows = start
        for kind in self.kinds:  # the first configuration of each kind, on every device and precision
            first = self.dimensions(kind, 0, 1)
            for device in self.devices:
                for precision in self.precisions:
                    for quantity in self.quantities:
                        try:
                            self.call(quantity, kind, device, precision, first)
                        except ValueError as err:
                            on = f"devices={device.id!r}, " if device is not None and quantity in DEVICE_QUANTITIES else ""
                            raise type(err)(f"kinds={kind!r}, {on}precisions={precision!r}, quantities={quantity!r}, "
                                            f"at the first configuration: {err}") from None

    def kind_axes(self, kind: str) -> list[tuple[str, np.ndarray]]:
        """The array axes of ``kind``'s rows, in C order (a padding word is no axis)."""
        return [(n, a) for n, a in self.axes.items() if n in takes(kind) and not isinstance(a, str)]

    def size(self, kind: str) -> int:
        return math.prod(len(a) for _, a in self.kind_axes(kind))

    def dimensions(self, kind: str, start: int, stop: int) -> dict[str, Any]:
        """Rows ``start:stop`` of one of ``kind``'s segments as sweep() dimension arrays."""
        return kind_dimensions(self.kind_axes(kind), self.padding_word(kind), np.arange(start, stop, dtype=np.int64))

    def padding_word(self, kind: str) -> str | None:
        padding = self.axes.get("padding")
        return padding if isinstance(padding, str) and "padding" in takes(kind) else None

    def call(self, quantity: str, kind: str, device: Device | None, precision: str, dimensions: Mapping[str, Any]) -> Any:
        """``sweep()`` of one quantity, with the grid's settings."""
        timed = quantity in DEVICE_QUANTITIES
        return sweep(quantity, device if timed else None, precision, self.traffic, kind=kind,
                     lowering=self.lowering if timed else None, calibrated=self.calibrated if timed else None,
                     **dimensions)

    def units(self) -> dict[str, str]:
        """Each quantity column's unit (the first words of its COUNT_/DEVICE_QUANTITIES entry)."""
        described = {**COUNT_QUANTITIES, **DEVICE_QUANTITIES}
        return {q: described[q].split(" (")[0] for q in self.quantities}


def axis_strides(axes: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray, int]]:
    """(name, values, stride) of each axis: row r takes ``values[(r // stride) % len(values)]``."""
    out = []
    stride = 1
    for name, values in reversed(axes):
        out.append((name, values, stride))
        stride *= len(values)
    return out[::-1]


def axis_values(rows: np.ndarray, values: np.ndarray, stride: int) -> np.ndarray:
    """One axis's values at grid rows ``rows``."""
    if len(values) == 1:
        return np.full(rows.shape, values[0], np.int64)
    return values[(rows // stride) % len(values)]


def kind_dimensions(axes: list[tuple[str, np.ndarray]], padding_word: str | None, rows: np.ndarray) -> dict[str, Any]:
    """The sweep() dimensions of grid rows ``rows`` of one kind (C order over ``axes``)."""
    out: dict[str, Any] = {name: axis_values(rows, values, stride) for name, values, stride in axis_strides(axes)}
    if padding_word is not None:
        out["padding"] = padding_word
    return out
