"""Whole-network analysis against ptflops and torch's FlopCounterMode, and identical counts.

Issue 12's target: analysing MobileNetV2, ResNet-50 and EfficientNet-B0 at batch 1 from a fresh
build is >= 50x faster than ptflops (aten backend) and ``torch.utils.flop_counter.FlopCounterMode``
on the equivalent torch model, with identical counts.

What is timed, per network, in interleaved rounds (one round times all three back to back, so a
noisy burst on the shared machine hits all of them; best and median of the rounds):

(a) ours, "analysis": ``zoo._cached.cache_clear()``; ``net = zoo.get(name)`` (a fresh build from
    the specs: shapes, layers, graph); ``net.table(device="v100-sxm2")``: per layer params, MACs,
    FLOP, fused traffic bytes (fp16, compulsory), intensity, and the roofline projection on a
    V100 (unit, binding roof, time, share), plus the total row. Warm: imports done, the device
    catalog read, formulas compiled (a long-running session's state);
(b) ``ptflops.get_model_complexity_info(model, (3, 224, 224), backend="aten", as_strings=False,
    print_per_layer_stat=False)``: total MACs and params;
(c) ``FlopCounterMode(display=False)`` around ``model(x)``: total FLOP (per module too).

The torch models (:mod:`torch_models`, plain ``torch.nn``) are built once, outside the timing, in
eval mode; (b) and (c) run under ``torch.no_grad()`` on CPU tensors (a real forward: that is how
both tools count), with ``torch.set_num_threads(THREADS)`` (default 1, env
``ROOFLINE_BENCH_TORCH_THREADS``): one core each, and on this shared 2-core machine more OpenMP
threads than free cores makes torch erratic. ptflops leaves its module hooks registered after
each call; they are removed between rounds (untimed) so rounds do not slow down.

Needs torch and ptflops (the torch wheel first, then ``pip install -e ".[test,bench]"``; see
docs/performance.md); without them the module is skipped. ``pytest benchmarks/bench_analysis.py
-s -p no:randomly`` prints the figures; with ``--benchmark-enable`` pytest-benchmark times (a) too
and more rounds run. The >= 50x assertion is expected to fail until the numeric path is fast
(xfail, not strict): the figures are the point.
"""

from __future__ import annotations

import gc
import io
import os
import statistics
import time

import pytest

torch = pytest.importorskip("torch")

from roofline_conv import zoo  # noqa: E402

import torch_models  # noqa: E402  (benchmarks/ is on sys.path: pytest's rootdir-less import)

NETWORKS = list(torch_models.MODELS)
DEVICE = "v100-sxm2"
TARGET = 50.0
THREADS = int(os.environ.get("ROOFLINE_BENCH_TORCH_THREADS", "1"))
MATMUL_KINDS = ("conv", "pointwise", "depthwise", "depsep", "linear")
"""Our layer kinds that are convolutions or matrix products (an SE's fc1/fc2 are counted apart)."""


def analysis(name: str):
    """(a): a fresh build, then the per-layer table with the V100 projection."""
    zoo._cached.cache_clear()
    return zoo.get(name).table(device=DEVICE)


def _ptflops(model):
    from ptflops import get_model_complexity_info

    with torch.no_grad():
        return get_model_complexity_info(model, (3, 224, 224), print_per_layer_stat=False, as_strings=False,
                                         backend="aten", ost=io.StringIO())


def _unhook(model) -> None:
    """Remove the forward hooks ptflops leaves on every child module."""
    for m in model.modules():
        m._forward_hooks.clear()
        m._forward_pre_hooks.clear()


def _flop_counter(model, x) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


@pytest.fixture(scope="module")
def models():
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    yield {name: torch_models.build(name) for name in NETWORKS}
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def image():
    return torch.randn(1, 3, 224, 224)


# -- identical counts ----------------------------------------------------------------------------
def matmul_counts(name: str) -> tuple[int, int]:
    """(MACs, bias adds) of our convolution and matrix-product layers: every conv/pointwise/
    depthwise/DepSep/linear node, and each squeeze-excitation's fc1 and fc2 (its pool, gate and
    rescale are not MACs). This is all of ``net.macs``: no other layer has MACs."""
    macs = bias = 0
    for node in zoo.get(name).nodes:
        layer = node.layer
        parts = (layer.fc1, layer.fc2) if node.kind == "se" else (layer,) if node.kind in MATMUL_KINDS else ()
        macs += sum(p.macs for p in parts)
        bias += sum(p.bias_adds for p in parts)
    return macs, bias


@pytest.mark.parametrize("name", NETWORKS)
def test_parameter_counts(models, name):
    assert torch_models.parameter_count(models[name]) == zoo.get(name).params


