"""Shorter views of a long per-layer table: rows summed per parent module (``depth``), and the
heaviest rows (``top``). Rows are :func:`roofline_conv.report.network.rows`' dicts."""

from __future__ import annotations

from typing import Any

from ..validation import integer

SUMMED = ("params", "macs", "flops", "bytes", "time", "expected_time", "share")
"""The row fields a module's row sums over its layers."""


def module_of(name: str, depth: int) -> str:
    """The first ``depth`` dot-separated parts of a node name (``layer1.0.conv1``, depth 1:
    ``layer1``)."""
    return ".".join(name.split(".")[:depth])


def by_depth(rows: list[dict[str, Any]], depth: int) -> list[dict[str, Any]]:
    """One row per module at ``depth`` (in the order the modules first appear): the sums of
    :data:`SUMMED`, the intensity recomputed, the last layer's output shape, the first layer's
    index, ``kind`` the number of layers, and unit and bound joined over distinct values."""
    depth = integer(depth, "depth", minimum=1)
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(module_of(r["name"], depth), []).append(r)
    out = []
    for name, members in groups.items():
        first = members[0]
        if len(members) == 1:
            out.append(dict(first))
            continue
        row: dict[str, Any] = dict(first, name=name, kind=f"{len(members)} layers",
                                   output_shape=members[-1]["output_shape"], fused_into="")
        for key in SUMMED:
            if key in first:
                row[key] = sum(m[key] for m in members)
        row["intensity"] = row["flops"] / row["bytes"] if row["bytes"] else None
        for key in ("unit", "bound"):
            if key in first:
                row[key] = "+".join(dict.fromkeys(str(m[key]) for m in members if m[key]))
        out.append(row)
    return out


def heaviest(rows: list[dict[str, Any]], k: int, by: str) -> list[dict[str, Any]]:
    """The ``k`` rows with the largest ``by`` (``time`` or ``macs``), heaviest first."""
    k = integer(k, "top", minimum=1)
    return sorted(rows, key=lambda r: r[by], reverse=True)[:k]


__all__ = ["SUMMED", "by_depth", "heaviest", "module_of"]
