"""Micro-benchmarks: quick mode runs, CPU description, theoretical peak formula."""

from __future__ import annotations

import warnings

import pytest

from roofline_conv.measure import microbench as mb


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def test_gemm_peak_quick():
    r = mb.gemm_peak("float32", quick=True)
    assert r.best_flops > 1e8
    assert r.best_flops == max(f for _, f in r.curve)
    assert [n for n, _ in r.curve] == list(mb.QUICK_GEMM_SIZES[:len(r.curve)])
    assert "GFLOP/s" in str(r)
    r64 = mb.gemm_peak("float64", sizes=(32, 64), threads=1, repeats=2)
    assert r64.dtype == "float64" and r64.threads == 1 and len(r64.curve) >= 1


def test_gemm_peak_stops_at_plateau():
    r = mb.gemm_peak("float64", sizes=(64, 64, 64, 64), repeats=2, gain=10.0, patience=1)
    assert r.plateau and len(r.curve) == 2  # second size cannot gain 1000 %
    r = mb.gemm_peak("float64", sizes=(64, 64, 64, 64), repeats=2, gain=10.0)
    assert r.plateau and len(r.curve) == 3  # patience 2: two sizes without gain


def test_stream_and_cache_quick():
    s = mb.stream_bandwidth(quick=True)
    assert s.copy_bytes_per_s > 1e8 and s.triad_bytes_per_s > 1e8
    assert s.triad_traffic_bytes_per_s == pytest.approx(s.triad_bytes_per_s * 5 / 3)
    assert s.nbytes_per_array >= min(2 * s.llc_bytes, 32 * 10**6) - 8
    assert "GB/s" in str(s)
    c = mb.cache_bandwidth(quick=True)
    assert c.copy_bytes_per_s > 1e8 and c.nbytes_per_array > 0
    small = mb.stream_bandwidth(nbytes=1_000_000, repeats=1)
    assert small.nbytes_per_array == 1_000_000


def test_stream_memory_guard():
    from roofline_conv.measure import MemoryLimitError

    with pytest.raises(MemoryLimitError):
        mb.stream_bandwidth(nbytes=10**9, memory_limit=10**6)


def test_cpu_info_keys():
    info = mb.cpu_info()
    for k in ("model_name", "physical_cores", "logical_cpus", "current_mhz", "max_mhz",
              "base_mhz", "isa", "caches", "openblas_coretype"):
        assert k in info
    assert info["logical_cpus"] >= 1 and info["physical_cores"] >= 1
    assert set(info["isa"]) == {"avx", "avx2", "fma", "avx512f"}


def test_theoretical_vector_peak_formula():
    base = {"physical_cores": 2, "max_mhz": 3000.0, "vendor": "GenuineIntel", "family": 6}
    avx512 = dict(base, isa={"avx2": True, "fma": True, "avx512f": True})
    assert mb.theoretical_vector_peak(avx512, "float32") == pytest.approx(2 * 2 * 16 * 2 * 3e9)
    assert mb.theoretical_vector_peak(avx512, "float64") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    avx2 = dict(base, isa={"avx2": True, "fma": True, "avx512f": False})
    assert mb.theoretical_vector_peak(avx2, "float32") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    zen4 = dict(avx512, vendor="AuthenticAMD", family=25)
    assert mb.theoretical_vector_peak(zen4, "float32") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    zen5 = dict(avx512, vendor="AuthenticAMD", family=26)
    assert mb.theoretical_vector_peak(zen5, "float32") == pytest.approx(2 * 2 * 16 * 2 * 3e9)
    assert mb.theoretical_vector_peak(dict(base, isa={}), "float32") is None
    assert mb.theoretical_vector_peak(dict(avx512, max_mhz=None), "float32") is None
    assert mb.theoretical_vector_peak(avx512, "float16") is None
    live = mb.theoretical_vector_peak(mb.cpu_info(), "float32")
    assert live is None or live > 1e9


def test_openblas_coretype_recorded(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    with pytest.warns(RuntimeWarning, match="OPENBLAS_CORETYPE=Haswell"):
        assert mb.openblas_coretype() == "Haswell"
    assert mb.cpu_info()["openblas_coretype"] == "Haswell"
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    assert mb.openblas_coretype() is None


def test_cache_sizes_parse():
    assert mb._size("32768K") == 32 * 2**20
    assert mb._size("1 MiB") == 2**20
    assert mb._size("nonsense") is None
    cs = mb.cache_sizes()
    assert all(v > 0 for v in cs.values())