@pytest.mark.parametrize("name", NETWORKS)
def test_flop_counter_macs(models, image, name):
    """FlopCounterMode counts aten.convolution as 2 x (N x C_out x C_in/groups x Kh x Kw x H_out x
    W_out) and aten.addmm/mm as 2 x M x N x K, biases left out, and nothing else here (BatchNorm,
    activations, pools, adds, the SE rescale count 0): half its total is our conv + linear MACs."""
    macs, _ = matmul_counts(name)
    assert macs == zoo.get(name).macs
    assert _flop_counter(models[name], image) == 2 * macs


@pytest.mark.parametrize("name", NETWORKS)
def test_ptflops_macs(models, name):
    """ptflops' aten backend counts MACs of aten.convolution and aten.addmm/mm/bmm only, and adds
    one per output element for a bias (conv or linear): our conv + linear MACs plus their bias
    adds (the classifier's and the SE FCs'; the zoo's other convs have no bias)."""
    pytest.importorskip("ptflops")
    macs, bias = matmul_counts(name)
    total, params = _ptflops(models[name])
    _unhook(models[name])
    assert (total, params) == (macs + bias, zoo.get(name).params)


# -- speed ---------------------------------------------------------------------------------------
def interleaved(fns: dict, rounds: int, after=None) -> dict[str, list[float]]:
    """Seconds per call of each function, ``rounds`` rounds, the functions one after another in
    each round (``after`` runs untimed after each round)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    gc.collect()
    for _ in range(rounds):
        for key, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
        if after is not None:
            after()
    return times


def summary(times: dict[str, list[float]]) -> dict[str, float]:
    """Best and median of each, and the ratios to (a): best/best, median/median and the range of
    the per-round ratios (the spread)."""
    out: dict[str, float] = {}
    for key, ts in times.items():
        out[f"{key}_best_s"], out[f"{key}_median_s"] = min(ts), statistics.median(ts)
    for key in ("ptflops", "flopcounter"):
        per_round = [b / a for a, b in zip(times["ours"], times[key])]
        out[f"{key}_ratio_best"] = out[f"{key}_best_s"] / out["ours_best_s"]
        out[f"{key}_ratio_median"] = out[f"{key}_median_s"] / out["ours_median_s"]
        out[f"{key}_ratio_min"], out[f"{key}_ratio_max"] = min(per_round), max(per_round)
    return out


def report(name: str, s: dict[str, float], rounds: int) -> str:
    ms = 1e3
    line = (f"[analysis] {name}, {rounds} rounds, torch {torch.__version__} x {torch.get_num_threads()} thread(s): "
            f"ours {s['ours_best_s'] * ms:.1f} ms best / {s['ours_median_s'] * ms:.1f} median; ")
    for key, label in (("ptflops", "ptflops aten"), ("flopcounter", "FlopCounterMode")):
        line += (f"{label} {s[f'{key}_best_s'] * ms:.0f} / {s[f'{key}_median_s'] * ms:.0f} ms = "
                 f"{s[f'{key}_ratio_best']:.1f}x best, {s[f'{key}_ratio_median']:.1f}x median "
                 f"(rounds {s[f'{key}_ratio_min']:.1f}..{s[f'{key}_ratio_max']:.1f}x); ")
    return line.rstrip("; ")


@pytest.mark.xfail(strict=False, raises=AssertionError, reason="issue 12's target; not met until the numeric path leaves Fraction "
                   "and sympy (branch perf-formulas) and the build gets cheaper: see docs/performance.md")
@pytest.mark.parametrize("name", NETWORKS)
def test_analysis_vs_torch_counters(benchmark, models, image, name):
    pytest.importorskip("ptflops")
    model = models[name]
    fns = {"ours": lambda: analysis(name), "ptflops": lambda: _ptflops(model),
           "flopcounter": lambda: _flop_counter(model, image)}
    for fn in fns.values():  # warm: compiled formulas, torch's first-call set-up
        fn()
    _unhook(model)
    rounds = 3 if benchmark.disabled else int(os.environ.get("ROOFLINE_BENCH_ROUNDS", "9"))
    s = summary(interleaved(fns, rounds, after=lambda: _unhook(model)))
    benchmark.extra_info.update(s, torch_threads=torch.get_num_threads(), rounds=rounds)
    print("\n" + report(name, s, rounds))
    benchmark.pedantic(fns["ours"], rounds=5, iterations=1, warmup_rounds=1)
    assert s["ptflops_ratio_median"] >= TARGET and s["flopcounter_ratio_median"] >= TARGET, \
        f"{name}: median ratios {s['ptflops_ratio_median']:.1f}x, {s['flopcounter_ratio_median']:.1f}x < {TARGET}x"


def test_analysis_is_complete():
    """(a) really is the whole analysis: a row per node and the total, with the V100 times."""
    for name in NETWORKS:
        table = analysis(name)
        net = zoo.get(name)
        assert len(table.rows) == len(net.nodes) + 1
        assert table.rows[-1][4:6] == [net.params, net.macs]
        assert "time (us)" in table.columns and all(r[12] >= 0 for r in table.rows)

