"""Collect ``bench_*.py`` files in this directory as test modules.

pytest's default ``python_files`` only matches ``test_*.py``; the benchmark modules are named
``bench_*.py`` so they are easy to tell apart, and this hook makes the default test command
(``benchmarks/`` is in ``testpaths``) run them once (with ``--benchmark-disable``). A file named
on the command line (``pytest benchmarks/bench_network.py``) is collected by pytest itself
already, so the hook leaves it alone (it would otherwise run twice).

Speed targets (ratios measured in one run) are asserted when timing is on (``make bench``:
``--benchmark-enable``) or with ``ROOFLINE_BENCH_ASSERT=1``; the default test command runs each
benchmark once for its correctness checks and prints its ratios, since a shared, loaded machine
can push any one ratio past its target (see the ``speed_targets`` fixture).
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def speed_targets(request: pytest.FixtureRequest) -> bool:
    """True when the benchmark's speed targets are asserted (timing on, or ROOFLINE_BENCH_ASSERT=1)."""
    return not request.config.getoption("benchmark_disable") or os.environ.get("ROOFLINE_BENCH_ASSERT") == "1"


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("bench_") and not parent.session.isinitpath(file_path):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
