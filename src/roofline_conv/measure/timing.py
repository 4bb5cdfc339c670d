"""Timing: robust wall-clock measurements of numpy kernels on a noisy machine.

Every sample is one (or ``number``) call(s) timed with ``time.perf_counter_ns``; results are
summarised by the median and the inter-quartile range, never by a single run. The harness
handles four known traps (see ``docs/measurement.md``):

1. **First-touch page faults.** A fresh large buffer is page-faulted on first write; a kernel
   that allocates its output/column matrix per call measures the kernel *plus* the OS. Use
   :class:`~roofline_conv.measure.kernels.ConvPlan` (preallocated, warmed buffers) and time
   ``plan.run``; ``measure`` also runs ``warmup`` untimed calls first.
2. **Spinning BLAS threads.** After a GEMM, OpenBLAS worker threads busy-wait for ~0.1 s
   before sleeping; whatever is timed next on the same cores is slowed. :func:`settle` sleeps
   between the A and B of a comparison (default :data:`DEFAULT_SETTLE_S`).
3. **Cold CPU after idle.** After a sleep the core may have clocked down and caches/TLBs are
   cold: an untimed call precedes each sample (``untimed_call=True``).
4. **Drift when comparing A vs B.** On a shared machine load changes over seconds; timing all
   of A then all of B compares different machines. :func:`compare_interleaved` runs A, B, A,
   B, ... (rotating the order each round) and reports per-kernel :class:`Measurement` s.

``threads=`` limits BLAS threads (:mod:`.threads`); ``memory_estimate=`` is checked by the
memory guard (:mod:`.memory`) before anything runs.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..report.numbers import duration
from ..validation import flag, shown
from .arguments import count, noise_threshold_argument, optional_count, optional_seconds, threads_argument
from .guard import check_memory, memory_limit_argument
from .threads import thread_limit

__all__ = [
    "DEFAULT_NOISE_THRESHOLD",
    "DEFAULT_SETTLE_S",
    "Measurement",
    "NoisyMeasurementWarning",
    "compare_interleaved",
    "measure",
    "settle",
]

DEFAULT_NOISE_THRESHOLD = 0.1
"""A measurement is *noisy* when IQR / median exceeds this."""
SETTLE_ENV = "ROOFLINE_CONV_SETTLE_S"
"""Environment variable overriding :data:`DEFAULT_SETTLE_S` (seconds)."""
DEFAULT_SETTLE_S = 0.1
"""Seconds :func:`settle` sleeps by default (OpenBLAS threads spin ~0.1 s after a GEMM).
Override with the environment variable ``ROOFLINE_CONV_SETTLE_S``."""


class NoisyMeasurementWarning(UserWarning):
    """The spread of a measurement (IQR / median) exceeds the noise threshold."""


def _quantile(sorted_vals: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default method) of sorted values."""
    n = len(sorted_vals)
    if n == 1:
        return float(sorted_vals[0])
    pos = q * (n - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return float(sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo))


@dataclass(frozen=True)
class Measurement:
    """Timing samples of one kernel. All times are nanoseconds per call.

    ``samples_ns``: one entry per sample (a sample times ``number`` consecutive calls and is
    divided by ``number``). ``median_ns``, ``q1_ns``, ``q3_ns``: quartiles of the samples;
    ``rel_spread`` = IQR / median (dimensionless); ``noisy`` when it exceeds
    ``noise_threshold``. ``seconds`` is the median in seconds.
    """

    label: str
    samples_ns: tuple[float, ...]
    number: int = 1
    threads: int | None = None
    noise_threshold: float = DEFAULT_NOISE_THRESHOLD
    median_ns: float = field(init=False)
    q1_ns: float = field(init=False)
    q3_ns: float = field(init=False)

    def __post_init__(self) -> None:
        if not self.samples_ns:
            raise ValueError("a Measurement needs at least one sample")
        s = sorted(self.samples_ns)
        object.__setattr__(self, "median_ns", _quantile(s, 0.5))
        object.__setattr__(self, "q1_ns", _quantile(s, 0.25))
        object.__setattr__(self, "q3_ns", _quantile(s, 0.75))

    @property
    def iqr_ns(self) -> float:
        """Inter-quartile range, ns."""
        return self.q3_ns - self.q1_ns

    @property
    def rel_spread(self) -> float:
        """IQR / median (dimensionless)."""
        return self.iqr_ns / self.median_ns if self.median_ns > 0 else math.inf

    @property
    def noisy(self) -> bool:
        return self.rel_spread > self.noise_threshold

    @property
    def seconds(self) -> float:
        """Median time per call, seconds."""
        return self.median_ns * 1e-9

    @property
    def min_ns(self) -> float:
        return float(min(self.samples_ns))

    @property
    def repeats(self) -> int:
        return len(self.samples_ns)

    def rate(self, work: float) -> float:
        """``work`` per second at the median time (e.g. FLOP -> FLOP/s, bytes -> B/s)."""
        return work / self.seconds

    def __repr__(self) -> str:
        lab = f"{self.label!r}, " if self.label else ""
        thr = f", threads={self.threads}" if self.threads is not None else ""
        num = f" x {self.number} calls" if self.number > 1 else ""
        flag = ", NOISY" if self.noisy else ""
        return (f"Measurement({lab}median={duration(self.median_ns)} per call, "
                f"IQR=[{duration(self.q1_ns)}, {duration(self.q3_ns)}] "
                f"({100 * self.rel_spread:.1f}% of median), "
                f"n={self.repeats} samples{num}{thr}{flag})")


