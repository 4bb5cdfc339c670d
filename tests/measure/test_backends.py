"""Backend selection (numpy or torch), its arguments and the error when PyTorch is missing;
these tests need no PyTorch."""

from __future__ import annotations

import sys

import pytest

from roofline_conv import Conv2d
from roofline_conv.measure import backends
from roofline_conv.measure.calibrate import calibrate, compare, measure_layer, measure_layers
from roofline_conv.measure.backends import TorchUnavailableError

from .test_calibrate import fake_machine

LAYER = Conv2d(4, 4, 3, 8, padding=1)


@pytest.fixture
def no_torch(monkeypatch):
    """Python as if PyTorch were not installed (``import torch`` raises ImportError)."""
    monkeypatch.setitem(sys.modules, "torch", None)


@pytest.mark.parametrize("bad", ["tensorflow", "Torch", None, 1, ""])
def test_backend_must_be_numpy_or_torch(bad):
    with pytest.raises(ValueError, match="backend"):
        backends.backend_argument(bad)
    with pytest.raises(ValueError, match="backend"):
        measure_layer(LAYER, backend=bad)


def test_backend_is_checked_before_anything_is_measured():
    with pytest.raises(ValueError, match="backend"):
        measure_layers([LAYER], backend="jax")
    with pytest.raises(ValueError, match="backend"):
        calibrate(quick=True, backend="jax")
    with pytest.raises(ValueError, match="backend"):
        compare([LAYER], fake_machine(), backend="jax")


def test_channels_last_and_cuda_belong_to_the_torch_backend():
    with pytest.raises(ValueError, match="layout='channels_last'.*backend='torch'"):
        measure_layer(LAYER, layout="channels_last")
    with pytest.raises(ValueError, match="torch_device='cuda'"):
        measure_layer(LAYER, torch_device="cuda")
    with pytest.raises(ValueError, match="layout"):
        measure_layer(LAYER, backend="numpy", layout="nhwc")


def test_missing_torch_is_a_clear_value_error_saying_how_to_install(no_torch):
    for call in (lambda: measure_layer(LAYER, backend="torch"),
                 lambda: measure_layers([LAYER], backend="torch"),
                 lambda: calibrate(quick=True, backend="torch")):
        with pytest.raises(TorchUnavailableError, match=r"pip install roofline_conv\[torch\]") as info:
            call()
        assert isinstance(info.value, ValueError) and not isinstance(info.value, ImportError)


def test_the_numpy_backend_runs_without_torch(no_torch):
    m = measure_layer(Conv2d(2, 2, 1, 4), repeats=1, backend="numpy")
    assert m.seconds > 0


def test_the_core_and_the_measure_package_import_without_torch():
    import subprocess

    code = ("import sys; sys.modules['torch'] = None\n"
            "import roofline_conv, roofline_conv.measure.calibrate, roofline_conv.measure.torch_runs, "
            "roofline_conv.cli.layer, roofline_conv.cli.calibrate\n"
            "assert sys.modules['torch'] is None\n")
    subprocess.run([sys.executable, "-c", code], check=True)
