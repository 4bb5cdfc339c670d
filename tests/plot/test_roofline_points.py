"""plot.roofline_points: where points land (projections, measured, networks, duplicates)."""

from __future__ import annotations

import pytest

from roofline_conv import DepSep, Pointwise, project, study
from roofline_conv.devices import TPUv2, V100
from roofline_conv.plot import plot_roofline, save

from .charts import _check_png, _gids, _texts


def test_points_sit_at_their_projection():
    conv, sep = study.layers()
    gids = _gids(plot_roofline(V100, [conv, ("separable", sep)]))
    for gid, layer in (("point:Conv2d", conv), ("point:separable", sep)):
        p = project(layer, V100, "fp16")
        x, y = gids[gid].get_data()
        assert (x[0], y[0]) == (pytest.approx(p.intensity), pytest.approx(p.attainable))


def test_measured_points_joined_to_predicted(tmp_path):
    conv, sep = study.layers(batch=16)
    fig = plot_roofline(V100, [conv, sep], measured={"Conv2d": 6.1e13, "DepSep": 3.3e12}, parts=True)
    gids = _gids(fig)
    p = project(conv, V100, "fp16")
    x, y = gids["join:Conv2d"].get_data()
    assert list(x) == pytest.approx([p.intensity, p.intensity]) and list(y) == pytest.approx([p.attainable, 6.1e13])
    assert "measured:DepSep" in gids and "part:DepSep:depthwise" in gids
    assert "measured" in _texts(fig)  # legend
    # measured tuples (label, intensity, flops_per_s), and pairs for measured=
    fig = plot_roofline(V100, [conv, ("lab", 42.0, 1e12)], measured=[("Conv2d", 5e13)])
    gids = _gids(fig)
    assert gids["measured:lab"].get_data()[0][0] == 42.0 and "join:Conv2d" in gids
    _check_png(save(fig, tmp_path / "m.png"))
    with pytest.raises(ValueError, match=r"measured\['nope'\]: no predicted point"):
        plot_roofline(V100, [conv], measured={"nope": 1e12})


def test_networks_projections_and_duplicates():
    conv, sep = study.layers()
    net = [Pointwise(64, 128, 56), DepSep(128, 128, 3, 56, padding=1)]
    proj = project(conv, V100, "fp16")
    gids = _gids(plot_roofline(V100, {"net": net, "proj": proj, "again": conv}))
    assert {"point:net", "point:proj", "point:again"} <= set(gids)
    assert gids["point:net"].get_data()[0][0] == pytest.approx(project(net, V100, "fp16").intensity)
    gids = _gids(plot_roofline(V100, [conv, conv]))
    assert {"point:Conv2d", "point:Conv2d #2"} <= set(gids)
    with pytest.raises(ValueError, match="is a projection on 'v100-sxm2', not on 'tpuv2-core'"):
        plot_roofline(TPUv2, [proj])


def test_roofline_points_ignore_calibrated_ceilings():
    """The chart draws raw roofs, so its predicted points are raw roofline bounds too."""
    from roofline_conv import Pointwise, V100
    from roofline_conv.plot import plot_roofline

    layer = Pointwise(256, 256, 28)
    slowed = V100.with_efficiency({"pointwise": dict(compute=0.1, memory=0.1, source="test")})

    def point_y(device):
        fig = plot_roofline(device, [("pw", layer)])
        ys = [line.get_ydata()[0] for line in fig.axes[0].lines if str(line.get_gid() or "").startswith("point")]
        return ys

    assert point_y(slowed) == point_y(V100) and point_y(V100)


def test_bound_expected_and_published_points(tmp_path):
    """A point with an expected time longer than its bound gets a hollow expected point joined to
    it; the legend says which is which, and measured_label renames the measured points."""
    conv, sep = study.layers(batch=16)
    fig = plot_roofline(V100, [conv, sep], measured={"DepSep": 3.3e12}, measured_label="published")
    gids = _gids(fig)
    p = project(sep, V100, "fp16")
    assert p.expected_time > p.time
    assert gids["expected:DepSep"].get_ydata()[0] == pytest.approx(p.flops / p.expected_time)
    assert list(gids["expected-join:DepSep"].get_ydata()) == pytest.approx([p.attainable, p.flops / p.expected_time])
    texts = _texts(fig)
    assert {"roofline bound", "expected (fitted terms)", "published"} <= set(texts) and "measured" not in texts
    assert "expected:DepSep" not in _gids(plot_roofline(V100, [sep], expected=False))
    for ext in (".svg", ".pdf"):
        assert (save(fig, tmp_path / f"c{ext}")).stat().st_size > 5000
    with pytest.raises(ValueError, match="measured_label"):
        plot_roofline(V100, [sep], measured_label="")