def settle_seconds() -> float:
    """``ROOFLINE_CONV_SETTLE_S`` (a finite number of seconds >= 0, e.g. ``0.05``) if set, else
    :data:`DEFAULT_SETTLE_S`; any other value is a ``ValueError`` naming the variable."""
    env = os.environ.get(SETTLE_ENV, "").strip()
    if not env:
        return DEFAULT_SETTLE_S
    try:
        value = float(env)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{SETTLE_ENV}={shown(env)} must be a finite number of seconds >= 0 (e.g. 0.05)")
    return value


def settle(seconds: float | None = None) -> None:
    """Sleep so BLAS worker threads still spinning after a GEMM go idle (trap 2).

    ``None`` uses ``ROOFLINE_CONV_SETTLE_S`` or :data:`DEFAULT_SETTLE_S` (0.1 s); otherwise a
    finite number of seconds >= 0.
    """
    seconds = settle_seconds() if seconds is None else optional_seconds(seconds, "seconds")
    if seconds > 0:
        time.sleep(seconds)


def _timing_arguments(warmup: Any, repeats: Any, min_time: Any, threads: Any, noise_threshold: Any,
                      settle_s: Any) -> tuple[int, int, float | None, int | None, float, float | None]:
    return (count(warmup, "warmup", minimum=0), count(repeats, "repeats"),
            optional_seconds(min_time, "min_time"), threads_argument(threads),
            noise_threshold_argument(noise_threshold), optional_seconds(settle_s, "settle_s"))


def _calibrate(fn: Callable[[], Any], min_time: float | None) -> int:
    """Calls per sample so that one sample lasts at least ``min_time`` seconds."""
    if not min_time:
        return 1
    number = 1
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(number):
            fn()
        dt = (time.perf_counter_ns() - t0) * 1e-9
        if dt >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * 1.2 * min_time / max(dt, 1e-9)))
        number = min(number, 1 << 20)


