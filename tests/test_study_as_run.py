"""The seed study's measured tables with the configurations it really ran (its benchmark
notebooks): 'valid' padding with bias, batch 16 and 1, the real CIFAR CNN with Adam and mixed
precision. The bound never sits below a published figure; the bound's DepSep direction is right
on every single-layer row and on the CPU training row, and every row where it is wrong names the
term the bound leaves out; with an expected model, the expected direction is right on every row."""

from __future__ import annotations

import pytest

from roofline_conv import Conv2d, study, training, zoo
from roofline_conv.cli import main
from roofline_conv.study_data import benchmark_spec, data


@pytest.fixture(scope="module")
def single():
    return study.prediction_rows()


@pytest.fixture(scope="module")
def cifar():
    return study.cifar_rows()


def test_benchmark_layer_is_keras_defaults():
    conv, (dw, pw) = study.benchmark_layers(batch=1)
    assert benchmark_spec().padding == "valid" and benchmark_spec().bias and benchmark_spec().layout == "NHWC"
    assert conv.output_size == (222, 222) and dw.output_size == (222, 222)
    assert conv.macs == 222 * 222 * 128 * 9 * 128 == 7_267_221_504
    assert conv.params == 147_456 + 128 and conv.bias_adds == 222 * 222 * 128
    assert not dw.bias and pw.bias  # SeparableConv2D: one bias, on the pointwise conv
    assert dw.params + pw.params == 9 * 128 + 128 * 128 + 128 == 17_664
    assert dw.macs + pw.macs == 222 * 222 * 128 * (9 + 128) == 864_244_224
    # about 1.8% fewer MACs than the analytic layer (padding 1, no bias), whose figures do not move
    analytic = Conv2d(128, 128, 3, 224, padding=1)
    assert analytic.macs == 7_398_752_256 and round(1 - conv.macs / analytic.macs, 3) == 0.018
    assert study.benchmark_layers(batch=16)[0].macs == 16 * conv.macs


def test_rows_run_as_published(single):
    assert [(r["id"], r["batch"], r["precision"]) for r in single] == [
        ("v100-b1", 1, "fp16"), ("v100-b16", 16, "fp16"), ("tpuv2-core", 16, "bf16"), ("tpuv2-all", 16, "bf16"),
        ("e5-2698v4", 16, "fp32")]
    assert {r["id"]: r["device"] for r in single}["tpuv2-all"] == "tpuv2-8"


def test_single_layer_direction_and_bound(single):
    for r in single:
        assert r["direction_right"], r["id"]
        assert r["bound_holds"] and r["predicted_conv_per_s"] >= r["published_conv_per_s"], r["id"]
        assert r["predicted_depsep_per_s"] >= r["published_depsep_per_s"], r["id"]
        if min(r["efficiency_conv"], r["efficiency_depsep"]) < 0.2:  # misses a lot: the missing term is named
            assert "not in the bound" in r["bound_misses"], r["id"]


def test_cifar_network_is_the_notebooks():
    plain, sep = zoo.get("cifar_cnn"), zoo.get("cifar_cnn", depsep=True)
    assert [zoo.keras_count_params(plain), zoo.keras_count_params(sep)] == data()["cifar"]["params_exact"] == [528_778, 135_973]
    assert (plain.params, sep.params) == (528_778 - 256, 135_973 - 256)  # BN moving mean / variance: buffers here
    assert plain.macs == 3 * 9 * 128 * 32 * 32 + 3 * 147_456 * 32 * 32 + 8192 * 10
    assert [layer.output_shape for layer in plain][7:10] == [(1, 128, 32, 32), (1, 128, 8, 8), (1, 128, 8, 8)]


def test_cifar_bound_and_direction(cifar):
    for r in cifar:
        assert r["bound_holds"] and r["predicted_plain"] >= r["published_plain"], r["platform"]
        assert r["predicted_depsep"] >= r["published_depsep"], r["platform"]
        if not r["direction_right"]:
            assert "not in the bound" in r["bound_misses"], (r["platform"], r["batch"])
    assert cifar[-1]["direction_right"]  # the CPU row: the bound's direction and size follow the measurement
    # where the bound's direction is wrong (V100, TPUv2), it is wrong as the study's own story says:
    # DepSep is faster in the bound on the V100 (memory-bound depthwise) and slower on the TPU (block diagonal)
    assert [r["direction_right"] for r in cifar] == [False, False, False, True]


def test_training_rows_use_adam_and_fp32_update():
    net = zoo.get("cifar_cnn", batch=128)
    p = training.step(net, optimizer="adam").project("v100-sxm2", "fp16", update_precision="fp32")
    same = training.step(net, optimizer="adam").project("v100-sxm2", "fp16")
    assert p.update.precision == "fp32" and same.update.precision == "fp16"
    assert p.forward == same.forward and p.time > same.time
    row = study.cifar_rows()[0]
    assert row["predicted_plain"] == pytest.approx(p.images_per_second)


def test_expected_column_comes_from_the_projection(single, cifar):
    for r in single:  # expected <= bound rate, and its direction right on every row
        assert r["expected_conv_per_s"] <= r["predicted_conv_per_s"] and (r["expected_speedup"] > 1) == (r["published_speedup"] > 1)
    for r in cifar:  # the expected rate never above the bound's
        assert r["expected_plain"] <= r["predicted_plain"] and r["expected_depsep"] <= r["predicted_depsep"]


@pytest.mark.xfail(strict=True, reason="still open: with the network terms fitted on DeepLearningExamples (V100 depthwise, "
                   "elementwise, per-step overhead) the V100 expected DepSep/plain is 1.21 (1.22 with fuse=True), published "
                   "0.82: the DLE-fitted depthwise is not slow enough for this net's fp16 depthwise training kernels; TPUv2 has "
                   "no terms at all")
def test_expected_direction_right_on_every_cifar_row(cifar):
    assert all((r["expected_ratio"] > 1) == (r["published_ratio"] > 1) for r in cifar)


def test_expected_helper_reads_one_attribute():
    from roofline_conv.study_predict import _expected

    class WithIt:
        expected_time = 2

    assert _expected(object()) is None and _expected(WithIt()) == 2.0


def test_cli_study_no_measure_states_configurations(capsys):
    assert main(["study", "--no-measure", "--no-charts", "--format", "md"]) == 0
    out = capsys.readouterr().out
    for needle in ("'same', batch 1", "padding 'valid' (222 x 222 output)", "Keras count_params", "528,778",
                   "135,973", "adam update (fp32 variables)", "n/a"):
        assert needle in out, needle
