"""Timing harness, thread control and memory guard."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from roofline_conv.measure import harness as h
from roofline_conv.measure.harness import (
    Measurement,
    MemoryLimitError,
    NoisyMeasurementWarning,
    check_memory,
    compare_interleaved,
    conv_memory_breakdown,
    estimate_conv_bytes,
    measure,
)


def test_measurement_statistics_and_repr():
    samples = (5e6, 1e6, 2e6, 3e6, 4e6)
    m = Measurement("k", samples)
    assert m.median_ns == np.percentile(samples, 50)
    assert m.q1_ns == np.percentile(samples, 25)
    assert m.q3_ns == np.percentile(samples, 75)
    assert m.iqr_ns == pytest.approx(2e6)
    assert m.rel_spread == pytest.approx(2e6 / 3e6)
    assert m.noisy
    assert m.seconds == pytest.approx(3e-3)
    assert m.rate(3e9) == pytest.approx(1e12)
    r = repr(m)
    assert "ms" in r and "per call" in r and "IQR" in r and "NOISY" in r
    quiet = Measurement("q", (1000.0, 1010.0, 1005.0))
    assert not quiet.noisy and "us" in repr(quiet)
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        m.median_ns = 1.0  # frozen
    with pytest.raises(ValueError):
        Measurement("empty", ())


def test_measure_call_counts_and_noise_warning():
    calls = []
    m = measure(lambda: calls.append(1), warmup=2, repeats=5, settle_s=0, label="noop",
                noise_threshold=float("inf"))
    assert len(calls) == 2 + 5 * 2  # warm-up + (untimed + timed) per sample
    assert m.repeats == 5 and m.number == 1 and all(s >= 0 for s in m.samples_ns)

    it = iter([0.0, 0.0, 0.004, 0.0, 0.0, 0.004, 0.0, 0.0] * 10)

    def jumpy():
        import time

        time.sleep(next(it))

    with pytest.warns(NoisyMeasurementWarning):
        m = measure(jumpy, warmup=0, repeats=4, untimed_call=False, settle_s=0,
                    noise_threshold=0.1)
    assert m.noisy


def test_measure_min_time_calibrates_number():
    m = measure(lambda: None, warmup=0, repeats=2, min_time=0.002, settle_s=0,
                noise_threshold=float("inf"))
    assert m.number > 10
    assert m.median_ns < 1e5  # per call, not per sample


def test_compare_interleaved_rotates_order():
    order = []
    fns = {k: (lambda k=k: order.append(k)) for k in "ABC"}
    res = compare_interleaved(fns, repeats=3, warmup=0, settle_s=0, untimed_call=False,
                              warn=False)
    assert list(res) == ["A", "B", "C"]
    assert order == list("ABC" "BCA" "CAB")
    assert all(isinstance(m, Measurement) and m.repeats == 3 for m in res.values())


def test_settle_zero_is_instant_and_env(monkeypatch):
    import time

    t = time.perf_counter()
    h.settle(0)
    monkeypatch.setenv("ROOFLINE_CONV_SETTLE_S", "0.001")
    h.settle()
    assert time.perf_counter() - t < 0.5


def test_memory_guard(monkeypatch):
    with pytest.raises(MemoryLimitError, match=r"needs about 2\.0 MB .* limit is 1\.0 MB"):
        check_memory(2_000_000, 1_000_000)
    assert issubclass(MemoryLimitError, ValueError)
    assert check_memory(10, 1_000) == 1_000
    monkeypatch.setenv(h.MEMORY_LIMIT_ENV, "5e5")
    assert h.default_memory_limit() == 500_000
    with pytest.raises(MemoryLimitError, match=h.MEMORY_LIMIT_ENV):
        check_memory(1_000_000)
    monkeypatch.delenv(h.MEMORY_LIMIT_ENV)
    avail = h.available_memory_bytes()
    assert avail is None or avail > 0
    if avail:
        assert h.default_memory_limit() == avail // 2
    # the guard fires before the measured function runs
    ran = []
    with pytest.raises(MemoryLimitError):
        measure(lambda: ran.append(1), memory_estimate=10**9, memory_limit=10**6)
    assert not ran


def test_estimate_conv_bytes_study_layer():
    x, w = (1, 128, 224, 224), (128, 128, 3, 3)
    full = conv_memory_breakdown(x, w, padding=1, method="im2col")
    assert full["input"] == full["output"] == 128 * 224 * 224 * 4
    assert full["weights"] == 128 * 128 * 9 * 4
    assert full["workspace"] == 1152 * 50176 * 4  # the column matrix, 231 MB
    assert full["total"] == sum(v for k, v in full.items() if k != "total")
    plan = conv_memory_breakdown(x, w, padding=1)
    assert plan["workspace"] < full["workspace"] / 10  # blocked columns stay small
    from roofline_conv.measure import ConvPlan

    assert plan["workspace"] == ConvPlan(x, w, padding=1, warm=False).workspace_bytes
    assert estimate_conv_bytes(x, w, padding=1, dtype="float64") > plan["total"]
    dw = conv_memory_breakdown(x, (128, 1, 3, 3), padding=1, kind="depthwise")
    assert dw["weights"] == 128 * 9 * 4
    ds = conv_memory_breakdown(x, ((128, 1, 3, 3), (64, 128)), padding=1, kind="depsep")
    assert ds["output"] == 64 * 224 * 224 * 4


def test_thread_limit_with_threadpoolctl():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    np.ones(2) @ np.ones(2)
    with h.thread_limit(1):
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert all(p["num_threads"] == 1 for p in blas)
    m = measure(lambda: None, repeats=1, threads=1, settle_s=0, noise_threshold=float("inf"))
    assert m.threads == 1


def test_thread_limit_fallback_env(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen = {}
    with pytest.warns(h.ThreadControlWarning), h.thread_limit(1):
        seen.update(os.environ)
    assert seen["OPENBLAS_NUM_THREADS"] == "1" and seen["OMP_NUM_THREADS"] == "1"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    info = h.blas_info()
    assert info["source"] in ("numpy.show_config", None)


def test_blas_info_keys():
    info = h.blas_info()
    for k in ("library", "version", "internal_api", "architecture", "num_threads", "source"):
        assert k in info
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h.blas_info()  # no warnings
