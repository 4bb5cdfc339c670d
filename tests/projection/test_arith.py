"""The roofline arithmetic is one copy for every value type: exact numbers, sympy expressions
and numpy arrays give the same times (the property that lets project(), symbolic crossovers,
sweeps and the calibration fit share it)."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from roofline_conv.devices import Efficiency
from roofline_conv.projection.arith import executed_flops, gemm_utilisation, leaf_times, roof_time, tile_utilisation

positive = st.integers(1, 10**6)
efficiencies = st.one_of(st.none(), st.builds(
    lambda c, m, o, t: Efficiency(compute=c, memory=m, overlap=o, overhead=t, source="test"),
    st.floats(0.05, 1.0), st.floats(0.05, 1.0), st.booleans(), st.sampled_from([0.0, 1e-6, 3e-5])))


@settings(max_examples=40, deadline=None)
@given(executed=positive, nbytes=positive, peak=st.floats(1e9, 1e15), bw=st.lists(st.floats(1e9, 1e13), min_size=1, max_size=3),
       eff=efficiencies)
def test_leaf_times_agree_on_numbers_sympy_and_arrays(executed, nbytes, peak, bw, eff):
    bandwidths = {f"level{i}": b for i, b in enumerate(bw)}
    compute, memory, time = leaf_times(executed, nbytes, peak, bandwidths, eff)
    x, y = sp.symbols("x y", positive=True)
    s_compute, s_memory, s_time = leaf_times(x, y, peak, bandwidths, eff)
    assert np.isclose(float(s_time.subs({x: executed, y: nbytes})), time, rtol=1e-12, atol=0)
    a_compute, a_memory, a_time = leaf_times(np.array([executed, executed]), np.array([nbytes, nbytes]), peak,
                                             bandwidths, eff)
    assert a_time.tolist() == [time, time]
    assert a_compute.tolist() == [compute, compute]
    assert {k: v.tolist() for k, v in a_memory.items()} == {k: [v, v] for k, v in memory.items()}


def test_roofline_is_the_largest_roof_and_a_non_overlapping_ceiling_adds():
    assert roof_time(2.0, [1.0, 3.0]) == 3.0
    sequential = Efficiency(compute=1.0, memory=1.0, overlap=False, overhead=1e-6, source="test")
    assert roof_time(2.0, [1.0, 3.0], sequential) == 2.0 + 3.0 + 1e-6


@given(k=st.integers(1, 5000), n=st.integers(1, 5000), groups=st.sampled_from([1, 2, 4, 8]))
def test_tile_utilisation_is_exact_and_vectorises(k, n, groups):
    tile = (128, 128)
    util = tile_utilisation(k, n, tile)
    assert 0 < util <= 1
    assert util == k * n / ((-(-k // 128) * 128) * (-(-n // 128) * 128))
    assert tile_utilisation(np.array([k]), np.array([n]), tile).tolist() == [util]
    for how in ("gemm", "block_diagonal"):
        scalar = gemm_utilisation(how, n * groups, k, groups, tile)
        array = gemm_utilisation(how, np.array([n * groups]), np.array([k]), np.array([groups]), tile)
        assert array.tolist() == [scalar]


def test_executed_flops_exact_when_nothing_is_wasted():
    assert executed_flops(10**18 + 1, 5, 1.0) == 2 * (10**18 + 1) + 5  # an exact int, no float rounding
    assert executed_flops(100, 0, 0.5) == 400.0
    got = executed_flops(np.array([100, 100]), np.array([0, 3]), np.array([1.0, 0.5]))
    assert got.tolist() == [200.0, 403.0]
