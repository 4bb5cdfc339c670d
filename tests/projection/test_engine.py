"""The projection engine keeps a network's projections per device and settings: the same
projection again is the same object; any other setting, device or network is projected anew."""

from __future__ import annotations

import dataclasses

import pytest

from roofline_conv import devices, project
from roofline_conv.network import Sequential
from roofline_conv.network.builders import conv, relu
from roofline_conv.projection import engine
from roofline_conv import zoo
from roofline_conv.conventions import Bound
from roofline_conv.projection.result import replaced
from roofline_conv.roofline import project_ops
from roofline_conv.zoo import models


def _net(name: str = "tiny"):
    return Sequential([conv(8, 3, padding=1), relu(), conv(16, 3, stride=2, padding=1)], input_shape=(3, 32, 32),
                      name=name)


def test_the_same_projection_again_is_a_look_up():
    net, v100 = _net(), devices.get("v100-sxm2")
    p = project(net, v100)
    assert project(net, v100) is p and net.project("v100-sxm2") is p
    assert net.table(device=v100).rows and project(net, v100) is p


def test_other_settings_devices_and_networks_are_projected_anew():
    net, v100 = _net(), devices.get("v100-sxm2")
    p = project(net, v100)
    others = [project(net, v100, "fp32"), project(net, v100, traffic="unfused"), project(net, v100, fuse=False),
              project(net, v100, calibrated=False), project(net, v100, unit={"relu": "cuda"}),
              project(net, "a100-sxm-40gb"), project(_net(), v100)]
    assert all(o is not p for o in others)
    assert project(_net("other"), v100).name == "other"
    assert project(net, v100, unit={"relu": "cuda"}) is others[4]  # a mapping is a key too


def test_a_network_keeps_a_bounded_number_of_projections():
    net, v100 = _net(), devices.get("v100-sxm2")
    first = project(net, v100, "fp16")
    for i in range(engine.PROJECTIONS_KEPT):  # 16 other settings push the first one out
        project(net, v100, ("fp32", "fp16")[i % 2], ("unfused", "im2col")[i // 2 % 2],
                unit={"relu": "cuda"} if i // 4 % 2 else None, fuse=bool(i // 8 % 2))
    kept = net.memoised("projections", dict)
    assert len(kept) <= engine.PROJECTIONS_KEPT
    again = project(net, v100, "fp16")
    assert again is not first and again == first  # dropped, then recomputed: the same values


def test_projecting_a_network_again_returns_the_kept_projection():
    net = models.mobilenet_v2()
    first = net.project("v100-sxm2")
    assert net.project("v100-sxm2") is first
    assert project(net, devices.get("v100-sxm2")) is first  # the same settings, however the device is named
    assert net.project("v100-sxm2", precision="fp32") is not first
    assert net.project("v100-sxm2", fuse=False) == net.with_fuse(False).project("v100-sxm2") != first
    raw = net.project("v100-sxm2", calibrated=False)  # the bound alone: V100's fitted terms left out
    assert raw.time == first.time and raw.expected_time == raw.time < first.expected_time


def test_a_kept_projection_equals_a_new_one_and_bad_input_is_still_refused():
    net, fresh = models.resnet18(), models.resnet18()
    kept = net.project("a100-sxm-40gb", "fp16", "unfused")
    assert net.project("a100-sxm-40gb", "fp16", "unfused") is kept
    assert kept == fresh.project("a100-sxm-40gb", "fp16", "unfused")
    with pytest.raises(ValueError, match="precision"):
        net.project("a100-sxm-40gb", precision="fp99")
    with pytest.raises(ValueError, match="unit"):
        net.project("a100-sxm-40gb", unit="nope")


def test_unit_mappings_are_part_of_the_settings():
    net = models.cifar_cnn()
    plain = net.project("v100-sxm2")
    on_cuda = net.project("v100-sxm2", unit={"conv": "cuda"})
    assert net.project("v100-sxm2", unit={"conv": "cuda"}) is on_cuda and on_cuda != plain


@pytest.mark.parametrize("name", ["resnet50", "efficientnet_b0"])
def test_repeated_nodes_are_projected_like_any_other(name):
    """Every node's part equals the node projected on its own (``project_ops``: no sharing, and
    under fusion no per-op overhead for elementwise ops), but for the BatchNorms folded into their
    conv, which cost nothing, and the activations in a conv's epilogue, expected at their bound."""
    net = zoo.get(name)
    dev = devices.get("v100-sxm2")
    parts = net.project(dev).parts
    elements = net.node_traffic_elements()
    fused = net.fused_into()
    for node, part, e in zip(net.nodes, parts, elements):
        if node.kind == "batchnorm" and node.index in fused:
            assert part.binding == Bound.FOLDED and part.time == 0.0
        elif node.index in fused:
            alone = project_ops([(node.name, node.layer, e)], dev, launch_elementwise=False).parts[0]
            assert part.time == alone.time and part.expected_time == part.time, node.name
        else:
            assert part == project_ops([(node.name, node.layer, e)], dev, launch_elementwise=False).parts[0], node.name


def test_replaced_is_dataclasses_replace():
    p = project(models.cifar_cnn()[0], "v100-sxm2")
    for changes in ({"name": "other"}, {"time": 0.0, "compute_time": 0.0, "bound": "x"}):
        assert replaced(p, **changes) == dataclasses.replace(p, **changes)
    assert p.name == "conv"
