"""The packaged calibration layer sets: they load, build the layers, and bad files are named."""

from __future__ import annotations

import pytest

from roofline_conv import Conv2d, Depthwise, Pointwise
from roofline_conv.datafiles import DataFileError, load_text
from roofline_conv.measure.layer_sets import (
    LayerSetsFile,
    holdout_layers,
    layer_sets,
    training_layers,
)

GOOD = """
[training]
layers = [{ type = "Pointwise", in_channels = 4, out_channels = 8, input_size = 7 }]
quick = [0]
[holdout]
layers = [{ type = "Depthwise", channels = 4, kernel_size = 3, input_size = 7, padding = 1 }]
quick = []
"""


def test_packaged_file_loads_and_builds_the_layers():
    sets = layer_sets()
    assert len(sets.training.layers) == len(training_layers()) == 22  # none a layer of the evaluation networks
    assert len(holdout_layers()) == 18
    assert training_layers()[0] == Conv2d(48, 48, 3, 56, padding=1)
    assert holdout_layers()[-1] == Pointwise(384, 64, 14)
    assert len(training_layers(quick=True)) == 14 and len(holdout_layers(quick=True)) == 9
    assert {type(l) for l in training_layers()} == {Conv2d, Depthwise, Pointwise}


def test_a_small_file_validates():
    sets = load_text(GOOD, LayerSetsFile, "x.toml")
    assert sets.training.build(quick=True) == [Pointwise(4, 8, 7)]
    assert sets.holdout.build() == [Depthwise(4, 3, 7, padding=1)]


@pytest.mark.parametrize("bad, field", [
    (GOOD.replace("in_channels = 4", "in_channels = 0"), "training.layers[0].in_channels: must be >= 1"),
    (GOOD.replace("in_channels = 4", "in_channels = '4'"), "in_channels"),
    (GOOD.replace("input_size = 7 }]\nquick = [0]", "input_size = 7, padding = 1 }]\nquick = [0]"), "padding"),
    (GOOD.replace("quick = [0]", "quick = [3]"), "training"),
    (GOOD.replace('type = "Depthwise"', 'type = "Linear"'), "holdout.layers[0]"),
])
def test_a_bad_file_names_the_field(bad, field):
    with pytest.raises(DataFileError, match="x.toml") as info:
        load_text(bad, LayerSetsFile, "x.toml")
    assert field in str(info.value)
