"""The seed study's published figures: ``roofline_conv/data/study.toml``, validated by a strict
model and read once, on first use. Kept apart from :mod:`roofline_conv.study` (which projects and
measures) so the zoo can take the CIFAR CNN's printed parameter counts from here without importing
the study."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from .datafiles import load_packaged

DATA_FILE = "study.toml"
_STRICT = ConfigDict(extra="forbid", frozen=True)


def _pair() -> Any:
    """Two values: (standard conv, DepSep) or (plain CNN, DepSep CNN)."""
    return Field(min_length=2, max_length=2)


class Source(BaseModel):
    model_config = _STRICT
    title: str
    after: str
    digest: str


class LayerSpec(BaseModel):
    """The study's layer: Dk x Dk conv, M -> N channels, Df x Df input, stride 1."""

    model_config = _STRICT
    kernel_size: PositiveInt
    in_channels: PositiveInt
    out_channels: PositiveInt
    input_size: PositiveInt
    padding: Union[Literal["same", "valid"], int]


class Analytic(BaseModel):
    model_config = _STRICT
    params_printed: list[str] = _pair()
    flops_printed: list[str] = _pair()
    memory_printed_mb: list[float] = _pair()
    intensity_printed: list[float] = _pair()
    params_exact: list[int] = _pair()
    macs_exact: list[int] = _pair()
    memory_bytes_exact: list[int] = _pair()


class Benchmark(BaseModel):
    """How the measured single layer was really run (the published notebooks): Keras defaults."""

    model_config = _STRICT
    source: str
    padding: Union[Literal["same", "valid"], int]
    bias: bool
    layout: Literal["NHWC", "NCHW"]
    batch: PositiveInt
    timing: str
    v100_part: str


class Measured(BaseModel):
    """One published single-layer measurement: conv/s of (standard, DepSep)."""

    model_config = _STRICT
    id: str
    platform: str
    device: str
    framework: str
    precision: str
    dtype_printed: str
    batch: PositiveInt
    conv_per_s: list[int] = _pair()
    tflops_printed: list[float] = _pair()
    sm_util_pct: Union[list[float], None] = Field(default=None, min_length=2, max_length=2)
    mem_util_pct: Union[list[float], None] = Field(default=None, min_length=2, max_length=2)
    speedup_printed: Union[float, None] = None
    run_note: Union[str, None] = None
    bound_misses: Union[str, None] = None
    """The term the roofline bound leaves out where it misses the published rate by a lot."""


class Throughput(BaseModel):
    """CIFAR-10 training images/s of (plain, DepSep) on one platform and batch."""

    model_config = _STRICT
    platform: str
    device: str
    batch: PositiveInt
    precision: str
    """Compute precision of the run (fp16 on the V100: automatic mixed precision; bf16 on TPUs)."""
    update_precision: str
    """Precision of the variables the optimizer updates (fp32 master weights under mixed precision)."""
    run_note: str
    images_per_s: list[int] = _pair()
    bound_misses: Union[str, None] = None
    """The term the roofline bound leaves out where its DepSep direction is wrong or it misses a lot."""


class Cifar(BaseModel):
    model_config = _STRICT
    source: str
    params_printed: list[str] = _pair()
    params_exact: list[int] = _pair()
    """``model.count_params()`` as printed by the notebooks (Keras: BatchNorm moving statistics included)."""
    optimizer: str
    v100_sm_util_pct: list[float] = _pair()
    v100_mem_util_pct: list[float] = _pair()
    train_accuracy_pct: list[int] = _pair()
    throughput: list[Throughput] = Field(min_length=1)


class StudyFile(BaseModel):
    """``data/study.toml``."""

    model_config = _STRICT
    source: Source
    layer: LayerSpec
    analytic: Analytic
    benchmark: Benchmark
    measured: list[Measured] = Field(min_length=1)
    cifar: Cifar


@cache
def study_file() -> StudyFile:
    """``data/study.toml``, validated (a DataFileError naming the field otherwise)."""
    return load_packaged(DATA_FILE, StudyFile)


@cache
def data() -> dict[str, Any]:
    """The study's figures as plain TOML data (tables as dicts, arrays as lists); shared, so read
    it, do not change it."""
    return study_file().model_dump(exclude_none=True)


def layer_spec() -> LayerSpec:
    """The study's layer (Dk=3, M=N=128, Df=224, stride 1, 'same')."""
    return study_file().layer


def benchmark_spec() -> Benchmark:
    """How the measured single layer was run: 'valid' padding, bias, NHWC, batch 16."""
    return study_file().benchmark


def layer_label() -> str:
    """The study's layer in words: "Dk=3, M=N=128, Df=224, stride 1, 'same'"."""
    s = layer_spec()
    channels = f"M=N={s.in_channels}" if s.in_channels == s.out_channels else f"M={s.in_channels}, N={s.out_channels}"
    padding = repr(s.padding) if isinstance(s.padding, str) else f"padding {s.padding}"
    return f"Dk={s.kernel_size}, {channels}, Df={s.input_size}, stride 1, {padding}"


_SUFFIX = {"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}


def printed_number(text: str) -> float:
    """'529k' -> 529000.0: a figure as the study printed it, as a number."""
    head, suffix = (text[:-1], text[-1]) if text[-1:] in _SUFFIX else (text, "")
    return float(head) * _SUFFIX[suffix]


def cifar_params_printed() -> tuple[float, float]:
    """The CIFAR CNN's printed parameter counts, (plain, DepSep): (529e3, 136e3)."""
    plain, sep = study_file().cifar.params_printed
    return printed_number(plain), printed_number(sep)


__all__ = ["StudyFile", "LayerSpec", "Benchmark", "benchmark_spec", "study_file", "data", "layer_spec", "layer_label", "printed_number", "cifar_params_printed"]
