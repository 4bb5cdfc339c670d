"""Micro-benchmarks giving the machine's ceilings: GEMM FLOP/s, memory and cache bandwidth,
and a theoretical vector peak from the CPU description.

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
* :func:`cpu_info` / :func:`theoretical_vector_peak`: the second ceiling,
  ``physical cores x FMA units x SIMD lanes x 2 FLOP x clock``.

``OPENBLAS_CORETYPE``: if set, OpenBLAS uses that core's kernels whatever the CPU; e.g.
``Haswell`` (AVX2) on an AVX-512 machine roughly halves GEMM FLOP/s. It is recorded in
results and a warning is issued.
"""

from __future__ import annotations

import glob
import os
import platform
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .harness import (
    Measurement,
    check_memory,
    compare_interleaved,
    measure,
    thread_limit,
)

__all__ = [
    "CacheBandwidthResult",
    "GemmPeakResult",
    "StreamResult",
    "cache_bandwidth",
    "cache_sizes",
    "cpu_info",
    "gemm_peak",
    "openblas_coretype",
    "stream_bandwidth",
    "theoretical_vector_peak",
]

DEFAULT_GEMM_SIZES = (128, 256, 512, 768, 1024, 1536, 2048, 3072)
QUICK_GEMM_SIZES = (64, 128, 256)


def openblas_coretype(warn: bool = True) -> str | None:
    """The ``OPENBLAS_CORETYPE`` environment variable, warning if set (it can pin older,
    slower kernels than the CPU supports)."""
    ct = os.environ.get("OPENBLAS_CORETYPE") or None
    if ct and warn:
        warnings.warn(
            f"OPENBLAS_CORETYPE={ct} is set: OpenBLAS uses {ct} kernels regardless of the CPU, "
            "which can be older/slower than the CPU supports (e.g. Haswell/AVX2 on an AVX-512 "
            "CPU); measured GEMM peaks reflect that setting.", RuntimeWarning, stacklevel=3)
    return ct


# --------------------------------------------------------------------------------------
# CPU description
# --------------------------------------------------------------------------------------
def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _size(text: str | None) -> int | None:
    if not text:
        return None
    t = text.strip().upper().replace("IB", "").replace("B", "").strip()
    mult = 1
    for suf, m in (("K", 2**10), ("M", 2**20), ("G", 2**30)):
        if t.endswith(suf):
            t, mult = t[:-1].strip(), m
            break
    try:
        return int(float(t) * mult)
    except ValueError:
        return None


