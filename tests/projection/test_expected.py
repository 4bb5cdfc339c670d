"""The expected time: never below the bound, its terms sum to it, each term moves it the way its
formula says, and the same arithmetic for ints, numpy arrays (sweeps) and the fits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep, devices, project, sweep, zoo
from roofline_conv.devices import DeviceFileError, Efficiency
from roofline_conv.projection.expected import Candidates, expected_times, fill, reduction

from strategies import convs, depseps


@st.composite
def efficiencies(draw: st.DrawFn) -> Efficiency:
    ramp = draw(st.booleans())
    return Efficiency(
        compute=draw(st.floats(0.01, 1.0)), memory=draw(st.floats(0.01, 1.0)),
        overhead=draw(st.sampled_from([0.0, 1e-6, 2.5e-5])), overlap=draw(st.booleans()),
        tile=(draw(st.sampled_from([16, 64, 128])), draw(st.sampled_from([16, 64, 128]))) if ramp else None,
        slots=draw(st.integers(1, 200)) if ramp else None,
        reduction_half=draw(st.sampled_from([None, 0.0, 8.0, 300.0])), source="test")


def with_terms(e: Efficiency, precision: str = "fp16", dev_id: str = "v100-sxm2"):
    base = devices.get(dev_id)
    terms = {op: {precision: e} for op in ("conv", "pointwise", "depthwise", "elementwise", "pooling")}
    return base.model_copy(update={"expected": terms})


@settings(max_examples=60, deadline=None)
@given(layer=st.one_of(convs(), depseps()), e=efficiencies())
def test_expected_never_below_the_bound_and_terms_sum_to_it(layer, e):
    p = project(layer, with_terms(e))
    assert p.expected_time >= p.time * (1 - 1e-12)
    assert math.isclose(sum(t.seconds for t in p.expected), p.expected_time, rel_tol=1e-9)
    assert all(t.seconds >= 0 for t in p.expected)
    assert p.expected[0].name == "bound" and math.isclose(p.expected[0].seconds, p.time, rel_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(layer=convs(), e=efficiencies())
def test_calibrated_false_gives_the_bound(layer, e):
    p = project(layer, with_terms(e), calibrated=False)
    assert p.expected_time == p.time and [t.name for t in p.expected] == ["bound"]


def test_each_term_moves_the_time_by_its_formula():
    layer = Conv2d(64, 128, 3, 14, padding=1, batch=2)
    raw = project(layer, "v100-sxm2", calibrated=False)
    m, n, k = layer.gemm
    e = Efficiency(compute=0.5, memory=0.8, overhead=3e-6, tile=(128, 64), slots=80, reduction_half=100.0, source="t")
    p = project(layer, with_terms(e))
    f = fill(m, n, (128, 64), 80)
    r = k / (k + 100.0)
    assert f == (math.ceil(m / 128) * math.ceil(n / 64)) / 80  # one partial wave
    compute = raw.compute_time / 0.5 / f / r
    memory = raw.main_memory_time / 0.8
    assert p.expected_time == pytest.approx(max(compute, memory) + 3e-6, rel=1e-12)
    assert [t.name for t in p.expected] == ["bound", "ceiling", "fill", "reduction", "overhead"]
    # removing any one term lowers the expected time: every term is in the sum
    for drop in (dict(compute=1.0), dict(tile=None, slots=None), dict(reduction_half=None), dict(overhead=0.0)):
        q = project(layer, with_terms(e.model_copy(update=drop)))
        assert q.expected_time < p.expected_time, drop


def test_fill_and_reduction_values():
    assert fill(128 * 80, 64, (128, 64), 80) == 1.0  # one full wave
    assert fill(128 * 81, 64, (128, 64), 80) == pytest.approx(81 / 160)  # a second, nearly empty wave
    assert reduction(27, 27.0) == 0.5
    arr = fill(np.array([128, 128 * 80]), np.array([64, 64]), (128, 64), 80)
    assert arr.tolist() == [1 / 80, 1.0]


def test_serial_terms_add_the_roofs():
    layer = Conv2d(32, 32, 3, 28, padding=1)
    raw = project(layer, "v100-sxm2", calibrated=False)
    e = Efficiency(compute=1.0, memory=1.0, overlap=False, source="t")
    p = project(layer, with_terms(e))
    assert p.expected_time == pytest.approx(raw.compute_time + max(raw.memory_time.values()))


def test_composites_and_networks_sum_their_parts():
    dev = devices.get("v100-sxm2")
    sep = DepSep(128, 128, 3, 56, padding=1)
    p = project(sep, dev)
    assert p.expected_time == pytest.approx(sum(q.expected_time for q in p.parts))
    net = zoo.get("resnet18")
    q = project(net, dev)
    step = sum(t.seconds for t in q.expected if t.name == "step")  # once per forward pass
    assert step > 0 and q.expected_time == pytest.approx(sum(part.expected_time for part in q.parts) + step)
    assert q.expected_time > q.time  # V100 has fitted conv and pointwise terms
    names = [t.name for t in q.expected]
    assert names[0] == "bound" and "ceiling" in names
    assert sum(t.seconds for t in q.expected) == pytest.approx(q.expected_time)
    assert q.expected_images_per_second == pytest.approx(1 / q.expected_time) and 0 < q.of_bound < 1


@settings(max_examples=25, deadline=None)
@given(e=efficiencies(), layers=st.lists(convs(), min_size=1, max_size=6))
def test_sweep_expected_time_equals_project(e, layers):
    dev = with_terms(e, "fp16")

    def col(f):
        return np.array([f(c) for c in layers])

    got = sweep("expected_time", kind="conv", device=dev, precision="fp16",
                in_channels=col(lambda c: c.in_channels), out_channels=col(lambda c: c.out_channels),
                kernel_size=(col(lambda c: c.kernel_size[0]), col(lambda c: c.kernel_size[1])),
                input_size=(col(lambda c: c.input_size[0]), col(lambda c: c.input_size[1])),
                stride=(col(lambda c: c.stride[0]), col(lambda c: c.stride[1])),
                padding=((col(lambda c: c.padding[0][0]), col(lambda c: c.padding[0][1])),
                         (col(lambda c: c.padding[1][0]), col(lambda c: c.padding[1][1]))),
                dilation=(col(lambda c: c.dilation[0]), col(lambda c: c.dilation[1])),
                groups=col(lambda c: c.groups), batch=col(lambda c: c.batch), bias=col(lambda c: c.bias))
    want = [project(c, dev, "fp16").expected_time for c in layers]
    assert np.allclose(got, want, rtol=1e-12, atol=0), (got, want)
    per_second = sweep("expected_per_second", kind="conv", device=dev, precision="fp16",
                       in_channels=col(lambda c: c.in_channels), out_channels=col(lambda c: c.out_channels),
                       kernel_size=1, input_size=8, groups=col(lambda c: c.groups), batch=1)
    assert np.all(per_second > 0)


def test_fit_candidates_use_the_same_arithmetic():
    layer = Conv2d(64, 64, 3, 28, padding=1, batch=4)
    raw = project(layer, "v100-sxm2", calibrated=False)
    e = Efficiency(compute=0.4, memory=0.7, overhead=2e-6, tile=(64, 64), slots=80, reduction_half=32.0, source="t")
    cand = Candidates(np.array([[0.4], [1.0]]), np.array([[0.7], [1.0]]), np.array([[2e-6], [0.0]]),
                      tile=(64, 64), slots=80, reduction_half=32.0)
    m, n, k = layer.gemm
    got, _ = expected_times(np.array([raw.compute_time]), [np.array([raw.main_memory_time])], cand,
                            (np.array([m]), np.array([n]), np.array([k])), words=False)
    assert got[0, 0] == pytest.approx(project(layer, with_terms(e)).expected_time, rel=1e-12)


def test_terms_are_validated_like_device_figures():
    with pytest.raises(ValueError, match="'tile' and 'slots' go together"):
        Efficiency(compute=0.5, memory=0.5, tile=(64, 64), source="t")
    with pytest.raises(ValueError):
        Efficiency(compute=1.5, memory=0.5, source="t")
    base = devices.get("v100-sxm2").model_dump()
    bad = {**base, "expected": {"conv": {"fp17": dict(compute=0.5, memory=0.5, source="t")}}}
    with pytest.raises(DeviceFileError, match="fp17"):
        devices.Device.from_dict(bad, "x.toml")
    bad = {**base, "expected": {"convolution": {"fp16": dict(compute=0.5, memory=0.5, source="t")}}}
    with pytest.raises(DeviceFileError, match="convolution"):
        devices.Device.from_dict(bad, "x.toml")


def test_expected_terms_file_entries_name_catalog_devices(monkeypatch):
    from roofline_conv.devices import expected

    class Fake:
        terms = [expected.Entry(device="v999", op="conv", precision="fp16", compute=0.5, memory=0.5, source="t")]
        parallelism = []
        step = []

    monkeypatch.setattr(expected, "load_packaged", lambda name, model: Fake)
    with pytest.raises(DeviceFileError, match="'v999' is not a catalog device id"):
        expected.read({"v100-sxm2"})


def test_catalog_v100_has_fitted_terms_with_provenance():
    v100 = devices.get("v100-sxm2")
    for op in ("conv", "pointwise"):
        for precision in ("fp16", "fp32"):
            e = v100.expected[op][precision]
            assert "fitted by" in e.source and e.held_out_layers and e.held_out_median_error is not None


def test_tf32_ops_without_a_tensor_core_path_compute_in_fp32():
    """tf32 is a matrix-unit math mode for fp32 data: a depthwise conv runs on CUDA cores in fp32."""
    from roofline_conv import Depthwise

    p = project(Depthwise(32, 3, 28, padding=1), "a100-sxm-80gb", "tf32")
    assert p.unit == "cuda" and "computes in fp32" in p.lowering
    assert p.traffic == project(Depthwise(32, 3, 28, padding=1), "a100-sxm-80gb", "fp32").traffic
    with pytest.raises(ValueError, match="no unit for 'depthwise' at precision 'int8'"):
        project(Depthwise(32, 3, 28, padding=1), "v100-sxm2", "int8")
