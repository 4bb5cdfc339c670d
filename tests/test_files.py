"""Layer and network files: loaded, validated, one clear error per problem."""

from __future__ import annotations

import json

import pytest

from roofline_conv import Conv2d, DepSep, files


def test_layer_file_toml_and_json(tmp_path):
    t = tmp_path / "l.toml"
    t.write_text('[layer]\nkind = "depsep"\nin_channels = 128\nout_channels = 128\nkernel_size = 3\n'
                 'input_size = [224, 224]\npadding = "same"\n')
    assert files.load(t) == DepSep(128, 128, 3, 224, padding="same")
    j = tmp_path / "l.json"
    j.write_text(json.dumps({"layer": {"kind": "conv", "in_channels": 8, "out_channels": 16, "kernel_size": [3, 1],
                                       "input_size": 32, "stride": 2, "padding": [1, 0], "groups": 2, "bias": True}}))
    assert files.load(j) == Conv2d(8, 16, (3, 1), 32, stride=2, padding=(1, 0), groups=2, bias=True)


def test_network_file(tmp_path):
    f = tmp_path / "n.toml"
    f.write_text('[network]\ninput_shape = [3, 32, 32]\nbatch = 4\nlayers = [\n'
                 '  {op = "conv", out_channels = 8, kernel_size = 3, padding = 1}, {op = "relu"},\n'
                 '  {op = "residual", body = [{op = "conv", out_channels = 8, kernel_size = 3, padding = 1}]},\n'
                 '  {op = "maxpool", kernel_size = 2}, {op = "flatten"}, {op = "linear", out_features = 10},\n]\n')
    net = files.load(f)
    assert net.batch == 4 and net.params == (8 * 3 * 9) + (8 * 8 * 9) + (8 * 16 * 16 * 10 + 10)


@pytest.mark.parametrize("data, needle", [
    ({"layer": {"kind": "conv2d"}}, "layer.kind: 'conv2d' is not a layer kind; use one of conv, depthwise, pointwise, depsep (did you mean 'conv'?)"),
    ({"layer": {"kind": "conv", "in_channels": 8, "out_channels": 8, "kernel_size": 3}}, "layer: missing required field 'input_size'"),
    ({"layer": {"kind": "conv", "in_channels": 8, "out_channels": 8, "kernel_size": 3, "input_size": 8, "groups": 3}},
     "layer: groups=3 does not divide in_channels=8"),
    ({"layer": {"kind": "depthwise", "in_channels": 8}}, "layer.in_channels: is not a depthwise field"),
    ({"layers": {}}, "unknown top-level key 'layers' (did you mean 'layer'?)"),
    ({}, "must hold exactly one of 'layer' or 'network'"),
    ({"network": {"layers": [{"op": "relu"}]}}, "network.input_shape: is required"),
    ({"network": {"input_shape": [3, 8, 8], "layers": []}}, "network.layers: must be a non-empty list"),
    ({"network": {"input_shape": [3, 8, 8], "layers": [{"op": "rellu"}]}}, "network.layers[0].op: op 'rellu' is not known (did you mean 'relu'?)"),
    ({"network": {"input_shape": [3, 8, 8], "layers": [{"op": "conv", "out_channels": 4, "kernal_size": 3}]}},
     "network.layers[0].kernal_size: is not an argument of conv"),
    ({"network": {"input_shape": [3, 8, 8], "layers": [{"kind": "conv"}]}}, "network.layers[0]: must be a table with an 'op' key"),
    ({"network": {"input_shape": [3, 8, 8], "layers": [{"op": "residual"}]}}, "network.layers[0]: needs a 'body' list"),
    ({"network": {"input_shape": [3, 8, 8], "batchsize": 2, "layers": [{"op": "relu"}]}}, "network.batchsize: is not a network field"),
])
def test_errors_name_file_field_and_rule(data, needle):
    with pytest.raises(files.SpecFileError) as info:
        files.from_dict(data, "spec.toml")
    assert str(info.value).startswith("spec.toml: ")
    assert needle in str(info.value)


def test_syntax_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[layer\nkind = 1\n")
    with pytest.raises(ValueError, match=r"bad\.toml: invalid TOML"):
        files.load(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"layer": }')
    with pytest.raises(ValueError, match=r"bad\.json: line 1: invalid JSON"):
        files.load(bad_json)
    with pytest.raises(ValueError, match="cannot be read"):
        files.load(tmp_path / "missing.toml")
