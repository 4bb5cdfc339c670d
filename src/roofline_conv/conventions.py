"""Counting conventions and the package's vocabularies, stated once and used everywhere.

* 1 multiply-add = 1 MAC = 2 FLOP (``FLOPS_PER_MAC``). ``macs`` is always MACs;
  ``flops`` is always ``2 * macs`` plus one add per output element when a bias is counted.
  Published model "FLOPs" (MobileNet, ResNet, EfficientNet, torchvision, the seed study)
  are MACs; device peaks are FLOP/s.
* Bytes = elements x bytes per element of the precision (``BYTES_PER_ELEMENT``, from
  ``data/conventions.toml``). MB means 10**6 bytes, MiB 2**20 bytes.
* Traffic models (see ``docs/conventions.md``):
  ``compulsory`` (default: weights + input + output moved once, a composite's
  intermediates stay on chip), ``unfused`` (every intermediate written and read back
  once) and ``im2col`` (unfused, plus the column matrix written and read).

The vocabularies (:class:`Precision`, :class:`TrafficModel`, :class:`Lowering`, :class:`OpKind`,
:class:`Algorithm`, :class:`Bound`) are str-valued enums: a member equals, hashes and prints as its word, so
``Precision.FP16 == "fp16"``. A user's string is parsed into one once, where it enters
(:func:`parse_precision`, :func:`parse_traffic`, ...), with a ValueError naming the argument;
inside the package the values travel typed.
"""

from __future__ import annotations

import functools
from enum import Enum
from typing import Any, TypeVar

from .datafiles import load_packaged

FLOPS_PER_MAC = 2
"""One multiply-add counts as two floating-point operations."""

MB = 10**6
"""Bytes in a megabyte (decimal), the unit the study's "26.0 MB" uses."""
MiB = 2**20
"""Bytes in a mebibyte."""


