"""SqueezeExcitation: a composite layer, the sum of its parts."""

from __future__ import annotations

from roofline_conv.layers import SqueezeExcitation


def test_squeeze_excitation_is_the_sum_of_its_parts():
    se = SqueezeExcitation(96, 4, 56, batch=2, activation="silu")
    pool, fc1, act, fc2, gate, scale = se.parts
    assert (pool.kind, fc1.kind, act.kind, fc2.kind, gate.kind, scale.kind) == (
        "globalavgpool", "linear", "silu", "linear", "sigmoid", "scale")
    assert se.params == 2 * 96 * 4 + 96 + 4
    assert se.macs == 2 * 2 * 96 * 4
    for q in ("params", "macs", "ops", "flops", "bias_adds"):
        assert getattr(se, q) == sum(getattr(p, q) for p in se.parts)
    assert se.traffic_elements("compulsory") == se.params + 2 * 2 * 96 * 56 * 56
    assert se.traffic_elements("unfused") == sum(p.traffic_elements("unfused") for p in se.parts)
    assert sum(se.part_traffic_elements("compulsory")) == se.traffic_elements("compulsory")
    assert se.traffic("compulsory") < se.traffic("unfused")
    assert se.output_shape == se.input_shape == (2, 96, 56, 56)
