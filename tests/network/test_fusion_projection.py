"""A folded BatchNorm costs nothing in a fused projection; unfused it is a memory-bound op."""

from roofline_conv import zoo
from roofline_conv.roofline import project


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


def test_zoo_option_errors_list_the_options():
    import pytest

    with pytest.raises(ValueError, match="cifar_cnn has no option 'variant'; its options are: depsep, width"):
        zoo.get("cifar_cnn", variant=1)
