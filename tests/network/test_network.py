"""Building networks: shape propagation, errors naming both layers, totals, fusion, tables."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import Conv2d, DepSep, Linear, ReLU, devices, project
from roofline_conv.network import (
    Network, NetworkError, Residual, Sequential, batchnorm, conv, depsep, flatten, global_avgpool, linear, maxpool,
    named, pointwise, relu, relu6, se, silu,
)

from .netstrategies import networks


def tiny(**kw):
    return Sequential([conv(16, 3, stride=2, padding=1), batchnorm(), relu(), maxpool(2), global_avgpool(), flatten(),
                       linear(10)], input_shape=(3, 32, 32), **kw)


def test_builds_from_specs_without_input_sizes():
    net = tiny(batch=2, name="tiny")
    assert [n.kind for n in net.nodes] == ["conv", "batchnorm", "relu", "maxpool", "globalavgpool", "flatten", "linear"]
    assert [n.output_shape for n in net.nodes] == [(16, 16, 16)] * 3 + [(16, 8, 8), (16, 1, 1), (16,), (10,)]
    assert net.nodes[0].layer == Conv2d(3, 16, 3, 32, stride=2, padding=1, batch=2)
    assert net.input_shape == (3, 32, 32) and net.output_shape == (10,) and net.batch == 2
    assert list(net) == list(net.layers) and len(net) == 7
    assert net[0] is net.nodes[0].layer and net["6"].kind == "linear"
    assert net.params == 3 * 16 * 9 + 32 + 170
    assert net.macs == 2 * (16 * 16 * 16 * 27) + 2 * 160
    assert "tiny" in repr(net) and "7 layers" in repr(net)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_shape_propagation_matches_brute_force(case):
    specs, shape, batch, expected = case
    net = Sequential(specs, input_shape=shape, batch=batch)
    for i, want in enumerate(expected):
        last = [n for n in net.nodes if n.name == str(i) or n.name.startswith(f"{i}.")][-1]
        assert last.output_shape == want, (i, specs[i])
    assert all(n.layer.output_shape[0] == batch for n in net.nodes)


@settings(max_examples=40, deadline=None)
@given(networks(), st.sampled_from(["compulsory", "unfused", "im2col"]), st.sampled_from(["fp16", "fp32"]),
       st.booleans())
def test_totals_are_sums_of_rows(case, model, precision, fuse):
    specs, shape, batch, _ = case
    net = Sequential(specs, input_shape=shape, batch=batch)
    rows = net.rows(precision, model, fuse)
    for key in ("params", "macs", "flops"):
        assert getattr(net, key) == sum(r[key] for r in rows)
    assert net.traffic(model, precision, fuse) == sum(r["bytes"] for r in rows)
    table = net.table(precision, model, fuse)
    total = table.rows[-1]
    assert total[1] == "total" and total[4] == net.params and total[5] == net.macs
    assert total[7] == net.traffic(model, precision, fuse)


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


def test_residual_and_nested_names():
    net = Sequential([named([conv(8, 3, padding=1, name="conv"), batchnorm(name="bn")], "stem"),
                      Residual([conv(8, 3, padding=1), batchnorm(), relu()], name="block"),
                      Residual([conv(16, 3, stride=2, padding=1)], [conv(16, 1, stride=2), batchnorm()], name="down")],
                     input_shape=(3, 16, 16))
    names = [n.name for n in net.nodes]
    assert names == ["stem.conv", "stem.bn", "block.0", "block.1", "block.2", "block.add",
                     "down.0", "down.shortcut.0", "down.shortcut.1", "down.add"]
    assert net["down.add"].kind == "add" and net.node("down.add").inputs == (6, 8)
    assert net.output_shape == (16, 8, 8)
    with pytest.raises(KeyError, match="did you mean 'block.add'"):
        net.node("block.ad")


def test_concrete_layers_are_checked():
    ok = Sequential([Conv2d(3, 8, 3, 16, padding=1), ReLU((8, 16, 16)), conv(4, 1)], input_shape=(3, 16, 16))
    assert ok.output_shape == (4, 16, 16)
    with pytest.raises(NetworkError) as info:
        Sequential([conv(8, 3, padding=1), relu(), Conv2d(16, 8, 3, 16)], input_shape=(3, 16, 16))
    msg = str(info.value)
    assert "layer 2 (conv '2')" in msg and "(16, 16, 16)" in msg
    assert "layer 1 (relu '1') outputs (8, 16, 16)" in msg
    with pytest.raises(NetworkError, match="built for batch 4 but the network's batch is 1"):
        Sequential([Conv2d(3, 8, 3, 16, batch=4)], input_shape=(3, 16, 16))


def test_channel_mismatch_names_both_layers_and_shapes():
    with pytest.raises(NetworkError) as info:
        Sequential([conv(32, 3, padding=1), batchnorm(), relu6(), conv(64, 3, in_channels=64)], input_shape=(3, 8, 8))
    assert str(info.value) == ("layer 3 (conv '3') expects input (64, 8, 8) but layer 2 (relu6 '2') "
                               "outputs (32, 8, 8)")
    assert isinstance(info.value, ValueError)
    with pytest.raises(NetworkError, match=r"layer 0 \(conv '0'\) expects input \(4, 8, 8\) but the network input "
                                           r"is \(3, 8, 8\)"):
        Sequential([conv(8, 3, in_channels=4)], input_shape=(3, 8, 8))
    with pytest.raises(NetworkError, match=r"layer 1 \(batchnorm '1'\) expects input \(9, 8, 8\)"):
        Sequential([conv(8, 1), batchnorm(channels=9)], input_shape=(3, 8, 8))


@pytest.mark.parametrize("specs, shape, needle", [
    ([conv(8, 3), linear(10)], (3, 8, 8),
     "layer 1 (linear '1') needs a (features,) input but layer 0 (conv '0') outputs (8, 6, 6); put flatten()"),
    ([flatten(), conv(8, 3)], (3, 8, 8),
     "layer 1 (conv '1') needs a (channels, height, width) input but layer 0 (flatten '0') outputs (192,)"),
    ([conv(8, 9)], (3, 8, 8), "layer 0 (conv '0') on input (3, 8, 8) (from the network input): kernel_size=9"),
    ([maxpool(3, padding=2)], (3, 8, 8), "layer 0 (maxpool '0') on input (3, 8, 8) (from the network input): padding=2"),
    ([conv(6, 3, groups=4)], (8, 8, 8), "groups=4 does not divide out_channels=6"),
    ([conv(8, 3, padding=1), Residual([conv(16, 3, padding=1)])], (8, 8, 8),
     "residual '1': the body ends with layer 1 (conv '1.0') outputs (16, 8, 8) but the identity shortcut carries the "
     "block input: layer 0 (conv '0') outputs (8, 8, 8)"),
    ([Residual([conv(16, 3, stride=2, padding=1)], [conv(16, 1)], name="down")], (8, 8, 8),
     "residual 'down': the body ends with layer 0 (conv 'down.0') outputs (16, 4, 4) but the shortcut ends with "
     "layer 1 (pointwise 'down.shortcut.0') outputs (16, 8, 8)"),
])
def test_build_errors(specs, shape, needle):
    with pytest.raises(NetworkError) as info:
        Sequential(specs, input_shape=shape)
    assert needle in str(info.value)


@pytest.mark.parametrize("call, needle", [
    (lambda: Sequential([], input_shape=(3, 8, 8)), "needs at least one layer"),
    (lambda: Sequential(["conv"], input_shape=(3, 8, 8)), "item 0 'conv' is not a layer"),
    (lambda: Sequential([relu()], input_shape=(3, 8)), "input_shape=(3, 8) must be (channels, height, width)"),
    (lambda: Sequential([relu()], input_shape=(3, 0, 8)), "must hold positive ints"),
    (lambda: Sequential([relu()], input_shape=(3, 8, 8), batch=0), "batch=0 must be a positive int"),
    (lambda: Sequential([relu()]).params, "is not built: pass input_shape"),
    (lambda: relu(name="a.b"), "without dots"),
    (lambda: tiny(fuse="yes"), "fuse='yes' must be True or False"),
    (lambda: tiny().traffic(fuse=1), "fuse=1 must be True, False or None"),
])
def test_bad_input(call, needle):
    with pytest.raises(ValueError) as info:
        call()
    assert needle in str(info.value)


def test_duplicate_names_get_suffixes():
    net = Sequential([relu(name="1"), relu(), relu(name="a"), relu(name="a")], input_shape=(3,))
    assert [n.name for n in net.nodes] == ["1", "1_2", "a", "a_2"]


def test_unbuilt_sequential_nests_and_builds():
    block = Sequential([conv(8, 3, padding=1), relu()], name="block")
    assert not block.built and "unbuilt" in repr(block)
    net = Sequential([block, block.build((8, 8, 8)), global_avgpool()], input_shape=(3, 8, 8))
    assert [n.name for n in net.nodes] == ["block.0", "block.1", "block_2.0", "block_2.1", "2"]
    built = block.build((3, 8, 8), batch=2)
    assert built.batch == 2 and built.output_shape == (8, 8, 8)


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


def test_tables_render_in_every_format():
    net = tiny()
    t = net.table(device="v100-sxm2")
    assert t.columns[-4:] == ["unit", "bound", "time (us)", "share of time (%)"]
    assert sum(r[-1] for r in t.rows[:-1]) == pytest.approx(100)
    md, csv, js = t.render("md"), t.render("csv"), json.loads(t.render("json"))
    assert "| # | layer | kind | output shape |" in md and "fused into" in csv.splitlines()[0]
    assert js["rows"][0]["kind"] == "conv" and js["rows"][-1]["layer"] == "total"
    totals = net.totals(device="v100-sxm2")
    assert [r[0] for r in totals.rows][:3] == ["layers", "params", "MACs"]
    assert "images/s" in [r[0] for r in totals.rows]
    assert "by layer kind" in net.by_kind().title
    assert net._repr_markdown_().startswith("### ")
    assert "params" in net.describe()


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    df = tiny().to_pandas(device="v100-sxm2")
    assert isinstance(df, pd.DataFrame) and len(df) == 7 and "time (us)" in df.columns


def test_network_is_a_layer_with_layer_answers():
    net = tiny()
    assert isinstance(net, Network)
    assert net.flops == 2 * net.macs + net.bias_adds + net.ops
    assert net.intensity("compulsory", "fp16") == net.flops / net.traffic()
    assert net.input_elements == 3 * 32 * 32 and net.output_elements == 10
    assert net.activation_elements == sum(n.layer.output_elements for n in net.nodes)
    with pytest.raises(AttributeError):
        net.fuse = False  # type: ignore[misc]


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


def test_builder_reprs_are_readable():
    assert repr(conv(32, 3, stride=2, padding=1)) == "conv(32, 3, stride=2, padding=1)"
    assert repr(linear(10)) == "linear(10)"
    assert repr(Residual([relu()])) == "Residual([relu()])"
    assert repr(Linear(4, 2)) == "Linear(in_features=4, out_features=2)"


def test_networks_pickle():
    import pickle

    from roofline_conv import zoo

    net = zoo.get("efficientnet_b0")
    copy = pickle.loads(pickle.dumps(net))
    assert copy == net and copy.params == net.params and copy.traffic() == net.traffic()
    assert copy.with_batch(2).macs == 2 * net.macs
