"""Roofline projection: invariants (hypothesis) and exact cases."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import B, Conv2d, DepSep, Depthwise, Pointwise, devices
from roofline_conv.roofline import project, ridge_point, tile_utilisation
from strategies import convs, depseps

DEVICE_IDS = devices.list()
PRECISION = st.sampled_from(["fp16", "fp32"])
TRAFFIC = st.sampled_from(["compulsory", "unfused", "im2col"])


def _supported(device, layer, precision):
    try:
        device.choose_unit(layer.kind if not isinstance(layer, DepSep) else "depthwise", precision)
        if isinstance(layer, DepSep):
            device.choose_unit("pointwise", precision)
        return True
    except ValueError:
        return False


@settings(max_examples=60, deadline=None)
@given(st.one_of(convs(), depseps()), st.sampled_from(DEVICE_IDS), PRECISION, TRAFFIC)
def test_projection_invariants(layer, device_id, precision, traffic):
    device = devices.get(device_id)
    if not _supported(device, layer, precision):
        return
    p = project(layer, device, precision, traffic)
    leaves = p.parts or (p,)
    for leaf in leaves:
        assert leaf.time >= leaf.compute_time
        for t in leaf.memory_time.values():
            assert leaf.time >= t
        assert leaf.attainable <= leaf.peak * (1 + 1e-9)
        assert 0 < leaf.utilisation_of_tile <= 1
        assert leaf.executed_flops >= leaf.flops
        assert leaf.ridge_point == pytest.approx(leaf.peak / device.bandwidth())
    assert p.time == pytest.approx(sum(leaf.time for leaf in leaves))
    assert p.images_per_second == pytest.approx(layer.batch / p.time)
    assert p.per_second == pytest.approx(1 / p.time)
    assert p.traffic == layer.traffic(traffic, precision)
    assert p.flops == layer.flops


@settings(max_examples=40, deadline=None)
@given(convs(), st.sampled_from(DEVICE_IDS), st.integers(2, 8))
def test_monotonic_in_flops_and_bytes(layer, device_id, factor):
    device = devices.get(device_id)
    if not _supported(device, layer, "fp16"):
        return
    base = project(layer, device)
    # more output channels (more FLOPs and more bytes) never makes it faster
    bigger = project(layer.replace(out_channels=layer.out_channels * factor), device)
    assert bigger.time >= base.time * (1 - 1e-12)
    # a larger batch moves more bytes and does more FLOPs: time grows, and never faster per image than the bound allows
    batched = project(layer.replace(batch=layer.batch * factor), device)
    assert batched.time >= base.time * (1 - 1e-12)


@given(st.sampled_from(DEVICE_IDS))
def test_ridge_point_is_peak_over_bandwidth(device_id):
    device = devices.get(device_id)
    for name, unit in device.units.items():
        for precision in unit.peaks:
            for level in device.memory:
                assert ridge_point(device, name, precision, level) == pytest.approx(
                    device.peak(name, precision) / device.bandwidth(level))


def test_v100_exact():
    v100 = devices.get("v100-sxm2")
    assert v100.peak("tensor", "fp16") == 125e12
    assert ridge_point(v100, "tensor", "fp16", "hbm") == pytest.approx(138.9, abs=0.05)
    conv, sep = Conv2d(128, 128, 3, 224, padding=1), DepSep(128, 128, 3, 224, padding=1)
    pc = v100.project(conv, precision="fp16")
    assert pc.unit == "tensor" and pc.bound == "compute: tensor" and pc.compute_bound
    assert pc.time == pytest.approx(2 * 7_398_752_256 / 125e12)
    ps = project(sep, v100, "fp16")
    dw, pw = ps.parts
    assert dw.unit == "cuda" and dw.bound == "memory: hbm" and dw.lowering == "vector"
    assert pw.unit == "tensor"
    # fused: the intermediate is charged to neither part
    assert dw.traffic + pw.traffic == sep.traffic("compulsory", "fp16")
    # at fp32 the tensor cores (fp16 only on V100) give way to the CUDA cores
    assert project(conv, v100, "fp32").unit == "cuda"


def test_tile_utilisation_scale_sim_arithmetic():
    assert tile_utilisation(128, 128, (128, 128)) == 1.0
    assert tile_utilisation(9, 1, (128, 128)) == pytest.approx(9 / 16384)
    assert tile_utilisation(1152, 128, (128, 128)) == 1.0
    assert tile_utilisation(129, 128, (128, 128)) == pytest.approx(129 / 256)


def test_depthwise_lowerings_on_tpu():
    tpu = devices.get("tpuv2-core")
    dw = Depthwise(128, 3, 224, padding=1)
    block = project(dw, tpu, "bf16")
    assert block.lowering == "block_diagonal" and block.unit == "mxu"
    assert block.executed_flops == pytest.approx(2 * dw.macs * 128)  # groups-fold wasted MACs
    per_channel = project(dw, tpu, "bf16", lowering="per_channel_gemm")
    assert per_channel.utilisation_of_tile == pytest.approx(9 / (128 * 128))
    vpu = project(dw, tpu, "bf16", unit="vector")
    assert vpu.unit == "vector" and "computes in fp32" in vpu.lowering


def test_symbolic_projection():
    v100 = devices.get("v100-sxm2")
    p = project(Conv2d(128, 128, 3, 224, padding=1, batch=B), v100, "fp16")
    assert isinstance(p.time, sp.Expr) and p.time.free_symbols == {B}
    assert float(p.time.subs(B, 16)) == pytest.approx(float(project(Conv2d(128, 128, 3, 224, padding=1, batch=16), v100).time))


def test_network_of_layers_sums():
    v100 = devices.get("v100-sxm2")
    layers = [Conv2d(3, 32, 3, 224, stride=2, padding=1), DepSep(32, 64, 3, 112, padding=1), Pointwise(64, 128, 112)]
    p = project(layers, v100)
    assert p.time == pytest.approx(sum(project(l, v100).time for l in layers))
    assert "layers" in p.name and len(p.parts) == 3


def test_projection_errors():
    v100 = devices.get("v100-sxm2")
    conv = Conv2d(8, 8, 3, 16)
    with pytest.raises(ValueError, match="precision='fp13'"):
        project(conv, v100, "fp13")
    with pytest.raises(ValueError, match="traffic='lazy'"):
        project(conv, v100, traffic="lazy")
    with pytest.raises(ValueError, match="unit='mxu' is not a unit of v100-sxm2"):
        project(conv, v100, unit="mxu")
    with pytest.raises(ValueError, match="lowering='magic'"):
        project(conv, v100, lowering="magic")
    with pytest.raises(ValueError, match="at least one layer"):
        project([], v100)
    with pytest.raises(ValueError, match="tensor"):
        project(conv, v100, "fp64", unit="tensor")
    with pytest.raises(ValueError, match="v100-sxm3"):
        project(conv, "v100-sxm3")


def test_projection_table_has_units():
    text = str(devices.get("v100-sxm2").project(DepSep(128, 128, 3, 224, padding=1)))
    for needle in ("time (us)", "traffic (bytes)", "intensity (FLOP/B)", "attainable (TFLOP/s)", "depthwise", "pointwise"):
        assert needle in text
