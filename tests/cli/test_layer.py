"""`roofline-conv layer`, `project`, `measure` and `crossover` (cli/layer.py)."""

from __future__ import annotations

import json
import warnings

import pytest

from roofline_conv.cli import EXIT_INPUT

from .helpers import run


def test_layer_table_with_units_and_projection(capsys):
    code, out, _ = run(capsys, "layer", "depsep", "--in", "128", "--out", "128", "-k", "3", "--size", "224",
                       "--padding", "same", "--device", "v100-sxm2")
    assert code == 0
    for needle in ("879,886,336", "25,725,184", "FLOP/byte at fp16", "intermediate", "DepSep on v100-sxm2", "time (us)"):
        assert needle in out


def test_layer_json_and_csv(capsys):
    code, out, _ = run(capsys, "layer", "conv", "--in", "64", "--size", "56", "--format", "json")
    rows = {r["quantity"]: r for r in json.loads(out)["tables"][0]["rows"]}
    assert code == 0 and rows["macs"]["value"] == 9 * 64 * 64 * 54 * 54  # padding 0 by default, as Conv2d
    code, out, _ = run(capsys, "layer", "--study", "conv", "--format", "csv")
    assert "macs,7398752256" in out.replace(" ", "")


def test_project_several_devices_and_model(capsys):
    code, out, _ = run(capsys, "project", "--study", "depsep", "--device", "v100-sxm2", "--device", "tpuv2-core")
    assert code == 0 and "on v100-sxm2" in out and "on tpuv2-core" in out and "block_diagonal" in out
    code, out, _ = run(capsys, "project", "--model", "resnet18", "--device", "a100-sxm-40gb", "--format", "json")
    assert code == 0 and len(json.loads(out)["tables"][0]["rows"]) > 20


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


@pytest.mark.parametrize("argv, needle", [
    (["N", "--in", "0"], "--in=0 must be >= 1"),                     # was: silently the study's 128
    (["N", "--size", "0"], "--size=0 must be >= 1"),
    (["M", "--out", "-3"], "--out=-3 must be >= 1"),
    (["N", "-k", "0"], "-k=0 must be >= 1"),
    (["N", "--batch", "0"], "--batch=0 must be >= 1"),
    (["N", "--in", str(2**40)], "--in=1099511627776 must be >= 1 and <= 2147483648"),
    (["N", "--max", "0"], "--max=0 must be >= 1"),                   # was: "no N in [1, 0]"
    (["Dk", "--max", "-1"], "--max=-1 must be >= 1"),
    (["N", "--max", str(2**40)], "<= 2147483648"),
    (["batch", "pointwise", "--in", "64", "--size", "14", "--max", "0"], "--max=0 must be >= 1"),
    (["batch", "pointwise", "--in", "0", "--size", "14"], "in_channels=0 must be >= 1"),
    (["N", "--out", "64"], "--out does not apply to `crossover N`"),
    (["M", "--in", "64"], "--in does not apply to `crossover M`"),
    (["Dk", "-k", "5"], "-k does not apply to `crossover Dk`"),
    (["N", "conv"], "KIND does not apply to `crossover N`"),
    (["N", "--stride", "2"], "--stride does not apply"),
    (["N", "--padding", "1"], "--padding does not apply"),
    (["N", "--groups", "2"], "--groups does not apply"),
    (["N", "--bias"], "--bias does not apply"),
    (["N", "--study"], "--study does not apply"),
    (["input_size", "conv", "--in", "8", "--size", "8", "-k", "7", "--padding", "valid", "--max", "4"],
     "hi=4 must be >= 7"),
    (["in_channels", "conv", "--in", "8", "--size", "8", "--groups", "2"], "grouped conv (groups=2)"),
])
def test_crossover_bad_values_exit_1_with_one_line(capsys, argv, needle):
    code, out, err = run(capsys, "crossover", *argv, "--device", "v100-sxm2")
    assert code == EXIT_INPUT and out == "" and err.count("\n") == 1, err
    assert needle in err and err.startswith("roofline-conv crossover: error: "), err


def test_crossover_uses_the_flags_given(capsys):
    code, out, _ = run(capsys, "crossover", "N", "--in", "64", "--size", "28", "--device", "v100-sxm2", "--max", "64")
    assert code == 0 and "in_channels=64" in out and "input_size=28" in out and "out_channels" not in out.split("\n")[0]


def test_measure_refuses_zero_repeats_before_any_progress(capsys):
    """One line on stderr: the error, with no 'measuring ...' line before it."""
    code, _, err = run(capsys, "measure", "conv", "--in", "8", "--size", "8", "--repeats", "0")
    assert code == 1
    err = err.strip().splitlines()
    assert err == ["roofline-conv measure: error: --repeats=0 must be >= 1 and <= 2147483648"]


def test_a_layer_from_flags_loads_neither_the_study_nor_the_file_reader():
    """Start-up: the study's data models and the file reader are imported for --study / --file only."""
    import subprocess
    import sys

    code = ("import contextlib, io, sys; from roofline_conv.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['layer', 'conv', '--in', '64', '--size', '56', '--device', 'v100-sxm2'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('roofline_conv')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'roofline_conv.layers.conv'" in loaded
    assert "'roofline_conv.study'" not in loaded and "'roofline_conv.study_data'" not in loaded
    assert "'roofline_conv.files'" not in loaded


def test_measure_with_the_torch_backend_in_both_layouts(capsys):
    pytest.importorskip("torch")
    for layout in ("nchw", "channels_last"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code, out, err = run(capsys, "measure", "conv", "--in", "8", "--size", "8", "--padding", "1", "--repeats", "2",
                                 "--threads", "1", "--backend", "torch", "--layout", layout,
                                 "--device-file", "xeon-e5-2698v4")
        assert code == 0 and f"PyTorch, cpu, {layout}" in out and "calibrated error" in out


def test_measure_a_zoo_network_with_torch(capsys):
    pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, out, _ = run(capsys, "measure", "--model", "cifar_cnn", "--repeats", "1", "--threads", "1",
                           "--backend", "torch")
    assert code == 0 and "cifar_cnn" in out and "median time" in out


def test_measure_without_torch_says_how_to_install(capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)
    code, out, err = run(capsys, "measure", "conv", "--in", "8", "--size", "8", "--backend", "torch")
    assert code == EXIT_INPUT and out == "" and "pip install roofline_conv[torch]" in err and "Traceback" not in err
    assert err.count("\n") == 1  # no progress line before the refusal
