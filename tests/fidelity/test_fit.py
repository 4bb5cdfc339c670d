"""The fits of the expected-time terms: deterministic, recover known terms, never evaluate a row on
terms fitted with it, and regenerate data/expected_fitted.toml byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv import Conv2d, devices, project
from roofline_conv.devices import Efficiency
from roofline_conv.fidelity import fit as F
from roofline_conv.fidelity import run


def synthetic(terms: dict, n: int = 30) -> list[F.Sample]:
    """'Measurements' made by known terms on V100 fp16: a fit must find them again."""
    rng = np.random.default_rng(7)
    dev = devices.get("v100-sxm2").model_copy(update={"expected": {"conv": {"fp16": Efficiency(source="truth", **terms)}}})
    out = []
    for i in range(n):
        c, k = (int(x) for x in rng.choice([8, 16, 64, 128, 256, 512], size=2))
        size, batch = int(rng.choice([7, 14, 28, 56])), int(rng.choice([1, 8, 16]))
        layer = Conv2d(c, k, 3, size, padding=1, batch=batch)
        out.append(F.Sample(layer, "v100-sxm2", "fp16", float(project(layer, dev, "fp16").expected_time), "synthetic",
                            label=f"row{i}"))
    return out


TRUTH = dict(compute=float(F.GRID_COMPUTE[30]), memory=0.8, overhead=float(F.GRID_OVERHEAD[15]), tile=(128, 64),
             slots=80, reduction_half=64.0)


def test_fit_recovers_terms_on_its_grid_and_predicts_exactly():
    samples = synthetic(TRUTH)
    b = F.bounds(samples, devices.get("v100-sxm2"))
    got = F.fit(b, 80)
    pred = F.predict(b, got)
    assert np.allclose(pred, b.measured, rtol=1e-9)
    assert got["compute"] == pytest.approx(TRUTH["compute"]) and got["overhead"] == pytest.approx(TRUTH["overhead"])
    assert F.fit(b, 80) == got  # deterministic


def test_held_out_predictions_never_use_their_own_fold(monkeypatch):
    samples = synthetic(TRUTH, n=12)
    b = F.bounds(samples, devices.get("v100-sxm2"))
    seen = []
    real = F.fit

    def spy(bounds, slots, loss=None):
        seen.append(set(np.round(bounds.measured, 15)))
        return real(bounds, slots)

    monkeypatch.setattr(F, "fit", spy)
    fold = np.array(F.folds(samples))
    F.held_out(samples, b, 80)
    for f, used in zip(sorted(set(fold.tolist())), seen):
        own = set(np.round(b.measured[fold == f], 15))
        assert not own & used


def test_folds_keep_a_shape_together_across_batches():
    a, b = Conv2d(16, 16, 3, 8, batch=1), Conv2d(16, 16, 3, 8, batch=16)
    samples = [F.Sample(x, "v100-sxm2", "fp16", 1e-5, "s") for x in (a, b, Conv2d(32, 16, 3, 8))]
    folds = F.folds(samples, n=2)
    assert folds[0] == folds[1]


def test_errors_are_relative_and_absolute():
    e = F.errors(np.array([1.1, 0.8, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert e["n"] == 3 and e["median"] == pytest.approx(0.1)


def test_fit_on_a_small_fixture_writes_valid_terms():
    samples = [s for s in run.deepbench_samples("fit") if s.precision == "fp16"][:14]
    results = run.fit_all(samples)
    text = run.to_toml(results)
    from roofline_conv.datafiles import load_text
    from roofline_conv.devices.expected import TermsFile

    parsed = load_text(text, TermsFile, "fixture.toml")
    assert parsed.terms and all(t.device == "v100-sxm2" and t.held_out_layers for t in parsed.terms)
    assert "| v100-sxm2 |" in run.report(results) and "| layer |" in run.worst(results)
