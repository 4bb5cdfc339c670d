"""plot.network_chart: a whole network per layer, kinds, top-k labels, bound/expected/measured,
the table of the rest; formats and sizes; the CLI's --chart."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

from roofline_conv import project, zoo
from roofline_conv.cli import main
from roofline_conv.plot import save
from roofline_conv.plot.network_chart import network_chart_table, plot_network_roofline

from .charts import _check_png, _gids
from .overlap import assert_no_overlap


def test_resnet50_per_layer_points_labels_and_table():
    net = zoo.get("resnet50")
    fig = plot_network_roofline(net, "v100-sxm2", top=5, measured={"layer1.0.conv2": 1e13})
    gids = _gids(fig)
    points = [g for g in gids if g.startswith("point:")]
    assert 50 <= len(points) <= 200
    p = project(net, "v100-sxm2")
    part = next(q for q in p.parts if q.name == "layer4.0.conv2")
    x, y = gids["point:layer4.0.conv2"].get_data()
    assert (x[0], y[0]) == (pytest.approx(part.intensity), pytest.approx(part.attainable))
    ey = gids["expected:layer4.0.conv2"].get_ydata()[0]
    assert ey == pytest.approx(part.flops / part.expected_time) and ey < y[0]
    assert "join:layer1.0.conv2" in gids and "measured:layer1.0.conv2" in gids
    table = network_chart_table(net, "v100-sxm2", top=5)
    labelled = [r for r in table.rows if r[-1] == "yes"]
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert len(labelled) == 5 and all(f"{r[0]} {r[1]}" in texts for r in labelled)
    assert len(table.rows) == len(points) and not any(f"6 {table.rows[5][1]}" == t for t in texts)
    assert {"conv", "pointwise", "roofline bound", "expected (fitted terms)", "measured"} <= set(texts)
    assert_no_overlap(fig)


def test_network_chart_refuses_bad_input():
    with pytest.raises(ValueError, match="top=-1 must be an int >= 0"):
        plot_network_roofline("resnet18", "v100-sxm2", top=-1)
    with pytest.raises(ValueError, match=r"measured\['nope'\]: no layer"):
        plot_network_roofline("resnet18", "v100-sxm2", measured={"nope": 1e12})
    with pytest.raises(ValueError, match="must be a zoo name, a network"):
        plot_network_roofline(42, "v100-sxm2")


@pytest.mark.parametrize("ext, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_formats_sizes_and_determinism(tmp_path, ext, magic):
    def draw():
        return plot_network_roofline("mobilenet_v2", "v100-sxm2", figsize=(6, 4), dpi=120)

    fig = draw()
    assert tuple(fig.get_size_inches()) == (6, 4) and fig.dpi == 120
    a, b = save(fig, tmp_path / f"a{ext}"), save(draw(), tmp_path / f"b{ext}")
    assert a.read_bytes()[:5].startswith(magic[:4]) and a.read_bytes() == b.read_bytes()


def test_cli_network_chart(tmp_path, capsys):
    out = tmp_path / "r18.png"
    assert main(["network", "resnet18", "--device", "v100-sxm2", "--chart", str(out), "--top", "4",
                 "--figsize", "7x5", "--dpi", "80", "--format", "csv"]) == 0
    img = _check_png(out)
    assert img.shape[:2] == (400, 560)
    assert "rank,layer,kind" in capsys.readouterr().out
    assert main(["network", "resnet18", "--dpi", "80"]) == 1
    assert "--dpi applies with --chart only" in capsys.readouterr().err
    assert main(["network", "resnet18", "--chart", str(out)]) == 1
    assert "--chart needs one --device" in capsys.readouterr().err
    assert main(["network", "resnet18", "--chart", str(out), "--device", "v100-sxm2", "--device", "t4"]) == 1
    assert "--chart needs one --device" in capsys.readouterr().err
