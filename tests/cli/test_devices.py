"""`roofline-conv devices` (cli/devices.py)."""

from __future__ import annotations

import json

from .helpers import run


def test_devices_list_show_schema(capsys):
    code, out, _ = run(capsys, "devices", "list")
    assert code == 0 and "v100-sxm2" in out and "ridge (FLOP/B)" in out
    code, out, _ = run(capsys, "devices", "show", "v100-sxm2")
    assert code == 0 and "125" in out and "datasheet" in out and "TFLOP/s" in out and "GB/s" in out
    code, out, _ = run(capsys, "devices", "schema")
    assert code == 0 and "properties" in json.loads(out)
