"""explore(): a grid as a tidy table, value for value what sweep() gives, the same here and on a
two-worker dask.distributed cluster."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from roofline_conv import LayerError
from roofline_conv.sweeps import explore, sweep
from roofline_conv.sweeps.grid import DIMENSIONS, takes

pd = pytest.importorskip("pandas")

GRID = dict(quantities=["macs", "traffic", "intensity", "time"], devices=["v100-sxm2", "a100-sxm-40gb"],
            precisions=["fp16", "fp32"], kinds=["conv", "depsep"], batch=[1, 8], in_channels=[32, 48],
            out_channels=[64, 96, 128], kernel_size=[1, 3, 5], input_size=[7, 28], padding=[0, 2], stride=[1, 2])
GRID_ROWS = 2 * 2 * 2 * (2 * 2 * 3 * 3 * 2 * 2 * 2)
ON_CLUSTER = dict(GRID, devices="v100-sxm2", precisions="fp16")  # what the workers compile stays small


def _grid_of(frame, kind: str, device: str, precision: str):
    rows = frame[(frame.kind == kind) & (frame.device == device) & (frame.precision == precision)]
    return rows.reset_index(drop=True)


def _sweep_grid(grid: dict, kind: str):
    """The dimensions of ``kind``'s rows as a numpy broadcast grid, C order (the last axis fastest)."""
    axes = [(d, np.atleast_1d(np.asarray(grid.get(d, {"padding": 0, "dilation": 1, "groups": 1, "depth_multiplier": 1,
                                                       "batch": 1, "stride": 1, "bias": False}.get(d)))))
            for d in DIMENSIONS if d in takes(kind)]
    mesh = np.meshgrid(*(values for _, values in axes), indexing="ij")
    return {name: m for (name, _), m in zip(axes, mesh)}


def test_every_value_is_what_sweep_gives():
    frame = explore(**GRID)
    assert len(frame) == GRID_ROWS
    for kind in GRID["kinds"]:
        dims = _sweep_grid(GRID, kind)
        for device in GRID["devices"]:
            for precision in GRID["precisions"]:
                rows = _grid_of(frame, kind, device, precision)
                for name, values in dims.items():
                    np.testing.assert_array_equal(rows[name].to_numpy(dtype=values.dtype), values.ravel())
                for q in ["macs", "traffic", "intensity"]:
                    np.testing.assert_array_equal(rows[q].to_numpy(), sweep(q, None, precision, kind=kind, **dims).ravel())
                np.testing.assert_array_equal(rows["time"].to_numpy(),
                                              sweep("time", device, precision, kind=kind, **dims).ravel())


def test_the_table_is_tidy_with_units():
    frame = explore(["macs", "time", "output_size"], "v100-sxm2", kinds=["conv", "depthwise", "pointwise"],
                    in_channels=[16, 32], out_channels=32, kernel_size=3, input_size=[8, 16], padding="same",
                    depth_multiplier=[1, 2], groups=[1, 2], bias=[False, True])
    assert list(frame.columns) == ["kind", "device", "precision", *DIMENSIONS, "macs", "time", "output_height",
                                   "output_width"]
    assert frame.attrs["units"] == {"macs": "MAC", "time": "seconds", "output_height": "pixels",
                                    "output_width": "pixels"}
    assert frame.attrs["traffic"] == "compulsory"
    assert frame.kind.dtype == "category" and frame.macs.dtype == np.int64 and frame.time.dtype == np.float64
    assert frame.bias.dtype == bool
    sizes = frame.groupby("kind", observed=True).size().to_dict()
    assert sizes == {"conv": 2 * 2 * 2 * 2, "depthwise": 2 * 2 * 2 * 2, "pointwise": 2 * 2 * 2 * 2}
    depthwise = frame[frame.kind == "depthwise"]
    assert depthwise.out_channels.isna().all() and depthwise.groups.isna().all()
    assert depthwise.depth_multiplier.notna().all() and (depthwise.padding == "same").all()
    pointwise = frame[frame.kind == "pointwise"]
    assert pointwise[["kernel_size", "padding", "dilation", "depth_multiplier"]].isna().all().all()
    conv = frame[frame.kind == "conv"]
    assert conv.depth_multiplier.isna().all() and conv.groups.notna().all()
    # C order: the last dimension (bias) fastest, then groups, then input_size, ...
    assert conv.bias.tolist()[:4] == [False, True, False, True]
    assert conv.groups.tolist()[:4] == [1, 1, 2, 2]
    assert conv.input_size.tolist()[:8] == [8] * 4 + [16] * 4


