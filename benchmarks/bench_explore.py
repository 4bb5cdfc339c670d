"""explore() on dask: a grid of N conv configurations reduced in this process and on a
dask.distributed LocalCluster of 1 and of 2 worker processes (one thread each), and the memory
each worker needs.

The grid (batch, in and out channels, kernel size, input size, stride, padding all varying; V100,
fp16) is a lazy explore() table (``lazy=True``, blocks of ``DEFAULT_CHUNK`` rows) of MACs,
traffic bytes, intensity and roofline time; the reductions (largest MACs and traffic, sum and
smallest time, how many rows pass 100 FLOP/byte) need every value of every column,
and leave the cluster as a handful of numbers: the table itself is never gathered. Every run gives
the same numbers. Workers are started and warmed (imports, compiled formulas) before timing, without the
``MALLOC_TRIM_THRESHOLD_=65536`` dask's nanny sets by default (it turns off glibc's adaptive mmap
threshold, so every large numpy temporary is page-faulted in afresh: about 1.5x slower here);
each reports its resident memory after warming and its peak during a run of N/10 configurations
and during the run of N (``/proc/self/status``, Linux): the peak stays flat in N (chunked
evaluation).

N is 1e7 with timing enabled (1e6 in the default test command, where benchmarks run once untimed);
``ROOFLINE_CONV_BENCH_HUGE=1`` runs 1e8 (several minutes on two cores). ``pytest
benchmarks/bench_explore.py -s`` prints the figures; ``--benchmark-enable`` also times the
two-worker run with pytest-benchmark.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

pytest.importorskip("pandas")
if not os.path.exists("/proc/self/clear_refs"):
    pytest.skip("worker memory is read from /proc (Linux)", allow_module_level=True)
distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

from roofline_conv.sweeps import explore  # noqa: E402
from roofline_conv.sweeps.design import DEFAULT_CHUNK  # noqa: E402

HUGE = os.environ.get("ROOFLINE_CONV_BENCH_HUGE", "") not in ("", "0")
N = 10**8 if HUGE else 10**7
TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"  # None: glibc's adaptive default
MEMORY_LIMIT = 2 * 2**30  # bytes per worker, far above what a few blocks of DEFAULT_CHUNK rows need


WARM = 12_500
CHANNELS = {WARM: (1, 1), 10**5: (2, 4), 10**6: (8, 10), 10**7: (20, 40), 10**8: (80, 100)}


def grid(n: int) -> dict:
    """explore() arguments for exactly ``n`` configurations: 12,500 x in_channels x out_channels values."""
    channels = CHANNELS[n]
    return dict(quantities=["macs", "traffic", "intensity", "time"], devices="v100-sxm2", precisions="fp16",
                kinds="conv", batch=list(range(1, 11)), in_channels=list(range(16, 16 * channels[0] + 1, 16)),
                out_channels=list(range(8, 8 * channels[1] + 1, 8)), kernel_size=[1, 3, 5, 7, 9],
                input_size=list(range(9, 59, 2)), stride=[1, 2], padding=[0, 1, 2, 3, 4])


def reductions(n: int) -> list:
    """The lazy reductions of an n-row explore table."""
    table = explore(**grid(n), lazy=True)
    assert table["macs"].shape == (n,)
    return [table["macs"].max(), table["traffic"].max(), table["time"].sum(), table["time"].min(),
            (table["intensity"] > 100).sum()]


def _resident() -> int:
    """This process's resident memory now, bytes."""
    return _status("VmRSS")


def _peak(reset: bool = False) -> int:
    """This process's peak resident memory (VmHWM) since the last reset, bytes; then reset it
    (``/proc/self/clear_refs``; ``ru_maxrss`` cannot be reset and counts the nanny's memory from
    before the worker's exec)."""
    peak = _status("VmHWM")
    if reset:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    return peak


def _status(field: str) -> int:
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith(field + ":"))
    return int(line.split()[1]) * 1024  # kB


def _on_cluster(workers: int, n: int) -> dict:
    environ = dict(os.environ)  # the nanny writes its workers' environment into this process's
    try:
        return _measure(workers, n)
    finally:
        os.environ.clear()
        os.environ.update(environ)


def _measure(workers: int, n: int) -> dict:
    with dask.config.set({TRIM: None}), distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        client.compute(reductions(WARM), sync=True)  # warm: imports and compiled formulas on every worker
        resident = client.run(_resident)
        client.run(_peak, True)
        client.compute(reductions(n // 10), sync=True)
        peak_tenth = client.run(_peak, True)
        cpu = client.run(time.process_time)
        start = time.perf_counter()
        values = client.compute(reductions(n), sync=True)
        seconds = time.perf_counter() - start
        cpu = {a: t - cpu[a] for a, t in client.run(time.process_time).items()}
        peak = client.run(_peak)
    return dict(seconds=seconds, values=[float(v) for v in values], resident=resident, peak_tenth=peak_tenth, peak=peak,
                cpu=cpu)


def _here(n: int) -> tuple[float, list]:
    start = time.perf_counter()
    values = dask.compute(*reductions(n), scheduler="synchronous")
    return time.perf_counter() - start, [float(v) for v in values]


def test_explore_on_one_and_two_workers(benchmark):
    # the default test command runs benchmarks once with timing disabled: there 1e6 configurations
    # check the same identities and memory rules in a few seconds; `make bench` runs N
    N = globals()["N"] if not getattr(benchmark, "disabled", False) else 10**6
    dask.compute(*reductions(WARM), scheduler="synchronous")  # warm here
    here_s, here_values = _here(N)
    one = _on_cluster(1, N)
    two = benchmark.pedantic(_on_cluster, args=(2, N), rounds=1, iterations=1)
    mib = lambda b: f"{b / 2**20:.0f} MiB"  # noqa: E731
    print(f"\nexplore, {N:.0e} configurations x 4 quantities (lazy table, blocks of {DEFAULT_CHUNK:,} rows):")
    print(f"  in this process (synchronous): {here_s:.2f} s = {N / here_s / 1e6:.2f} M configs/s")
    for name, run in (("1 worker ", one), ("2 workers", two)):
        print(f"  {name}: {run['seconds']:.2f} s = {N / run['seconds'] / 1e6:.2f} M configs/s; per worker: resident "
              f"after warm-up {', '.join(mib(v) for v in run['resident'].values())}, peak at N/10 "
              f"{', '.join(mib(v) for v in run['peak_tenth'].values())}, peak at N "
              f"{', '.join(mib(v) for v in run['peak'].values())}")
        print(f"             CPU seconds per worker: {', '.join(f'{v:.1f}' for v in run['cpu'].values())}")
    split = sum(one["cpu"].values()) / max(two["cpu"].values())
    print(f"  2 workers / 1 worker speed-up: {one['seconds'] / two['seconds']:.2f}x measured (other processes share "
          f"these cores); {split:.2f}x from the CPU seconds (one worker's / the busier of two: the speed-up on two "
          f"free cores); 1 worker / in-process: {here_s / one['seconds']:.2f}x")
    benchmark.extra_info.update(configurations=N, here_s=here_s, one_worker_s=one["seconds"],
                                two_workers_s=two["seconds"], cpu_split=split)
    np.testing.assert_array_equal(one["values"], here_values)
    np.testing.assert_array_equal(two["values"], here_values)
    for run in (one, two):
        for address, peak in run["peak"].items():
            assert peak < MEMORY_LIMIT, f"a worker peaked at {peak / 2**20:.0f} MiB"
            base = run["resident"][address]
            assert peak - base < 2 * (run["peak_tenth"][address] - base) + 64 * 2**20, "worker memory grows with N"
