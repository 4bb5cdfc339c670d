"""The torch backend: layers, networks and calibration timed with PyTorch (skipped without it).
Sizes are tiny and repeats few, so this stays fast on 2 cores."""

from __future__ import annotations

import math
import warnings

import pytest

torch = pytest.importorskip("torch")

from roofline_conv import Conv2d, DepSep, Depthwise, Pointwise, zoo  # noqa: E402
from roofline_conv.layers import Linear, MaxPool2d  # noqa: E402
from roofline_conv.measure import calibrate as cal  # noqa: E402
from roofline_conv.measure.memory import MemoryLimitError  # noqa: E402
from roofline_conv.measure.torch_modules import module_input_shape, torch_module  # noqa: E402
from roofline_conv.measure.torch_runs import measure_torch, torch_threads  # noqa: E402

TINY = [Conv2d(4, 8, 3, 8, padding=1), Depthwise(8, 3, 8, padding=1), Pointwise(8, 4, 8),
        DepSep(4, 8, 3, 8, stride=2, padding=1), Conv2d(3, 4, 3, 7, padding=((0, 1), (1, 0)))]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a loaded CI machine makes tiny timings noisy
        yield


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("layer", TINY, ids=repr)
def test_a_tiny_layer_timed_by_torch_is_positive_finite_seconds(layer, layout):
    m = cal.measure_layer(layer, repeats=2, threads=1, backend="torch", layout=layout)
    assert math.isfinite(m.seconds) and m.seconds > 0
    assert m.repeats == 2 and m.threads == 1
    assert f"torch cpu, {layout}" in m.label


@pytest.mark.parametrize("layer", TINY + [Linear(16, 4, batch=2), MaxPool2d(4, 3, 9, stride=2, padding=1)], ids=repr)
def test_the_module_has_the_layers_output_shape_and_parameters(layer):
    module = torch_module(torch, layer)
    x = torch.randn(module_input_shape(layer))
    with torch.inference_mode():
        y = module(x)
    assert y.numel() == layer.output_elements and y.shape[0] == layer.batch
    assert sum(p.numel() for p in module.parameters()) == layer.params


@pytest.mark.parametrize("name", ["cifar_cnn", "mobilenet_v2", "resnet18", "efficientnet_b0"])
def test_zoo_networks_become_modules_with_their_counts(name):
    net = zoo.get(name)
    module = torch_module(torch, net)
    params = sum(p.numel() for p in module.parameters())
    assert params == net.params
    if name == "cifar_cnn":
        with torch.inference_mode():
            y = module(torch.randn(net.batch, *net.input_shape))
        assert tuple(y.shape[1:]) == tuple(net.output_shape)


def test_a_network_is_timed_as_one_forward_pass():
    net = zoo.get("cifar_cnn")
    m = cal.measure_layer(net, repeats=1, threads=1, backend="torch", layout="channels_last")
    assert math.isfinite(m.seconds) and m.seconds > 0


def test_threads_are_restored_after_a_measurement():
    before = torch.get_num_threads()
    measure_torch(TINY[0], repeats=1, threads=1)
    assert torch.get_num_threads() == before
    with torch_threads(torch, 1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_torch_measures_bf16_but_refuses_int8_and_symbolic_layers():
    assert cal.measure_layer(TINY[2], "bf16", repeats=1, backend="torch").seconds > 0
    with pytest.raises(ValueError, match="precision='int8'"):
        cal.measure_layer(TINY[0], "int8", backend="torch")
    with pytest.raises(ValueError, match="symbolic"):
        cal.measure_layers([Conv2d.symbolic()], backend="torch")


def test_the_memory_guard_refuses_before_allocating():
    with pytest.raises(MemoryLimitError):
        cal.measure_layer(TINY[0], backend="torch", memory_limit=10)


def test_compare_works_with_the_torch_backend():
    c = cal.compare(TINY[:3], _device(), repeats=1, threads=1, backend="torch", layout="channels_last")
    assert len(c.rows) == 3 and all(r.measured > 0 for r in c.rows)
    assert "PyTorch's kernels (cpu, channels_last)" in c.table().notes[0]


def _device():
    from .test_calibrate import fake_machine

    return fake_machine()


def test_calibrate_with_torch_on_a_tiny_set(monkeypatch):
    monkeypatch.setattr(cal, "training_layers", lambda quick: TINY[:3])
    monkeypatch.setattr(cal, "holdout_layers", lambda quick: TINY[3:4])
    result = cal.calibrate(quick=True, repeats=1, threads=1, backend="torch", layout="channels_last")
    dev = result.device
    assert dev.id == "this-machine-torch" and dev.environment["backend"] == "torch"
    assert "torch.matmul" in dev.units["gemm"].peaks["fp32"].source
    assert set(dev.efficiency) == {"conv", "depthwise", "pointwise"}
    assert all("PyTorch's kernels (cpu, channels_last)" in e.source for e in dev.efficiency.values())
    assert len(result.holdout.rows) == 1
