"""The measurement harness under its historical path: re-exports of :mod:`.timing` (warm-up,
median/IQR, interleaving), :mod:`.threads` (BLAS thread control), :mod:`.memory` (memory
guard) and :func:`.machine.blas_info`. New code imports from those modules.
"""

from __future__ import annotations

from .machine import blas_info
from .memory import (
    MEMORY_LIMIT_ENV,
    MemoryLimitError,
    available_memory_bytes,
    check_memory,
    conv_memory_breakdown,
    default_memory_limit,
    estimate_conv_bytes,
)
from .threads import BLAS_THREAD_ENV_VARS, ThreadControlWarning, set_blas_thread_env, thread_limit
from .timing import (
    DEFAULT_NOISE_THRESHOLD,
    DEFAULT_SETTLE_S,
    Measurement,
    NoisyMeasurementWarning,
    compare_interleaved,
    measure,
    settle,
)

__all__ = [
    "BLAS_THREAD_ENV_VARS",
    "DEFAULT_NOISE_THRESHOLD",
    "DEFAULT_SETTLE_S",
    "MEMORY_LIMIT_ENV",
    "Measurement",
    "MemoryLimitError",
    "NoisyMeasurementWarning",
    "ThreadControlWarning",
    "available_memory_bytes",
    "blas_info",
    "check_memory",
    "compare_interleaved",
    "conv_memory_breakdown",
    "default_memory_limit",
    "estimate_conv_bytes",
    "measure",
    "set_blas_thread_env",
    "settle",
    "thread_limit",
]
