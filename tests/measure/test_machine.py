"""Machine description: BLAS, CPU, caches, OPENBLAS_CORETYPE, the theoretical vector peak."""

from __future__ import annotations

import warnings

import pytest

from roofline_conv.measure import machine


def test_blas_info_keys():
    info = machine.blas_info()
    for k in ("library", "version", "internal_api", "architecture", "num_threads", "source"):
        assert k in info
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        machine.blas_info()  # no warnings


def test_cpu_info_keys():
    info = machine.cpu_info()
    for k in ("model_name", "physical_cores", "logical_cpus", "current_mhz", "max_mhz",
              "base_mhz", "isa", "caches", "openblas_coretype"):
        assert k in info
    assert info["logical_cpus"] >= 1 and info["physical_cores"] >= 1
    assert set(info["isa"]) == {"avx", "avx2", "fma", "avx512f"}


def test_theoretical_vector_peak_formula():
    base = {"physical_cores": 2, "max_mhz": 3000.0, "vendor": "GenuineIntel", "family": 6}
    avx512 = dict(base, isa={"avx2": True, "fma": True, "avx512f": True})
    assert machine.theoretical_vector_peak(avx512, "float32") == pytest.approx(2 * 2 * 16 * 2 * 3e9)
    assert machine.theoretical_vector_peak(avx512, "float64") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    avx2 = dict(base, isa={"avx2": True, "fma": True, "avx512f": False})
    assert machine.theoretical_vector_peak(avx2, "float32") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    zen4 = dict(avx512, vendor="AuthenticAMD", family=25)
    assert machine.theoretical_vector_peak(zen4, "float32") == pytest.approx(2 * 2 * 8 * 2 * 3e9)
    zen5 = dict(avx512, vendor="AuthenticAMD", family=26)
    assert machine.theoretical_vector_peak(zen5, "float32") == pytest.approx(2 * 2 * 16 * 2 * 3e9)
    assert machine.theoretical_vector_peak(dict(base, isa={}), "float32") is None
    assert machine.theoretical_vector_peak(dict(avx512, max_mhz=None), "float32") is None
    assert machine.theoretical_vector_peak(avx512, "float16") is None
    live = machine.theoretical_vector_peak(machine.cpu_info(), "float32")
    assert live is None or live > 1e9


def test_openblas_coretype_recorded(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    with pytest.warns(RuntimeWarning, match="OPENBLAS_CORETYPE=Haswell"):
        assert machine.openblas_coretype() == "Haswell"
    assert machine.cpu_info()["openblas_coretype"] == "Haswell"
    monkeypatch.delenv("OPENBLAS_CORETYPE")
    assert machine.openblas_coretype() is None


def test_cache_sizes_parse():
    assert machine._size("32768K") == 32 * 2**20
    assert machine._size("1 MiB") == 2**20
    assert machine._size("nonsense") is None
    cs = machine.cache_sizes()
    assert all(v > 0 for v in cs.values())