def test_chunking_changes_nothing():
    small = dict(GRID, devices="v100-sxm2", precisions="fp16")
    pd.testing.assert_frame_equal(explore(**small, chunk_size=7), explore(**small))


def test_counts_are_the_same_on_every_device():
    frame = explore(["macs", "traffic"], ["v100-sxm2", "h100-sxm"], in_channels=[8, 16], out_channels=8,
                    kernel_size=3, input_size=10)
    a, b = (frame[frame.device == d].reset_index(drop=True) for d in ("v100-sxm2", "h100-sxm"))
    pd.testing.assert_series_equal(a.macs, b.macs)
    pd.testing.assert_series_equal(a.traffic, b.traffic)


@pytest.mark.parametrize("change, message", [
    (dict(quantities="nope"), "quantities='nope' is not one of"),
    (dict(quantities=["macs", "macs"]), "quantities lists 'macs' twice"),
    (dict(quantities=["time"], devices=None), "need devices="),
    (dict(devices="v100"), "devices='v100' is not a known device id"),
    (dict(devices=["v100-sxm2", 3]), r"devices\[1\]=3 must be a Device"),
    (dict(devices=["v100-sxm2", "v100-sxm2"]), "devices lists 'v100-sxm2' twice"),
    (dict(precisions=["fp16", "fp99"]), r"precisions\[1\]='fp99'"),
    (dict(kinds="dense"), "kinds='dense' is not one of"),
    (dict(kinds=[]), r"kinds=\[\] has no values"),
    (dict(in_channels=[]), r"in_channels=\[\] has no values"),
    (dict(in_channels=[8, 1.5]), r"in_channels\[1\]=1.5 must be an integer"),
    (dict(in_channels=0), "in_channels=0 must be >= 1"),
    (dict(padding=-1), "padding=-1 must be >= 0"),
    (dict(in_channels=2**40), "in_channels=.* must be .*<= 2147483648"),
    (dict(kernel_size=(3, 5)), r"kernel_size=\(3, 5\): explore\(\) takes square values"),
    (dict(padding="full"), "padding='full' must be an int, a list of ints, 'same' or 'valid'"),
    (dict(bias=[0, 1]), r"bias\[0\]=0 must be True or False"),
    (dict(groups=[1, 2], kinds="depsep"), r"groups=\[1, 2\] applies to none of kinds=\['depsep'\]"),
    (dict(kernel_size=None), "kernel_size is required for kind='conv'"),
    (dict(out_channels=None, kinds=["conv", "depthwise"]), "out_channels is required for kind='conv'"),
    (dict(lowering="block_diagonal", quantities="macs"), "lowering='block_diagonal' applies to the device quantities"),
    (dict(calibrated="yes"), "calibrated='yes' must be True or False"),
    (dict(traffic="none"), "traffic='none'"),
    (dict(lazy="yes"), "lazy='yes' must be True or False"),
    (dict(chunk_size=0), "chunk_size=0 must be >= 1"),
    (dict(client=object()), "client=.* must be a dask.distributed Client"),
    (dict(precisions="fp32", devices="tpuv2-core"),
     "kinds='conv', devices='tpuv2-core', precisions='fp32', quantities='time', at the first configuration: "
     "device 'tpuv2-core' has no unit"),
    (dict(input_size=2, kernel_size=5), "kinds='conv', precisions='fp16', quantities='macs', at the first "
                                        "configuration: kernel_size .* is larger than the padded input"),
])
def test_bad_arguments_are_refused_naming_them(change, message):
    kw = dict(quantities=["macs", "time"], devices="v100-sxm2", in_channels=[8, 16], out_channels=8, kernel_size=3,
              input_size=10)
    kw.update(change)
    with pytest.raises(ValueError, match=message):
        explore(**kw)


