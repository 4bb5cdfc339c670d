"""Start-up: what a user waits for before the first answer, against ``python -c "import numpy"``.

Issue 12's targets: ``roofline-conv --help`` within 3x of ``python -c "import numpy"``; a
one-layer ``roofline-conv layer conv --in 64 --size 56 --device v100-sxm2`` within 5x. Each
command runs in a fresh interpreter (``subprocess``, this Python, this environment: the
package under test on ``PYTHONPATH`` or installed), once untimed (bytecode written, disk cache
warm), then in ``ROUNDS`` interleaved rounds (one round runs every command once, in turn, so a
noisy burst on the shared machine hits all of them); the best and median wall time of each are
reported with the ratios to numpy's. 7 rounds with ``--benchmark-enable`` (``make bench``; env
``ROOFLINE_BENCH_ROUNDS``), 3 in the default test command.

The ``--help`` target is asserted on the best-of-rounds ratio. The one-layer target is marked
xfail (not strict) until sympy leaves the numeric path (the layer's formulas are compiled from
sympy on first use today): it reports the ratio and passes as XPASS once met.
``pytest benchmarks/bench_startup.py -s -p no:randomly`` prints the absolute times.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROUNDS = int(os.environ.get("ROOFLINE_BENCH_ROUNDS", "7"))
"""Rounds with ``--benchmark-enable`` (``make bench``)."""
HELP_TARGET = 3.0
LAYER_TARGET = 5.0


def _cli() -> list[str]:
    """The ``roofline-conv`` console script beside this Python, else ``python -m roofline_conv``."""
    script = Path(sys.executable).with_name("roofline-conv")
    found = str(script) if script.exists() else shutil.which("roofline-conv")
    return [found] if found else [sys.executable, "-m", "roofline_conv"]


COMMANDS: dict[str, list[str]] = {
    "numpy": [sys.executable, "-c", "import numpy"],
    "import": [sys.executable, "-c", "import roofline_conv"],
    "help": [*_cli(), "--help"],
    "layer": [*_cli(), "layer", "conv", "--in", "64", "--size", "56", "--device", "v100-sxm2"],
}


def _run(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def timings(request) -> dict[str, list[float]]:
    """Seconds per run of every command, ``ROUNDS`` interleaved rounds after one warm-up each
    (3 rounds under ``--benchmark-disable``, the default test command)."""
    option = request.config.getoption
    disabled = option("benchmark_disable", default=False) and not option("benchmark_enable", default=False)
    rounds = 3 if disabled else ROUNDS
    for argv in COMMANDS.values():
        _run(argv)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(rounds):
        for key, argv in COMMANDS.items():
            times[key].append(_run(argv))
    ms = 1e3
    base = min(times["numpy"])
    print(f"\n[startup] {rounds} rounds, {' '.join(COMMANDS['help'][:-1])}: " + "; ".join(
        f"{k} {min(ts) * ms:.0f} ms best / {statistics.median(ts) * ms:.0f} median ({min(ts) / base:.2f}x numpy "
        f"best, {statistics.median(ts) / statistics.median(times['numpy']):.2f}x median)" for k, ts in times.items()))
    return times


def _ratio(times: dict[str, list[float]], key: str) -> float:
    return min(times[key]) / min(times["numpy"])


def test_help_within_3x_numpy(timings):
    ratio = _ratio(timings, "help")
    assert ratio <= HELP_TARGET, f"roofline-conv --help takes {ratio:.2f}x python -c 'import numpy' (target {HELP_TARGET}x)"


@pytest.mark.xfail(strict=False, raises=AssertionError,
                   reason="a one-layer command still imports sympy to compile the layer's formulas; met once "
                          "numeric formulas are exact-int code without sympy (branch perf-formulas)")
def test_one_layer_within_5x_numpy(timings):
    ratio = _ratio(timings, "layer")
    assert ratio <= LAYER_TARGET, (f"roofline-conv layer conv ... --device v100-sxm2 takes {ratio:.2f}x "
                                   f"python -c 'import numpy' (target {LAYER_TARGET}x)")
