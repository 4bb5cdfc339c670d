"""`roofline-conv devices`: the catalog, one device's figures with sources, the file schema."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..report import Table
from .common import add_format, device_table, load_device


def register(sub: Any) -> None:
    p = sub.add_parser(
        "devices", help="list the device catalog, show one device with sources, or print the file schema",
        description="ACTION list: every catalog device with its main peak and bandwidth. ACTION show ID|FILE: every "
        "figure with provenance and source. ACTION schema: the JSON schema of a device file (for editors).",
        epilog="examples: roofline-conv devices list\n          roofline-conv devices show v100-sxm2",
    )
    p.add_argument("action", choices=("list", "show", "schema"))
    p.add_argument("device", nargs="?", help="device id or TOML file (with show)")
    add_format(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> list[Table] | str:
    from ..devices import Device, all_devices

    if args.device and args.action != "show":
        raise ValueError(f"devices {args.action} takes no device; to see one: `roofline-conv devices show {args.device}`")
    if args.action == "schema":
        return json.dumps(Device.json_schema(), indent=2)
    if args.action == "show":
        if not args.device:
            raise ValueError("devices show needs a device id or file, e.g. `roofline-conv devices show v100-sxm2`")
        return [device_table(load_device(args.device))]
    rows = []
    for d in all_devices():
        unit_name = d.unit_for["conv"][0]
        best = max(d.units[unit_name].peaks.items(), key=lambda kv: kv[1].value)
        rows.append([d.id, d.name, d.kind, d.constant or "", f"{unit_name} {best[0]}", best[1].value / 1e12,
                     d.bandwidth() / 1e9, d.ridge_point(unit_name, best[0])])
    return [Table(title="device catalog", columns=["id", "name", "kind", "constant", "matrix/main unit", "peak (TFLOP/s)",
                                                   "main memory (GB/s)", "ridge (FLOP/B)"], rows=rows,
                  notes=["Dense peaks. `roofline-conv devices show ID` lists every figure with its source."], name="devices")]