def test_rules_between_dimensions_are_checked_chunk_by_chunk():
    with pytest.raises(LayerError, match=r"groups does not divide in_channels in 2 of 3 configurations \(first at "
                                         r"index 1: groups=2, in_channels=9\) \[in rows 6:9 of the table \(kind='conv'\)"):
        explore("macs", in_channels=[8, 12, 9], out_channels=12, groups=[1, 2, 4], kernel_size=1, input_size=4,
                chunk_size=3)


def test_a_plain_sweep_or_explore_imports_no_dask():
    code = ("import sys; from roofline_conv.sweeps import sweep, explore; "
            "sweep('macs', in_channels=[1, 2], out_channels=2, kernel_size=1, input_size=4); "
            "explore('macs', in_channels=[1, 2], out_channels=2, kernel_size=1, input_size=4); "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')], 'dask imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- lazy and on a cluster -------------------------------------------------------------------------
def test_a_lazy_table_is_the_table_as_dask_arrays():
    da = pytest.importorskip("dask.array")
    import dask

    kw = dict(GRID, kinds=["conv", "depsep"], devices="v100-sxm2", precisions="fp16", padding="same", stride=1)
    frame = explore(**kw)
    table = explore(**kw, lazy=True, chunk_size=50)
    assert list(table) == list(frame.columns)
    assert all(isinstance(v, da.Array) and v.shape == (len(frame),) for v in table.values())
    (computed,) = dask.compute(table)
    for name, values in computed.items():
        column = frame[name]
        if column.dtype == "category":
            column = column.astype(object).where(column.notna(), None)
        elif column.dtype == "Int64":
            column = column.fillna(-1).astype(np.int64)
        np.testing.assert_array_equal(values, column.to_numpy(), err_msg=name)


@pytest.fixture(scope="module")
def client():
    """One LocalCluster for the module: two worker processes, one thread each. The nanny sets its
    workers' environment (OMP_NUM_THREADS=1, ...) in this process's os.environ: restored after."""
    distributed = pytest.importorskip("distributed")
    environ = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=40) as cluster, distributed.Client(cluster) as c:
            yield c
    finally:
        os.environ.clear()
        os.environ.update(environ)


def test_on_a_two_worker_cluster_the_table_is_identical(client):
    from distributed import get_task_stream

    here = explore(**ON_CLUSTER)
    with get_task_stream(client) as stream:
        there = explore(**ON_CLUSTER, client=client, chunk_size=100)
    pd.testing.assert_frame_equal(here, there)
    assert len(client.scheduler_info()["workers"]) == 2
    assert len({task["worker"] for task in stream.data}) == 2  # both workers computed blocks


def test_a_lazy_table_reduces_on_the_cluster(client):
    table = explore(**ON_CLUSTER, lazy=True, chunk_size=100)
    frame = explore(**ON_CLUSTER)
    fastest, total = client.compute([table["time"].min(), table["macs"].sum()], sync=True)
    assert fastest == frame.time.min() and total == frame.macs.sum()


def test_bad_configurations_fail_on_the_cluster_naming_the_block(client):
    with pytest.raises(LayerError, match=r"groups does not divide in_channels.*in the block \[3:6\]"):
        explore("macs", in_channels=[8, 12, 9], out_channels=12, groups=[1, 2], kernel_size=1, input_size=4,
                client=client, chunk_size=3)
