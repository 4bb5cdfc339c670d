"""Measurement backend: numpy convolution kernels, a timing harness, micro-benchmarks and
calibration.

Importing this package is cheap: submodules (and numpy) load on first attribute access.
See ``docs/measurement.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # kernels
    "ConvGeometry": "kernels",
    "ConvPlan": "kernels",
    "DepsepPlan": "kernels",
    "PARALLEL_MIN_FLOPS": "kernels",
    "Workspace": "kernels",
    "conv2d": "kernels",
    "conv_geometry": "kernels",
    "depsep_conv2d": "kernels",
    "depthwise_conv2d": "kernels",
    "plan_workspace_bytes": "kernels",
    "pointwise_conv2d": "kernels",
    "reference_conv2d": "kernels",
    # timing, thread control, memory guard
    "DEFAULT_SETTLE_S": "timing",
    "MEMORY_LIMIT_ENV": "memory",
    "Measurement": "timing",
    "MemoryLimitError": "memory",
    "NoisyMeasurementWarning": "timing",
    "ThreadControlWarning": "threads",
    "available_memory_bytes": "memory",
    "check_memory": "memory",
    "compare_interleaved": "timing",
    "conv_memory_breakdown": "memory",
    "default_memory_limit": "memory",
    "estimate_conv_bytes": "memory",
    "measure": "timing",
    "set_blas_thread_env": "threads",
    "settle": "timing",
    "thread_limit": "threads",
    # micro-benchmarks
    "CacheBandwidthResult": "microbench",
    "GemmPeakResult": "microbench",
    "StreamResult": "microbench",
    "cache_bandwidth": "microbench",
    "gemm_peak": "microbench",
    "stream_bandwidth": "microbench",
    # machine description
    "blas_info": "machine",
    "cache_sizes": "machine",
    "cpu_info": "machine",
    "l2_cache_bytes": "machine",
    "openblas_coretype": "machine",
    "theoretical_vector_peak": "machine",
}

__all__ = [
    "DEFAULT_SETTLE_S",
    "MEMORY_LIMIT_ENV",
    "PARALLEL_MIN_FLOPS",
    "CacheBandwidthResult",
    "ConvGeometry",
    "ConvPlan",
    "DepsepPlan",
    "GemmPeakResult",
    "Measurement",
    "MemoryLimitError",
    "NoisyMeasurementWarning",
    "StreamResult",
    "ThreadControlWarning",
    "Workspace",
    "available_memory_bytes",
    "blas_info",
    "cache_bandwidth",
    "cache_sizes",
    "check_memory",
    "compare_interleaved",
    "conv2d",
    "conv_geometry",
    "conv_memory_breakdown",
    "cpu_info",
    "default_memory_limit",
    "depsep_conv2d",
    "depthwise_conv2d",
    "estimate_conv_bytes",
    "gemm_peak",
    "l2_cache_bytes",
    "measure",
    "openblas_coretype",
    "plan_workspace_bytes",
    "pointwise_conv2d",
    "reference_conv2d",
    "set_blas_thread_env",
    "settle",
    "stream_bandwidth",
    "theoretical_vector_peak",
    "thread_limit",
]


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
