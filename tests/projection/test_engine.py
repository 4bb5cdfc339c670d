"""Projection of networks (projection/engine.py): a network keeps its latest projections, and
nodes holding the same layer with the same traffic are projected once."""

from __future__ import annotations

import dataclasses

import pytest

from roofline_conv import devices, project, zoo
from roofline_conv.conventions import Bound
from roofline_conv.projection import engine
from roofline_conv.projection.result import replaced
from roofline_conv.roofline import project_ops
from roofline_conv.zoo import models


def test_projecting_a_network_again_returns_the_kept_projection():
    net = models.mobilenet_v2()
    first = net.project("v100-sxm2")
    assert net.project("v100-sxm2") is first
    assert project(net, devices.get("v100-sxm2")) is first  # the same settings, however the device is named
    assert net.project("v100-sxm2", precision="fp32") is not first
    assert net.project("v100-sxm2", fuse=False) == net.with_fuse(False).project("v100-sxm2") != first
    assert net.project("v100-sxm2", calibrated=False) == first  # V100 has no fitted ceilings


def test_a_kept_projection_equals_a_new_one_and_bad_input_is_still_refused():
    net, fresh = models.resnet18(), models.resnet18()
    kept = net.project("a100-sxm-40gb", "fp16", "unfused")
    assert net.project("a100-sxm-40gb", "fp16", "unfused") is kept
    assert kept == fresh.project("a100-sxm-40gb", "fp16", "unfused")
    with pytest.raises(ValueError, match="precision"):
        net.project("a100-sxm-40gb", precision="fp99")
    with pytest.raises(ValueError, match="unit"):
        net.project("a100-sxm-40gb", unit="nope")


def test_a_network_keeps_its_latest_projections_only():
    net = models.cifar_cnn()
    calls = [dict(precision=p, traffic=t, fuse=f) for p in ("fp16", "fp32") for t in ("compulsory", "unfused", "im2col")
             for f in (True, False)]
    assert len(calls) > engine.MEMO_PROJECTIONS
    results = [net.project("v100-sxm2", **kw) for kw in calls]
    assert len(net._memoised("projections", dict)) == engine.MEMO_PROJECTIONS
    assert net.project("v100-sxm2", **calls[-1]) is results[-1]
    again = net.project("v100-sxm2", **calls[0])  # dropped, projected afresh: equal
    assert again is not results[0] and again == results[0]


def test_unit_mappings_are_part_of_the_settings():
    net = models.cifar_cnn()
    plain = net.project("v100-sxm2")
    on_cuda = net.project("v100-sxm2", unit={"conv": "cuda"})
    assert net.project("v100-sxm2", unit={"conv": "cuda"}) is on_cuda and on_cuda != plain


@pytest.mark.parametrize("name", ["resnet50", "efficientnet_b0"])
def test_repeated_nodes_are_projected_like_any_other(name):
    """Every node's part equals the node projected on its own (``project_ops``: no sharing), but
    for the BatchNorms folded into their conv, which cost nothing."""
    net = zoo.get(name)
    dev = devices.get("v100-sxm2")
    parts = net.project(dev).parts
    elements = net.node_traffic_elements()
    fused = net.fused_into()
    for node, part, e in zip(net.nodes, parts, elements):
        if node.kind == "batchnorm" and node.index in fused:
            assert part.binding == Bound.FOLDED and part.time == 0.0
        else:
            assert part == project_ops([(node.name, node.layer, e)], dev).parts[0], node.name


def test_replaced_is_dataclasses_replace():
    p = project(models.cifar_cnn()[0], "v100-sxm2")
    for changes in ({"name": "other"}, {"time": 0.0, "compute_time": 0.0, "bound": "x"}):
        assert replaced(p, **changes) == dataclasses.replace(p, **changes)
    assert p.name == "conv"
