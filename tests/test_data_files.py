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
    with pytest.raises(TypeError):
        OPS_PER_ELEMENT["relu"] = 2  # type: ignore[index]  # read-only on purpose


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
