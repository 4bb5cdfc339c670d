"""The built Network: a layer with layer answers, batch linearity, projection, pickling."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, ReLU, devices, project
from roofline_conv.network import (
    Network, Residual, Sequential, batchnorm, conv, depsep, flatten, global_avgpool, linear, maxpool, pointwise, relu6,
    se, silu,
)

from .netstrategies import networks
from .nettiny import tiny


@settings(max_examples=25, deadline=None)
@given(networks(max_layers=5), st.integers(2, 5))
def test_batch_linearity(case, k):
    specs, shape, batch, _ = case
    one = Sequential(specs, input_shape=shape, batch=1)
    many = one.with_batch(k)
    assert many.batch == k and many.params == one.params
    assert many.macs == k * one.macs and many.ops == k * one.ops
    assert many.activation_elements == k * one.activation_elements
    # traffic: activations scale with the batch, parameters do not
    for fuse in (True, False):
        act_one = one.traffic_elements(fuse=fuse) - _param_elements(one, fuse)
        act_many = many.traffic_elements(fuse=fuse) - _param_elements(many, fuse)
        assert act_many == k * act_one


def _param_elements(net, fuse):
    fused = net.fused_into(fuse)
    total = 0
    for node in net.nodes:
        if node.index in fused:
            continue
        total += node.layer.params
        members = net.fusion_groups().get(node.index, ()) if fuse else ()
        bns = [net.nodes[m].layer for m in members if net.nodes[m].kind == "batchnorm"]
        if bns and node.layer.bias_params == 0:
            total += bns[0].bias_params
    return total


def test_network_is_a_layer_with_layer_answers():
    net = tiny()
    assert isinstance(net, Network)
    assert net.flops == 2 * net.macs + net.bias_adds + net.ops
    assert net.intensity("compulsory", "fp16") == net.flops / net.traffic()
    assert net.input_elements == 3 * 32 * 32 and net.output_elements == 10
    assert net.activation_elements == sum(n.layer.output_elements for n in net.nodes)
    with pytest.raises(AttributeError):
        net.fuse = False  # type: ignore[misc]


def test_project_network_composite():
    net = tiny(batch=4)
    dev = devices.get("v100-sxm2")
    p = project(net, dev, "fp16")
    assert len(p.parts) == len(net) and [q.name for q in p.parts] == [n.name for n in net.nodes]
    assert p.time == pytest.approx(sum(q.time for q in p.parts))
    assert p.traffic == net.traffic("compulsory", "fp16") and p.flops == net.flops
    assert p.images_per_second == pytest.approx(4 / p.time)
    assert [q.unit for q in p.parts] == ["tensor", "cuda", "cuda", "cuda", "cuda", "cuda", "tensor"]
    assert net.project(dev).time == p.time
    unfused = project(net, dev, fuse=False)
    assert unfused.traffic > p.traffic and unfused.time >= p.time
    assert "%" in p.bound  # a network summarises its roofs by share of time
    with pytest.raises(ValueError, match="fuse= applies to networks only"):
        project(net[0], dev, fuse=True)


def test_linear_network_projects_on_matrix_units_like_a_pointwise_conv():
    net = Sequential([flatten(), linear(1000)], input_shape=(1024, 1, 1), batch=8)
    dev = devices.get("tpuv2-core")
    fc = project(net, dev, "bf16").parts[1]
    pw = project(Conv2d(1024, 1000, 1, 1, bias=True, batch=8), dev, "bf16")
    assert fc.unit == "mxu" and fc.lowering == "gemm"
    assert fc.utilisation_of_tile == pw.utilisation_of_tile == pytest.approx(1024 * 1000 / (1024 * 1024))
    assert fc.time == pw.time and fc.name == "1"


def test_vector_ops_placement():
    relu_layer = ReLU((64, 56, 56))
    v100 = project(relu_layer, "v100-sxm2", "fp16")
    assert (v100.unit, v100.lowering, v100.bound) == ("cuda", "vector", "memory: hbm")
    tpu2 = project(relu_layer, "tpuv2-core", "bf16")
    assert tpu2.unit == "vector" and tpu2.lowering == "vector (computes in fp32)"
    tpu4 = project(relu_layer, "tpuv4-chip", "bf16")
    assert tpu4.unit == "mxu" and "no vector unit" in tpu4.lowering and tpu4.bound == "memory: hbm"
    xeon = project(relu_layer, "xeon-e5-2698v4", "fp32")
    assert xeon.unit == "fma"
    named_unit = project(relu_layer, "v100-sxm2", "fp16", unit={"vector": "tensor"})
    assert named_unit.unit == "tensor" and named_unit.lowering == "elementwise on tensor"
    flat = project(Sequential([flatten()], input_shape=(4, 2, 2)), "v100-sxm2").parts[0]
    assert flat.time == 0 and flat.bound.startswith("none")


def test_every_new_kind_projects_on_every_device():
    net = Sequential([conv(8, 3, padding=1), batchnorm(), silu(), maxpool(2), se(2), depsep(8, 3, padding=1),
                      Residual([pointwise(8), batchnorm()]), relu6(), global_avgpool(), flatten(), linear(5)],
                     input_shape=(3, 16, 16), batch=2)
    for dev in devices.all_devices():
        precision = "fp16" if dev.supports(dev.unit_order("conv")[0], "fp16") else "fp32"
        p = project(net, dev, precision)
        assert p.time > 0 and len(p.parts) == len(net)
        assert p.traffic == net.traffic("compulsory", precision)


def test_networks_pickle():
    import pickle

    from roofline_conv import zoo

    net = zoo.get("efficientnet_b0")
    copy = pickle.loads(pickle.dumps(net))
    assert copy == net and copy.params == net.params and copy.traffic() == net.traffic()
    assert copy.with_batch(2).macs == 2 * net.macs
