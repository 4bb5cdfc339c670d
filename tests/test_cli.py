"""Every `roofline-conv` subcommand: output with units, --help examples, exit codes, files, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from roofline_conv.cli import EXIT_INPUT, EXIT_USAGE, build_parser, main
from roofline_conv.cli import common


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_subcommand_has_help_with_an_example():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == {"study", "layer", "project", "measure", "crossover", "network", "devices", "plot", "calibrate"}
    for name, p in sub.choices.items():
        assert "example" in (p.epilog or ""), name
        assert "roofline-conv " + name in p.epilog, name


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


def test_devices_list_show_schema(capsys):
    code, out, _ = run(capsys, "devices", "list")
    assert code == 0 and "v100-sxm2" in out and "ridge (FLOP/B)" in out
    code, out, _ = run(capsys, "devices", "show", "v100-sxm2")
    assert code == 0 and "125" in out and "datasheet" in out and "TFLOP/s" in out and "GB/s" in out
    code, out, _ = run(capsys, "devices", "schema")
    assert code == 0 and "properties" in json.loads(out)


def test_network_from_zoo_and_file(capsys, tmp_path):
    code, out, _ = run(capsys, "network", "mobilenet_v2", "--device", "v100-sxm2", "--precision", "fp16")
    assert code == 0 and "share" in out
    f = tmp_path / "net.toml"
    f.write_text('[network]\nname = "tiny"\ninput_shape = [3, 32, 32]\nlayers = [\n'
                 '  {op = "conv", out_channels = 16, kernel_size = 3, padding = 1}, {op = "batchnorm"}, {op = "relu"},\n'
                 '  {op = "residual", body = [{op = "depsep", out_channels = 16, kernel_size = 3, padding = 1}]},\n'
                 '  {op = "global_avgpool"}, {op = "flatten"}, {op = "linear", out_features = 10},\n]\n')
    code, out, err = run(capsys, "network", str(f), "--device", "tpuv2-core", "--format", "json")
    assert code == 0, err
    assert any("linear" in json.dumps(r) for r in json.loads(out)[0]["rows"])


def test_measure_prints_time_and_rate(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, out, err = run(capsys, "measure", "pointwise", "--in", "32", "--size", "28", "--repeats", "3")
    assert code == 0 and "median time" in out and "GFLOP/s" in out and "measuring" in err


def test_measure_refuses_over_memory_limit(capsys):
    code, _, err = run(capsys, "measure", "conv", "--in", "256", "--size", "1024", "--memory-limit", "1000000")
    assert code == EXIT_INPUT and "memory limit" in err and err.count("\n") <= 2


def test_plot_writes_charts(capsys, tmp_path):
    png, svg = tmp_path / "r.png", tmp_path / "s.svg"
    code, _, _ = run(capsys, "plot", "roofline", "--device", "v100-sxm2", "--device", "tpuv2-core", "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    code, _, _ = run(capsys, "plot", "sweep", "--device", "v100-sxm2", "--values", "16,64,256", "-o", str(svg))
    assert code == 0 and svg.read_text().lstrip().startswith("<?xml")
    code, _, err = run(capsys, "plot", "roofline", "--device", "v100-sxm2", "-o", str(tmp_path / "r.bmp"))
    assert code == EXIT_INPUT and "bmp" in err and not (tmp_path / "r.bmp").exists()


def test_study_writes_charts(capsys, tmp_path):
    code, out, _ = run(capsys, "study", "--no-measure", "--charts", str(tmp_path / "charts"))
    assert code == 0 and "charts written" in out
    names = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert names == ["intensity_vs_channels_fp16.png", "intensity_vs_channels_fp32.png", "roofline_e5-2698v4.png", "roofline_tpuv2-all.png",
                     "roofline_tpuv2-core.png", "roofline_v100-b16.png"]


@pytest.mark.parametrize("argv, needle", [
    (["layer", "conv", "--in", "128", "--groups", "3", "--size", "8"], "groups=3 does not divide in_channels=128"),
    (["layer", "conv", "--size", "8"], "conv needs --in"),
    (["layer"], "name a layer"),
    (["project", "--study", "conv", "--device", "v100-sxm3"], "did you mean 'v100-sxm2'"),
    (["devices", "show"], "devices show needs a device"),
    (["network", "resnet19"], "resnet18"),
    (["layer", "--file", "/nonexistent.toml"], "/nonexistent.toml: cannot be read"),
])
def test_errors_are_one_line_and_exit_1(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == EXIT_INPUT and needle in err and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["layer", "conv", "--precision", "fp13"])
    assert info.value.code == EXIT_USAGE


def test_interrupt_leaves_no_partial_file(tmp_path):
    target = tmp_path / "chart.png"

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half a chart")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        common.write_atomically(target, write)
    assert list(tmp_path.iterdir()) == []


def test_interrupt_exit_code(monkeypatch, capsys):
    from roofline_conv.cli import layer as layer_cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(layer_cli, "run_layer", interrupted)  # registered when main() builds the parser
    assert main(["layer", "--study", "conv"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_console_script_entry_point_and_module():
    out = subprocess.run([sys.executable, "-m", "roofline_conv", "layer", "--study", "depsep"], capture_output=True,
                         text=True, check=True).stdout
    assert "879,886,336" in out


def test_written_files_get_usual_permissions(tmp_path):
    import os
    import stat

    path = common.write_text(tmp_path / "out.toml", "x = 1\n")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_sweep_padding_flag_is_checked(capsys, tmp_path):
    code, _, err = run(capsys, "plot", "sweep", "--device", "v100-sxm2", "--padding", "full", "-o", str(tmp_path / "s.png"))
    assert code == EXIT_INPUT and "--padding 'full' must be an int, 'same' or 'valid'" in err
