"""This machine as a measured :class:`~roofline_conv.devices.Device` (id ``this-machine``).

The micro-benchmarks (GEMM plateau per dtype, STREAM triad, in-cache copy) give every figure,
``measured``; two compute ceilings, as in the roofline paper: ``gemm`` (the measured BLAS
plateau, used for projection) and ``fma`` (the theoretical vector peak from cores x clock x
ISA, shown beside it). The BLAS numpy uses is recorded in ``device.environment``.

With ``backend="torch"`` the device is id ``this-machine-torch``: the GEMM plateau is
``torch.matmul``'s (oneDNN/MKL, ``torch.set_num_threads`` for ``threads``), so the compute roof
and the ceilings fitted on it describe PyTorch's kernels; the memory roofs are the same numpy
STREAM and copy measurements (the machine's memory, whoever reads it), and the PyTorch version
and threads are recorded in ``device.environment``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..devices import Device
from ..validation import flag
from .arguments import threads_argument
from .backends import backend_argument
from .layer_runs import DTYPES, Progress, quiet
from .machine import blas_info, cpu_info, openblas_coretype, theoretical_vector_peak, vector_width
from .microbench import cache_bandwidth, gemm_peak, stream_bandwidth
from .threads import thread_limit

__all__ = ["measure_machine"]


def measure_machine(*, quick: bool = False, threads: int | None = None, progress: Progress = quiet,
                    backend: str = "numpy") -> Device:
    """Measure this machine's roofs and return them as a ``Device`` (id ``this-machine``, or
    ``this-machine-torch`` with ``backend="torch"``); ``threads`` is ``None`` or an int >= 1
    (BLAS threads; torch's threads with the torch backend)."""
    quick = flag(quick, "quick")
    threads = threads_argument(threads)
    backend = backend_argument(backend)
    info = cpu_info()
    blas = blas_info()
    coretype = openblas_coretype(warn=backend == "numpy")
    peaks: dict[str, Any] = {}
    theory: dict[str, Any] = {}
    blas_text = _blas_text(blas)
    gemm_text = f"numpy matmul, square n={{n}} ({blas_text})"
    torch_env: dict[str, str] = {}
    if backend == "torch":
        from .torch_runs import torch_environment
        torch_env = torch_environment(threads)
        gemm_text = f"torch.matmul (PyTorch {torch_env['torch']}, {torch_env['torch_threads']} threads), square n={{n}}"
    for precision, dtype in DTYPES.items():
        progress(f"GEMM plateau, {precision}{' (torch)' if backend == 'torch' else ''} ...")
        res = _gemm_peak(dtype, threads, quick, backend)
        curve = ", ".join(f"n={n}: {f / 1e9:.1f}" for n, f in res.curve)
        peaks[precision] = dict(
            value=res.best_flops, provenance="measured",
            source="roofline-conv calibrate: " + gemm_text.format(n=res.best_size),
            note=f"GFLOP/s by size: {curve}" + ("" if res.plateau else " (no plateau reached)"),
        )
        peak = theoretical_vector_peak(info, dtype)
        width = vector_width(info)
        if peak and width:
            isa, bits = width
            lanes = bits // (8 * np.dtype(dtype).itemsize)
            mhz = info.get("max_mhz") or info.get("base_mhz") or info.get("current_mhz")
            theory[precision] = dict(
                value=peak, provenance="derived", source=f"/proc/cpuinfo: {info.get('model_name')}",
                derivation=f"{info['physical_cores']} cores x 2 FMA units x {lanes} lanes ({isa}) x 2 FLOP x {mhz:g} MHz",
                note="assumes 2 FMA pipes per core; a VM's reported clock may not be the sustained clock",
            )
    progress("STREAM triad (DRAM bandwidth) ...")
    with thread_limit(threads):
        stream = stream_bandwidth(quick=quick)
        progress("in-cache copy bandwidth ...")
        cache = cache_bandwidth(quick=quick)
    units: dict[str, Any] = {"gemm": dict(kind="vector", peaks=peaks,
                                          description="measured BLAS GEMM plateau (the attainable compute roof)")}
    if theory:
        units["fma"] = dict(kind="vector", peaks=theory, description="theoretical vector FMA peak (the second ceiling)")
    memory: dict[str, Any] = {
        "dram": dict(bandwidth=dict(
            value=stream.triad_bytes_per_s, provenance="measured",
            source=f"roofline-conv calibrate: STREAM triad on 3 x {stream.nbytes_per_array / 1e6:.0f} MB arrays",
            note=f"copy {stream.copy_bytes_per_s / 1e9:.2f} GB/s; {stream.notes}"),
            description="main memory, STREAM triad"),
    }
    cache_bytes = info.get("caches", {}).get(cache.level) if isinstance(info.get("caches"), dict) else None
    memory[cache.level.lower()] = dict(
        bandwidth=dict(value=cache.copy_bytes_per_s, provenance="measured",
                       source=f"roofline-conv calibrate: copy of {cache.nbytes_per_array / 1e3:.0f} kB arrays",
                       note=cache.notes),
        capacity=dict(value=cache_bytes, provenance="measured", source="/sys/devices/system/cpu/cpu0/cache")
        if cache_bytes else None,
        description=f"{cache.level} cache, in-cache copy")
    if memory[cache.level.lower()]["capacity"] is None:
        del memory[cache.level.lower()]["capacity"]
    environment = {"cpu": str(info.get("model_name")), "physical_cores": str(info.get("physical_cores")),
                   "isa": ",".join(k for k, v in info["isa"].items() if v) or "unknown",
                   "numpy": np.__version__, "blas": blas_text, "threads": str(threads or blas.get("num_threads"))}
    if coretype:
        environment["OPENBLAS_CORETYPE"] = coretype
    environment.update(torch_env)
    torch_name = f" (PyTorch {torch_env['torch']} kernels)" if torch_env else ""
    data = dict(
        id="this-machine-torch" if torch_env else "this-machine",
        name=f"This machine{torch_name}: {info.get('model_name') or 'unknown CPU'}", kind="cpu",
        family="measured", cores=info.get("physical_cores") or None, units=units, memory=memory,
        unit_for={"conv": ["gemm"], "pointwise": ["gemm"], "depthwise": ["gemm"]},
        depthwise_lowering=dict(method="vector", assumption=False,
                                source="PyTorch's depthwise conv (oneDNN) is a vector kernel, not a GEMM" if torch_env else
                                "roofline_conv.measure kernels: the depthwise conv is a vectorised tap loop"),
        environment=environment,
        notes=_ceiling_note(peaks, theory, coretype if not torch_env else None),
    )
    return Device.from_dict(data, source="<measured>")


def _gemm_peak(dtype: Any, threads: int | None, quick: bool, backend: str) -> Any:
    if backend == "numpy":
        return gemm_peak(dtype, threads=threads, quick=quick)
    from .backends import load_torch
    from .torch_runs import torch_matmul, torch_threads
    torch = load_torch()
    with torch_threads(torch, threads), torch.inference_mode():
        return gemm_peak(dtype, quick=quick, matmul=torch_matmul(np.dtype(dtype)))


def _blas_text(blas: dict[str, Any]) -> str:
    parts = [str(blas.get(k)) for k in ("library", "version", "architecture") if blas.get(k)]
    threads = blas.get("num_threads")
    return " ".join(parts) + (f", {threads} threads" if threads else "") if parts else "BLAS unknown"


def _ceiling_note(peaks: dict[str, Any], theory: dict[str, Any], coretype: str | None) -> str:
    lines = []
    for precision in peaks:
        if precision in theory:
            ratio = peaks[precision]["value"] / theory[precision]["value"]
            lines.append(f"{precision}: measured GEMM roof is {ratio:.0%} of the theoretical vector peak")
    if coretype:
        lines.append(f"OPENBLAS_CORETYPE={coretype} is set: OpenBLAS may be pinned to older, slower kernels")
    return "; ".join(lines) or "measured"
