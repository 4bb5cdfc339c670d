"""Calibration: this machine as a Device, fitted ceilings, predict vs measure."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pytest

from roofline_conv import Conv2d, DepSep, Depthwise, Pointwise
from roofline_conv.devices import Device
from roofline_conv.measure import calibrate as cal
from roofline_conv.roofline import project


def fake_machine(**extra) -> Device:
    data = dict(
        id="fake-cpu", name="fake", kind="cpu", family="test",
        units={"gemm": dict(kind="vector", peaks={"fp32": dict(value=100e9, provenance="measured", source="test")})},
        memory={"dram": dict(bandwidth=dict(value=20e9, provenance="measured", source="test"))},
        unit_for={"conv": ["gemm"], "pointwise": ["gemm"], "depthwise": ["gemm"]},
        depthwise_lowering=dict(method="vector", source="test", assumption=False),
    )
    data.update(extra)
    return Device.from_dict(data)


@dataclass
class FakeMeasurement:
    seconds: float
    rel_spread: float = 0.0


LAYERS = cal.training_layers() + [l for l in cal.holdout_layers() if not isinstance(l, DepSep)]


def synthetic(device: Device, truth: dict, layers=LAYERS) -> list:
    """'Measurements' produced by known ceilings: the fit must recover them."""
    dev = device.with_efficiency(truth)
    return [(l, FakeMeasurement(float(project(l, dev, "fp32").expected_time))) for l in layers]


def test_fit_recovers_known_ceilings():
    base = fake_machine()
    truth = {
        "conv": dict(compute=0.6, memory=0.3, overhead=0.0, overlap=False, source="truth"),
        "depthwise": dict(compute=0.04, memory=0.2, overhead=2e-4, overlap=True, source="truth"),
        "pointwise": dict(compute=0.9, memory=0.5, overhead=0.0, overlap=True, source="truth"),
    }
    fitted = cal.fit_efficiencies(base, synthetic(base, truth, cal.training_layers()))
    for op, t in truth.items():
        e = fitted.efficiency[op]
        assert e.overlap == t["overlap"], op
        assert e.median_error < 0.05, op
    # held-out layers predicted from the fit within a few percent
    comparison = cal.compare([], fitted, measured=synthetic(base, truth, cal.holdout_layers()))
    assert comparison.median_abs_error() < 0.05
    assert comparison.median_abs_error(calibrated=False) > 0.3  # the raw roofline is far off here


def test_calibrated_projection_applies_ceilings_visibly():
    dev = fake_machine().with_efficiency({"pointwise": dict(compute=0.5, memory=1.0, overhead=1e-5, source="t")})
    layer = Pointwise(256, 256, 28)
    raw = project(layer, dev, "fp32", calibrated=False)
    calibrated = project(layer, dev, "fp32")
    assert raw.efficiency is None and calibrated.efficiency.compute == 0.5
    assert calibrated.expected_time == pytest.approx(max(2 * raw.compute_time, raw.main_memory_time) + 1e-5)
    assert calibrated.time == raw.time == raw.expected_time  # the bound stays the bound
    assert [t.name for t in calibrated.expected] == ["bound", "ceiling", "overhead"]
    assert sum(t.seconds for t in calibrated.expected) == pytest.approx(calibrated.expected_time)
    # classes without a fitted ceiling: the expected time is the bound
    dw = Depthwise(64, 3, 28, padding=1)
    assert project(dw, dev, "fp32").expected_time == project(dw, dev, "fp32", calibrated=False).time


def test_comparison_table_reports_errors_and_units():
    base = fake_machine()
    truth = {k: dict(compute=0.5, memory=0.5, source="t") for k in cal.OP_CLASSES}
    dev = cal.fit_efficiencies(base, synthetic(base, truth, cal.training_layers(quick=True)))
    comparison = cal.compare([], dev, measured=synthetic(base, truth, cal.holdout_layers(quick=True)))
    text = comparison.table().to_markdown()
    for needle in ("measured (ms)", "predicted (ms)", "calibrated error", "median |error|", "held out"):
        assert needle in text
    assert math.isfinite(comparison.median_abs_error(op_class="depthwise"))


@pytest.mark.slow
def test_measure_machine_and_device_file_round_trip(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        device = cal.measure_machine(quick=True)
        measured = cal.measure_layers([Conv2d(32, 32, 3, 28, padding=1), Depthwise(64, 3, 28, padding=1),
                                       Pointwise(64, 64, 28), DepSep(32, 64, 3, 28, padding=1)], repeats=3)
    assert device.id == "this-machine" and device.kind == "cpu"
    assert device.units["gemm"].peaks["fp32"].provenance == "measured"
    assert device.peak("gemm", "fp32") > 1e9 and device.bandwidth() > 1e8
    assert "blas" in device.environment and device.environment["numpy"]
    fitted = cal.fit_efficiencies(device, measured)
    path = tmp_path / "this-machine.toml"
    path.write_text(fitted.to_toml())
    again = Device.from_toml(path)
    assert again.efficiency.keys() == fitted.efficiency.keys()
    assert again.peak("gemm", "fp32") == pytest.approx(device.peak("gemm", "fp32"))
    comparison = cal.compare([], again, measured=measured, held_out=False)
    assert len(comparison.rows) == 4 and all(r.measured > 0 for r in comparison.rows)


@pytest.mark.slow
def test_cli_calibrate_writes_device_and_study_uses_it(tmp_path, capsys, monkeypatch):
    from roofline_conv.cli import main

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "this-machine.toml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # exit 3 when the machine is too loaded for a trustworthy fit (the gate); the file is written anyway here
        assert main(["calibrate", "--quick", "--output", str(out), "--write-anyway"]) in (0, 3)
        text = capsys.readouterr().out
        assert "median |error|" in text and "TFLOP/s" in text and "GB/s" in text
        device = Device.from_toml(out)
        assert set(device.efficiency) == {"conv", "depthwise", "pointwise"}
        assert not list(tmp_path.glob(".roofline-conv-*"))  # no temporary left behind
        assert main(["study", "--device-file", str(out), "--charts", "charts", "--format", "json"]) == 0
        charts = sorted(p.name for p in (tmp_path / "charts").iterdir())
        assert "roofline_this_machine.png" in charts and "roofline_tpuv2-core.png" in charts
        assert all((tmp_path / "charts" / c).stat().st_size > 10_000 for c in charts)
    tables = __import__("json").loads(capsys.readouterr().out)["tables"]
    machine = next(t for t in tables if "this machine" in t["title"])
    rows = {r["what"]: r for r in machine["rows"]}
    assert rows["measured (median)"]["standard"] > 0
    assert rows["measured (median)"]["depsep_speed_up"] > 1  # DepSep wins on a CPU, as in the study
