"""Every public measurement function checks its sizes, thread counts, repeats and seconds where
they are handed in: a ValueError naming the argument, before anything is timed or allocated."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roofline_conv import Conv2d, ReLU
from roofline_conv.measure import calibrate, comparison, layer_runs, microbench, this_machine, threads, timing
from roofline_conv.measure.memory import conv_memory_breakdown

from .invalid import SETTINGS, bad_counts, bad_optional_counts, bad_seconds


def _never():
    raise AssertionError("ran although an argument was invalid")


LAYER = Conv2d(4, 4, 3, 8, padding=1)

COUNTS = [  # (call taking the value, argument name, minimum, None allowed)
    (lambda v: timing.measure(_never, repeats=v), "repeats", 1, False),
    (lambda v: timing.measure(_never, warmup=v), "warmup", 0, False),
    (lambda v: timing.measure(_never, threads=v), "threads", 1, True),
    (lambda v: timing.measure(_never, memory_estimate=v), "memory_estimate", 0, True),
    (lambda v: timing.measure(_never, memory_limit=v), "memory_limit", 1, True),
    (lambda v: timing.compare_interleaved({"a": _never}, repeats=v), "repeats", 1, False),
    (lambda v: timing.compare_interleaved({"a": _never}, warmup=v), "warmup", 0, False),
    (lambda v: timing.compare_interleaved({"a": _never}, threads=v), "threads", 1, True),
    (lambda v: microbench.gemm_peak(repeats=v, sizes=(8,)), "repeats", 1, True),
    (lambda v: microbench.gemm_peak(patience=v, sizes=(8,)), "patience", 1, False),
    (lambda v: microbench.gemm_peak(threads=v, sizes=(8,)), "threads", 1, True),
    (lambda v: microbench.gemm_peak(sizes=(8, v)), r"sizes\[1\]", 1, False),
    (lambda v: microbench.gemm_peak(memory_limit=v, sizes=(8,)), "memory_limit", 1, True),
    (lambda v: microbench.stream_bandwidth(nbytes=v), "nbytes", 1, True),
    (lambda v: microbench.stream_bandwidth(nbytes=1000, repeats=v), "repeats", 1, True),
    (lambda v: microbench.cache_bandwidth(nbytes=v), "nbytes", 1, True),
    (lambda v: layer_runs.measure_layer(LAYER, repeats=v), "repeats", 1, False),
    (lambda v: layer_runs.measure_layer(LAYER, threads=v), "threads", 1, True),
    (lambda v: layer_runs.measure_layer(LAYER, memory_limit=v), "memory_limit", 1, True),
    (lambda v: layer_runs.measure_layers([LAYER], repeats=v), "repeats", 1, False),
    (lambda v: layer_runs.measure_layers([LAYER], threads=v), "threads", 1, True),
    (lambda v: layer_runs.runner(LAYER, seed=v), "seed", 0, False),
    (lambda v: layer_runs.runner(LAYER, memory_limit=v), "memory_limit", 1, True),
    (lambda v: calibrate.calibrate(repeats=v), "repeats", 1, False),
    (lambda v: calibrate.calibrate(threads=v), "threads", 1, True),
    (lambda v: this_machine.measure_machine(threads=v), "threads", 1, True),
    (lambda v: comparison.compare([LAYER], None, repeats=v), "repeats", 1, False),
    (lambda v: comparison.compare([LAYER], None, threads=v), "threads", 1, True),
    (lambda v: threads.set_blas_thread_env(v, {}), "n", 1, False),
    (lambda v: conv_memory_breakdown((1, 4, 8, 8), (4, 4, 3, 3), block_bytes=v), "block_bytes", 1, True),
]


@SETTINGS
@given(st.data())
@pytest.mark.parametrize("call, argument, minimum, optional", COUNTS)
def test_bad_counts_are_named(call, argument, minimum, optional, data):
    value = data.draw(bad_optional_counts(minimum) if optional else bad_counts(minimum))
    with pytest.raises(ValueError, match=f"{argument}="):
        call(value)


@pytest.mark.parametrize("call, argument", [
    (lambda v: timing.measure(_never, threads=v), "threads"),
    (lambda v: layer_runs.measure_layer(LAYER, threads=v), "threads"),
    (lambda v: microbench.gemm_peak(threads=v), "threads"),
])
def test_thread_counts_are_bounded(call, argument):
    with pytest.raises(ValueError, match=f"{argument}=10000000000000000000000000000000 must be"):
        call(10**31)


def test_thread_limit_checks_its_count():
    for bad in (0, -1, True, 2.0, "2", 10**9):
        with pytest.raises(ValueError, match="threads="):
            with threads.thread_limit(bad):
                _never()


SECONDS = [
    (lambda v: timing.measure(_never, min_time=v), "min_time"),
    (lambda v: timing.measure(_never, settle_s=v), "settle_s"),
    (lambda v: timing.compare_interleaved({"a": _never}, min_time=v), "min_time"),
    (lambda v: timing.compare_interleaved({"a": _never}, settle_s=v), "settle_s"),
    (lambda v: timing.settle(v), "seconds"),
]


@SETTINGS
@given(st.data())
@pytest.mark.parametrize("call, argument", SECONDS)
def test_bad_seconds_are_named(call, argument, data):
    value = data.draw(bad_seconds)
    with pytest.raises(ValueError, match=f"{argument}="):
        call(value)


@pytest.mark.parametrize("call, argument", [
    (lambda: timing.measure(_never, noise_threshold=float("nan")), "noise_threshold="),
    (lambda: timing.measure(_never, noise_threshold=-0.1), "noise_threshold="),
    (lambda: timing.measure(_never, untimed_call="no"), "untimed_call="),
    (lambda: timing.measure("not callable"), "fn="),
    (lambda: timing.compare_interleaved([_never]), "fns="),
    (lambda: timing.compare_interleaved({"a": _never}, warn=0), "warn="),
    (lambda: microbench.gemm_peak("int32", sizes=(8,)), "dtype="),
    (lambda: microbench.gemm_peak(None, sizes=(8,)), "dtype="),
    (lambda: microbench.gemm_peak(gain=float("inf"), sizes=(8,)), "gain="),
    (lambda: microbench.gemm_peak(gain=-1, sizes=(8,)), "gain="),
    (lambda: microbench.gemm_peak(quick="yes"), "quick="),
    (lambda: microbench.gemm_peak(sizes="128"), "sizes="),
    (lambda: microbench.stream_bandwidth(dtype="bogus"), "dtype="),
    (lambda: microbench.cache_bandwidth(nbytes=10**12, memory_limit=10**6), "cache_bandwidth needs"),
    (lambda: layer_runs.measure_layer(LAYER, "fp16"), "precision='fp16' cannot be measured"),
    (lambda: layer_runs.measure_layer(LAYER, "fp33"), "precision='fp33'"),
    (lambda: layer_runs.measure_layer(ReLU((4, 8, 8))), "cannot be measured"),
    (lambda: layer_runs.layer_memory_bytes("conv"), "layer='conv' cannot be measured"),
    (lambda: layer_runs.measure_layers([LAYER, ReLU((4, 8, 8))]), r"layers\[1\]"),
    (lambda: layer_runs.measure_layers(LAYER), "layers="),
    (lambda: calibrate.calibrate(precision="fp16"), "precision='fp16'"),
    (lambda: calibrate.calibrate(quick=1), "quick="),
    (lambda: comparison.compare([], None, held_out="yes"), "held_out="),
    (lambda: conv_memory_breakdown((1, 4, 8, 8), (4, 4, 3, 3), kind="conv"), "kind="),
    (lambda: conv_memory_breakdown((1, 4, 8, 8), (4, 4, 3, 3), method="naive"), "method="),
    (lambda: conv_memory_breakdown((1, 4, 8, 8), (4, 4, 3, 3), dtype="float"), None),
    (lambda: conv_memory_breakdown((1, 4, 8.0, 8), (4, 4, 3, 3)), r"x_shape\[2\]="),
    (lambda: conv_memory_breakdown((1, 4, 8, 8), (4, 4, 3), kind="depsep"), "w_shape="),
])
def test_other_bad_arguments_are_named(call, argument):
    if argument is None:  # "float" is numpy's float64: valid
        assert call()["total"] > 0
        return
    with pytest.raises(ValueError, match=argument):
        call()


@pytest.mark.parametrize("text", ["abc", "-1", "nan", "inf", "1e999"])
def test_a_bad_settle_variable_is_named(monkeypatch, text):
    monkeypatch.setenv(timing.SETTLE_ENV, text)
    with pytest.raises(ValueError, match=timing.SETTLE_ENV):
        timing.settle()
