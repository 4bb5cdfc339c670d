"""Micro-benchmarks giving the machine's ceilings: GEMM FLOP/s, memory and cache bandwidth.
The theoretical vector peak from the CPU description is in :mod:`.machine`.

Units: FLOP/s, bytes/s, bytes, MHz as named. All numpy, each benchmark a few seconds with
defaults on a 2-core machine; ``quick=True`` gives a sub-second smoke version for tests.

* :func:`gemm_peak`: square ``np.matmul`` (BLAS, all BLAS threads unless ``threads``) at
  increasing sizes until the FLOP/s gain from one size to the next is < 5 % (the plateau) or
  the largest size; reports the best FLOP/s and the curve. This is the *measured* compute roof.
* :func:`stream_bandwidth`: STREAM-style copy (``np.copyto(a, b)``) and triad
  (``np.multiply(b, s, out=a); a += c``) on arrays far larger than the last-level cache.
  Bytes are counted the STREAM way: copy moves 2 x N x itemsize (read b, write a), triad
  3 x N x itemsize (read b, c, write a). Honest notes: numpy's triad is two passes, so it
  really moves 5 x N x itemsize (reported as ``triad_traffic_bytes_per_s``), and ordinary
  stores also *read* the destination line first (write-allocate), so DRAM sees ~1.5x the
  STREAM-counted copy bytes unless the CPU uses non-temporal stores. numpy ufuncs are single
  threaded: this is the bandwidth one core (one numpy kernel) can draw.
* :func:`cache_bandwidth`: the same copy on arrays that fit in L2 (per-call Python overhead
  of ~1 us is included: an under-estimate).

``OPENBLAS_CORETYPE`` (see :mod:`.machine`) is recorded in GEMM results and a warning is issued.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..validation import flag, integers
from ..validation import number as real_number
from .arguments import count, float_dtype_argument, optional_count, threads_argument
from .guard import check_memory, memory_limit_argument, normal_array
from .machine import cache_sizes, cpu_info, llc_bytes, openblas_coretype, theoretical_vector_peak
from .threads import thread_limit
from .timing import Measurement, compare_interleaved, measure

__all__ = [
    "cpu_info", "theoretical_vector_peak",  # defined in .machine; importable from here as before

    "CacheBandwidthResult",
    "GemmPeakResult",
    "StreamResult",
    "cache_bandwidth",
    "gemm_peak",
    "stream_bandwidth",
]

DEFAULT_GEMM_SIZES = (128, 256, 512, 768, 1024, 1536, 2048, 3072)
QUICK_GEMM_SIZES = (64, 128, 256)


# --------------------------------------------------------------------------------------
# GEMM peak
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GemmPeakResult:
    """Measured GEMM roof. ``best_flops`` in FLOP/s (2 n^3 per square matmul), ``curve`` of
    ``(n, FLOP/s)``; ``threads`` the BLAS thread limit (``None``: library default)."""

    dtype: str
    best_flops: float
    best_size: int
    curve: tuple[tuple[int, float], ...]
    threads: int | None
    plateau: bool
    openblas_coretype: str | None = None
    measurements: tuple[Measurement, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        pts = ", ".join(f"{n}: {f / 1e9:.1f}" for n, f in self.curve)
        return (f"GEMM {self.dtype}: best {self.best_flops / 1e9:.1f} GFLOP/s at n={self.best_size}"
                f" (curve GFLOP/s {pts})")


def gemm_peak(dtype: Any = "float32", sizes: Sequence[int] | None = None,
              threads: int | None = None, *, quick: bool = False, gain: float = 0.05,
              patience: int = 2, repeats: int | None = None,
              memory_limit: int | None = None,
              matmul: Callable[[int], Callable[[], Any]] | None = None) -> GemmPeakResult:
    """FLOP/s of square ``np.matmul(a, b, out=c)`` at increasing sizes.

    ``matmul`` (default: numpy) times another library's GEMM: given ``n``, it returns a
    callable doing one n x n x n product into a preallocated output (the torch backend's
    :func:`~.torch_runs.torch_matmul`); the sizes, plateau rule and memory guard are the same.

    Stops at the plateau -- once ``patience`` consecutive sizes each improve on the best so
    far by less than ``gain`` (5 %; ``patience=2`` so one noisy sample on a shared machine
    does not end the sweep early) -- or at the last size. Each size: one warm-up, then
    ``repeats`` samples (each >= 20 ms of calls, quick: 5 ms). Each size is checked against the
    memory guard (three n x n arrays) before its arrays are made; the previous size's are freed
    first.
    """
    dt = float_dtype_argument(dtype)
    quick = flag(quick, "quick")
    threads = threads_argument(threads)
    gain = real_number(gain, "gain", minimum=0)
    patience = count(patience, "patience")
    repeats = optional_count(repeats, "repeats")
    memory_limit = memory_limit_argument(memory_limit)
    if sizes is not None:
        sizes = integers(sizes, "sizes", minimum=1)
    ct = openblas_coretype(warn=matmul is None)
    sizes = tuple(sizes) if sizes else (QUICK_GEMM_SIZES if quick else DEFAULT_GEMM_SIZES)
    reps = repeats or (3 if quick else 5)
    rng = np.random.default_rng(0)
    curve: list[tuple[int, float]] = []
    ms: list[Measurement] = []
    best, best_n, plateau, stale = 0.0, sizes[0], False, 0
    with thread_limit(threads):
        for n in sizes:
            check_memory(3 * n * n * dt.itemsize, memory_limit, what=f"gemm_peak n={n}")
            a = b = c = fn = None  # the previous size's arrays go before this size's are made
            if matmul is None:
                a = normal_array(rng, (n, n), dt)
                b = normal_array(rng, (n, n), dt)
                c = np.empty((n, n), dt)
                fn = (lambda a=a, b=b, c=c: np.matmul(a, b, out=c))
            else:
                fn = matmul(n)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = measure(fn, warmup=1, repeats=reps,
                            min_time=0.005 if quick else 0.02, label=f"gemm {dt} n={n}",
                            untimed_call=False)
            flops = m.rate(2.0 * n**3)
            curve.append((n, flops))
            ms.append(m)
            if flops > best:
                improved = flops >= best * (1 + gain)
                best, best_n = flops, n
            else:
                improved = False
            stale = 0 if improved or len(curve) == 1 else stale + 1
            if stale >= max(1, patience):
                plateau = True
                break
    return GemmPeakResult(str(dt), best, best_n, tuple(curve), threads, plateau, ct, tuple(ms))


# --------------------------------------------------------------------------------------
# memory bandwidth
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StreamResult:
    """STREAM-style DRAM bandwidth (bytes/s). ``copy_bytes_per_s`` counts 2 x N x itemsize
    per copy, ``triad_bytes_per_s`` 3 x N x itemsize per triad (STREAM convention);
    ``triad_traffic_bytes_per_s`` counts the 5 x N x itemsize numpy's two-pass triad really
    moves. Write-allocate is not counted in any of them."""

    nbytes_per_array: int
    dtype: str
    copy_bytes_per_s: float
    triad_bytes_per_s: float
    triad_traffic_bytes_per_s: float
    llc_bytes: int
    copy: Measurement = field(repr=False)
    triad: Measurement = field(repr=False)
    notes: str = ("single numpy thread; STREAM byte counts (copy 2N, triad 3N words); "
                  "write-allocate reads of the destination not counted")

    def __str__(self) -> str:
        return (f"STREAM ({self.nbytes_per_array / 1e6:.0f} MB/array, {self.dtype}): "
                f"copy {self.copy_bytes_per_s / 1e9:.1f} GB/s, "
                f"triad {self.triad_bytes_per_s / 1e9:.1f} GB/s "
                f"(two-pass traffic {self.triad_traffic_bytes_per_s / 1e9:.1f} GB/s)")


def stream_bandwidth(nbytes: int | None = None, *, dtype: Any = "float64", quick: bool = False,
                     repeats: int | None = None, memory_limit: int | None = None
                     ) -> StreamResult:
    """Copy and triad bandwidth (bytes/s) on three arrays of ``nbytes`` each.

    Default ``nbytes`` = max(4 x last-level cache, 256 MB) (quick: max(2 x LLC, 32 MB)).
    Checks 3 x ``nbytes`` against the memory guard before allocating. Copy and triad are
    timed interleaved. ``nbytes`` is ``None`` or an int >= 1.
    """
    nbytes = optional_count(nbytes, "nbytes")
    dt = float_dtype_argument(dtype)
    quick = flag(quick, "quick")
    repeats = optional_count(repeats, "repeats")
    memory_limit = memory_limit_argument(memory_limit)
    llc = llc_bytes()
    if nbytes is None:
        nbytes = max(2 * llc, 32 * 10**6) if quick else max(4 * llc, 256 * 10**6)
    n = max(1, int(nbytes) // dt.itemsize)
    check_memory(3 * n * dt.itemsize, memory_limit, what="stream_bandwidth")
    a = np.empty(n, dt)
    b = np.empty(n, dt)
    c = np.empty(n, dt)
    b.fill(1.0)  # first touch outside the timed region
    c.fill(2.0)
    a.fill(0.0)
    s = dt.type(3.0)

    def copy() -> None:
        np.copyto(a, b)

    def triad() -> None:
        np.multiply(b, s, out=a)
        np.add(a, c, out=a)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_interleaved({"copy": copy, "triad": triad},
                                  repeats=repeats or (3 if quick else 7), settle_s=0.0,
                                  untimed_call=False)
    w = n * dt.itemsize
    return StreamResult(n * dt.itemsize, str(dt), res["copy"].rate(2 * w),
                        res["triad"].rate(3 * w), res["triad"].rate(5 * w), llc,
                        res["copy"], res["triad"])


@dataclass(frozen=True)
class CacheBandwidthResult:
    """Copy bandwidth (bytes/s, 2 x N x itemsize per copy) on arrays that fit in ``level``."""

    level: str
    nbytes_per_array: int
    copy_bytes_per_s: float
    measurement: Measurement = field(repr=False)
    notes: str = "includes ~1 us Python overhead per call: a lower bound"

    def __str__(self) -> str:
        return (f"{self.level} copy ({self.nbytes_per_array / 1e3:.0f} kB/array): "
                f"{self.copy_bytes_per_s / 1e9:.1f} GB/s")


def cache_bandwidth(nbytes: int | None = None, *, dtype: Any = "float64", quick: bool = False,
                    memory_limit: int | None = None) -> CacheBandwidthResult:
    """In-cache copy bandwidth (bytes/s): two arrays of ``nbytes`` each (``None`` or an int >= 1;
    default L2 / 4, so both fit in L2 together), copy timed in loops of >= 20 ms (quick: 5 ms).
    The two arrays are checked against the memory guard first."""
    nbytes = optional_count(nbytes, "nbytes")
    dt = float_dtype_argument(dtype)
    quick = flag(quick, "quick")
    memory_limit = memory_limit_argument(memory_limit)
    l2 = cache_sizes().get("L2", 2**20)
    nbytes = int(nbytes or l2 // 4)
    n = max(1, nbytes // dt.itemsize)
    check_memory(2 * n * dt.itemsize, memory_limit, what="cache_bandwidth")
    a = np.zeros(n, dt)
    b = np.ones(n, dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = measure(lambda: np.copyto(a, b), warmup=3, repeats=3 if quick else 7,
                    min_time=0.005 if quick else 0.02, label="cache copy", untimed_call=False)
    return CacheBandwidthResult("L2", n * dt.itemsize, m.rate(2 * n * dt.itemsize), m)
