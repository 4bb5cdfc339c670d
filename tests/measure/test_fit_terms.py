"""The calibration fit's size terms (reduction ramp, size ramp), recovered from synthetic timings."""

from __future__ import annotations

import pytest

from roofline_conv import Conv2d, Depthwise, Pointwise
from roofline_conv.measure import calibrate as cal

from .test_calibrate import fake_machine, synthetic

CONVS = [Conv2d(3, 24, 3, 64, stride=2, padding=1), Conv2d(3, 16, 5, 48, padding=2), Conv2d(16, 16, 3, 32, padding=1),
         Conv2d(32, 32, 3, 28, padding=1), Conv2d(64, 64, 3, 14, padding=1), Conv2d(128, 128, 3, 7, padding=1),
         Conv2d(8, 32, 3, 56, padding=1), Conv2d(256, 128, 3, 7, padding=1)]
SMALL_GEMMS = [Pointwise(c, k, s) for c, k, s in ((64, 32, 8), (64, 64, 8), (128, 96, 8), (32, 256, 16), (256, 32, 4),
                                                  (64, 512, 14), (512, 512, 7), (16, 48, 6), (96, 24, 28))]


def test_fit_recovers_a_reduction_ramp_for_short_reductions():
    base = fake_machine()
    truth = {"conv": dict(compute=0.5, memory=0.5, overlap=True, reduction_half=32.0, source="truth")}
    measured = synthetic(base, truth, CONVS)
    fitted = cal.fit_efficiencies(base, measured).efficiency["conv"]
    assert fitted.reduction_half == 32.0 and fitted.tile is None
    assert fitted.compute == pytest.approx(0.5, rel=0.05) and fitted.median_error < 0.03
    constant = cal.fit_efficiencies(base, measured, terms=False).efficiency["conv"]
    assert constant.reduction_half is None and constant.median_error > 3 * fitted.median_error


def test_fit_recovers_a_size_ramp_when_the_layers_ran_on_several_threads():
    base = fake_machine()
    truth = {"pointwise": dict(compute=0.8, memory=0.9, tile=(32, 32), slots=4, source="truth")}
    measured = synthetic(base, truth, SMALL_GEMMS)
    fitted = cal.fit_efficiencies(base, measured, slots=4).efficiency["pointwise"]
    assert (fitted.tile, fitted.slots) == ((32, 32), 4) and fitted.median_error < 0.03
    # on one thread every tile fills the machine: no size ramp is searched
    assert cal.fit_efficiencies(base, measured, slots=1).efficiency["pointwise"].tile is None


def test_constant_timings_keep_the_constant_model():
    base = fake_machine()
    truth = {"depthwise": dict(compute=0.05, memory=0.3, overhead=1e-4, source="truth")}
    layers = [Depthwise(c, k, s, padding=k // 2) for c, k, s in ((32, 3, 56), (64, 3, 28), (96, 5, 14), (128, 3, 14),
                                                                  (256, 5, 7), (48, 3, 112))]
    e = cal.fit_efficiencies(base, synthetic(base, truth, layers), slots=2).efficiency["depthwise"]
    assert e.reduction_half is None and e.tile is None and e.median_error < 0.03


def test_fit_arguments_are_checked():
    base = fake_machine()
    with pytest.raises(ValueError, match="terms"):
        cal.fit_efficiencies(base, [], terms="yes")
    with pytest.raises(ValueError, match="slots"):
        cal.fit_efficiencies(base, [], slots=0)
