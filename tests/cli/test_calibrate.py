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
                             "--layout", "channels_last", "-o", str(path))
    assert code == 0 and "this-machine-torch" in out and "PyTorch's kernels (cpu, channels_last)" in out
    (device,) = load_file(path)
    assert device.id == "this-machine-torch" and device.environment["backend"] == "torch"
    assert set(device.efficiency) == {"conv", "depthwise", "pointwise"}


def test_calibrate_without_torch_exits_1_with_the_install_hint(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    code, out, err = run(capsys, "calibrate", "--backend", "torch", "--quick")
    assert code == EXIT_INPUT and out == "" and "pip install roofline_conv[torch]" in err
