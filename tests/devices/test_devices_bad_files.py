"""One test per class of bad device file: the error names the file, the field path and the rule."""

from __future__ import annotations

import pytest

from roofline_conv import devices
from roofline_conv.devices import Device, DeviceFileError, load_file

GOOD = devices.get("v100-sxm2").to_toml()


def _blocks_without(prefix: str) -> str:
    return "\n\n".join(b for b in GOOD.split("\n\n") if not b.startswith(prefix))


def _error(tmp_path, text: str, name: str = "bad_device.toml") -> DeviceFileError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DeviceFileError) as info:
        load_file(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(path) in str(err) and err.file == str(path)
    with pytest.raises(DeviceFileError):  # Device.from_toml reports the same way
        Device.from_toml(path)
    return err


def test_good_file_loads(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(GOOD)
    assert load_file(path)[0].id == "v100-sxm2"


def test_negative_bandwidth(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("value = 900e9", "value = -900e9", 1)))
    assert "device[0].memory.hbm.bandwidth.value" in msg and "must be >= 0" in msg and "-900000000000.0" in msg


def test_zero_peak(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("value = 125e12", "value = 0.0")))
    assert "device[0].units.tensor.peaks.fp16.value" in msg and "must be > 0" in msg


def test_unknown_precision_key(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("[device.units.tensor.peaks.fp16]", "[device.units.tensor.peaks.fp17]")))
    assert "device[0].units.tensor.peaks.fp17" in msg
    assert "'fp17' is not a known precision" in msg and "fp64, fp32, tf32, fp16, bf16, fp8, int8" in msg


def test_missing_peaks(tmp_path):
    msg = str(_error(tmp_path, _blocks_without("[device.units.tensor.peaks")))
    assert "device[0].units.tensor.peaks" in msg and "required field 'peaks' is missing" in msg


def test_empty_peaks(tmp_path):
    text = _blocks_without("[device.units.tensor.peaks").replace(
        "[device.units.tensor]\n", "[device.units.tensor]\npeaks = {}\n")
    msg = str(_error(tmp_path, text))
    assert "device[0].units.tensor.peaks" in msg and "at least 1" in msg


def test_matrix_unit_without_tile(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("tile = [16, 16]\n", "")))
    assert "device[0].units.tensor.tile" in msg and "a matrix unit needs 'tile'" in msg


def test_vector_unit_with_tile(tmp_path):
    text = GOOD.replace('kind = "vector"\n', 'kind = "vector"\ntile = [4, 4]\ntile_source = "x"\n')
    msg = str(_error(tmp_path, text))
    assert "device[0].units.cuda.tile" in msg and "must not have a 'tile'" in msg


def test_tile_without_source(tmp_path):
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith("tile_source"))
    msg = str(_error(tmp_path, text))
    assert "device[0].units.tensor.tile_source" in msg and "needs a 'tile_source'" in msg


def test_typo_in_unit_for(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace('conv = ["tensor", "cuda"]', 'conv = ["tensr", "cuda"]')))
    assert "device[0].unit_for.conv[0]" in msg
    assert "unknown unit 'tensr'; this device's units are: tensor, cuda" in msg and "did you mean 'tensor'" in msg


def test_missing_op_kind_in_unit_for(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace('depthwise = ["cuda"]\n', "")))
    assert "device[0].unit_for.depthwise" in msg and "missing: depthwise" in msg


def test_misspelled_field(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("[device.memory.hbm.bandwidth]", "[device.memory.hbm.bandwith]")))
    assert "device[0].memory.hbm.bandwith" in msg and "unknown field 'bandwith'" in msg
    assert "did you mean 'bandwidth'" in msg
    assert "device[0].memory.hbm.bandwidth: required field 'bandwidth' is missing" in msg


def test_derived_figure_without_derivation(tmp_path):
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith('derivation = "2 x 15.7e12'))
    msg = str(_error(tmp_path, text))
    assert "device[0].units.cuda.peaks.fp16.derivation" in msg and "needs a 'derivation'" in msg


def test_unknown_provenance(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace('provenance = "measured"', 'provenance = "rumour"')))
    assert "device[0].memory.l2.bandwidth.provenance" in msg and "'datasheet'" in msg and "'rumour'" in msg


def test_empty_source(tmp_path):
    text = GOOD.replace('source = "NVIDIA Tesla V100 GPU Accelerator datasheet (Memory Bandwidth 900 GB/s)"', 'source = " "', 1)
    msg = str(_error(tmp_path, text))
    assert "device[0].memory.hbm.bandwidth.source" in msg and "must name a document" in msg


def test_bad_id(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace('id = "v100-sxm2"', 'id = "V100 SXM2"')))
    assert "device[0].id" in msg and "kebab-case" in msg


def test_toml_syntax_error(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace('kind = "gpu"', 'kind = "gpu')))
    assert "TOML syntax error" in msg and "line 4" in msg


def test_single_table_instead_of_array(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("[[device]]", "[device]")))
    assert "write [[device]]" in msg


def test_unknown_top_level_key(tmp_path):
    msg = str(_error(tmp_path, GOOD.replace("[[device]]", "[[devices]]").replace("[device.", "[devices.")))
    assert "unknown top-level key" in msg and "did you mean 'device'" in msg


def test_duplicate_ids_in_one_file(tmp_path):
    msg = str(_error(tmp_path, GOOD + "\n" + GOOD))
    assert "device[1].id" in msg and "duplicate id 'v100-sxm2' (also device[0])" in msg


def test_problems_in_several_devices_all_reported(tmp_path):
    second = devices.get("v100-pcie").to_toml().replace("value = 112e12", "value = -1.0")
    msg = str(_error(tmp_path, GOOD.replace("tile = [16, 16]\n", "") + "\n" + second))
    assert "2 problems" in msg and "device[0].units.tensor.tile" in msg and "device[1].units.tensor.peaks.fp16.value" in msg


def test_unreadable_file(tmp_path):
    with pytest.raises(DeviceFileError, match=r"missing\.toml: cannot be read \(No such file"):
        load_file(tmp_path / "missing.toml")


def test_from_dict_names_dict_source_and_no_pydantic_traceback():
    data = devices.get("v100-sxm2").model_dump()
    data["memory"]["hbm"]["bandwidth"]["value"] = -1.0
    with pytest.raises(DeviceFileError) as info:
        Device.from_dict(data)
    err = info.value
    assert str(err).startswith("<dict>: memory.hbm.bandwidth.value: must be >= 0")
    assert err.__cause__ is None and err.__suppress_context__  # no chained pydantic traceback
    assert err.problems == [("memory.hbm.bandwidth.value", "must be >= 0.0 (got -1.0)")]
