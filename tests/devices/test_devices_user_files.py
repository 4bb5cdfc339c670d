"""Device files a user can write (bare numbers: provenance 'user', source the file), strict
errors naming the file, the field and the rule, suggestions for unknown ids, and the edge
devices of the catalog."""

from __future__ import annotations

import pytest

from roofline_conv import devices, zoo
from roofline_conv.devices import DeviceFileError, Figure, loads
from roofline_conv.roofline import project

BARE = """
[[device]]
id = "my-gpu"
name = "My GPU"
kind = "gpu"
family = "mine"
clock = 1.5e9

[device.units.tensor]
kind = "matrix"
tile = [16, 16]
tile_source = "assumption: like NVIDIA's WMMA"
peaks = { bf16 = 121e12, fp16 = { value = 120e12, provenance = "datasheet", source = "My GPU datasheet" } }

[device.units.cuda]
kind = "vector"
peaks = { fp32 = 30e12, bf16 = 30e12 }

[device.memory.hbm]
bandwidth = 900e9
capacity = 16e9

[device.unit_for]
conv = ["tensor"]
pointwise = ["tensor"]
depthwise = ["cuda"]

[device.depthwise_lowering]
method = "vector"
source = "mine"
assumption = true
"""


def test_bare_numbers_are_user_figures_sourced_to_the_file():
    (dev,) = loads(BARE, "my_gpu.toml")
    bf16 = dev.units["tensor"].peaks["bf16"]
    assert isinstance(bf16, Figure) and bf16.value == 121e12
    assert (bf16.provenance, bf16.source) == ("user", "my_gpu.toml")
    for fig in (dev.clock, dev.units["cuda"].peaks["fp32"], dev.memory["hbm"].bandwidth, dev.memory["hbm"].capacity):
        assert (fig.provenance, fig.source) == ("user", "my_gpu.toml")
    assert "user" in devices.PROVENANCES


def test_mixed_forms_keep_the_full_form():
    (dev,) = loads(BARE, "my_gpu.toml")
    fp16 = dev.units["tensor"].peaks["fp16"]
    assert (fp16.value, fp16.provenance, fp16.source) == (120e12, "datasheet", "My GPU datasheet")
    assert dev.peak("tensor", "bf16") == 121e12 and dev.bandwidth() == 900e9


def test_bare_file_round_trips_through_toml():
    (dev,) = loads(BARE, "my_gpu.toml")
    text = dev.to_toml()
    assert 'provenance = "user"' in text and "value = 121e12" in text
    (back,) = loads(text, "my_gpu.toml")
    assert back == dev


def test_a_user_device_projects_a_network():
    (dev,) = loads(BARE, "my_gpu.toml")
    p = project(zoo.get("mobilenet_v2"), dev, "bf16")
    assert p.time > 0


@pytest.mark.parametrize("bad, what", [
    ("bf16 = true", "not a bool (got True)"),
    ('bf16 = "121e12"', "not a string (got '121e12')"),
    ("bf16 = [121e12]", "not an array"),
])
def test_a_bool_or_string_is_never_a_number(bad, what):
    with pytest.raises(DeviceFileError) as err:
        loads(BARE.replace("bf16 = 121e12", bad), "my_gpu.toml")
    msg = str(err.value)
    assert msg.startswith("my_gpu.toml: device[0].units.tensor.peaks.bf16: must be a number, or a table")
    assert what in msg


@pytest.mark.parametrize("bad, field, rule", [
    ("bandwidth = false", "memory.hbm.bandwidth", "not a bool"),
    ("bandwidth = 0", "memory.hbm.bandwidth.value", "must be > 0"),
    ("bandwidth = -1e9", "memory.hbm.bandwidth.value", ">= 0"),
    ("bandwidth = nan", "memory.hbm.bandwidth", "finite"),
])
def test_bad_bare_bandwidth_names_file_field_and_rule(bad, field, rule):
    with pytest.raises(DeviceFileError) as err:
        loads(BARE.replace("bandwidth = 900e9", bad), "my_gpu.toml")
    assert f"my_gpu.toml: device[0].{field}" in str(err.value)
    assert rule in str(err.value)


def test_bare_clock_string_refused():
    with pytest.raises(DeviceFileError, match=r"my_gpu.toml: device\[0\].clock: must be a number, or a table.*string"):
        loads(BARE.replace("clock = 1.5e9", 'clock = "1.5 GHz"'), "my_gpu.toml")


@pytest.mark.parametrize("query, expected", [
    ("a100", ["a100-sxm-40gb", "a100-sxm-80gb"]),
    ("A100", ["a100-sxm-40gb", "a100-sxm-80gb"]),
    ("orin", ["jetson-agx-orin-64gb", "jetson-orin-nano-8gb"]),
    ("jetson", ["jetson-agx-orin-64gb", "jetson-orin-nano-8gb"]),
    ("ampere", ["a100-sxm-40gb", "a100-sxm-80gb"]),
    ("apple", ["apple-m2-cpu", "apple-m2-gpu"]),
    ("pi5", ["raspberry-pi-5"]),
])
def test_suggestions_by_prefix_and_family(query, expected):
    assert devices.suggest(query)[:len(expected)] == expected


def test_unknown_id_suggests_the_family():
    with pytest.raises(ValueError) as err:
        devices.get("a100")
    assert "did you mean 'a100-sxm-40gb' or 'a100-sxm-80gb'?" in str(err.value)
    assert "h200'?" not in str(err.value)
    with pytest.raises(ValueError, match=r"--device='tpu' is not a known device id \(did you mean 'tpuv2-core'"):
        devices.get("tpu", "--device")
    assert devices.suggest("zzzz") == [] and devices.suggest("") == []


def test_cli_device_flag_suggests_by_prefix():
    from roofline_conv.cli.common import load_device

    with pytest.raises(ValueError, match=r"did you mean 'jetson-agx-orin-64gb' or 'jetson-orin-nano-8gb'"):
        load_device("orin")


EDGE = {"jetson-agx-orin-64gb": "fp16", "jetson-orin-nano-8gb": "fp16", "t4": "fp16", "l4": "fp16",
        "raspberry-pi-5": "fp32", "apple-m2-cpu": "fp32", "apple-m2-gpu": "fp32"}


@pytest.mark.parametrize("device_id", EDGE)
def test_new_catalog_devices_are_sourced_and_project_a_zoo_network(device_id):
    dev = devices.get(device_id)
    figures = [dev.clock] if dev.clock is not None else []
    figures += [f for u in dev.units.values() for f in u.peaks.values()]
    figures += [f for m in dev.memory.values() for f in (m.bandwidth, m.capacity) if f is not None]
    for fig in figures:
        assert fig.provenance != "user" and fig.source.strip()
        if fig.provenance == "assumption":
            assert fig.source.lower().startswith("assumption")
    p = project(zoo.get("mobilenet_v2"), dev, EDGE[device_id])
    assert p.time > 0 and p.expected_time >= p.time


def test_new_nvidia_gpus_have_sm_counts():
    from roofline_conv.devices.expected import parallelism

    slots = {k: v.slots for k, v in parallelism().items()}
    assert {k: slots[k] for k in ("t4", "l4", "jetson-agx-orin-64gb", "jetson-orin-nano-8gb")} == {
        "t4": 40, "l4": 58, "jetson-agx-orin-64gb": 16, "jetson-orin-nano-8gb": 8}
