"""The packaged data files: each loads, validated, with the expected content; a bad file fails
with a DataFileError naming the file and the field."""

from __future__ import annotations

import copy
import math
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv import study_data, training
from roofline_conv._compat import tomllib
from roofline_conv.datafiles import DataFileError, load_text, validate
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


# -- every packaged data file's numbers are strict ---------------------------------------------

def _models() -> dict[str, type]:
    from roofline_conv.conventions import tables_model
    from roofline_conv.measure.layer_sets import LayerSetsFile

    return {"training.toml": TrainingFile, "ops.toml": ops_file_model(), "published.toml": papers.PublishedFile,
            "study.toml": study_data.StudyFile, "conventions.toml": tables_model(),
            "calibration_layers.toml": LayerSetsFile}


def _packaged(name: str) -> dict:
    return tomllib.loads(resources.files("roofline_conv").joinpath("data", name).read_text(encoding="utf-8"))


def _numbers(data, path: str = "") -> list[tuple[str, tuple]]:
    """(dotted path, key path) of every number in ``data``."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        dotted = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found.append((dotted, (key,)))
        for sub, keys in _numbers(value, dotted):
            found.append((sub, (key, *keys)))
    return found


NUMBERS = [(name, dotted, keys) for name in sorted(_models()) for dotted, keys in _numbers(_packaged(name))]
NOT_NUMBERS = st.one_of(st.booleans(), st.sampled_from(["12", "1e3", "900e9", "", "inf"]), st.text(max_size=5),
                        st.sampled_from([math.nan, math.inf, -math.inf]),
                        st.dictionaries(st.just("a"), st.integers(), min_size=1, max_size=1),
                        st.lists(st.lists(st.integers(), max_size=1), min_size=1, max_size=2))


def test_every_packaged_file_has_numbers_to_break():
    assert {name for name, _, _ in NUMBERS} == set(_models()) and len(NUMBERS) > 100


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(NUMBERS), NOT_NUMBERS)
def test_no_packaged_file_reads_a_bool_a_string_or_a_non_finite_value_as_a_number(where, value):
    name, dotted, keys = where
    data = copy.deepcopy(_packaged(name))
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    with pytest.raises(DataFileError) as info:
        validate(data, _models()[name], f"data/{name}")
    message = str(info.value)
    assert f"data/{name}: {dotted}: " in message, message
    assert "Input should" not in message


@pytest.mark.parametrize("name, keys", [
    ("training.toml", ("optimizers", "sgd", "ops")),
    ("ops.toml", ("ops_per_element", "relu")),
    ("conventions.toml", ("precision", "fp16", "bytes")),
    ("study.toml", ("layer", "kernel_size")),
    ("study.toml", ("measured", 0, "batch")),
    ("calibration_layers.toml", ("training", "layers", 0, "in_channels")),
    ("calibration_layers.toml", ("training", "quick", 0)),
    ("published.toml", ("models", "resnet50", "exact_params")),
])
@pytest.mark.parametrize("value", [2.0, 3.5, True, "2", None])
def test_integer_fields_refuse_floats_bools_and_strings(name, keys, value):
    if value is None and keys[-1] == "exact_params":
        pytest.skip("exact_params is optional: null is its default")
    data = _packaged(name)
    node = data
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    with pytest.raises(DataFileError) as info:
        validate(data, _models()[name], "x.toml")
    dotted = ".".join(str(k) for k in keys).replace(".0.", "[0].").replace(".0", "[0]")
    assert f"x.toml: {dotted}: must be an integer, not " in str(info.value)


def test_the_packaged_files_still_read_equal():
    # JSON-mode validation: arrays still fill tuples, table keys still name numbers
    assert training_file().saves_input == tuple(_packaged("training.toml")["saves_input"])
    assert papers.published_file().models["mobilenet_v1"].width[0.75] == (325, 2.6)


def test_load_text_depth_and_empty_text():
    with pytest.raises(DataFileError, match=r"t\.toml: nested more than 64 levels deep \(line 1\)"):
        load_text("x = " + "[" * 65 + "]" * 65, TrainingFile, "t.toml")
    with pytest.raises(DataFileError, match=r"t\.toml: is empty"):
        load_text("\n", TrainingFile, "t.toml")
