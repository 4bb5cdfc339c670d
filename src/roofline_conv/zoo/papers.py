"""Published figures of the zoo's models, with their sources: ``roofline_conv/data/published.toml``
(checked by tests/network), validated by a strict model and read on first use.

Units: ``macs`` are multiply-accumulates (every source calls them "FLOPs" or "mult-adds";
torchvision's "GFLOPS" column counts MACs too), ``params`` are parameters. ``*_printed`` is the
number as printed, ``*_digits`` how it was rounded. ``exact_params`` are
``sum(p.numel() for p in model.parameters())`` of the torchvision model (BatchNorm gamma and beta
included, running statistics excluded). The CIFAR CNN's printed counts live once, in the study's
file (data/study.toml); its entry here takes them from there.

``PUBLISHED`` (model -> figures) and ``TORCHVISION`` (the torchvision source line) are module
attributes computed on first access (PEP 562), so importing the zoo reads no file.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..datafiles import load_packaged
from ..study_data import cifar_params_printed, study_file

DATA_FILE = "published.toml"
_STRICT = ConfigDict(extra="forbid", frozen=True)


class Sources(BaseModel):
    """Source lines shared by several models (``{name}`` in a model's ``source``)."""

    model_config = _STRICT
    torchvision: str


class Figures(BaseModel):
    """One model's published figures. Either ``params_printed`` or ``params_from_study``."""

    model_config = _STRICT
    macs_printed: Union[float, None] = Field(default=None, gt=0)
    macs_digits: Union[str, None] = None
    params_printed: Union[float, None] = Field(default=None, gt=0)
    params_from_study: bool = False
    """The printed counts (plain and DepSep) are the study's: data/study.toml [cifar]."""
    params_digits: str
    exact_params: Union[int, None] = Field(default=None, gt=0)
    torchvision_gmacs: Union[float, None] = Field(default=None, gt=0)
    paper_v1_macs_printed: Union[float, None] = Field(default=None, gt=0)
    source: str = Field(min_length=1)
    width: Union[dict[float, tuple[int, float]], None] = None
    """Width multiplier -> (mult-adds in millions, params in millions)."""
    resolution: Union[dict[int, tuple[int, float]], None] = None
    """Input resolution -> (mult-adds in millions, params in millions)."""
    shares: Union[dict[str, tuple[float, float]], None] = None
    """Layer type -> (share of mult-adds in %, share of parameters in %)."""
    notes: Union[list[str], None] = None

    @model_validator(mode="after")
    def _one_params_source(self) -> "Figures":
        if (self.params_printed is None) == (not self.params_from_study):
            raise ValueError("give exactly one of params_printed and params_from_study = true")
        if (self.macs_printed is None) != (self.macs_digits is None):
            raise ValueError("macs_printed and macs_digits go together")
        return self


class PublishedFile(BaseModel):
    """``data/published.toml``."""

    model_config = _STRICT
    sources: Sources
    models: dict[str, Figures] = Field(min_length=1)


@cache
def published_file() -> PublishedFile:
    """``data/published.toml``, validated (a DataFileError naming the field otherwise)."""
    return load_packaged(DATA_FILE, PublishedFile)


def _figures(fig: Figures, placeholders: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fig.model_dump(exclude_none=True, exclude={"params_from_study"}).items():
        if key == "params_digits" and fig.params_from_study:
            plain, sep = cifar_params_printed()
            out["params_printed"] = plain
            out[key] = value
            out["depsep_params_printed"] = sep
        elif key == "source":
            out[key] = value.format(**placeholders)
        else:
            out[key] = value
    return out


@cache
def published() -> dict[str, dict[str, Any]]:
    """Model -> its published figures and source: one dict, read from the file once."""
    file = published_file()
    placeholders = {**file.sources.model_dump(), "study_cifar_params": ", ".join(study_file().cifar.params_printed)}
    return {name: _figures(fig, placeholders) for name, fig in file.models.items()}


def __getattr__(name: str) -> Any:
    if name == "PUBLISHED":
        return published()
    if name == "TORCHVISION":
        return published_file().sources.torchvision
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PUBLISHED", "TORCHVISION", "Figures", "PublishedFile", "published", "published_file"]
