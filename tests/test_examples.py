"""Every script in examples/ runs (each under a minute on 2 cores)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip()


def test_predict_vs_measure_small(capsys):
    sys.path.insert(0, str(EXAMPLES[0].parent))
    import predict_vs_measure

    assert predict_vs_measure.main(["--size", "56"]) == 0
    out = capsys.readouterr().out
    assert "DepSep speed-up: measured" in out and "calibrated" in out and "GFLOP/s" in out
