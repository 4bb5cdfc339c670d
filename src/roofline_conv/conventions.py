"""Counting conventions, stated once and used everywhere.

* 1 multiply-add = 1 MAC = 2 FLOP (``FLOPS_PER_MAC``). ``macs`` is always MACs;
  ``flops`` is always ``2 * macs`` plus one add per output element when a bias is counted.
  Published model "FLOPs" (MobileNet, ResNet, EfficientNet, torchvision, the seed study)
  are MACs; device peaks are FLOP/s.
* Bytes = elements x bytes per element of the precision (``BYTES_PER_ELEMENT``).
  MB means 10**6 bytes, MiB 2**20 bytes.
* Traffic models (see ``docs/conventions.md``):
  ``compulsory`` (default: weights + input + output moved once, a composite's
  intermediates stay on chip), ``unfused`` (every intermediate written and read back
  once) and ``im2col`` (unfused, plus the column matrix written and read).
"""

from __future__ import annotations

from typing import Literal, get_args

FLOPS_PER_MAC = 2
"""One multiply-add counts as two floating-point operations."""

MB = 10**6
"""Bytes in a megabyte (decimal), the unit the study's "26.0 MB" uses."""
MiB = 2**20
"""Bytes in a mebibyte."""

Precision = Literal["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8"]
PRECISIONS: tuple[str, ...] = get_args(Precision)

BYTES_PER_ELEMENT: dict[str, int] = {
    "fp64": 8,
    "fp32": 4,
    "tf32": 4,  # stored as fp32; only the matrix unit rounds the mantissa
    "fp16": 2,
    "bf16": 2,
    "fp8": 1,
    "int8": 1,
}

TrafficModel = Literal["compulsory", "unfused", "im2col"]
TRAFFIC_MODELS: tuple[str, ...] = get_args(TrafficModel)

DEFAULT_PRECISION: Precision = "fp16"
"""The seed study's precision for its analytic tables and V100/TPU measurements."""
DEFAULT_TRAFFIC: TrafficModel = "compulsory"
"""The seed study's "memory access": everything that must cross the memory bus once."""

TRAFFIC_DESCRIPTIONS: dict[str, str] = {
    "compulsory": "weights + input + output moved once; intermediates stay on chip (fused)",
    "unfused": "compulsory + every intermediate written to and read back from memory once",
    "im2col": "unfused + the im2col column matrix written and read once (not for 1x1/stride-1 convs)",
}


def check_precision(precision: object, argument: str = "precision") -> str:
    """Return ``precision`` if it is a known precision name, else raise a ValueError naming it."""
    if precision not in BYTES_PER_ELEMENT:
        raise ValueError(
            f"{argument}={precision!r} is not a known precision; use one of {', '.join(PRECISIONS)}"
        )
    return str(precision)


def bytes_per_element(precision: str) -> int:
    """Bytes one element occupies at ``precision`` (fp32 4, fp16/bf16 2, fp8/int8 1)."""
    return BYTES_PER_ELEMENT[check_precision(precision)]


def check_traffic_model(model: object, argument: str = "model") -> str:
    """Return ``model`` if it is a known traffic model name, else raise a ValueError naming it."""
    if model not in TRAFFIC_DESCRIPTIONS:
        raise ValueError(
            f"{argument}={model!r} is not a known traffic model; use one of {', '.join(TRAFFIC_MODELS)}"
        )
    return str(model)
