"""The tables of a network (report/network.py): rows and totals agree, every format renders."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv.network import Sequential

from network.netstrategies import networks
from network.nettiny import tiny


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


def test_tables_render_in_every_format():
    net = tiny()
    t = net.table(device="v100-sxm2")
    assert t.columns[-5:] == ["unit", "bound", "time (us)", "expected (us)", "share of time (%)"]
    assert sum(r[-1] for r in t.rows[:-1]) == pytest.approx(100)
    md, csv, js = t.render("md"), t.render("csv"), json.loads(t.render("json"))
    assert "| # | layer | kind | output shape |" in md and "fused into" in csv.splitlines()[0]
    assert js["rows"][0]["kind"] == "conv" and js["totals"][0]["layer"] == "total" and js["name"] == "layers"
    assert "total" not in csv  # the total row is the totals table's, not a CSV row
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
