"""BLAS thread control: threadpoolctl, and the environment-variable fallback."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from roofline_conv.measure import threads
from roofline_conv.measure.machine import blas_info
from roofline_conv.measure.timing import measure


def test_thread_limit_with_threadpoolctl():
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    np.ones(2) @ np.ones(2)
    with threads.thread_limit(1):
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert all(p["num_threads"] == 1 for p in blas)
    m = measure(lambda: None, repeats=1, threads=1, settle_s=0, noise_threshold=float("inf"))
    assert m.threads == 1


def test_thread_limit_fallback_env(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen = {}
    with pytest.warns(threads.ThreadControlWarning), threads.thread_limit(1):
        seen.update(os.environ)
    assert seen["OPENBLAS_NUM_THREADS"] == "1" and seen["OMP_NUM_THREADS"] == "1"
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    info = blas_info()
    assert info["source"] in ("numpy.show_config", None)
