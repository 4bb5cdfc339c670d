"""`roofline-conv calibrate` (cli/calibrate.py): the torch backend, on a tiny layer set."""

from __future__ import annotations

import sys
import warnings

import pytest

from roofline_conv import Conv2d, Depthwise, Pointwise
from roofline_conv.cli import EXIT_INPUT
from roofline_conv.devices.model import load_file
from roofline_conv.measure import calibrate as cal

from .helpers import run


@pytest.fixture
def tiny_sets(monkeypatch):
    monkeypatch.setattr(cal, "training_layers", lambda quick: [Conv2d(4, 8, 3, 8, padding=1), Depthwise(8, 3, 8, padding=1),
                                                               Pointwise(8, 4, 8)])
    monkeypatch.setattr(cal, "holdout_layers", lambda quick: [Pointwise(4, 8, 8)])


def test_calibrate_with_torch_writes_a_valid_device_file(capsys, tmp_path, tiny_sets):
    pytest.importorskip("torch")
    path = tmp_path / "this-machine-torch.toml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, out, err = run(capsys, "calibrate", "--backend", "torch", "--quick", "--threads", "1",
                             "--layout", "channels_last", "-o", str(path), "--write-anyway")
    assert code in (0, 3) and "this-machine-torch" in out and "PyTorch's kernels (cpu, channels_last)" in out
    (device,) = load_file(path)
    assert device.id == "this-machine-torch" and device.environment["backend"] == "torch"
    assert set(device.efficiency) == {"conv", "depthwise", "pointwise"}


def test_calibrate_without_torch_exits_1_with_the_install_hint(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    code, out, err = run(capsys, "calibrate", "--backend", "torch", "--quick")
    assert code == EXIT_INPUT and out == "" and "pip install roofline_conv[torch]" in err


def _calibration(error: float, noise: float = 0.05):
    """A Calibration whose held-out layers are off by ``error``, with timings of ``noise``."""
    from roofline_conv.measure.comparison import Comparison, Row

    from tests.measure.test_calibrate import fake_machine

    dev = fake_machine().with_efficiency({k: dict(compute=0.5, memory=0.5, source="t") for k in cal.OP_CLASSES})
    layer = Pointwise(8, 4, 8)
    rows = (Row(layer, "pointwise", 1e-3, noise, 1e-4, 1e-3 * (1 + error)),)
    return cal.Calibration(dev, Comparison(dev.id, "fp32", rows, held_out=False), Comparison(dev.id, "fp32", rows),
                           noise, dev)


@pytest.mark.parametrize("error, noise, flags, code, written", [
    (0.05, 0.05, [], 0, True),
    (0.40, 0.05, [], 3, False),
    (0.40, 0.05, ["--write-anyway"], 3, True),
    (0.05, 0.30, [], 3, False),
])
def test_calibrate_exits_3_on_a_poor_or_noisy_fit_and_writes_only_when_asked(capsys, tmp_path, monkeypatch, error,
                                                                              noise, flags, code, written):
    monkeypatch.setattr(cal, "calibrate", lambda **kw: _calibration(error, noise))
    path = tmp_path / "dev.toml"
    got, out, err = run(capsys, "calibrate", "-o", str(path), *flags)
    assert got == code and path.exists() == written
    assert "Measured vs predicted" in out  # the tables are printed either way
    if code:
        assert "warning:" in err and ("held-out median |error| 40%" in err or "too noisy" in err)
        assert ("not written" in err) != written


def test_calibrate_runs_report_the_spread_of_the_ceilings(capsys, monkeypatch):
    monkeypatch.setattr(cal, "calibrate", lambda **kw: _calibration(0.05))
    code, out, err = run(capsys, "calibrate", "--runs", "3")
    assert code == 0 and "Repeatability: fitted ceilings of 3 runs" in out and "within 10%: yes" in out
    assert run(capsys, "calibrate", "--runs", "0")[0] == EXIT_INPUT
