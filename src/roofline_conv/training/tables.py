"""The training step's convention tables, from ``roofline_conv/data/training.toml``: which layer
kinds keep their input or their output for the backward pass, and what an optimizer update costs
per parameter. The file is read and validated once, on first use."""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..datafiles import load_packaged

GEMM_KINDS = frozenset({"conv", "pointwise", "depthwise", "linear"})
"""Layer kinds whose backward is two GEMMs (data gradient and weight gradient)."""

DATA_FILE = "training.toml"


class OptimizerCost(BaseModel):
    """One optimizer's update, per parameter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ops: int = Field(ge=0)
    """FLOP per parameter."""
    elements: int = Field(ge=0)
    """Elements read and written per parameter."""


class TrainingFile(BaseModel):
    """``data/training.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    saves_input: tuple[str, ...]
    saves_output: tuple[str, ...]
    optimizers: dict[str, OptimizerCost] = Field(min_length=1)

    @model_validator(mode="after")
    def _disjoint(self) -> "TrainingFile":
        both = sorted(set(self.saves_input) & set(self.saves_output))
        if both:
            raise ValueError(f"kinds {both} are in both saves_input and saves_output")
        return self


@cache
def training_file() -> TrainingFile:
    """``data/training.toml``, validated (a DataFileError naming the field otherwise)."""
    return load_packaged(DATA_FILE, TrainingFile)


@cache
def saves_input() -> frozenset[str]:
    """Layer kinds that keep their input for the backward pass."""
    return frozenset(training_file().saves_input)


@cache
def saves_output() -> frozenset[str]:
    """Layer kinds that keep their output for the backward pass."""
    return frozenset(training_file().saves_output)


@cache
def optimizers() -> dict[str, tuple[int, int]]:
    """Optimizer -> (ops, elements moved) per parameter: one dict, read from the file once."""
    return {name: (cost.ops, cost.elements) for name, cost in training_file().optimizers.items()}


__all__ = ["GEMM_KINDS", "OptimizerCost", "TrainingFile", "training_file", "saves_input", "saves_output", "optimizers"]
