"""`roofline-conv layer`, `project`, `measure` and `crossover` (cli/layer.py)."""

from __future__ import annotations

import json
import warnings

from roofline_conv.cli import EXIT_INPUT

from .helpers import run


def test_layer_table_with_units_and_projection(capsys):
    code, out, _ = run(capsys, "layer", "depsep", "--in", "128", "--out", "128", "-k", "3", "--size", "224",
                       "--device", "v100-sxm2")
    assert code == 0
    for needle in ("879,886,336", "25,725,184", "FLOP/byte at fp16", "intermediate", "DepSep on v100-sxm2", "time (us)"):
        assert needle in out


def test_layer_json_and_csv(capsys):
    code, out, _ = run(capsys, "layer", "conv", "--in", "64", "--size", "56", "--format", "json")
    rows = {r["quantity"]: r for r in json.loads(out)[0]["rows"]}
    assert code == 0 and rows["macs"]["value"] == 9 * 64 * 64 * 56 * 56
    code, out, _ = run(capsys, "layer", "--study", "conv", "--format", "csv")
    assert "macs,7398752256" in out.replace(" ", "")


def test_project_several_devices_and_model(capsys):
    code, out, _ = run(capsys, "project", "--study", "depsep", "--device", "v100-sxm2", "--device", "tpuv2-core")
    assert code == 0 and "on v100-sxm2" in out and "on tpuv2-core" in out and "block_diagonal" in out
    code, out, _ = run(capsys, "project", "--model", "resnet18", "--device", "a100-sxm-40gb", "--format", "json")
    assert code == 0 and len(json.loads(out)[0]["rows"]) > 20


def test_crossover_both_kinds(capsys):
    code, out, _ = run(capsys, "crossover", "batch", "pointwise", "--in", "256", "--size", "14",
                       "--device", "xeon-e5-2698v4", "--precision", "fp32")
    assert code == 0 and "compute-bound from batch = 1" in out
    code, out, _ = run(capsys, "crossover", "N", "--device", "tpuv2-core", "--precision", "bf16", "--max", "512")
    assert code == 0 and "N in [129, 512]" in out


def test_measure_prints_time_and_rate(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, out, err = run(capsys, "measure", "pointwise", "--in", "32", "--size", "28", "--repeats", "3")
    assert code == 0 and "median time" in out and "GFLOP/s" in out and "measuring" in err


def test_measure_refuses_over_memory_limit(capsys):
    code, _, err = run(capsys, "measure", "conv", "--in", "256", "--size", "1024", "--memory-limit", "1000000")
    assert code == EXIT_INPUT and "memory limit" in err and err.count("\n") <= 2
