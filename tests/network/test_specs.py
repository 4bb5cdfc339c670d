"""Building networks from specs (network/specs.py, builders.py): shape propagation, names, errors
naming both layers, unbuilt blocks, readable builder reprs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from roofline_conv import Conv2d, Linear, ReLU
from roofline_conv.network import (
    NetworkError, Residual, Sequential, batchnorm, conv, flatten, global_avgpool, linear, maxpool, named, relu, relu6,
)

from .netstrategies import networks
from .nettiny import tiny


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
    with pytest.raises(NetworkError, match="did you mean 'block.add'"):
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
    (lambda: Sequential(["conv"], input_shape=(3, 8, 8)), "items[0]='conv' is not a layer"),
    (lambda: Sequential([relu()], input_shape=(3, 8)), "input_shape=(3, 8) must be (channels, height, width)"),
    (lambda: Sequential([relu()], input_shape=(3, 0, 8)), "input_shape[1]=0 must be >= 1"),
    (lambda: Sequential([relu()], input_shape=(3, 8, 8), batch=0), "batch=0 must be >= 1"),
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


def test_builder_reprs_are_readable():
    assert repr(conv(32, 3, stride=2, padding=1)) == "conv(32, 3, stride=2, padding=1)"
    assert repr(linear(10)) == "linear(10)"
    assert repr(Residual([relu()])) == "Residual([relu()])"
    assert repr(Linear(4, 2)) == "Linear(in_features=4, out_features=2)"
