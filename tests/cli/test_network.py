"""`roofline-conv network`: per-layer table and totals, formats, training, clear errors."""

from __future__ import annotations

import json

import pytest

from roofline_conv.cli import main

from .helpers import run


def test_network_markdown_with_device(capsys):
    assert main(["network", "mobilenet_v2", "--device", "v100-sxm2", "--precision", "fp16"]) == 0
    out = capsys.readouterr().out
    assert "mobilenet_v2 on v100-sxm2" in out and "share of time (%)" in out
    assert "3,504,872" in out and "300,774,272" in out and "images/s" in out
    assert "| 0 | stem.conv | conv | 32x112x112 |" in out


def test_network_json_csv_and_options(capsys):
    assert main(["network", "resnet18", "--format", "json", "--batch", "4", "--no-fuse"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    rows, total = tables[0]["rows"], tables[0]["totals"][0]
    assert total["layer"] == "total" and total["macs"] == 4 * 1_814_073_344
    assert "unfused" in tables[0]["title"] and all(r["fused_into"] == "" for r in rows)
    assert main(["network", "mobilenet_v1", "-O", "alpha=0.5", "--format", "csv"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("# layers: mobilenet_v1_0.5_224") and "149,497,088" not in out
    assert out.startswith("#,layer,kind") and sum(int(line.split(",")[5]) for line in out.splitlines()[1:]) == 149497088


def test_network_fuse_flag_changes_bytes(capsys):
    main(["network", "vgg16", "--format", "json", "--fuse"])
    fused = json.loads(capsys.readouterr().out)["tables"][0]["totals"][0]
    main(["network", "vgg16", "--format", "json", "--no-fuse"])
    unfused = json.loads(capsys.readouterr().out)["tables"][0]["totals"][0]
    key = "traffic"
    assert fused[key] < unfused[key]


def test_network_training(capsys):
    assert main(["network", "cifar_cnn", "--training", "--device", "v100-sxm2", "--precision", "fp32",
                 "--batch", "128", "--optimizer", "sgd", "--skip-input-grad"]) == 0
    out = capsys.readouterr().out
    assert "training step" in out and "data-grad MACs" in out and "images/s" in out


def test_network_list(capsys):
    assert main(["network", "list"]) == 0
    out = capsys.readouterr().out
    assert "efficientnet_b0" in out and "5,288,548" in out


@pytest.mark.parametrize("argv, needle", [
    (["network", "mobilenet_v3"], "name='mobilenet_v3' is not a known model (did you mean 'mobilenet_v2'?)"),
    (["network", "resnet18", "--device", "v10"], "--device='v10' is not a known device id (did you mean 'v100-sxm2' or 'v100-pcie'?)"),
    (["network", "resnet18", "--device", "xeon-e5-2698v4"], "has no unit for 'conv' at precision 'fp16'"),
    (["network", "resnet18", "-O", "alpha=1"], "resnet18 has no option 'alpha'; its options are"),
    (["network", "resnet18", "--batch", "0"], "batch=0 must be >= 1"),
])
def test_network_errors_are_one_line(capsys, argv, needle):
    assert main(argv) == 1
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert needle in err and "\n" not in err and err.startswith("roofline-conv network: error:")
    assert captured.out == ""


def test_a_malformed_option_is_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["network", "resnet18", "-O", "alpha"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "argument --option/-O: 'alpha' must be KEY=VALUE" in err and err.count("\n") == 1


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
    assert any("linear" in json.dumps(r) for r in json.loads(out)["tables"][0]["rows"])
