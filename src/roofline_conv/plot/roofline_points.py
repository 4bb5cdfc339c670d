"""The points of a roofline chart: layers, networks and projections projected on each device,
measured points, and each point's label.

What :func:`roofline_conv.plot.plot_roofline` accepts as ``points`` and ``measured`` becomes a
list of :class:`Point` here; the chart module only draws them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..devices import Device
from ..layers import Layer
from ..roofline import Projection, project
from ..validation import number, sequence, shown

__all__ = ["Point", "collect_points", "expected_rate"]


@dataclass
class Point:
    """One marker: ``device`` is the index of its device on the chart; ``parts`` the part
    projections of a composite (a DepSep's depthwise and pointwise), drawn with ``parts=True``;
    ``expected`` the FLOP/s at the projection's expected time where that is longer than the bound
    (``flops_per_s``), else None."""

    label: str
    intensity: float
    flops_per_s: float
    measured: bool
    device: int
    parts: tuple[Projection, ...] = ()
    expected: float | None = None


def expected_rate(p: Projection) -> float | None:
    """FLOP/s at ``p``'s expected time, or None where it has none or it equals the bound."""
    t = getattr(p, "expected_time", None)
    if t is None or not t > 0 or t <= p.time * (1 + 1e-9):
        return None
    return float(p.flops) / float(t)


def _is_layerish(obj: object) -> bool:
    return isinstance(obj, Layer) or (isinstance(obj, (list, tuple)) and len(obj) > 0
                                      and all(isinstance(x, Layer) for x in obj))


def _default_label(obj: object) -> str:
    if isinstance(obj, Layer):
        name = getattr(obj, "name", None)
        return name if isinstance(name, str) and name else type(obj).__name__
    if isinstance(obj, (list, tuple)):
        return f"network ({len(obj)} layers)"
    return str(getattr(obj, "name", type(obj).__name__))


def _normalise_points(points: Any) -> list[tuple[str | None, Any]]:
    """(label or None, item) for every point: layers, networks, projections, measured tuples."""
    if isinstance(points, Mapping):
        return [(str(k), _point_item(v, f"points[{k!r}]")) for k, v in points.items()]
    if _is_layerish(points) and not isinstance(points, (list, tuple)):
        return [(None, points)]
    if isinstance(points, Projection):
        return [(None, points)]
    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise ValueError(f"points={shown(points)} must be a layer, a network, a projection, a list of them, "
                         "(label, layer) pairs, (label, intensity, flops_per_s) tuples or a {label: layer} dict")
    out: list[tuple[str | None, Any]] = []
    for i, item in enumerate(points):
        if isinstance(item, tuple) and item and isinstance(item[0], str):
            if len(item) == 2:
                out.append((item[0], _point_item(item[1], f"points[{i}][1]")))
            elif len(item) in (3, 4):
                x = number(item[1], f"points[{i}][1] (intensity, FLOP/byte)", above=0)
                y = number(item[2], f"points[{i}][2] (FLOP/s)", above=0)
                out.append((item[0], ("measured", x, y, *item[3:])))
            else:
                raise ValueError(f"points[{i}]={shown(item)}: a tuple is (label, layer) or (label, intensity, flops_per_s)")
        else:
            out.append((None, _point_item(item, f"points[{i}]")))
    return out


def _point_item(item: Any, argument: str) -> Any:
    """A layer-like item or a projection; anything else is refused by name."""
    if _is_layerish(item) or isinstance(item, Projection) or hasattr(item, "nodes"):
        return item
    raise ValueError(f"{argument}={shown(item)} must be a layer, a network, a list of layers or a projection")


def _unique(label: str, taken: set[str]) -> str:
    if label not in taken:
        taken.add(label)
        return label
    i = 2
    while f"{label} #{i}" in taken:
        i += 1
    taken.add(f"{label} #{i}")
    return f"{label} #{i}"


def _device_id(where: Any) -> str:
    """The id of the device a measured point names (a Device or an id)."""
    return str(where.id) if hasattr(where, "id") else str(where)


def collect_points(points: Any, devs: Sequence[Device], precisions: Sequence[str], traffic: str,
                   measured: Mapping[Any, float] | Iterable[tuple[Any, float]] | None) -> list[Point]:
    """Every point of the chart: each layer-like item projected on every device (on the raw
    roofs drawn, so uncalibrated), projections on their own device, then measured points."""
    out: list[Point] = []
    taken: set[str] = set()
    labels_by_item: list[tuple[str, Any]] = []
    for label, item in _normalise_points(points):
        if isinstance(item, tuple) and item and item[0] == "measured":
            _, x, y, *where = item
            d = 0
            if where:
                ids = [dv.id for dv in devs]
                wid = _device_id(where[0])
                if wid not in ids:
                    raise ValueError(f"measured point {label!r} names device {wid!r}, which is not on the chart")
                d = ids.index(wid)
            out.append(Point(str(label), float(x), float(y), True, d))
            continue
        if label is None:
            label = item.name if isinstance(item, Projection) else _default_label(item)
        labels_by_item.append((_unique(label, taken), item))

    for label, item in labels_by_item:
        for d, dev in enumerate(devs):
            if isinstance(item, Projection):
                if item.device != dev.id:
                    if len(devs) == 1:
                        raise ValueError(f"point {label!r} is a projection on {item.device!r}, not on {dev.id!r}")
                    continue
                p = item
            else:
                # the bound is on the raw roofs drawn (calibration only moves the expected time)
                p = project(item, dev, precisions[d], traffic)
            out.append(Point(label, float(p.intensity), float(p.attainable), False, d, p.parts, expected_rate(p)))

    if measured is not None and not isinstance(measured, Mapping) and (
            isinstance(measured, (str, bytes)) or not isinstance(measured, Iterable)):
        raise ValueError(f"measured={shown(measured)} must be a {{label: flops_per_s}} dict or (label, flops_per_s) pairs")
    if measured:
        pairs = list(measured.items()) if isinstance(measured, Mapping) else list(measured)
        predicted = {(pt.device, pt.label): pt for pt in out if not pt.measured}
        for i, entry in enumerate(pairs):
            key, value = sequence(entry, f"measured[{i}]", length=2)
            if isinstance(key, tuple):
                where, label = sequence(key, f"measured key {i}", length=2)
                ids = [dv.id for dv in devs]
                wid = _device_id(where)
                if wid not in ids:
                    raise ValueError(f"measured[{key!r}]: device {wid!r} is not on the chart")
                d = ids.index(wid)
            else:
                label, d = key, 0
            pred = predicted.get((d, label))
            if pred is None:
                known = sorted({lbl for _, lbl in predicted})
                raise ValueError(f"measured[{label!r}]: no predicted point with that label; points are: "
                                 f"{', '.join(known) or '(none)'}")
            out.append(Point(label, pred.intensity, number(value, f"measured[{label!r}]", above=0), True, d))
    return out
