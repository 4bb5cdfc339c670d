"""The packaged data files: each loads, validated, with the expected content; a bad file fails
with a DataFileError naming the file and the field."""

from __future__ import annotations

import pytest

from roofline_conv import study_data, training
from roofline_conv.datafiles import DataFileError, load_text
from roofline_conv.layers import OPS_PER_ELEMENT
from roofline_conv.layers.elementwise import ops_file_model
from roofline_conv.training.tables import TrainingFile, training_file
from roofline_conv.zoo import papers


def test_training_toml():
    f = training_file()
    assert dict(training.OPTIMIZERS) == {"sgd": (2, 3), "momentum": (4, 5), "adam": (12, 7)}
    assert training.SAVES_INPUT == frozenset(
        {"conv", "pointwise", "depthwise", "linear", "batchnorm", "silu", "hardswish", "maxpool"})
    assert training.SAVES_OUTPUT == frozenset({"relu", "relu6", "sigmoid", "hardsigmoid"})
    assert f.optimizers["adam"].ops == 12


def test_ops_toml():
    assert dict(OPS_PER_ELEMENT) == {"relu": 1, "relu6": 2, "sigmoid": 3, "silu": 4, "hardsigmoid": 4, "hardswish": 5,
                                     "add": 1, "batchnorm": 2, "scale": 1, "flatten": 0}
    assert type(OPS_PER_ELEMENT) is dict  # a plain dict, as the table was when it lived in code


def test_published_toml():
    pub = papers.PUBLISHED
    assert list(pub) == ["mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "vgg16", "cifar_cnn"]
    assert all(fig["source"] and "{" not in fig["source"] for fig in pub.values())  # every figure keeps its source
    assert pub["mobilenet_v1"]["width"][0.75] == (325, 2.6) and pub["mobilenet_v1"]["resolution"][160] == (290, 4.2)
    assert pub["resnet50"]["paper_v1_macs_printed"] == 3.8e9 and papers.TORCHVISION in pub["resnet50"]["source"]
    # the CIFAR CNN's printed counts are the study's, stored once in study.toml
    cifar = pub["cifar_cnn"]
    assert (cifar["params_printed"], cifar["depsep_params_printed"]) == (529e3, 136e3) == study_data.cifar_params_printed()
    assert "529k, 136k" in cifar["source"]


def test_study_toml():
    spec = study_data.layer_spec()
    assert (spec.in_channels, spec.out_channels, spec.kernel_size, spec.input_size, spec.padding) == (128, 128, 3, 224, "same")
    assert study_data.layer_label() == "Dk=3, M=N=128, Df=224, stride 1, 'same'"
    assert study_data.data()["cifar"]["params_printed"] == ["529k", "136k"]
    assert [m["id"] for m in study_data.data()["measured"]] == ["v100-b1", "v100-b16", "tpuv2-core", "tpuv2-all", "e5-2698v4"]
    assert study_data.printed_number("7.4G") == 7.4e9 and study_data.printed_number("18K") == 18e3


@pytest.mark.parametrize("model, text, field", [
    (TrainingFile, "saves_input = []\nsaves_output = []\n[optimizers.sgd]\nops = -1\nelements = 3\n",
     "optimizers.sgd.ops"),
    (TrainingFile, "saves_input = ['relu']\nsaves_output = ['relu']\n[optimizers.sgd]\nops = 2\nelements = 3\n",
     "in both saves_input and saves_output"),
    (ops_file_model(), "[ops_per_element]\nrelu = 'one'\n", "ops_per_element.relu"),
    (papers.PublishedFile, "[sources]\ntorchvision = 'x'\n[models.m]\nparams_digits = 'M'\nsource = 's'\nparams_printd = 1.0\n",
     "models.m.params_printd"),
    (study_data.StudyFile, "[source]\ntitle = 't'\n", "layer"),
])
def test_bad_file_names_the_field(model, text, field):
    with pytest.raises(DataFileError) as info:
        load_text(text, model, "x.toml")
    assert "x.toml" in str(info.value) and field in str(info.value)


def test_conventions_toml_matches_the_vocabularies():
    from roofline_conv.conventions import (BYTES_PER_ELEMENT, PRECISIONS, TRAFFIC_DESCRIPTIONS, TRAFFIC_MODELS,
                                           Precision, bytes_per_element, tables_model)

    assert dict(BYTES_PER_ELEMENT) == {"fp64": 8, "fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1}
    assert tuple(BYTES_PER_ELEMENT) == PRECISIONS and tuple(TRAFFIC_DESCRIPTIONS) == TRAFFIC_MODELS
    assert [p.bytes for p in Precision] == [bytes_per_element(p) for p in PRECISIONS]
    with pytest.raises(DataFileError, match=r"c\.toml: precision\.fp16\.bytes"):
        load_text('[precision.fp16]\nbytes = "2"\nnote = "x"\n[traffic]\n', tables_model(), "c.toml")
    with pytest.raises(DataFileError, match=r"c\.toml: traffic: required field"):
        load_text('[precision.fp16]\nbytes = 2\nnote = "x"\n', tables_model(), "c.toml")
    with pytest.raises(DataFileError, match=r"c\.toml: TOML syntax error"):
        load_text('[precision', tables_model(), "c.toml")


def test_vocabulary_words_parse_once_and_stand_for_their_string():
    from roofline_conv.conventions import Lowering, Precision, TrafficModel, parse_lowering, parse_precision, parse_traffic

    assert parse_precision("bf16") is Precision.BF16 and Precision.BF16 == "bf16"
    assert f"{Precision.BF16}" == str(Precision.BF16) == "bf16" and repr(Precision.BF16) == "'bf16'"
    assert {"fp16": 1}[Precision.FP16] == 1
    assert parse_traffic("im2col", "traffic") is TrafficModel.IM2COL
    assert parse_lowering(None) is None and parse_lowering("block_diagonal") is Lowering.BLOCK_DIAGONAL
    with pytest.raises(ValueError, match=r"precision='fp17' is not a known precision; use one of fp64"):
        parse_precision("fp17")
    with pytest.raises(ValueError, match=r"traffic='fused' is not a known traffic model"):
        parse_traffic("fused", "traffic")
    with pytest.raises(ValueError, match=r"lowering='gemm' must be one of vector, per_channel_gemm, block_diagonal"):
        parse_lowering("gemm")
