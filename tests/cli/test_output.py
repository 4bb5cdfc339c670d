"""Output a script can read, and one CLI vocabulary (cli/output.py, report/table.py, report/text.py)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from roofline_conv import __version__
from roofline_conv.cli import EXIT_INPUT, EXIT_USAGE, main

from .helpers import run

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def _json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def _check_document(doc: dict, schema: dict) -> None:
    """A structural check of a document against docs/schemas/table.json (no jsonschema dependency)."""
    props = schema["properties"]
    assert set(doc) == set(props) and doc["schema_version"] == props["schema_version"]["const"]
    table_props = props["tables"]["items"]
    for t in doc["tables"]:
        assert set(t) == set(table_props["required"])
        for c in t["columns"]:
            assert set(c) == {"key", "header", "unit"} and c["key"].replace("_", "").isalnum() and c["key"].islower()
        keys = [c["key"] for c in t["columns"]]
        assert len(set(keys)) == len(keys)
        for r in t["rows"] + t["totals"]:
            assert list(r) == keys


def test_pandas_reads_the_per_layer_csv(capsys):
    pd = pytest.importorskip("pandas")
    code, out, err = run(capsys, "network", "resnet18", "--format", "csv")
    assert code == 0 and not out.startswith("# ") and err.startswith("# layers: resnet18")
    assert "--table NAME): totals" in err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns)[:6] == ["#", "layer", "kind", "output shape", "params", "MACs"]
    assert len(frame) == 69 and frame["MACs"].sum() == 1_814_073_344 and "total" not in set(frame["layer"])
    code, out, _ = run(capsys, "network", "resnet18", "--format", "csv", "--table", "totals")
    totals = pd.read_csv(io.StringIO(out))
    assert list(totals.columns) == ["quantity", "value", "unit"] and "MACs" in set(totals["quantity"])


def test_json_keys_do_not_change_with_precision(capsys):
    docs = [_json(capsys, "network", "resnet18", "--device", "v100-sxm2", "--precision", p) for p in ("fp16", "fp32", "fp64")]
    keys = [[[c["key"] for c in t["columns"]] for t in d["tables"]] for d in docs]
    assert keys[0] == keys[1] == keys[2]
    layers = docs[0]["tables"][0]
    assert layers["name"] == "layers" and layers["totals"][0]["macs"] == 1_814_073_344
    assert isinstance(layers["rows"][0]["params"], int) and {"unit": "us", "key": "time"}.items() <= \
        next(c for c in layers["columns"] if c["key"] == "time").items()


@pytest.mark.parametrize("command", ["network", "layer", "project", "devices"])
def test_documents_follow_their_schema(capsys, command):
    schema = json.loads((SCHEMAS / "table.json").read_text())
    described = json.loads((SCHEMAS / f"{command}.json").read_text())
    argv = {"network": [("plain", ["network", "resnet18"]), ("with_device", ["network", "resnet18", "--device", "v100-sxm2"])],
            "layer": [("plain", ["layer", "conv", "--in", "8", "--size", "8", "--device", "v100-sxm2"])],
            "project": [("plain", ["project", "--study", "depsep", "--device", "v100-sxm2"])],
            "devices": [("list", ["devices", "list"]), ("show", ["devices", "show", "v100-sxm2"])]}[command]
    for label, args in argv:
        doc = _json(capsys, *args)
        assert doc["command"] == command
        _check_document(doc, schema)
        for t in doc["tables"]:
            assert [c["key"] for c in t["columns"]] == described["tables"][t["name"]][label]


def test_text_format_scales_and_fits():
    from roofline_conv import zoo
    from roofline_conv.report.text import si_value

    assert [si_value(7.398752256e9, "MAC"), si_value(6.28e-3, "s"), si_value(2.7e7, "B")] == \
        ["7.40 GMAC", "6.28 ms", "27.0 MB"]
    net = zoo.get("resnet18")
    text = net.table("fp16", device="v100-sxm2").to_text(width=100)
    assert all(len(line) <= 100 for line in text.splitlines() if not line.startswith(("- ", "resnet18")))
    assert "1.81 GMAC" in text and "columns left out to fit 100" in text and "layer1.0.conv1" in text
    assert "1,814,073,344" in net.table("fp16").to_text(width=200, exact=True)


def test_text_is_the_default_on_a_terminal(capsys, monkeypatch):
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    from roofline_conv.cli.output import output_format

    assert output_format(None) == "text" and output_format("md") == "md"
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    assert output_format(None) == "md"  # a pipe keeps Markdown, so scripts that read it do not break


def test_top_and_depth(capsys):
    doc = _json(capsys, "network", "resnet18", "--top", "3")
    rows = doc["tables"][0]["rows"]
    assert len(rows) == 3 and rows[0]["macs"] >= rows[1]["macs"] >= rows[2]["macs"]
    assert doc["tables"][0]["totals"][0]["macs"] == 1_814_073_344  # the whole network's
    doc = _json(capsys, "network", "resnet18", "--depth", "1", "--device", "v100-sxm2")
    rows = doc["tables"][0]["rows"]
    assert [r["layer"] for r in rows][4:8] == ["layer1", "layer2", "layer3", "layer4"]
    assert sum(r["macs"] for r in rows) == 1_814_073_344
    assert sum(r["share_of_time"] for r in rows) == pytest.approx(100)
    code, _, err = run(capsys, "network", "resnet18", "--top", "0")
    assert code == EXIT_INPUT and "--top" in err


def test_size_kernel_stride_padding_pairs(capsys):
    doc = _json(capsys, "layer", "conv", "--in", "8", "--size", "224x160", "-k", "3x5", "--stride", "2,1",
                "--padding", "1,2")
    assert "input_size=(224, 160)" in doc["tables"][0]["title"] and "kernel_size=(3, 5)" in doc["tables"][0]["title"]
    for flag, bad in (("--size", "224x"), ("-k", "3x5x7"), ("--padding", "1,x")):
        with pytest.raises(SystemExit) as info:
            main(["layer", "conv", "--in", "8", "--size", "8", flag, bad])
        assert info.value.code == EXIT_USAGE and flag.lstrip("-") in capsys.readouterr().err


def test_padding_defaults_to_zero_as_conv2d(capsys):
    from roofline_conv.layers import Conv2d

    doc = _json(capsys, "layer", "conv", "--in", "64", "--out", "128", "--size", "56", "--stride", "2")
    macs = {r["quantity"]: r["value"] for r in doc["tables"][0]["rows"]}["macs"]
    assert macs == Conv2d(64, 128, 3, 56, stride=2).macs
    for word in ("same", "valid"):  # stay accepted
        assert _json(capsys, "layer", "conv", "--in", "8", "--size", "8", "--padding", word)["command"] == "layer"


def test_network_takes_device_repeatedly(capsys):
    doc = _json(capsys, "network", "resnet18", "--device", "v100-sxm2", "--device", "a100-sxm-40gb")
    assert [t["name"] for t in doc["tables"]] == ["layers:v100-sxm2", "totals:v100-sxm2",
                                                   "layers:a100-sxm-40gb", "totals:a100-sxm-40gb"]


def test_unknown_table_is_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["network", "resnet18", "--table", "total"])
    assert info.value.code == EXIT_USAGE and "did you mean 'totals'" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0 and capsys.readouterr().out.strip() == f"roofline-conv {__version__}"


@pytest.mark.parametrize("command", [["network", "resnet18"], ["layer", "conv", "--in", "8", "--size", "8"],
                                     ["project", "--study", "conv", "--device", "v100-sxm2"]])
def test_a_word_outside_a_vocabulary_is_exit_2_everywhere(capsys, command):
    for flag, word, near in (("--precision", "fp61", "fp64"), ("--traffic", "compulsary", "compulsory")):
        with pytest.raises(SystemExit) as info:
            main([*command, flag, word])
        assert info.value.code == EXIT_USAGE and f"did you mean '{near}'" in capsys.readouterr().err


def test_crossover_names_its_variable(capsys):
    code, out, _ = run(capsys, "crossover", "batch", "pointwise", "--in", "256", "--size", "14", "--device", "v100-sxm2")
    assert code == 0 and "2.055e-7*batch" in out and "*x" not in out


def test_projection_says_per_batch(capsys):
    code, out, _ = run(capsys, "project", "--study", "conv", "--device", "v100-sxm2")
    assert code == 0 and "batches per second (1/s)" in out and "per second |" not in out
