"""`roofline-conv study` (cli/study.py): the tables in every format, the batch, the charts."""

from __future__ import annotations

import json

from roofline_conv.cli import main

from .helpers import run


def test_study_markdown(capsys):
    assert main(["study", "--no-measure", "--no-charts"]) == 0
    out = capsys.readouterr().out
    assert "7,398,752,256" in out and "879,886,336" in out and "569.5" in out and "68.4" in out
    assert "1 MAC = 2 FLOP" in out and "FLOP/byte" in out and "MB" in out
    assert "unfused" in out and "FLOPs (2 x MACs)" in out


def test_study_json_and_csv(capsys):
    assert main(["study", "--no-measure", "--no-charts", "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    rows = {r["quantity"]: r for r in tables[0]["rows"]}
    assert rows["params"]["standard"] == 147456 and rows["params"]["depsep"] == 17536
    assert main(["study", "--no-measure", "--no-charts", "--format", "csv"]) == 0
    assert "quantity,unit,standard,DepSep" in capsys.readouterr().out


def test_study_batch_flows_through(capsys):
    assert main(["study", "--no-measure", "--no-charts", "--batch", "16", "--format", "json"]) == 0
    rows = {r["quantity"]: r for r in json.loads(capsys.readouterr().out)["tables"][0]["rows"]}
    assert rows['MACs (the study\'s "FLOPs")']["standard"] == 16 * 7_398_752_256


def test_study_writes_charts(capsys, tmp_path):
    code, out, _ = run(capsys, "study", "--no-measure", "--charts", str(tmp_path / "charts"))
    assert code == 0 and "charts written" in out
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["intensity_vs_channels_fp16.png", "intensity_vs_channels_fp32.png", "roofline_e5-2698v4.png", "roofline_tpuv2-all.png",
                     "roofline_tpuv2-core.png", "roofline_v100-b16.png"]


def test_study_refuses_flags_it_would_ignore(capsys, tmp_path):
    """--threads with --no-measure is a bad value (1); --charts with --no-charts a bad flag (2)."""
    import pytest

    assert main(["study", "--no-measure", "--threads", "2", "--no-charts"]) == 1
    assert "--threads sets the BLAS threads" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["study", "--no-charts", "--charts", str(tmp_path / "c")])
    assert info.value.code == 2 and not (tmp_path / "c").exists()
