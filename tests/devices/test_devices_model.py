"""The device model: queries, with_clock, TOML round trips, schema."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import devices
from roofline_conv.devices import Device, DeviceFileError, Figure, dumps, loads
from roofline_conv.devices.toml_io import _float, _string

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore[no-redef]


def _minimal() -> dict:
    fig = {"value": 1e12, "provenance": "assumption", "source": "test"}
    return {
        "id": "toy-gpu",
        "name": "Toy GPU",
        "kind": "gpu",
        "family": "Toy",
        "units": {
            "mm": {"kind": "matrix", "tile": [8, 8], "tile_source": "assumption", "peaks": {"fp16": dict(fig)}},
            "vec": {"kind": "vector", "peaks": {"fp32": dict(fig, value=1e11)}},
        },
        "memory": {"dram": {"bandwidth": dict(fig, value=1e11)}},
        "unit_for": {"conv": ["mm", "vec"], "pointwise": ["mm", "vec"], "depthwise": ["vec"]},
        "depthwise_lowering": {"method": "vector", "source": "test", "assumption": True},
    }


def _same(a: Device, b: Device) -> bool:
    return a.model_dump(exclude={"source_file"}) == b.model_dump(exclude={"source_file"})


def test_from_dict_and_queries():
    d = Device.from_dict(_minimal())
    assert d.source_file is None and d.clock is None
    assert d.peak("mm", "fp16") == 1e12
    assert d.supports("mm", "fp16") and not d.supports("mm", "fp32") and not d.supports("nope", "fp16")
    assert d.ridge_point("vec", "fp32") == pytest.approx(1.0)
    assert d.unit_order("conv") == ["mm", "vec"]
    assert d.choose_unit("conv", "fp32") == "vec"
    assert d.capacity() is None


def test_query_errors_name_device_unit_and_precisions():
    v100 = devices.get("v100-sxm2")
    with pytest.raises(ValueError, match=r"device 'v100-sxm2' unit 'tensor' has no peak at precision 'fp32'; it supports: fp16"):
        v100.peak("tensor", "fp32")
    with pytest.raises(ValueError, match=r"has no unit 'tensr'; its units are: tensor, cuda \(did you mean 'tensor'\?\)"):
        v100.peak("tensr", "fp16")
    with pytest.raises(ValueError, match="precision='fp17' is not a known precision"):
        v100.peak("tensor", "fp17")
    with pytest.raises(ValueError, match="no memory level 'l3'; its levels are: hbm, l2, shared"):
        v100.bandwidth("l3")
    with pytest.raises(ValueError, match="op_kind='dense'"):
        v100.unit_order("dense")


def test_models_are_frozen_and_hashable():
    v100 = devices.get("v100-sxm2")
    with pytest.raises(Exception):
        v100.id = "x"  # type: ignore[misc]
    assert hash(v100) == hash(devices.get("v100-sxm2"))
    assert {v100: 1}[v100] == 1


def test_with_clock_scales_peaks_of_all_units():
    xeon = devices.get("xeon-e5-2698v4")
    avx = xeon.with_clock(1.8e9)
    assert avx.peak("fma", "fp32") == pytest.approx(1.408e12 * 1.8 / 2.2)
    assert avx.peak("fma", "fp64") == pytest.approx(0.704e12 * 1.8 / 2.2)
    fig = avx.units["fma"].peaks["fp32"]
    assert fig.provenance == "derived" and "1.8 GHz / 2.2 GHz" in fig.derivation
    assert avx.clock.value == 1.8e9
    assert avx.bandwidth() == xeon.bandwidth()  # memory is not clocked by the cores
    assert xeon.peak("fma", "fp32") == 1.408e12  # the original is untouched
    assert "with_clock" in avx.notes


def test_with_clock_one_unit():
    v100 = devices.get("v100-sxm2")
    slow = v100.with_clock(1.2e9, unit="tensor")
    assert slow.peak("tensor", "fp16") == pytest.approx(125e12 * 1.2 / 1.53)
    assert slow.peak("cuda", "fp32") == v100.peak("cuda", "fp32")
    assert slow.clock == v100.clock
    with pytest.raises(ValueError, match="no unit 'mxu'"):
        v100.with_clock(1e9, unit="mxu")
    with pytest.raises(ValueError, match=r"hz=-1.0 must be > 0"):
        v100.with_clock(-1.0)
    with pytest.raises(ValueError, match="no clock figure"):
        devices.get("tpuv5e-chip").with_clock(1e9)


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=0.05, max_value=20, allow_nan=False, allow_infinity=False),
       st.sampled_from(["v100-sxm2", "xeon-e5-2698v4", "tpuv2-core", "h100-sxm"]))
def test_with_clock_then_toml_round_trip(factor, device_id):
    base = devices.get(device_id)
    scaled = base.with_clock(base.clock.value * factor)
    for name, unit in scaled.units.items():
        for precision, fig in unit.peaks.items():
            assert fig.value == pytest.approx(base.peak(name, precision) * factor)
    back = loads(scaled.to_toml(), "<round trip>")
    assert len(back) == 1 and _same(back[0], scaled)


@pytest.mark.parametrize("device", devices.all_devices(), ids=lambda d: d.id)
def test_every_catalog_device_round_trips_through_toml(device, tmp_path):
    path = tmp_path / f"{device.id}.toml"
    path.write_text(device.to_toml(), encoding="utf-8")
    back = Device.from_toml(path)
    assert _same(back, device) and back.source_file == str(path)
    assert list(back.memory) == list(device.memory)  # main memory stays first


def test_from_toml_picks_by_id(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text(dumps([devices.get("v100-sxm2"), devices.get("v100-pcie")]))
    assert Device.from_toml(path, id="v100-pcie").id == "v100-pcie"
    with pytest.raises(DeviceFileError, match=r"two\.toml: holds 2 devices \(v100-sxm2, v100-pcie\); pass id="):
        Device.from_toml(path)
    with pytest.raises(DeviceFileError, match=r"no device with id 'v100-pcei'.*did you mean 'v100-pcie'"):
        Device.from_toml(path, id="v100-pcei")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_writer_round_trips(x):
    assert tomllib.loads(f"x = {_float(x)}")["x"] == x


@given(st.text())
def test_string_writer_round_trips(s):
    assert tomllib.loads(f"x = {_string(s)}")["x"] == s


def test_writer_uses_readable_numbers():
    text = devices.get("v100-sxm2").to_toml()
    assert "value = 125e12" in text and "value = 1.53e9" in text and "value = 7.8e12" in text
    assert "source_file" not in text


def test_unusual_strings_round_trip():
    data = _minimal()
    data["notes"] = 'quotes " and \\ backslash, tab\t, newline\n, unicode µ深度, DEL \x7f'
    data["units"]["vec"]["peaks"]["fp32"]["source"] = "a \"quoted\" source"
    d = Device.from_dict(data)
    assert _same(loads(d.to_toml())[0], d)


def test_json_schema():
    schema = Device.json_schema()
    assert isinstance(schema, dict) and "properties" in schema
    for field in ("id", "units", "memory", "unit_for", "depthwise_lowering", "clock"):
        assert field in schema["properties"]


def test_figure_repr_and_defaults():
    f = Figure(value=2.0, provenance="measured", source="bench")
    assert repr(f) == "Figure(2, 'measured')"
    assert f.derivation is None and f.note is None


def test_from_dict_does_not_mutate_input():
    data = _minimal()
    snapshot = copy.deepcopy(data)
    Device.from_dict(data)
    assert data == snapshot


def test_with_efficiency_and_environment_round_trip():
    data = _minimal()
    data["environment"] = {"cpu": "Toy CPU", "numpy": "2.0"}
    d = Device.from_dict(data)
    assert d.efficiency == {}
    cal = d.with_efficiency({"conv": {"compute": 0.5, "memory": 0.8, "layers": 3, "median_error": 0.1,
                                      "source": "fitted on 3 conv layers"}})
    assert cal.efficiency["conv"].compute == 0.5 and d.efficiency == {}
    assert "efficiency" not in d.to_toml()  # no empty table for an uncalibrated device
    back = loads(cal.to_toml())[0]
    assert _same(back, cal) and back.environment == {"cpu": "Toy CPU", "numpy": "2.0"}
    with pytest.raises(DeviceFileError, match=r"efficiency\.conv\.compute: must be <= 1"):
        d.with_efficiency({"conv": {"compute": 1.5, "memory": 0.8, "source": "x"}})
    with pytest.raises(DeviceFileError, match=r"efficiency\.conv\.sorce: unknown field.*did you mean 'source'"):
        d.with_efficiency({"conv": {"compute": 0.5, "memory": 0.8, "sorce": "x"}})
