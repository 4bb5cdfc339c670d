"""Layer and network files: loaded, validated, one clear error per problem."""

from __future__ import annotations

import inspect
import json
import math
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep, files, network, reading
from roofline_conv.layers import Depthwise, Pointwise


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
    with pytest.raises(ValueError, match=r"bad\.toml: TOML syntax error"):
        files.load(bad)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"layer": }')
    with pytest.raises(ValueError, match=r"bad\.json: line 1: invalid JSON"):
        files.load(bad_json)
    with pytest.raises(ValueError, match="cannot be read"):
        files.load(tmp_path / "missing.toml")


# -- every value is checked by its field's rule; the error names the file and the field ----------
ODD = st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]), st.none(),
                st.dictionaries(st.sampled_from(["a", "h"]), st.integers(1, 3), min_size=1, max_size=2),
                st.lists(st.lists(st.integers(1, 3), min_size=1, max_size=2), min_size=1, max_size=2))
NOT_COUNTS = st.one_of(ODD, st.booleans(), st.text(max_size=4), st.sampled_from(["8", "3x3", "1e3"]),
                       st.integers(max_value=0), st.floats(allow_nan=False).filter(lambda x: x != 0), st.just(8.0),
                       st.lists(st.integers(1, 4), min_size=1, max_size=3))
NOT_SIZES = st.one_of(ODD, st.booleans(), st.text(max_size=4), st.integers(max_value=0), st.just(3.0),
                      st.lists(st.integers(1, 3), min_size=3, max_size=4), st.lists(st.integers(1, 3), max_size=1),
                      st.lists(st.one_of(st.booleans(), st.just(2.0), st.integers(max_value=0)), min_size=2, max_size=2))
NOT_PADDINGS = st.one_of(ODD, st.booleans(), st.sampled_from(["full", "SAME", ""]), st.integers(max_value=-1), st.just(1.0),
                         st.lists(st.integers(0, 2), min_size=3, max_size=3))
NOT_SHAPES = st.one_of(ODD, st.booleans(), st.text(max_size=4), st.integers(max_value=0), st.just(3.0),
                       st.lists(st.integers(1, 3), min_size=2, max_size=2), st.lists(st.integers(1, 3), min_size=4, max_size=5),
                       st.lists(st.one_of(st.booleans(), st.just(2.0), st.integers(max_value=0)), min_size=3, max_size=3))
NOT_FLAGS = st.one_of(ODD.filter(lambda v: v is not None), st.integers(), st.sampled_from(["true", "yes", "no"]), st.just(1.0))
BAD = {"in_channels": NOT_COUNTS, "out_channels": NOT_COUNTS, "groups": NOT_COUNTS, "batch": NOT_COUNTS,
       "kernel_size": NOT_SIZES, "input_size": NOT_SIZES, "stride": NOT_SIZES, "dilation": NOT_SIZES,
       "padding": NOT_PADDINGS, "bias": NOT_FLAGS}
LAYER = {"kind": "conv", "in_channels": 8, "out_channels": 8, "kernel_size": 3, "input_size": 16}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(BAD)), st.data())
def test_bad_layer_values_name_the_file_and_the_field(field, data):
    value = data.draw(BAD[field])
    with pytest.raises(files.SpecFileError) as info:
        files.from_dict({"layer": dict(LAYER, **{field: value})}, "l.toml")
    assert str(info.value).startswith(f"l.toml: layer.{field}: "), str(info.value)


NET_BAD = {k: v for k, v in BAD.items() if k not in ("in_channels", "input_size", "batch")}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(NET_BAD) + ["se ratio", "network batch", "network input_shape", "network fuse",
                                          "network name", "item name"]), st.data())
def test_bad_network_values_name_the_file_and_the_field(field, data):
    layers = [{"op": "conv", "out_channels": 8, "kernel_size": 3, "padding": 1}, {"op": "relu"},
              {"op": "conv", "out_channels": 8, "kernel_size": 3}, {"op": "se"}]
    spec = {"input_shape": [3, 16, 16], "layers": layers}
    if field == "se ratio":
        layers[3]["ratio"] = data.draw(st.one_of(ODD, st.booleans(), st.text(max_size=3), st.floats(max_value=0)))
        where = "network.layers[3].ratio"
    elif field.startswith("network "):
        key = field.split()[1]
        rule = {"batch": NOT_COUNTS, "input_shape": NOT_SHAPES,
                "fuse": NOT_FLAGS, "name": st.one_of(st.integers(), st.booleans(), st.just(""), ODD.filter(lambda v: v is not None))}[key]
        spec[key] = data.draw(rule)
        where = f"network.{key}"
    elif field == "item name":
        layers[1]["name"] = data.draw(st.one_of(st.integers(), st.booleans(), st.just(""), ODD.filter(lambda v: v is not None)))
        where = "network.layers[1].name"
    else:
        layers[2][field] = data.draw(NET_BAD[field])
        where = f"network.layers[2].{field}"
    with pytest.raises(files.SpecFileError) as info:
        files.from_dict({"network": spec}, "n.toml")
    assert str(info.value).startswith(f"n.toml: {where}: "), str(info.value)


