"""Fusion (network/fusion.py): groups, fused traffic, a shared tensor stops fusion; a folded
BatchNorm costs nothing in a fused projection, unfused it is a memory-bound op."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import DepSep, devices, zoo
from roofline_conv.network import Residual, Sequential, batchnorm, conv, depsep, maxpool, relu, relu6, se
from roofline_conv.roofline import project

from .netstrategies import networks


def test_folded_batchnorm_costs_no_time():
    net = zoo.get("resnet18")
    fused = project(net, "v100-sxm2", "fp16", fuse=True)
    unfused = project(net, "v100-sxm2", "fp16", fuse=False)
    bns = [i for i, node in enumerate(net.nodes) if node.kind == "batchnorm"]
    assert bns
    for i in bns:
        assert fused.parts[i].time == 0 and fused.parts[i].bound.startswith("folded into")
        assert unfused.parts[i].time > 0 and unfused.parts[i].bound.startswith("memory")
    assert fused.time < unfused.time


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from(["compulsory", "unfused", "im2col"]))
def test_fused_traffic_never_exceeds_unfused(case, model):
    specs, shape, batch, _ = case
    net = Sequential(specs, input_shape=shape, batch=batch)
    fused, unfused = net.node_traffic_elements(model, True), net.node_traffic_elements(model, False)
    assert sum(fused) <= sum(unfused)
    groups = net.fusion_groups()
    for head, members in groups.items():  # a group moves no more than its layers did unfused
        assert fused[head] + sum(fused[m] for m in members) <= unfused[head] + sum(unfused[m] for m in members)
        assert all(fused[m] == 0 for m in members)
    if not groups:
        assert fused == unfused


def test_fusion_groups_and_traffic():
    net = Sequential([conv(8, 3, padding=1), batchnorm(), relu(), conv(8, 1), relu6(), maxpool(2), batchnorm()],
                     input_shape=(3, 8, 8))
    assert net.fusion_groups() == {0: (1, 2), 3: (4,)}  # a BatchNorm after a pool is not foldable
    c0 = net[0]
    fused = net.node_traffic_elements(fuse=True)
    assert fused[0] == c0.params + c0.input_elements + c0.output_elements + 8  # + the folded shift
    assert fused[1] == fused[2] == fused[4] == 0
    assert fused[6] == net[6].traffic_elements()
    assert net.traffic(fuse=False) - net.traffic(fuse=True) == 2 * (
        net[1].traffic_elements() + net[2].traffic_elements() + net[4].traffic_elements() - 8)
    assert net.with_fuse(False).traffic() == net.traffic(fuse=False)
    rows = net.rows()
    assert rows[1]["fused_into"] == "#0 0" and rows[1]["bytes"] == 0 and rows[1]["intensity"] is None


def test_fusion_stops_at_a_shared_tensor():
    # the conv output feeds both the BatchNorm and the residual Add: it must be written
    block = Residual([conv(8, 1), batchnorm()], name="r")
    net = Sequential([conv(8, 3, padding=1), block, relu()], input_shape=(8, 4, 4))
    assert net.fusion_groups() == {1: (2,)}  # conv 0's output is read twice: no fusion
    assert [n.name for n in net.nodes] == ["0", "r.0", "r.1", "r.add", "2"]
    assert net.nodes[3].inputs == (2, 0)


def test_depsep_and_se_in_networks():
    net = Sequential([depsep(16, 3, padding=1), batchnorm(), relu(), se(4, activation="silu")], input_shape=(8, 8, 8))
    assert isinstance(net[0], DepSep) and net.fusion_groups() == {0: (1, 2)}
    dev = devices.get("v100-sxm2")
    p = project(net, dev)
    dw_pw, bn, act, sep = p.parts
    assert [q.unit for q in dw_pw.parts] == ["cuda", "tensor"] and len(sep.parts) == 6
    fused = net.node_traffic_elements(fuse=True)
    assert fused[0] == net[0].traffic_elements() + 16  # the folded BatchNorm shift
    assert p.traffic == sum(fused) * 2
