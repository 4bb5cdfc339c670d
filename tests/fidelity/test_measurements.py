"""The packaged measurements: every row loads, shapes agree with our layer, the fit pool and the
test-only set share no layer, sources are kept, and malformed files are refused clearly."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from roofline_conv import devices
from roofline_conv.fidelity import measurements as m
from roofline_conv.fidelity.measurements import MeasurementFileError

DATA = Path(m.__file__).parent.parent / "data" / "measured"


def test_row_counts():
    assert len(m.deepbench("fit")) == 82
    assert len(m.deepbench("test")) == 106
    assert len(m.deepbench()) == 188
    assert len(m.throughput()) == 133


def test_splits_are_declared_by_the_files():
    assert {r.split for r in m.deepbench("fit")} == {"fit"}
    assert {r.split for r in m.deepbench("test")} == {"test"}


def test_fit_and_test_share_no_layer_shape():
    fit = {r.shape for r in m.deepbench("fit")}
    test = {r.shape for r in m.deepbench("test")}
    assert fit and test and not fit & test


def test_every_row_builds_our_layer_with_the_files_output_size():
    for row in m.deepbench():
        layer = row.layer()
        assert layer.output_size == (row.Q, row.P), row.source
        assert layer.in_channels == row.C and layer.out_channels == row.K and layer.batch == row.N
        assert layer.kernel_size == (row.R, row.S) and layer.input_size == (row.H, row.W)


def test_reported_tflops_match_our_macs():
    # the workbook's FWD TERAFLOPS = 2 x direct MACs / forward time, on the unpadded shape
    for row in m.deepbench():
        if row.fwd_tflops_reported is None:
            continue
        macs = int(row.layer().macs)
        assert 2 * macs / (row.fwd_us * 1e-6) / 1e12 == pytest.approx(row.fwd_tflops_reported, rel=2e-3, abs=6e-5), row.source


def test_fields_are_typed_and_valid():
    for row in m.deepbench():
        assert row.precision in ("fp32", "fp16") and row.fwd_algo in m.CUDNN_FWD_ALGOS
        for t in (row.fwd_us, row.bwd_data_us, row.bwd_filter_us):
            assert t is None or (math.isfinite(t) and t > 0)
        assert row.bwd_data_us is not None or row.C in (1, 3)  # DeepBench skips dgrad of input layers
    for row in m.throughput():
        assert row.device_id in devices.list() and row.gpus == 1 and row.mode in m.MODES
        assert row.images_per_second > 0 and row.batch >= 1
        assert (row.batch_source is None) == (row.mode == "inference" or row.framework != "pytorch")


def test_records_are_immutable():
    row = m.deepbench("fit")[0]
    with pytest.raises(AttributeError):
        row.fwd_us = 1.0  # type: ignore[misc]


def test_every_row_names_its_source():
    for row in m.deepbench():
        assert row.source.startswith("baidu-research/DeepBench@da81ba782073:results/train/DeepBench_NV_V100.xlsx#")
        assert "!row" in row.source
    for row in m.throughput():
        assert row.source.startswith("NVIDIA/DeepLearningExamples@729963dd47e7:") and "#L" in row.source


@pytest.mark.parametrize("name", m.DEEPBENCH_FILES + m.THROUGHPUT_FILES)
def test_files_keep_their_provenance_lines(name):
    head = [line for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("github.com" in line for line in head)
    if name.endswith("_test.csv"):
        assert "# split: test" in head and any("TEST ONLY" in line for line in head)


def test_fit_pool_is_the_shared_file_unchanged():
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "deepbench_v100_conv_train.csv"
    if not shared.is_file():
        pytest.skip("no shared data folder beside this checkout")
    ours = (DATA / "deepbench_v100_conv.csv").read_text(encoding="utf-8")
    assert ours.endswith(shared.read_text(encoding="utf-8"))


def test_throughput_filters():
    rows = m.throughput(model="resnet50", device_id="v100-sxm2", mode="inference", precision="fp32")
    assert rows and all(r.model == "resnet50" and r.device_id == "v100-sxm2" for r in rows)
    with pytest.raises(ValueError, match="mode"):
        m.throughput(mode="training")
    with pytest.raises(ValueError, match="split"):
        m.deepbench("train")


# --- malformed files ---------------------------------------------------------------------------

def _conv_file(tmp_path: Path, body: str, head: str = "# split: fit\n# Source: https://github.com/x/y\n") -> Path:
    good = (DATA / "deepbench_v100_conv.csv").read_text(encoding="utf-8").splitlines()
    header = next(line for line in good if not line.startswith("#"))
    path = tmp_path / "bad.csv"
    path.write_text(head + header + "\n" + body, encoding="utf-8")
    return path


ROW = "src,Vision,7,7,512,8,512,3,3,1,1,1,1,7,7,fp32,236.0,244.0,136.0,WINOGRAD_NONFUSED,7.8377,\n"


def test_a_good_row_loads(tmp_path):
    (row,) = m.read_deepbench(_conv_file(tmp_path, ROW))
    assert row.bwd_data_us == 244.0 and row.total_us_readme is None and row.split == "fit"


@pytest.mark.parametrize("old, new, column, rule", [
    (",236.0,", ",-3,", "fwd_us", "must be a positive number"),
    (",236.0,", ",nan,", "fwd_us", "must be a positive number"),
    (",236.0,", ",inf,", "fwd_us", "must be a positive number"),
    (",236.0,", ",,", "fwd_us", "must be a positive number"),
    (",fp32,", ",fp31,", "precision", "must be one of"),
    ("WINOGRAD_NONFUSED", "LICIT_PRECOMP_GEMM", "fwd_algo", "must be one of"),
    ("Vision,7,", "Vision,7.0,", "W", "must be an integer >= 1"),
    ("Vision,7,", "Vision,0,", "W", "must be an integer >= 1"),
    (",1,1,1,1,7,7,", ",-1,1,1,1,7,7,", "pad_h", "must be an integer >= 0"),
])
def test_a_bad_cell_names_file_line_column_and_rule(tmp_path, old, new, column, rule):
    path = _conv_file(tmp_path, ROW + ROW.replace(old, new, 1))
    with pytest.raises(MeasurementFileError) as info:
        m.read_deepbench(path)
    text = str(info.value)
    assert str(path) in text and "line 5" in text and f"column {column!r}" in text and rule in text


def test_a_short_row_and_a_bad_header(tmp_path):
    with pytest.raises(MeasurementFileError, match=r"line 4: has 3 cells"):
        m.read_deepbench(_conv_file(tmp_path, "a,b,c\n"))
    path = tmp_path / "h.csv"
    path.write_text("# split: fit\n# Source: github.com/x\nsource,app,W\n", encoding="utf-8")
    with pytest.raises(MeasurementFileError, match=r"h.csv: line 3: header: missing column\(s\) 'H'"):
        m.read_deepbench(path)


def test_split_and_source_lines_are_required(tmp_path):
    with pytest.raises(MeasurementFileError, match="declare its split"):
        m.read_deepbench(_conv_file(tmp_path, ROW, head="# Source: github.com/x\n"))
    with pytest.raises(MeasurementFileError, match="split must be 'fit' or 'test'"):
        m.read_deepbench(_conv_file(tmp_path, ROW, head="# split: train\n# Source: github.com/x\n"))
    with pytest.raises(MeasurementFileError, match="naming the source"):
        m.read_deepbench(_conv_file(tmp_path, ROW, head="# split: fit\n"))


def test_file_rules_of_the_package_apply(tmp_path):
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"# split: fit\n\xff\xfe\n")
    with pytest.raises(MeasurementFileError, match="is not UTF-8"):
        m.read_deepbench(binary)
    with pytest.raises(MeasurementFileError, match="is a directory"):
        m.read_deepbench(tmp_path)
    with pytest.raises(MeasurementFileError, match="no rows"):
        m.read_deepbench(_conv_file(tmp_path, ""))


def test_throughput_rules(tmp_path):
    good = (DATA / "nvidia_dle_throughput.csv").read_text(encoding="utf-8")
    path = tmp_path / "t.csv"
    path.write_text(good.replace(",a100-sxm-80gb,", ",a100-sxm-90gb,", 1), encoding="utf-8")
    with pytest.raises(MeasurementFileError, match=r"column 'device_id': must be one of .*'a100-sxm-90gb'"):
        m.read_throughput(path)
    lines = good.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("NVIDIA/"))
    lines[first] = lines[first].replace(",DGX A100,1,", ",DGX A100,8,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MeasurementFileError, match=r"column 'gpus': must be 1 \(single-GPU figures only\)"):
        m.read_throughput(path)
