"""Vectorised sweeps agree element-wise with the scalar API (exact ints, floats to 1e-12)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep, Depthwise, LayerError, Pointwise, devices, project
from roofline_conv.conventions import PRECISIONS, TRAFFIC_MODELS
from roofline_conv.layers.formulas import FORMULAS
from roofline_conv import sweeps as sweep_module
from roofline_conv.sweeps import COUNT_QUANTITIES, expression, sweep
from strategies import conv_args

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTS = ["macs", "flops", "params", "weights", "bias_params", "bias_adds", "input_elements", "input_read_elements",
          "output_elements", "intermediate_elements", "im2col_elements"]


def _usable(device, precision):
    try:
        for op in ("conv", "pointwise", "depthwise"):
            device.choose_unit(op, precision)
    except ValueError:
        return False
    return True


DEVICE_PRECISIONS = [(d.id, p) for d in devices.all_devices() for p in PRECISIONS if _usable(d, p)]


def _arrays(configs: list[dict], kind: str, multipliers: list[int]) -> dict:
    """Sweep keyword arrays for a list of conv_args configurations."""
    col = lambda key, i=None: np.array([c[key] if i is None else c[key][i] for c in configs])  # noqa: E731
    pair = lambda key: (col(key, 0), col(key, 1))  # noqa: E731
    kw = dict(batch=col("batch"), in_channels=col("in_channels"), input_size=pair("input_size"),
              stride=pair("stride"), bias=col("bias"))
    if kind == "pointwise":
        return dict(kw, out_channels=col("out_channels"), groups=col("groups"))
    kw.update(kernel_size=pair("kernel_size"), padding=pair("padding"), dilation=pair("dilation"))
    if kind == "conv":
        return dict(kw, out_channels=col("out_channels"), groups=col("groups"))
    if kind == "depthwise":
        return dict(kw, depth_multiplier=np.array(multipliers))
    return dict(kw, out_channels=col("out_channels"), depth_multiplier=np.array(multipliers))


def _layer(c: dict, kind: str, mult: int):
    if kind == "conv":
        return Conv2d(**c)
    if kind == "pointwise":
        return Pointwise(c["in_channels"], c["out_channels"], c["input_size"], c["stride"], c["groups"],
                         c["bias"], c["batch"])
    if kind == "depthwise":
        return Depthwise(c["in_channels"], c["kernel_size"], c["input_size"], c["stride"], c["padding"],
                         c["dilation"], c["bias"], c["batch"], multiplier=mult)
    return DepSep(c["in_channels"], c["out_channels"], c["kernel_size"], c["input_size"], c["stride"],
                  c["padding"], c["dilation"], c["bias"], c["batch"], depth_multiplier=mult)


batches = st.lists(conv_args(), min_size=1, max_size=12)
kinds = st.sampled_from(["conv", "depsep", "depthwise", "pointwise"])


@SETTINGS
@given(configs=batches, kind=kinds, data=st.data())
def test_counts_match_scalar_layers_exactly(configs, kind, data):
    mults = data.draw(st.lists(st.integers(1, 3), min_size=len(configs), max_size=len(configs)))
    layers = [_layer(c, kind, m) for c, m in zip(configs, mults)]
    kw = _arrays(configs, kind, mults)
    for q in COUNTS:
        got = sweep(q, kind=kind, **kw)
        assert got.dtype == np.int64 and got.shape == (len(configs),)
        assert got.tolist() == [getattr(l, q) for l in layers], q
    h, w = sweep("output_size", kind=kind, **kw)
    assert list(zip(h.tolist(), w.tolist())) == [l.output_size for l in layers]
    precision = data.draw(st.sampled_from(PRECISIONS))
    for model in TRAFFIC_MODELS:
        assert sweep("traffic_elements", traffic=model, kind=kind, **kw).tolist() == [
            l.traffic_elements(model) for l in layers]
        assert sweep("traffic", precision=precision, traffic=model, kind=kind, **kw).tolist() == [
            l.traffic(model, precision) for l in layers]
        np.testing.assert_allclose(sweep("intensity", precision=precision, traffic=model, kind=kind, **kw),
                                   [l.intensity(model, precision) for l in layers], rtol=1e-12, atol=0)


@SETTINGS
@given(configs=batches, kind=kinds, device_precision=st.sampled_from(DEVICE_PRECISIONS),
       traffic=st.sampled_from(TRAFFIC_MODELS), data=st.data())
def test_device_quantities_match_project(configs, kind, device_precision, traffic, data):
    device_id, precision = device_precision
    device = devices.get(device_id)
    mults = data.draw(st.lists(st.integers(1, 3), min_size=len(configs), max_size=len(configs)))
    kw = _arrays(configs, kind, mults)
    # sweeps assume the direct algorithm (docs/sweeps.md); project() may default to Winograd or FFT
    projections = [project(_layer(c, kind, m), device, precision, traffic, algorithm="direct")
                   for c, m in zip(configs, mults)]
    expected = {
        "time": [p.time for p in projections],
        "compute_time": [p.compute_time for p in projections],
        "memory_time": [p.main_memory_time for p in projections],
        "attainable": [p.attainable for p in projections],
        "per_second": [p.per_second for p in projections],
        "executed_flops": [p.executed_flops for p in projections],
    }
    for q, want in expected.items():
        got = sweep(q, device, precision, traffic, kind=kind, **kw)
        assert got.shape == (len(configs),)
        np.testing.assert_allclose(got, np.array(want, dtype=float), rtol=1e-12, atol=0, err_msg=q)


@pytest.mark.parametrize("device_id", ["v100-sxm2", "tpuv2-core", "a100-sxm-40gb", "xeon-e5-2698v4"])
def test_mixed_op_kinds_in_one_conv_sweep(device_id):
    """One 'conv' sweep holding dense, 1x1 and depthwise configurations: each element gets the
    unit and lowering project() gives that configuration."""
    device = devices.get(device_id)
    precision = "fp32" if device.kind == "cpu" else "fp16"
    cin = np.array([64, 64, 64, 1, 32, 96])
    groups = np.array([1, 1, 64, 1, 32, 3])
    kernel = np.array([3, 1, 3, 1, 5, 1])
    kw = dict(in_channels=cin, out_channels=np.array([128, 96, 64, 16, 64, 96]), groups=groups,
              kernel_size=kernel, input_size=28, padding=kernel // 2, batch=4)
    layers = [Conv2d(int(c), int(o), int(k), 28, padding=int(k) // 2, groups=int(g), batch=4)
              for c, o, g, k in zip(cin, kw["out_channels"], groups, kernel)]
    assert {l.kind for l in layers} == {"conv", "pointwise", "depthwise"}
    for traffic in TRAFFIC_MODELS:
        got = sweep("time", device, precision, traffic, **kw)
        np.testing.assert_allclose(got, [project(l, device, precision, traffic).time for l in layers], rtol=1e-12)


def test_unit_lowering_and_efficiency_overrides_match_project():
    from roofline_conv.devices import TPUv2, V100

    kw = dict(kind="depsep", in_channels=[32, 128, 256], out_channels=[64, 128, 512], kernel_size=3,
              input_size=[112, 56, 14], padding="same", batch=[1, 16, 64])
    layers = [DepSep(32, 64, 3, 112, padding="same"), DepSep(128, 128, 3, 56, padding="same", batch=16),
              DepSep(256, 512, 3, 14, padding="same", batch=64)]
    calibrated = V100.with_efficiency({
        "depthwise": dict(compute=0.5, memory=0.25, source="test"),
        "pointwise": dict(compute=0.8, memory=0.9, source="test"),
    })
    cases = [
        (TPUv2, "bf16", dict(lowering="per_channel_gemm")),
        (TPUv2, "bf16", dict(unit={"depthwise": "vector"})),
        (V100, "fp16", dict(unit="cuda")),
        (calibrated, "fp16", {}),
        (calibrated, "fp16", dict(calibrated=False)),
    ]
    for device, precision, extra in cases:
        for traffic in TRAFFIC_MODELS:
            want = [project(l, device, precision, traffic, **extra).time for l in layers]
            got = sweep("time", device, precision, traffic, **kw, **extra)
            np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=str(extra))


def test_study_layer_numbers():
    kw = dict(in_channels=128, out_channels=128, kernel_size=3, input_size=224, padding="same")
    assert sweep("macs", **kw) == 7_398_752_256
    assert sweep("macs", kind="depsep", **kw) == 879_886_336
    assert round(float(sweep("intensity", kind="depsep", **kw)), 1) == 68.4
    assert round(float(sweep("intensity", **kw)), 1) == 569.5
    assert sweep("per_second", "v100-sxm2", **kw).round() == 8447


def test_broadcasting_grid_shape_and_same_padding():
    channels = np.array([16, 32, 64, 128])[:, None]
    sizes = np.array([7, 14, 28, 56, 112])[None, :]
    macs = sweep("macs", in_channels=channels, out_channels=channels, kernel_size=(3, 5), input_size=sizes,
                 padding="same")
    assert macs.shape == (4, 5)
    for i, c in enumerate(channels[:, 0]):
        for j, s in enumerate(sizes[0]):
            assert macs[i, j] == Conv2d(int(c), int(c), (3, 5), int(s), padding="same").macs
    # even kernel, "same": the odd total padding is split as PyTorch does; counts still agree
    got = sweep("output_size", in_channels=8, out_channels=8, kernel_size=[2, 4], input_size=9, padding="same")
    assert [tuple(x) for x in np.stack(got, 1).tolist()] == [(9, 9), (9, 9)]
    # per-side padding
    assert sweep("macs", in_channels=3, out_channels=4, kernel_size=3, input_size=8,
                 padding=((0, 1), (2, 0))) == Conv2d(3, 4, 3, 8, padding=((0, 1), (2, 0))).macs


def test_scalars_give_zero_d_arrays_and_lists_are_configurations():
    out = sweep("params", in_channels=8, out_channels=8, kernel_size=3, input_size=8)
    assert out.shape == () and out == 576
    out = sweep("params", in_channels=[8, 16], out_channels=8, kernel_size=3, input_size=8)
    assert out.tolist() == [576, 1152]


def test_huge_values_fall_back_to_exact_python_ints():
    kw = dict(in_channels=[4096, 16], out_channels=4096, kernel_size=7, input_size=4096, padding=3,
              batch=[2**20, 1])
    macs = sweep("macs", **kw)
    want = Conv2d(4096, 4096, 7, 4096, padding=3, batch=2**20).macs
    assert want > 2**63 and macs.dtype == object and macs[0] == want
    assert macs[1] == Conv2d(16, 4096, 7, 4096, padding=3).macs
    t = sweep("time", "v100-sxm2", **kw)
    assert math.isclose(t[0], project(Conv2d(4096, 4096, 7, 4096, padding=3, batch=2**20), "v100-sxm2").time,
                        rel_tol=1e-12)


def test_compiled_once_per_quantity_traffic_precision():
    kw = dict(in_channels=np.arange(1, 50), out_channels=32, kernel_size=3, input_size=16, padding=1)
    sweep("traffic", precision="fp8", traffic="unfused", **kw)
    before = sweep_module.COMPILE_COUNT
    for _ in range(3):
        sweep("traffic", precision="fp8", traffic="unfused", **kw)
        sweep("macs", **kw)
    assert sweep_module.COMPILE_COUNT == before


def test_expressions_are_the_formulas():
    assert sp.simplify(expression("macs") - FORMULAS["macs"]) == 0
    assert sp.simplify(expression("weights") - FORMULAS["weights"]) == 0
    e = expression("macs", "depsep")
    assert "depth_multiplier" in str(e)
    assert sweep("flops", kind="depsep", in_channels=128, out_channels=128, kernel_size=3, input_size=224,
                 padding=1) == 2 * 879_886_336
    ratio = expression("intensity", "conv", "unfused", "fp32")
    assert sp.simplify(ratio - expression("flops", "conv") / expression("traffic", "conv", "unfused", "fp32")) == 0
    # the traffic is composed as Layer.traffic_elements composes it: params + input + output (+ ...)
    compulsory = (FORMULAS["weights"] + FORMULAS["bias_params"] + FORMULAS["input_read_elements"]
                  + FORMULAS["output_elements"])
    assert sp.simplify(expression("traffic_elements") - compulsory) == 0


# ---- errors -------------------------------------------------------------------------------
def test_groups_must_divide_channels_with_count_and_first_offender():
    with pytest.raises(ValueError, match=r"groups does not divide in_channels in 2 of 5 configurations "
                                         r"\(first at index 1: groups=3, in_channels=64\)"):
        sweep("macs", in_channels=[63, 64, 66, 65, 96], out_channels=96, groups=3, kernel_size=3, input_size=8)


def test_kernel_larger_than_padded_input():
    with pytest.raises(LayerError, match=r"larger than the padded input height in 1 of 3 configurations "
                                         r"\(first at index \(0, 2\): kernel_size=7"):
        sweep("macs", in_channels=4, out_channels=4, kernel_size=np.array([[3, 5, 7]]), input_size=5)


def test_input_errors_are_named():
    base = dict(in_channels=8, out_channels=8, kernel_size=3, input_size=8)
    cases = [
        (dict(base, in_channels=[8, 2.5]), r"in_channels=\[8, 2.5\] must be integers, not floats"),
        (dict(base, stride=[1, 2], padding="same"), r"padding='same' is supported for stride 1 only"),
        (dict(base, stride=[1, 0]), r"stride must be >= 1 in 1 of 2 configurations \(first at index 1: stride=0\)"),
        (dict(base, padding=-1), r"padding must be >= 0"),
        (dict(base, padding="full"), r"padding='full' must be"),
        (dict(base, kernel_size=(3, 3, 3)), r"kernel_size as a tuple must be an \(h, w\) pair"),
        (dict(base, in_channels=[8, 16], out_channels=[8, 16, 32]), r"do not broadcast"),
        (dict(base, bias=[0, 2]), r"bias must be True/False"),
        (dict(base, depth_multiplier=2), r"depth_multiplier applies to kind='depsep'"),
    ]
    for kw, message in cases:
        with pytest.raises(ValueError, match=message):
            sweep("macs", **kw)
    with pytest.raises(ValueError, match="kernel_size cannot be set for kind='pointwise'"):
        sweep("macs", kind="pointwise", **base)
    with pytest.raises(ValueError, match="groups cannot be set for kind='depsep'"):
        sweep("macs", kind="depsep", groups=2, **base)
    with pytest.raises(ValueError, match="out_channels must be a multiple of in_channels"):
        sweep("macs", kind="depthwise", **dict(base, out_channels=[8, 12]))
    with pytest.raises(ValueError, match="quantity='time' needs device="):
        sweep("time", **base)
    with pytest.raises(ValueError, match="quantity='latency' is not a sweep quantity"):
        sweep("latency", **base)
    with pytest.raises(ValueError, match="kind='dense' must be one of"):
        sweep("macs", kind="dense", **base)
    with pytest.raises(ValueError, match="precision='fp12'"):
        sweep("traffic", precision="fp12", **base)
    with pytest.raises(ValueError, match="lowering='magic'"):
        sweep("time", "v100-sxm2", lowering="magic", **base)


def test_every_count_quantity_is_listed_with_a_unit():
    assert set(COUNT_QUANTITIES) >= {"macs", "flops", "params", "traffic", "intensity", "output_size"}


def test_sweep_time_matches_project_with_every_ceiling_form():
    """Calibrated ceilings of every form (overlap or sum, fixed overhead) give the same times in
    a sweep as in project(): one implementation of the roofline arithmetic."""
    import numpy as np

    from roofline_conv import Conv2d, DepSep, V100
    from roofline_conv.roofline import project
    from roofline_conv.sweeps import sweep

    dev = V100.with_efficiency({
        "conv": dict(compute=0.6, memory=0.5, overlap=False, overhead=2e-6, source="t"),
        "depthwise": dict(compute=0.1, memory=0.3, overlap=True, overhead=5e-6, source="t"),
        "pointwise": dict(compute=0.9, memory=0.8, overlap=False, overhead=0.0, source="t"),
    })
    channels = np.array([16, 64, 128, 256])
    for kind, make in (("conv", lambda c: Conv2d(c, c, 3, 28, padding=1)), ("depsep", lambda c: DepSep(c, c, 3, 28, padding=1))):
        times = sweep("time", dev, "fp16", kind=kind, in_channels=channels, out_channels=channels, kernel_size=3,
                      input_size=28, padding=1)
        expected = [float(project(make(int(c)), dev, "fp16").time) for c in channels]
        np.testing.assert_allclose(times, expected, rtol=1e-12)


@SETTINGS
@given(configs=batches, kind=kinds, data=st.data())
def test_shared_arrays_and_neutral_numbers_give_the_same_numbers(configs, kind, data):
    """A sweep compiles in what its arguments fix (one array for width and height, no dilation,
    stride 1, ...): the numbers are those of the same values given as separate arrays."""
    mults = data.draw(st.lists(st.integers(1, 3), min_size=len(configs), max_size=len(configs)))
    kw = _arrays(configs, kind, mults)
    shared = {}
    for key, value in kw.items():  # one array for both axes, or one number for every configuration
        if isinstance(value, tuple):
            value = value[0]
        if data.draw(st.booleans()) and np.all(value == value.flat[0]):
            value = int(value.flat[0])
        shared[key] = value
    full = lambda v: np.array(np.broadcast_to(v, (len(configs),)))  # noqa: E731 - a new array, never a number
    apart = {k: ((full(v), full(v)) if k in ("kernel_size", "input_size", "stride", "padding", "dilation") else full(v))
             for k, v in shared.items()}
    quantity = data.draw(st.sampled_from(["macs", "traffic", "intensity", "output_size", "im2col_elements", "time"]))
    device = "v100-sxm2" if quantity == "time" else None
    traffic = data.draw(st.sampled_from(TRAFFIC_MODELS))
    got = sweep(quantity, device, traffic=traffic, kind=kind, **shared)
    want = sweep(quantity, device, traffic=traffic, kind=kind, **apart)
    for a, b in zip(got, want) if quantity == "output_size" else ((got, want),):
        assert np.array_equal(np.broadcast_to(a, b.shape), b)
