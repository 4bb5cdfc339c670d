"""Training-step estimates: backward = 2 x forward MACs, activation memory, projected step time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, devices, training, zoo
from roofline_conv.layers import GemmShape
from roofline_conv.network import Sequential, batchnorm, conv, depsep, depthwise, flatten, linear, relu, se
from roofline_conv.roofline import project

from network.netstrategies import networks


@settings(max_examples=40, deadline=None)
@given(networks(max_layers=6))
def test_backward_is_twice_forward_macs(case):
    specs, shape, batch, _ = case
    net = Sequential(specs, input_shape=shape, batch=batch)
    step = training.step(net)
    assert step.forward_macs == net.macs
    assert step.backward_macs == 2 * step.forward_macs
    assert step.data_grad_macs == step.weight_grad_macs == step.forward_macs
    for row in step.rows:  # per layer too: conv, linear, depthwise, DepSep, SE
        assert row.data_grad_macs == row.weight_grad_macs == row.forward_macs
    assert step.flops == step.forward_flops + step.backward_flops


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 16), st.integers(1, 16), st.integers(1, 3), st.integers(5, 20), st.integers(1, 4),
       st.sampled_from([1, 2]))
def test_gemm_shapes_of_the_backward_pass(cin, cout, k, size, batch, stride):
    layer = Conv2d(cin, cout, k, size, stride=stride, batch=batch)
    g = layer.gemm
    d, w = training.data_grad_gemm(g), training.weight_grad_gemm(g)
    assert d.macs == w.macs == layer.macs
    assert (d.m, d.n, d.k) == (g.m, g.k, g.n) and (w.m, w.n, w.k) == (g.k, g.n, g.m)
    dw = Conv2d(cin, cin * 2, k, size, groups=cin, batch=batch)
    gd = training.data_grad_gemm(dw.gemm)
    assert gd.macs == dw.macs and gd.groups == cin and gd.n // cin == dw.gemm.k  # per channel: (m, K^2, mult)
    assert training.weight_grad_gemm(GemmShape(8, 10, 4)) == GemmShape(4, 10, 8)


def test_skip_input_grad_skips_only_the_first_layer():
    net = zoo.get("resnet18", batch=2)
    full, skipped = training.step(net), training.step(net, skip_input_grad=True)
    first = net[0]
    assert full.backward_macs - skipped.backward_macs == first.macs
    assert skipped.rows[0].data_grad_macs == 0 and skipped.rows[0].weight_grad_macs == first.macs
    # a DepSep first: only its depthwise half's data gradient goes
    sep = Sequential([depsep(8, 3, padding=1), relu(), conv(4, 1)], input_shape=(3, 8, 8))
    s = training.step(sep, skip_input_grad=True)
    assert s.rows[0].data_grad_macs == sep[0].pointwise.macs
    assert s.backward_macs == 2 * s.forward_macs - sep[0].depthwise.macs


@settings(max_examples=20, deadline=None)
@given(networks(max_layers=5), st.integers(2, 6))
def test_activation_memory_is_linear_in_batch(case, k):
    specs, shape, _, _ = case
    one = Sequential(specs, input_shape=shape, batch=1)
    s1, sk = training.step(one), training.step(one.with_batch(k))
    assert sk.activation_elements == k * s1.activation_elements
    assert sk.activation_bytes("fp32") == 2 * sk.activation_bytes("fp16")
    assert sk.forward_macs == k * s1.forward_macs


def test_activation_memory_counts_each_tensor_once():
    net = Sequential([conv(8, 3, padding=1), batchnorm(), relu(), conv(4, 3, padding=1), flatten(), linear(10)],
                     input_shape=(3, 8, 8))
    step = training.step(net)
    e = 8 * 8 * 8
    # input (first conv), conv output (BN), ReLU output (ReLU and the 2nd conv), 2nd conv output = the
    # flatten view (the linear's input); the BN output is not kept
    assert step.activation_elements == 3 * 64 + e + e + 4 * 64
    assert set(step.saved_tensors) == {("t", -1), ("t", 0), ("t", 2), ("t", 3)}


def test_traffic_and_tables():
    net = Sequential([conv(8, 3, padding=1), batchnorm(), relu(), se(2), depthwise(3, padding=1), flatten(),
                      linear(5)], input_shape=(3, 8, 8), batch=2)
    step = training.step(net, optimizer="adam")
    c = net[0]
    row = step.rows[0]
    assert row.forward_elements == c.traffic_elements() and row.backward_elements == 2 * c.traffic_elements()
    assert step.rows[5].backward_elements == 0  # flatten: a view
    assert step.update_ops == 12 * net.params and step.update_elements == 7 * net.params
    assert step.traffic("fp16") == 2 * step.traffic_elements()
    t = step.table("fp16")
    assert t.rows[-1][1] == "total" and t.rows[-1][3] == net.macs
    assert "backward MACs" in step.totals().render("csv")
    assert "TrainingStep" in repr(step)


@pytest.mark.parametrize("device, precision", [("v100-sxm2", "fp16"), ("tpuv2-8", "bf16"),
                                               ("xeon-e5-2698v4", "fp32"), ("tpuv4-chip", "bf16")])
def test_projected_step(device, precision):
    net = zoo.get("mobilenet_v2", batch=16)
    step = training.step(net, optimizer="sgd")
    p = step.project(device, precision)
    assert p.forward.time == project(net, device, precision, fuse=False).time
    assert p.time == pytest.approx(float(p.forward.time) + float(p.backward.time) + float(p.update.time))
    assert p.images_per_second == pytest.approx(16 / p.time)
    assert p.backward.time > p.forward.time  # twice the MACs
    forward_units = {q.unit for q in p.forward.parts if q.parts == ()}
    assert {q.unit for q in p.backward.parts} <= forward_units | {devices.get(device).unit_order("depthwise")[0]}
    assert "images/s" in p.table().render("md")


def test_estimate_and_bad_input():
    p = training.estimate(zoo.get("cifar_cnn", batch=8), "v100-sxm2", "fp32", optimizer="momentum")
    assert p.images_per_second > 0 and p.update is not None
    with pytest.raises(ValueError, match="optimizer='lamb' must be None or one of sgd, momentum, adam"):
        training.step(zoo.get("cifar_cnn"), optimizer="lamb")
    with pytest.raises(ValueError, match="needs a network"):
        training.step(Conv2d(3, 8, 3, 8))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="skip_input_grad"):
        training.step(zoo.get("cifar_cnn"), skip_input_grad="yes")  # type: ignore[arg-type]


def test_unknown_keywords_name_the_call_the_user_made():
    import pytest

    from roofline_conv import devices, zoo
    from roofline_conv.training import estimate

    net = zoo.get("cifar_cnn")
    with pytest.raises(TypeError, match=r"estimate\(\) got an unexpected keyword argument 'bogus'; it takes"):
        estimate(net, "v100-sxm2", bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        devices.get("v100-sxm2").project(net, bogus=1)
