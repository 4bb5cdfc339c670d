"""The packaged catalog: every file loads, every figure has provenance, the constants resolve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import roofline_conv
from roofline_conv import devices
from roofline_conv.conventions import PRECISIONS
from roofline_conv.devices import Device, DeviceFileError, Figure, load_file

CONSTANTS = [
    "V100", "V100_PCIe", "TPUv2", "TPUv2_Chip", "TPUv2_8", "TPUv3", "TPUv4", "TPUv5e",
    "XeonE5_2698v4", "DGX1Host", "A100", "A100_80GB", "H100", "H100_PCIe", "H200", "EPYC9654",
    "JetsonAGXOrin", "JetsonOrinNano", "T4", "L4", "RaspberryPi5", "AppleM2_CPU", "AppleM2_GPU",
]
STUDY_IDS = ["v100-sxm2", "tpuv2-core", "tpuv2-8", "dgx1-host-2x-e5-2698v4"]


def _figures(device: Device):
    """(path, figure) for every figure of ``device``."""
    if device.clock is not None:
        yield "clock", device.clock
    for uname, unit in device.units.items():
        for precision, fig in unit.peaks.items():
            yield f"units.{uname}.peaks.{precision}", fig
    for lname, level in device.memory.items():
        yield f"memory.{lname}.bandwidth", level.bandwidth
        if level.capacity is not None:
            yield f"memory.{lname}.capacity", level.capacity


def test_catalog_has_the_family_files():
    names = sorted(p.name for p in devices.catalog_files())
    assert names == ["amd_epyc.toml", "arm_edge.toml", "google_tpu.toml", "intel_xeon.toml",
                     "nvidia_ampere_hopper.toml", "nvidia_edge.toml", "nvidia_volta.toml"]


@pytest.mark.parametrize("path", devices.catalog_files(), ids=lambda p: p.name)
def test_every_catalog_file_loads(path):
    loaded = load_file(path)
    assert loaded and all(isinstance(d, Device) for d in loaded)
    assert all(d.source_file == str(path) for d in loaded)


def test_ids_unique_and_listed():
    ids = devices.list()
    assert len(ids) == len(set(ids)) == 23
    assert isinstance(ids, list) and all(isinstance(i, str) for i in ids)
    assert [d.id for d in devices.all_devices()] == ids
    for study_id in STUDY_IDS:
        assert study_id in ids


@pytest.mark.parametrize("name", CONSTANTS)
def test_each_constant_resolves(name):
    from importlib import import_module

    mod = import_module("roofline_conv.devices")
    device = getattr(mod, name)
    assert isinstance(device, Device) and device.constant == name
    assert devices.get(device.id) is device  # cached: one object per id
    assert devices.get(name) is device  # the constant name works as an id too
    assert getattr(roofline_conv, name) is device  # and the package re-exports it


def test_constant_import_statement():
    from roofline_conv.devices import V100, TPUv2, XeonE5_2698v4  # noqa: F401

    assert V100.id == "v100-sxm2" and TPUv2.id == "tpuv2-core" and XeonE5_2698v4.cores == 20
    assert set(devices.constants()) == set(CONSTANTS)


def test_unknown_attribute_and_id():
    with pytest.raises(AttributeError):
        devices.V1000  # noqa: B018
    with pytest.raises(ValueError, match=r"id='v100' is not a known device id.*did you mean 'v100-(sxm2|pcie)'.*known ids: .*h200"):
        devices.get("v100")


@pytest.mark.parametrize("device", devices.all_devices(), ids=lambda d: d.id)
def test_every_figure_has_provenance(device):
    seen = 0
    for path, fig in _figures(device):
        seen += 1
        assert isinstance(fig, Figure)
        assert fig.source.strip(), (device.id, path)
        assert fig.value > 0, (device.id, path)
        if fig.provenance == "derived":
            assert fig.derivation and fig.derivation.strip(), (device.id, path)
    assert seen >= 2
    assert device.depthwise_lowering.source.strip()


@pytest.mark.parametrize("device", devices.all_devices(), ids=lambda d: d.id)
def test_every_device_is_consistent(device):
    for unit in device.units.values():
        assert set(unit.peaks) <= set(PRECISIONS)
        assert not unit.sparse  # the catalog stores dense figures only
        assert (unit.tile is not None) == (unit.kind == "matrix")
    for kind in ("conv", "pointwise", "depthwise"):
        assert all(name in device.units for name in device.unit_order(kind))
    assert device.main_memory == next(iter(device.memory))
    assert device.bandwidth() == device.memory[device.main_memory].bandwidth.value
    # str is a short summary naming every unit and level with units
    text = str(device)
    assert device.id in text and "TFLOP/s" in text and "GB/s" in text
    for name in [*device.units, *device.memory]:
        assert name in text
    assert repr(device).startswith(f"Device(id={device.id!r}")


def test_v100_exact_figures():
    v100 = devices.get("v100-sxm2")
    assert v100.peak("tensor", "fp16") == 125e12
    tensor = v100.units["tensor"].peaks["fp16"]
    assert tensor.provenance == "datasheet" and "640" in tensor.derivation and "1.53 GHz" in tensor.derivation
    assert v100.peak("cuda", "fp32") == 15.7e12
    assert v100.peak("cuda", "fp64") == 7.8e12
    assert v100.peak("cuda", "fp16") == 31.4e12
    assert v100.bandwidth() == 900e9 and v100.main_memory == "hbm"
    assert v100.bandwidth("l2") == 2155e9 and v100.memory["l2"].bandwidth.provenance == "measured"
    assert v100.ridge_point("tensor", "fp16") == pytest.approx(125e12 / 900e9)
    assert round(v100.ridge_point("tensor", "fp16"), 1) == 138.9
    assert v100.capacity("l2") == 6 * 2**20


def test_choose_unit_on_v100():
    v100 = devices.get("v100-sxm2")
    assert v100.choose_unit("conv", "fp16") == "tensor"
    assert v100.choose_unit("pointwise", "fp16") == "tensor"
    assert v100.choose_unit("conv", "fp32") == "cuda"
    assert v100.choose_unit("depthwise", "fp16") == "cuda"
    assert v100.depthwise_lowering.method == "vector"
    with pytest.raises(ValueError, match="no unit for 'conv' at precision 'int8'"):
        v100.choose_unit("conv", "int8")


def test_tpu_fp16_runs_as_bf16():
    for device in devices.all_devices():
        if device.kind != "tpu":
            continue
        mxu = device.units["mxu"]
        assert mxu.tile == (128, 128)
        assert mxu.peaks["fp16"].value == mxu.peaks["bf16"].value
        assert "bf16" in (mxu.peaks["fp16"].note or "")
        assert device.depthwise_lowering.method == "block_diagonal"
        assert device.choose_unit("depthwise", "fp16") == "mxu"
    tpu = devices.get("tpuv2-core")
    assert tpu.peak("mxu", "bf16") == pytest.approx(128 * 128 * 2 * 700e6)
    assert tpu.bandwidth() == 300e9 and tpu.cores == 1
    assert devices.get("tpuv2-8").peak("mxu", "bf16") == 180e12
    assert devices.get("tpuv2-8").bandwidth() == 2400e9


def test_cpu_figures_and_derivations():
    xeon = devices.get("xeon-e5-2698v4")
    assert xeon.peak("fma", "fp32") == pytest.approx(20 * 2 * 8 * 2 * 2.2e9)
    assert xeon.peak("fma", "fp64") == pytest.approx(20 * 2 * 4 * 2 * 2.2e9)
    assert xeon.bandwidth() == pytest.approx(4 * 2400e6 * 8)
    assert xeon.clock.value == 2.2e9
    assert "AVX" in xeon.notes
    host = devices.get("dgx1-host-2x-e5-2698v4")
    assert host.sockets == 2 and host.cores == 40
    assert host.peak("fma", "fp32") == pytest.approx(2 * xeon.peak("fma", "fp32"))
    epyc = devices.get("epyc-9654")
    assert epyc.peak("fma", "fp32") == pytest.approx(96 * 2 * 8 * 2 * 2.4e9)
    assert epyc.bandwidth() == pytest.approx(12 * 4800e6 * 8)


def test_nvidia_dense_figures():
    h100 = devices.get("h100-sxm")
    assert h100.peak("tensor", "fp16") == 989.4e12
    assert h100.peak("tensor", "fp8") == 1978.9e12
    assert "sparsity" in h100.units["tensor"].peaks["fp16"].source
    a100 = devices.get("a100-sxm-40gb")
    assert a100.peak("tensor", "tf32") == 156e12 and a100.bandwidth() == 1555e9
    assert a100.choose_unit("conv", "fp64") == "tensor"
    assert devices.get("h200").bandwidth() == 4.8e12


def test_duplicate_ids_across_catalog_files_fail(tmp_path, monkeypatch):
    text = devices.get("epyc-9654").to_toml()
    (tmp_path / "a.toml").write_text(text)
    (tmp_path / "b.toml").write_text(text.replace('constant = "EPYC9654"', 'constant = "Other"'))
    monkeypatch.setattr(devices, "catalog_files", lambda: sorted(tmp_path.glob("*.toml")))
    devices._catalog.cache_clear()
    try:
        with pytest.raises(DeviceFileError, match=r"b\.toml.*duplicate id 'epyc-9654', also in .*a\.toml"):
            devices.list()
    finally:
        devices._catalog.cache_clear()


def test_catalog_is_not_loaded_at_import():
    code = (
        "import roofline_conv.devices as d; "
        "print(d._catalog.cache_info().currsize); "
        "d.get('v100-sxm2'); print(d._catalog.cache_info().currsize)"
    )
    src = str(Path(roofline_conv.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.split() == ["0", "1"]
