"""Micro-benchmarks: quick mode runs, plateau detection, the memory guard."""

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
