"""The console script, the package's hygiene (typed, no import-time work)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import roofline_conv
from roofline_conv.cli import main


def test_study_markdown(capsys):
    assert main(["study", "--no-measure", "--no-charts"]) == 0
    out = capsys.readouterr().out
    assert "7,398,752,256" in out and "879,886,336" in out and "569.5" in out and "68.4" in out
    assert "1 MAC = 2 FLOP" in out and "FLOP/byte" in out and "MB" in out
    assert "unfused" in out and "FLOPs (2 x MACs)" in out


def test_study_json_and_csv(capsys):
    assert main(["study", "--no-measure", "--no-charts", "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    rows = {r["quantity"]: r for r in tables[0]["rows"]}
    assert rows["params"]["standard"] == 147456 and rows["params"]["DepSep"] == 17536
    assert main(["study", "--no-measure", "--no-charts", "--format", "csv"]) == 0
    assert "quantity,unit,standard,DepSep" in capsys.readouterr().out


def test_study_batch_flows_through(capsys):
    assert main(["study", "--no-measure", "--no-charts", "--batch", "16", "--format", "json"]) == 0
    rows = {r["quantity"]: r for r in json.loads(capsys.readouterr().out)[0]["rows"]}
    assert rows['MACs (the study\'s "FLOPs")']["standard"] == 16 * 7_398_752_256


def test_bad_flag_exits_nonzero(capsys):
    try:
        main(["study", "--no-measure", "--no-charts", "--format", "xml"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_py_typed_shipped():
    assert (Path(roofline_conv.__file__).parent / "py.typed").exists()


def test_import_has_no_side_effects():
    code = (
        "import sys, roofline_conv; "
        "print(sorted(m for m in sys.modules if m.startswith('roofline_conv')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out)
    assert "roofline_conv.devices" not in loaded and "roofline_conv.study" not in loaded
    assert "roofline_conv.measure" not in loaded
