"""This machine described: CPU model, ISA, clocks, cache sizes, the BLAS numpy uses, and the
theoretical vector peak (``physical cores x FMA units x SIMD lanes x 2 FLOP x clock``, the
second compute ceiling) derived from them. Read from /proc, sysfs, ``lscpu``, threadpoolctl
or numpy's build configuration; nothing is measured here (see :mod:`.microbench`).

``OPENBLAS_CORETYPE``: if set, OpenBLAS uses that core's kernels whatever the CPU; e.g.
``Haswell`` (AVX2) on an AVX-512 machine roughly halves GEMM FLOP/s. It is recorded in
:func:`cpu_info` and :func:`blas_info`, and :func:`openblas_coretype` warns about it.
"""

from __future__ import annotations

import functools
import glob
import os
import platform
import subprocess
import warnings
from typing import Any

import numpy as np

__all__ = [
    "blas_info",
    "cache_sizes",
    "cpu_info",
    "l2_cache_bytes",
    "llc_bytes",
    "openblas_coretype",
    "theoretical_vector_peak",
    "vector_width",
]


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


def blas_info() -> dict[str, Any]:
    """The BLAS numpy uses: ``library``, ``version``, ``internal_api``, ``architecture``,
    ``num_threads``, ``source`` (how it was found), plus ``openblas_coretype`` when set.

    Uses threadpoolctl (live values) when installed, else ``numpy.show_config(mode="dicts")``
    (build-time values; ``num_threads`` then comes from the BLAS environment variables or is
    ``None``).
    """
    info: dict[str, Any] = {"library": None, "version": None, "internal_api": None,
                            "architecture": None, "num_threads": None, "source": None}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            info.update(library=p.get("prefix"), version=p.get("version"),
                        internal_api=p.get("internal_api"),
                        architecture=p.get("architecture"),
                        num_threads=p.get("num_threads"), threading_layer=p.get(
                            "threading_layer"), filepath=p.get("filepath"),
                        source="threadpoolctl")
    if info["source"] is None:
        try:
            cfg = np.show_config(mode="dicts")  # numpy >= 1.26
        except TypeError:
            cfg = None
        blas = (cfg or {}).get("Build Dependencies", {}).get("blas", {}) if cfg else {}
        if blas:
            conf = str(blas.get("openblas configuration", ""))
            info.update(library=blas.get("name"), version=blas.get("version"),
                        internal_api="openblas" if "openblas" in str(blas.get("name", ""))
                        else blas.get("name"),
                        architecture=(conf.split()[-2] if "MAX_THREADS" in conf
                                      and len(conf.split()) > 1 else None),
                        configuration=conf or None, source="numpy.show_config")
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(k, "").isdigit():
                info["num_threads"] = int(os.environ[k])
                break
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        info["openblas_coretype"] = coretype
    return info


# --------------------------------------------------------------------------------------
# CPU and caches
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


def llc_bytes(default: int = 32 * 2**20) -> int:
    """Last-level cache size in bytes (L3, else L2, else ``default``)."""
    cs = cache_sizes()
    for k in ("L3", "L2"):
        if k in cs:
            return cs[k]
    return default


@functools.cache
def l2_cache_bytes(default: int = 1 * 2**20) -> int:
    """Per-core L2 data cache size in bytes (from sysfs), or ``default`` if unreadable."""
    for d in sorted(glob.glob("/sys/devices/system/cpu/cpu0/cache/index*")):
        level, typ, size = _read(f"{d}/level"), _read(f"{d}/type"), _size(_read(f"{d}/size"))
        if level == "2" and typ in ("Unified", "Data") and size:
            return size
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

