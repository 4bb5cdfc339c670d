"""Start-up where users wait: ``import roofline_conv``'s first layer, ``roofline-conv --help`` and
a one-layer ``roofline-conv layer ... --device v100-sxm2``, each as a whole fresh process, against
``python -c "import numpy"`` run interleaved with it (ratios of medians from the same run, so a
noisy shared machine moves both).

Targets (issue 12): ``--help`` within 3x of importing numpy, the one-layer command within 5x. The
absolute medians are printed (``pytest benchmarks -s``). The numeric path imports neither sympy nor
matplotlib (tests/test_sympy_on_demand.py), which is what keeps these short.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import pytest

ROUNDS = 7
CLI = "import sys; from roofline_conv.cli import main; sys.exit(main())"  # what the console script runs
COMMANDS = {
    "numpy": ["-c", "import numpy"],
    "first layer": ["-c", "from roofline_conv import Conv2d; Conv2d(64, 64, 3, 56, padding=1).macs"],
    "--help": ["-c", CLI, "--help"],
    "one layer": ["-c", CLI, "layer", "conv", "--in", "64", "--size", "56", "--device", "v100-sxm2"],
}
TARGETS = {"--help": 3.0, "one layer": 5.0}


def _wall(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def medians(rounds: int = ROUNDS) -> dict[str, float]:
    """Median wall seconds of each command, the commands interleaved round by round."""
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name, args in COMMANDS.items():  # warm the file cache and the bytecode
        _wall(args)
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            times[name].append(_wall(args))
    return {name: statistics.median(ts) for name, ts in times.items()}


@pytest.mark.slow
def test_start_up_against_importing_numpy(speed_targets):
    attempts = []
    for _ in range(3):
        m = medians()
        ratios = {name: m[name] / m["numpy"] for name in COMMANDS if name != "numpy"}
        attempts.append(ratios)
        print("\n[startup] " + "; ".join(f"{name} {m[name] * 1e3:.0f} ms ({ratios.get(name, 1.0):.2f}x numpy)"
                                         for name in COMMANDS))
        if all(ratios[name] <= target for name, target in TARGETS.items()):
            break
    for name, target in TARGETS.items():
        assert min(a[name] for a in attempts) <= target or not speed_targets, (name, attempts)