JSON_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.floats(-4, 300),
                                     st.sampled_from(["same", "valid", "relu", "x"])),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.sampled_from(["op", "a"]), inner, max_size=2)),
                           max_leaves=6)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["conv", "depthwise", "pointwise", "depsep", "linear", "maxpool", "avgpool", "se", "residual",
                        "batchnorm"]),
       st.dictionaries(st.sampled_from(["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias",
                                        "multiplier", "ratio", "squeeze_channels", "activation", "channels", "body",
                                        "shortcut", "out_features", "in_channels", "name"]), JSON_VALUES, max_size=4))
def test_any_value_builds_or_is_one_spec_file_error(op, args):
    """Whatever a file holds, loading it builds a network or raises SpecFileError: never a
    TypeError, a KeyError or a RecursionError from inside."""
    spec = {"network": {"input_shape": [4, 12, 12], "layers": [{"op": op, **args}, {"op": "flatten"}]}}
    try:
        files.from_dict(spec, "fuzz.json")
    except files.SpecFileError as exc:
        assert str(exc).startswith("fuzz.json: ")


def test_every_argument_a_file_may_give_has_a_rule():
    params = set()
    for op in files.NETWORK_OPS:
        if op != "residual":
            params |= set(inspect.signature(getattr(network, op)).parameters)
    for cls in (Conv2d, DepSep, Depthwise, Pointwise):
        params |= set(inspect.signature(cls).parameters)
    assert params - set(files.FIELD_RULES) == set()


def test_null_is_allowed_only_where_the_argument_defaults_to_none():
    base = {"input_shape": [3, 8, 8], "layers": [{"op": "conv", "out_channels": 4, "kernel_size": 3, "in_channels": None},
                                                  {"op": "maxpool", "kernel_size": 2, "stride": None}]}
    assert files.from_dict({"network": base}).nodes[1].layer.stride == (2, 2)
    base["layers"][0]["stride"] = None
    with pytest.raises(files.SpecFileError, match=r"<dict>: network\.layers\[0\]\.stride: must not be null"):
        files.from_dict({"network": base})


@pytest.mark.parametrize("text, name, needle", [
    ('{"network": ' + "[" * 3000 + "]" * 3000 + "}", "deep.json", "deep.json: nested more than 64 levels deep (line 1)"),
    ("[network]\ninput_shape = " + "[" * 3000 + "]" * 3000, "deep.toml", "deep.toml: nested more than 64 levels deep (line 2)"),
    ("[1, 2]", "list.json", "list.json: must hold a table with a 'layer' or a 'network', not an array"),
    ("", "empty.toml", "empty.toml: is empty (no TOML in it)"),
    ("# nothing\n", "comment.toml", "comment.toml: must hold exactly one of 'layer' or 'network' (it is empty)"),
    ('{"layer": {"kind": "conv", "in_channels": NaN}}', "nan.json", "nan.json: layer.in_channels: must be a finite number (got nan)"),
    ('[layer]\nkind = "conv"\nin_channels = true\n', "bool.toml", "bool.toml: layer.in_channels: in_channels=True must be an integer, not a bool"),
    ('[layer]\nkind = "conv"\nin_channels = 1979-05-27\n', "date.toml", "date.toml: layer.in_channels: a date or time cannot stand here"),
    ('[network]\ninput_shape = [3, 8, 8]\nlayers = [{op = "residual", body = [{op = "relu"}], shortcut = "x"}]\n', "sc.toml",
     "sc.toml: network.layers[0].shortcut: must be a non-empty list of {op = ...} tables"),
])
def test_bad_files_name_the_file(tmp_path, text, name, needle):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(files.SpecFileError) as info:
        files.load(path)
    assert needle in str(info.value) and str(info.value).startswith(str(path))


def test_binary_files_size_cap_and_what_is_not_a_file(tmp_path, monkeypatch):
    blob = tmp_path / "net.toml"
    blob.write_bytes(b"[layer]\nkind = \"\xff\xfe\"\n")
    with pytest.raises(files.SpecFileError, match=r"net\.toml: is not UTF-8 text \(byte 0xff at offset 16\)"):
        files.load(blob)
    with pytest.raises(files.SpecFileError, match=r": is a directory, not a file"):
        files.load(tmp_path)
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 100)
    big = tmp_path / "big.toml"
    big.write_text('[layer]\nkind = "pointwise"\nin_channels = 8\nout_channels = 8\ninput_size = 8\n' + "#" * 100)
    with pytest.raises(files.SpecFileError, match=r"big\.toml: is larger than 100 bytes, the most a file may hold"):
        files.load(big)
    if os.path.exists("/dev/zero"):
        with pytest.raises(files.SpecFileError, match=r"/dev/zero: is not a regular file"):
            files.load("/dev/zero")