class Word(str, Enum):
    """A word of one of the package's vocabularies: equal to, hashed like, printed and repr'd
    as its string value, so it can stand wherever the plain word did."""

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return repr(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Precision(Word):
    """Storage (and compute) precision of tensors."""

    FP64 = "fp64"
    FP32 = "fp32"
    TF32 = "tf32"
    FP16 = "fp16"
    BF16 = "bf16"
    FP8 = "fp8"
    INT8 = "int8"

    @property
    def bytes(self) -> int:
        """Bytes one element occupies (fp32 4, fp16/bf16 2, fp8/int8 1)."""
        return _tables().precision[self.value].bytes


class TrafficModel(Word):
    """Which bytes cross main memory (see ``docs/conventions.md``)."""

    COMPULSORY = "compulsory"
    UNFUSED = "unfused"
    IM2COL = "im2col"


class OpKind(Word):
    """The op classes a device places on units (``unit_for`` keys) and calibration fits:
    ``Conv2d.kind`` of a convolution."""

    CONV = "conv"
    POINTWISE = "pointwise"
    DEPTHWISE = "depthwise"


class Lowering(Word):
    """How an op maps onto a compute unit."""

    GEMM = "gemm"
    """the im2col GEMM on a matrix unit's tile"""
    VECTOR = "vector"
    """elementwise on a vector unit (no tile)"""
    PER_CHANNEL_GEMM = "per_channel_gemm"
    """depthwise on a matrix unit: one tiny GEMM per channel (K = Kh Kw, N = multiplier)"""
    BLOCK_DIAGONAL = "block_diagonal"
    """depthwise on a matrix unit: one dense GEMM with block-diagonal weights"""


DEPTHWISE_LOWERINGS: tuple[Lowering, ...] = (Lowering.VECTOR, Lowering.PER_CHANNEL_GEMM, Lowering.BLOCK_DIAGONAL)
"""The lowerings a user (``lowering=``) or a device file may ask for a depthwise conv."""


class Algorithm(Word):
    """How a convolution's multiplies are organised, which sets the FLOPs a projection executes
    (``macs``, the layer's count, is always the direct count). Winograd F(m x m, 3 x 3) computes
    an m x m output tile of a 3 x 3, stride-1 conv with (m + 2)^2 multiplies instead of 9 m^2;
    ``fft`` multiplies in the frequency domain (see docs/conventions.md for the count used)."""

    DIRECT = "direct"
    """every multiply of the sliding window (the im2col GEMM)"""
    WINOGRAD_2X2_3X3 = "winograd_2x2_3x3"
    """Winograd F(2x2, 3x3): 16 multiplies per 4 outputs, 2.25x fewer (3x3, stride 1, dilation 1)"""
    WINOGRAD_4X4_3X3 = "winograd_4x4_3x3"
    """Winograd F(4x4, 3x3): 36 multiplies per 16 outputs, 4x fewer (3x3, stride 1, dilation 1)"""
    FFT = "fft"
    """FFT convolution: pointwise products of the transformed input and filters (stride 1, dilation 1, kernel > 1)"""


class Bound(Word):
    """What binds a projected op: its compute roof, a memory roof, or nothing."""

    COMPUTE = "compute"
    MEMORY = "memory"
    NONE = "none"
    """a view: no ops, no bytes"""
    FOLDED = "folded"
    """a BatchNorm folded into the conv before it"""
    SYMBOLIC = "symbolic"
    """a symbolic layer: see compute_time and memory_time"""


# -- the convention tables, as data ------------------------------------------------------------
@functools.cache
def tables_model() -> Any:
    """The pydantic model of ``data/conventions.toml`` (bytes per precision, the traffic models'
    descriptions), built on first use so that importing the package imports no pydantic."""
    from pydantic import BaseModel, ConfigDict, Field

    class PrecisionEntry(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        bytes: int = Field(gt=0)
        note: str

    class TrafficEntry(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        description: str

    class ConventionTables(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        precision: dict[str, PrecisionEntry]
        traffic: dict[str, TrafficEntry]

    return ConventionTables


@functools.cache
def _tables() -> Any:
    return load_packaged("conventions.toml", tables_model())


PRECISIONS: tuple[str, ...] = tuple(p.value for p in Precision)
TRAFFIC_MODELS: tuple[str, ...] = tuple(t.value for t in TrafficModel)

@functools.cache
def bytes_per_element_table() -> dict[str, int]:
    """``BYTES_PER_ELEMENT``: bytes per element of each precision (data/conventions.toml)."""
    return {k: v.bytes for k, v in _tables().precision.items()}


@functools.cache
def traffic_descriptions() -> dict[str, str]:
    """``TRAFFIC_DESCRIPTIONS``: one line per traffic model (data/conventions.toml)."""
    return {k: v.description for k, v in _tables().traffic.items()}


_TABLES = {"BYTES_PER_ELEMENT": bytes_per_element_table, "TRAFFIC_DESCRIPTIONS": traffic_descriptions}


def __getattr__(name: str) -> Any:
    """``BYTES_PER_ELEMENT`` and ``TRAFFIC_DESCRIPTIONS``: plain dicts read from
    data/conventions.toml on first access (PEP 562), never at import."""
    if name in _TABLES:
        return _TABLES[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

DEFAULT_PRECISION = Precision.FP16
"""The seed study's precision for its analytic tables and V100/TPU measurements."""
DEFAULT_TRAFFIC = TrafficModel.COMPULSORY
"""The seed study's "memory access": everything that must cross the memory bus once."""

# -- parsing at the edge -------------------------------------------------------------------------
W = TypeVar("W", bound=Word)


def _parse(vocabulary: type[W], value: object, argument: str, what: str) -> W:
    if isinstance(value, vocabulary):
        return value
    if isinstance(value, str):
        try:
            return vocabulary(value)
        except ValueError:
            pass
    words = ", ".join(w.value for w in vocabulary)
    raise ValueError(f"{argument}={value!r} is not a known {what}; use one of {words}")


def parse_precision(value: object, argument: str = "precision") -> Precision:
    """``value`` as a :class:`Precision`, or a ValueError naming ``argument`` and the choices."""
    return _parse(Precision, value, argument, "precision")


def parse_traffic(value: object, argument: str = "model") -> TrafficModel:
    """``value`` as a :class:`TrafficModel`, or a ValueError naming ``argument`` and the choices."""
    return _parse(TrafficModel, value, argument, "traffic model")


def parse_lowering(value: object, argument: str = "lowering") -> Lowering | None:
    """``None`` (the device's choice) or a depthwise lowering (:data:`DEPTHWISE_LOWERINGS`)."""
    if value is None:
        return None
    if isinstance(value, str) and value in DEPTHWISE_LOWERINGS:
        return Lowering(value)
    raise ValueError(f"{argument}={value!r} must be one of {', '.join(DEPTHWISE_LOWERINGS)}")


def parse_algorithm(value: object, argument: str = "algorithm") -> Algorithm | None:
    """``None`` (the device's known choice) or an :class:`Algorithm`, else a ValueError naming ``argument``."""
    if value is None:
        return None
    return _parse(Algorithm, value, argument, "algorithm")


def traffic_and_precision(traffic: object, precision: object, traffic_argument: str = "model",
                          precision_argument: str = "precision",
                          precision_first: bool = False) -> tuple[TrafficModel, Precision]:
    """(traffic model, precision) from the two arguments a call received for them, in whichever
    order the caller wrote them: the vocabularies share no word, so ``("compulsory", "fp16")``
    and ``("fp16", "compulsory")`` mean the same. Every function that takes both parses them
    here, so one rule holds everywhere; errors name the caller's arguments. ``None`` stands for
    the default (compulsory, fp16), so a lone precision in the first place (``describe("fp32")``)
    is read as the precision. ``precision_first``: when both are bad, name the precision (the
    functions whose signature puts it first) rather than the traffic model."""
    traffic_is_precision = isinstance(traffic, str) and traffic in PRECISIONS
    precision_is_precision = isinstance(precision, str) and precision in PRECISIONS
    if traffic_is_precision and not precision_is_precision:
        traffic, precision = precision, traffic
    traffic = DEFAULT_TRAFFIC if traffic is None else traffic
    precision = DEFAULT_PRECISION if precision is None else precision
    if precision_first:
        p = parse_precision(precision, precision_argument)
        return parse_traffic(traffic, traffic_argument), p
    t = parse_traffic(traffic, traffic_argument)
    return t, parse_precision(precision, precision_argument)


def check_precision(precision: object, argument: str = "precision") -> Precision:
    """The same as :func:`parse_precision` (the name earlier code and users know)."""
    return parse_precision(precision, argument)


def check_traffic_model(model: object, argument: str = "model") -> TrafficModel:
    """The same as :func:`parse_traffic` (the name earlier code and users know)."""
    return parse_traffic(model, argument)


def bytes_per_element(precision: object) -> int:
    """Bytes one element occupies at ``precision`` (fp32 4, fp16/bf16 2, fp8/int8 1)."""
    return parse_precision(precision).bytes