def _sample(fn: Callable[[], Any], number: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(number):
        fn()
    return (time.perf_counter_ns() - t0) / number


def _warn_noisy(m: Measurement, stacklevel: int = 3) -> None:
    if m.noisy:
        warnings.warn(
            f"noisy measurement {m.label!r}: IQR is {100 * m.rel_spread:.1f}% of the median "
            f"(threshold {100 * m.noise_threshold:.0f}%); median {duration(m.median_ns)} is "
            f"not precise. Samples: {', '.join(duration(s) for s in m.samples_ns)}",
            NoisyMeasurementWarning, stacklevel=stacklevel)


def measure(fn: Callable[[], Any], *, warmup: int = 2, repeats: int = 7,
            min_time: float | None = None, threads: int | None = None, label: str = "",
            memory_estimate: int | None = None, memory_limit: int | None = None,
            noise_threshold: float = DEFAULT_NOISE_THRESHOLD, untimed_call: bool = True,
            settle_s: float | None = 0.0) -> Measurement:
    """Time ``fn()`` (no arguments): ``warmup`` untimed calls, then ``repeats`` samples.

    Each sample is preceded by an untimed call (``untimed_call``, trap 3) and, if
    ``settle_s`` > 0 (or ``None`` for the default), a :func:`settle` sleep before that call.
    With ``min_time`` (seconds), a sample loops ``number`` calls lasting >= ``min_time`` and
    reports time per call. ``threads`` limits BLAS threads (see :func:`thread_limit`).
    ``memory_estimate`` (bytes) is checked against ``memory_limit`` before anything runs.
    Warns ``NoisyMeasurementWarning`` when IQR / median > ``noise_threshold``.

    Arguments are checked first: ``warmup`` an int >= 0, ``repeats`` an int >= 1, ``min_time``
    and ``settle_s`` ``None`` or finite seconds >= 0, ``threads`` ``None`` or an int >= 1,
    ``noise_threshold`` a number >= 0 (``inf``: never noisy), ``memory_estimate`` ``None`` or an int >= 0.
    """
    if not callable(fn):
        raise ValueError(f"fn={shown(fn)} must be a callable taking no arguments")
    warmup, repeats, min_time, threads, noise_threshold, settle_s = _timing_arguments(
        warmup, repeats, min_time, threads, noise_threshold, settle_s)
    untimed_call = flag(untimed_call, "untimed_call")
    label = str(label)
    memory_limit = memory_limit_argument(memory_limit)
    memory_estimate = optional_count(memory_estimate, "memory_estimate", minimum=0)
    if memory_estimate is not None:
        check_memory(memory_estimate, memory_limit, what=f"measurement {label!r}")
    with thread_limit(threads):
        for _ in range(warmup):
            fn()
        number = _calibrate(fn, min_time)
        samples = []
        for _ in range(repeats):
            if settle_s is None or settle_s > 0:
                settle(settle_s)
            if untimed_call:
                fn()
            samples.append(_sample(fn, number))
    m = Measurement(label=label, samples_ns=tuple(samples), number=number, threads=threads,
                    noise_threshold=noise_threshold)
    _warn_noisy(m)
    return m


def compare_interleaved(fns: Mapping[str, Callable[[], Any]], repeats: int = 7, *,
                        warmup: int = 1, min_time: float | None = None,
                        threads: int | None = None, settle_s: float | None = None,
                        untimed_call: bool = True,
                        noise_threshold: float = DEFAULT_NOISE_THRESHOLD,
                        memory_estimate: int | None = None, memory_limit: int | None = None,
                        warn: bool = True) -> dict[str, Measurement]:
    """Time several kernels interleaved (A, B, A, B, ...) so drift hits all alike (trap 4).

    Round ``r`` runs the kernels in an order rotated by ``r`` (no kernel always follows the
    same one). Before each sample: :func:`settle` (``settle_s``; ``None`` = default 0.1 s,
    0 disables; trap 2) and an untimed call (trap 3). Returns ``{name: Measurement}`` in the
    order of ``fns``; ratios of medians from one call are the comparison to report. Arguments
    are checked as in :func:`measure`.
    """
    if not isinstance(fns, Mapping) or not all(callable(f) for f in fns.values()):
        raise ValueError(f"fns={shown(fns)} must be a mapping of names to callables taking no arguments")
    warmup, repeats, min_time, threads, noise_threshold, settle_s = _timing_arguments(
        warmup, repeats, min_time, threads, noise_threshold, settle_s)
    untimed_call = flag(untimed_call, "untimed_call")
    warn = flag(warn, "warn")
    memory_limit = memory_limit_argument(memory_limit)
    memory_estimate = optional_count(memory_estimate, "memory_estimate", minimum=0)
    names = list(fns)
    if not names:
        return {}
    if memory_estimate is not None:
        check_memory(memory_estimate, memory_limit, what="interleaved comparison")
    samples: dict[str, list[float]] = {k: [] for k in names}
    with thread_limit(threads):
        for k in names:
            for _ in range(warmup):
                fns[k]()
        numbers = {k: _calibrate(fns[k], min_time) for k in names}
        for r in range(repeats):
            order = names[r % len(names):] + names[:r % len(names)]
            for k in order:
                if settle_s is None or settle_s > 0:
                    settle(settle_s)
                if untimed_call:
                    fns[k]()
                samples[k].append(_sample(fns[k], numbers[k]))
    out = {k: Measurement(label=k, samples_ns=tuple(samples[k]), number=numbers[k],
                          threads=threads, noise_threshold=noise_threshold) for k in names}
    if warn:
        for m in out.values():
            _warn_noisy(m)
    return out
