"""Timing: Measurement statistics, measure, compare_interleaved, settle."""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv.measure import timing
from roofline_conv.measure.timing import (
    Measurement,
    NoisyMeasurementWarning,
    compare_interleaved,
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
    timing.settle(0)
    monkeypatch.setenv("ROOFLINE_CONV_SETTLE_S", "0.001")
    timing.settle()
    assert time.perf_counter() - t < 0.5
