"""A network's expected time: the step term and fusion (docs/fidelity.md, 'Networks')."""

from __future__ import annotations

import pytest

from roofline_conv import devices, project, training, zoo


def terms(p):
    return {t.name: float(t.seconds) for t in p.expected}


def test_step_term_present_once_and_summing():
    net = zoo.get("resnet50", batch=8)
    p = project(net, "v100-sxm2", "fp16")
    step = devices.get("v100-sxm2").step["inference"]["fp16"].seconds
    assert terms(p)["step"] == pytest.approx(step)
    assert [t.name for t in p.expected].count("step") == 1
    assert float(p.expected_time) == pytest.approx(sum(terms(p).values()))
    assert "step" not in terms(project(net, "v100-sxm2", "fp16", calibrated=False))


def test_fuse_changes_expected_the_documented_way():
    net = zoo.get("resnet50", batch=8)
    fused, eager = project(net, "v100-sxm2", "fp16", fuse=True), project(net, "v100-sxm2", "fp16", fuse=False)
    assert float(eager.expected_time) > float(fused.expected_time)
    # fused: activations in a conv's epilogue are expected at their bound, Adds pay no per-op overhead
    for part in fused.parts:
        if part.name.startswith(("relu", "add")) or "act" in part.name:
            assert all(t.name != "overhead" for t in part.expected), part.name
    # eager: every elementwise node pays the elementwise overhead
    over = devices.get("v100-sxm2").expected["elementwise"]["fp16"].overhead
    bns = [q for q, n in zip(eager.parts, net.nodes) if n.kind in ("batchnorm", "relu", "add")]
    assert bns and all(terms(q)["overhead"] == pytest.approx(over) for q in bns)
    assert terms(eager)["step"] == terms(fused)["step"]


def test_training_step_term_and_fuse_keep_the_bound():
    net = zoo.get("cifar_cnn", batch=32)
    eager = training.step(net, optimizer="adam").project("v100-sxm2", "fp16", update_precision="fp32")
    fused = training.step(net, optimizer="adam").project("v100-sxm2", "fp16", update_precision="fp32", fuse=True)
    assert eager.time == fused.time and eager.expected_time > fused.expected_time >= fused.time
    step = devices.get("v100-sxm2").step["training"]["fp16"].seconds
    assert eager.step_overhead.seconds == pytest.approx(step)
    assert eager.expected_time == pytest.approx(sum(float(t.seconds) for t in eager.expected))
    assert "step" not in {t.name for t in eager.forward.expected}
    with pytest.raises(ValueError, match="fuse"):
        training.step(net).project("v100-sxm2", "fp16", fuse="yes")