def cache_sizes() -> dict[str, int]:
    """Cache sizes of cpu0 in bytes, keys ``L1d``, ``L1i``, ``L2``, ``L3`` (those readable
    from /sys/devices/system/cpu/cpu0/cache, else from ``lscpu``; L2/L3 per instance)."""
    out: dict[str, int] = {}
    for d in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        level, typ, size = _read(f"{d}/level"), _read(f"{d}/type"), _size(_read(f"{d}/size"))
        if not level or not size:
            continue
        key = f"L{level}" + ({"Data": "d", "Instruction": "i"}.get(typ or "", ""))
        out[key] = size
    if out:
        return out
    try:
        import subprocess

        text = subprocess.run(["lscpu", "-B"], capture_output=True, text=True, timeout=5,
                              check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return out
    for line in text.splitlines():
        k, _, v = line.partition(":")
        k = k.strip()
        m = {"L1d cache": "L1d", "L1i cache": "L1i", "L2 cache": "L2", "L3 cache": "L3"}.get(k)
        if m:
            s = _size(v.split("(")[0])
            if s:
                out[m] = s
    return out


def _llc_bytes(default: int = 32 * 2**20) -> int:
    cs = cache_sizes()
    for k in ("L3", "L2"):
        if k in cs:
            return cs[k]
    return default


def cpu_info() -> dict[str, Any]:
    """What the OS says about the CPU.

    Keys: ``model_name``, ``vendor``, ``family``, ``model`` (ints where readable),
    ``physical_cores``, ``logical_cpus``, ``current_mhz`` (/proc/cpuinfo; in VMs usually the
    nominal TSC clock), ``max_mhz``, ``base_mhz`` (cpufreq sysfs / lscpu, ``None`` if not
    exposed), ``isa`` (dict of booleans ``avx``, ``avx2``, ``fma``, ``avx512f``), ``caches``
    (bytes), ``openblas_coretype``, ``machine``.
    """
    info: dict[str, Any] = {"model_name": None, "vendor": None, "family": None, "model": None,
                            "physical_cores": None, "logical_cpus": os.cpu_count(),
                            "current_mhz": None, "max_mhz": None, "base_mhz": None,
                            "isa": {}, "caches": cache_sizes(),
                            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE") or None,
                            "machine": platform.machine()}
    flags: set[str] = set()
    cores: set[tuple[str, str]] = set()
    text = _read("/proc/cpuinfo") or ""
    phys, mhz = "0", []
    for line in text.splitlines():
        k, _, v = line.partition(":")
        k, v = k.strip(), v.strip()
        if k == "model name" and info["model_name"] is None:
            info["model_name"] = v
        elif k == "vendor_id" and info["vendor"] is None:
            info["vendor"] = v
        elif k == "cpu family" and info["family"] is None:
            info["family"] = int(v) if v.isdigit() else v
        elif k == "model" and info["model"] is None:
            info["model"] = int(v) if v.isdigit() else v
        elif k == "physical id":
            phys = v
        elif k == "core id":
            cores.add((phys, v))
        elif k == "cpu MHz":
            try:
                mhz.append(float(v))
            except ValueError:
                pass
        elif k in ("flags", "Features") and not flags:
            flags = set(v.split())
    if info["model_name"] is None:
        info["model_name"] = platform.processor() or platform.machine() or None
    info["physical_cores"] = len(cores) or os.cpu_count()
    if mhz:
        info["current_mhz"] = max(mhz)
    mx = _read("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    base = _read("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency")
    info["max_mhz"] = int(mx) / 1000 if mx and mx.isdigit() else None
    info["base_mhz"] = int(base) / 1000 if base and base.isdigit() else None
    if info["max_mhz"] is None:
        try:
            import subprocess

            out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=5,
                              check=False).stdout
            for line in out.splitlines():
                if line.startswith("CPU max MHz:"):
                    info["max_mhz"] = float(line.split(":")[1])
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
    info["isa"] = {f: f in flags for f in ("avx", "avx2", "fma", "avx512f")}
    return info


def vector_width(info: dict[str, Any]) -> tuple[str, int] | None:
    """(ISA name, datapath bits) of the CPU's FMA vectors: AVX-512 512 bit (256 on AMD families
    before 0x1A, Zen 4, which split AVX-512 over 256-bit datapaths), AVX2+FMA 256 bit, else None."""
    isa = info.get("isa") or {}
    if isa.get("avx512f"):
        fam = info.get("family")
        amd_split = info.get("vendor") == "AuthenticAMD" and isinstance(fam, int) and fam < 0x1A
        return ("AVX-512 on 256-bit datapaths", 256) if amd_split else ("AVX-512", 512)
    if isa.get("avx2") and isa.get("fma"):
        return ("AVX2+FMA", 256)
    return None


def theoretical_vector_peak(info: dict[str, Any] | None, dtype: Any = "float32",
                            *, fma_units: int = 2) -> float | None:
    """Theoretical FLOP/s: ``physical_cores x fma_units x lanes x 2 x clock``.

    Assumptions (documented, not measured): ``fma_units = 2`` FMA pipes per core, true of
    recent Intel/AMD server cores with AVX2/AVX-512 (some Intel parts have one 512-bit FMA
    unit). Vector width: 512 bit with ``avx512f`` (except AMD families < 0x1A, i.e. Zen 4,
    whose AVX-512 runs on 256-bit datapaths), else 256 bit with ``avx2``+``fma``, else ``None``.
    Clock: ``max_mhz``, else ``base_mhz``, else ``current_mhz`` (in a VM often the nominal
    clock: turbo can exceed this "peak"). Returns ``None`` when unknowable.
    """
    import numpy as np

    if info is None:
        info = cpu_info()
    dt = np.dtype(dtype)
    width = vector_width(info)
    if dt.kind != "f" or dt.itemsize not in (4, 8) or width is None:
        return None
    bits = width[1]
    mhz = info.get("max_mhz") or info.get("base_mhz") or info.get("current_mhz")
    cores = info.get("physical_cores")
    if not mhz or not cores:
        return None
    lanes = bits // (8 * dt.itemsize)
    return float(cores * fma_units * lanes * 2 * mhz * 1e6)


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
              memory_limit: int | None = None) -> GemmPeakResult:
    """FLOP/s of square ``np.matmul(a, b, out=c)`` at increasing sizes.

    Stops at the plateau -- once ``patience`` consecutive sizes each improve on the best so
    far by less than ``gain`` (5 %; ``patience=2`` so one noisy sample on a shared machine
    does not end the sweep early) -- or at the last size. Each size: one warm-up, then
    ``repeats`` samples (each >= 20 ms of calls, quick: 5 ms).
    """
    import numpy as np

    dt = np.dtype(dtype)
    ct = openblas_coretype(warn=True)
    sizes = tuple(sizes) if sizes else (QUICK_GEMM_SIZES if quick else DEFAULT_GEMM_SIZES)
    reps = repeats or (3 if quick else 5)
    rng = np.random.default_rng(0)
    curve: list[tuple[int, float]] = []
    ms: list[Measurement] = []
    best, best_n, plateau, stale = 0.0, sizes[0], False, 0
    with thread_limit(threads):
        for n in sizes:
            check_memory(3 * n * n * dt.itemsize, memory_limit, what=f"gemm_peak n={n}")
            a = rng.standard_normal((n, n)).astype(dt)
            b = rng.standard_normal((n, n)).astype(dt)
            c = np.empty((n, n), dt)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = measure(lambda a=a, b=b, c=c: np.matmul(a, b, out=c), warmup=1, repeats=reps,
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
    timed interleaved.
    """
    import numpy as np

    dt = np.dtype(dtype)
    llc = _llc_bytes()
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


def cache_bandwidth(nbytes: int | None = None, *, dtype: Any = "float64", quick: bool = False
                    ) -> CacheBandwidthResult:
    """In-cache copy bandwidth (bytes/s): two arrays of ``nbytes`` each (default L2 / 4, so
    both fit in L2 together), copy timed in loops of >= 20 ms (quick: 5 ms)."""
    import numpy as np

    dt = np.dtype(dtype)
    l2 = cache_sizes().get("L2", 2**20)
    nbytes = int(nbytes or l2 // 4)
    n = max(1, nbytes // dt.itemsize)
    a = np.zeros(n, dt)
    b = np.ones(n, dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = measure(lambda: np.copyto(a, b), warmup=3, repeats=3 if quick else 7,
                    min_time=0.005 if quick else 0.02, label="cache copy", untimed_call=False)
    return CacheBandwidthResult("L2", n * dt.itemsize, m.rate(2 * n * dt.itemsize), m)
