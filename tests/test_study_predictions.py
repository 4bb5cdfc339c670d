"""The study's measurements explained: prediction beside every published row."""

from __future__ import annotations

import pytest

from roofline_conv import study
from roofline_conv.cli import main


@pytest.fixture(scope="module")
def rows():
    return {r["id"]: r for r in study.prediction_rows()}


def test_every_published_row_is_covered(rows):
    assert set(rows) == {"v100-b1", "v100-b16", "tpuv2-core", "tpuv2-all", "e5-2698v4"}


def test_direction_of_depsep_speedup_right_on_every_row(rows):
    expected = {"v100-b1": True, "v100-b16": True, "tpuv2-core": False, "tpuv2-all": False, "e5-2698v4": True}
    for rid, faster in expected.items():
        assert (rows[rid]["predicted_speedup"] > 1) is faster, rid
        assert (rows[rid]["published_speedup"] > 1) is faster, rid
        assert rows[rid]["direction_right"]


def test_roofline_is_an_upper_bound(rows):
    for r in rows.values():
        assert r["predicted_conv_per_s"] >= r["published_conv_per_s"], r["id"]
        assert r["predicted_depsep_per_s"] >= r["published_depsep_per_s"], r["id"]
        assert 0 < r["efficiency_conv"] <= 1 and 0 < r["efficiency_depsep"] <= 1


def test_mechanisms_named(rows):
    assert rows["tpuv2-core"]["depsep_lowering"].startswith("block_diagonal")
    assert rows["v100-b16"]["depsep_units"] == "cuda+tensor"
    assert rows["v100-b16"]["conv_bound"] == "compute: tensor"
    assert rows["v100-b16"]["depsep_bound"].startswith("memory: hbm")  # the depthwise part
    assert rows["e5-2698v4"]["precision"] == "fp32"


def test_plain_roofline_gets_tpu_rows_wrong():
    plain = {r["id"]: r for r in study.prediction_rows(plain=True)}
    assert not plain["tpuv2-core"]["direction_right"] and not plain["tpuv2-all"]["direction_right"]
    assert plain["v100-b16"]["direction_right"] and plain["e5-2698v4"]["direction_right"]


def test_unfused_still_right(rows):
    for r in study.prediction_rows("unfused"):
        assert r["direction_right"] and r["bound_holds"], r["id"]


def test_study_cli_has_prediction_tables(capsys):
    assert main(["study", "--no-measure", "--no-charts"]) == 0
    out = capsys.readouterr().out
    for needle in ("Tesla V100", "TPUv2, one core", "TPUv2, all cores", "Xeon E5-2698 v4", "bound conv/s (std)",
                   "expected conv/s (std)", "plain per-unit roofline", "block_diagonal", "'valid'",
                   "DepSep / plain expected", "what the bound leaves out"):
        assert needle in out


def test_cifar_table_params_and_rows():
    table = study.cifar_table()
    params = table.rows[0]
    assert (params[3], params[5]) == (528_778, 528_778) and (params[6], params[8]) == (135_973, 135_973)
    rows = study.cifar_rows()
    assert [(r["platform"], r["batch"], r["precision"]) for r in rows] == [
        ("V100", 128, "fp16"), ("TPUv2", 32, "bf16"), ("TPUv2", 128, "bf16"), ("E5-2698", 32, "fp32")]
    cpu = rows[-1]
    assert cpu["direction_right"] and cpu["predicted_ratio"] > 2
    text = table.to_markdown()
    assert "CIFAR-10" in text and "images/s" in text and "n/a" in text
