"""The evaluation on network layers the fit never saw (measure/evaluation.py)."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest

from roofline_conv.measure import calibrate as cal
from roofline_conv.measure import evaluation as ev

from .test_calibrate import FakeMeasurement, fake_machine


def test_every_distinct_conv_of_the_three_networks():
    layers = ev.network_convs()
    assert len(layers) == len({ev.layer_key(l) for l in layers}) == 63
    assert Counter(l.kind for l in layers) == {"pointwise": 35, "depthwise": 19, "conv": 9}


def test_the_fit_never_sees_the_evaluation_layers():
    seen = {ev.layer_key(l) for l in ev.network_convs()}
    assert not [l for l in cal.training_layers() if ev.layer_key(l) in seen]


def test_errors_median_and_p90_on_given_timings():
    dev = fake_machine().with_efficiency({k: dict(compute=0.5, memory=0.5, source="t") for k in cal.OP_CLASSES})
    layers = ev.network_convs()[:2]
    truth = [ev.predict(l, dev) for l in layers]
    measured = [(l, FakeMeasurement(t / f)) for l, t, f in zip(layers, truth, (1.1, 0.8))]
    result = ev.evaluate({"fit": dev}, measured=measured)
    np.testing.assert_allclose(result.errors("fit"), [0.1, -0.2])
    assert result.median("fit") == pytest.approx(0.15) and result.p90("fit") == pytest.approx(0.19)
    assert not result.meets_target("fit")
    text = result.table().to_markdown()
    assert "fit expected (ms)" in text and "median |error| 15.0%, p90 19.0%" in text and "NOT met" in text


def test_evaluate_measures_a_two_layer_subset():
    dev = fake_machine().with_efficiency({k: dict(compute=0.5, memory=0.5, source="t") for k in cal.OP_CLASSES})
    layers = [l for l in ev.network_convs() if l.kind != "depthwise"][-2:]  # two 7x7 pointwise layers: fast
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ev.evaluate(dev, layers, repeats=1, threads=1)
    assert len(result.layers) == 2 and all(t > 0 for t in result.measured)
    assert np.isfinite(result.median(dev.id)) and np.isfinite(result.p90(dev.id))


def test_evaluate_checks_its_arguments():
    with pytest.raises(ValueError, match="repeats"):
        ev.evaluate(fake_machine(), [], repeats=0)
    with pytest.raises(ValueError, match="backend"):
        ev.evaluate(fake_machine(), [], backend="jax")
