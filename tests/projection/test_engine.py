"""The projection engine keeps a network's projections per device and settings: the same
projection again is the same object; any other setting, device or network is projected anew."""

from __future__ import annotations

from roofline_conv import devices, project
from roofline_conv.network import Sequential
from roofline_conv.network.builders import conv, relu
from roofline_conv.projection import engine


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
