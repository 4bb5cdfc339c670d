"""The layer sets calibration times: training layers (the ceilings are fitted on them) and
held-out layers (errors are reported on them), read from the packaged data file
``roofline_conv/data/calibration_layers.toml`` and validated (:class:`LayerSetsFile`).
"""

from __future__ import annotations

import functools
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..datafiles import load_packaged
from ..layers import Conv2d, Depthwise, Pointwise

__all__ = ["DATA_FILE", "LayerSetsFile", "holdout_layers", "layer_sets", "training_layers"]

DATA_FILE = "calibration_layers.toml"

Size = Annotated[int, Field(ge=1)]
"""A channel count, kernel size, input size or stride (>= 1)."""
Padding = Annotated[int, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ConvSpec(_Strict):
    """A :class:`~roofline_conv.layers.Conv2d` by its constructor arguments."""

    type: Literal["Conv2d"]
    in_channels: Size
    out_channels: Size
    kernel_size: Size
    input_size: Size
    stride: Size = 1
    padding: Padding = 0

    def build(self) -> Conv2d:
        return Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.input_size,
                      stride=self.stride, padding=self.padding)


class DepthwiseSpec(_Strict):
    """A :class:`~roofline_conv.layers.Depthwise` by its constructor arguments."""

    type: Literal["Depthwise"]
    channels: Size
    kernel_size: Size
    input_size: Size
    stride: Size = 1
    padding: Padding = 0

    def build(self) -> Conv2d:
        return Depthwise(self.channels, self.kernel_size, self.input_size, stride=self.stride,
                         padding=self.padding)


class PointwiseSpec(_Strict):
    """A :class:`~roofline_conv.layers.Pointwise` by its constructor arguments."""

    type: Literal["Pointwise"]
    in_channels: Size
    out_channels: Size
    input_size: Size

    def build(self) -> Conv2d:
        return Pointwise(self.in_channels, self.out_channels, self.input_size)


LayerSpec = Annotated[Union[ConvSpec, DepthwiseSpec, PointwiseSpec], Field(discriminator="type")]


class LayerSet(_Strict):
    """One set: its layers, and ``quick``, the 0-based indices of the ``--quick`` subset."""

    layers: list[LayerSpec] = Field(min_length=1)
    quick: list[Annotated[int, Field(ge=0)]]

    @model_validator(mode="after")
    def _quick_indices(self) -> LayerSet:
        if any(i >= len(self.layers) for i in self.quick):
            raise ValueError(f"quick indices must be < {len(self.layers)} (the number of layers)")
        if list(self.quick) != sorted(set(self.quick)):
            raise ValueError("quick indices must be increasing, without repeats")
        return self

    def build(self, quick: bool = False) -> list[Conv2d]:
        layers = [spec.build() for spec in self.layers]
        return [layers[i] for i in self.quick] if quick else layers


class LayerSetsFile(_Strict):
    """``calibration_layers.toml``: the training and the held-out layer sets."""

    training: LayerSet
    holdout: LayerSet


@functools.cache
def layer_sets() -> LayerSetsFile:
    """The packaged layer sets (read and validated once, on first use)."""
    return load_packaged(DATA_FILE, LayerSetsFile)


def training_layers(quick: bool = False) -> list[Conv2d]:
    """Layers the efficiencies are fitted on: per class, a spread of intensities."""
    return layer_sets().training.build(quick)


def holdout_layers(quick: bool = False) -> list[Conv2d]:
    """Layers NOT used for fitting, to report honest errors on."""
    return layer_sets().holdout.build(quick)
