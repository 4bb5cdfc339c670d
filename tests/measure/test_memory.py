"""Memory guard: limits, refusing before running, conv allocation estimates."""

from __future__ import annotations

import pytest

from roofline_conv.measure import memory
from roofline_conv.measure.memory import (
    MemoryLimitError,
    check_memory,
    conv_memory_breakdown,
    estimate_conv_bytes,
)
from roofline_conv.measure.timing import measure


def test_memory_guard(monkeypatch):
    with pytest.raises(MemoryLimitError, match=r"needs about 2\.0 MB .* limit is 1\.0 MB"):
        check_memory(2_000_000, 1_000_000)
    assert issubclass(MemoryLimitError, ValueError)
    assert check_memory(10, 1_000) == 1_000
    monkeypatch.setenv(memory.MEMORY_LIMIT_ENV, "5e5")
    assert memory.default_memory_limit() == 500_000
    with pytest.raises(MemoryLimitError, match=memory.MEMORY_LIMIT_ENV):
        check_memory(1_000_000)
    monkeypatch.delenv(memory.MEMORY_LIMIT_ENV)
    avail = memory.available_memory_bytes()
    assert avail is None or avail > 0
    if avail:
        assert memory.default_memory_limit() == avail // 2
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
