"""Timing harness: robust wall-clock measurements of numpy kernels on a noisy machine.

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

Thread control: ``threads=`` limits the BLAS pool via ``threadpoolctl`` when installed (an
optional dependency); otherwise the BLAS environment variables ``OMP_NUM_THREADS``,
``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` are set, which only take effect in a process that
has not loaded numpy's BLAS yet (a subprocess), so a :class:`ThreadControlWarning` is issued.

Memory guard: :func:`estimate_conv_bytes` predicts what a convolution measurement allocates
and :func:`check_memory` raises :class:`MemoryLimitError` *before* allocating when it exceeds
the limit (default 0.5 x MemAvailable, overridable by argument or the environment variable
``ROOFLINE_CONV_MEMORY_LIMIT`` in bytes).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BLAS_THREAD_ENV_VARS",
    "DEFAULT_NOISE_THRESHOLD",
    "DEFAULT_SETTLE_S",
    "MEMORY_LIMIT_ENV",
    "Measurement",
    "MemoryLimitError",
    "NoisyMeasurementWarning",
    "ThreadControlWarning",
    "available_memory_bytes",
    "blas_info",
    "check_memory",
    "compare_interleaved",
    "conv_memory_breakdown",
    "default_memory_limit",
    "estimate_conv_bytes",
    "measure",
    "set_blas_thread_env",
    "settle",
    "thread_limit",
]

DEFAULT_NOISE_THRESHOLD = 0.1
"""A measurement is *noisy* when IQR / median exceeds this."""
DEFAULT_SETTLE_S = 0.1
"""Seconds :func:`settle` sleeps by default (OpenBLAS threads spin ~0.1 s after a GEMM).
Override with the environment variable ``ROOFLINE_CONV_SETTLE_S``."""
MEMORY_LIMIT_ENV = "ROOFLINE_CONV_MEMORY_LIMIT"
"""Environment variable overriding the default memory limit (bytes)."""
BLAS_THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Variables read by BLAS libraries *when they load* (i.e. before ``import numpy``)."""


class NoisyMeasurementWarning(UserWarning):
    """The spread of a measurement (IQR / median) exceeds the noise threshold."""


class ThreadControlWarning(UserWarning):
    """A thread limit could not be applied to the live BLAS pool."""


class MemoryLimitError(ValueError):
    """A measurement would allocate more memory than the limit allows."""


# --------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------
def _fmt_time(ns: float) -> str:
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} us"
    if ns < 1e9:
        return f"{ns / 1e6:.4g} ms"
    return f"{ns / 1e9:.4g} s"


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
        return (f"Measurement({lab}median={_fmt_time(self.median_ns)} per call, "
                f"IQR=[{_fmt_time(self.q1_ns)}, {_fmt_time(self.q3_ns)}] "
                f"({100 * self.rel_spread:.1f}% of median), "
                f"n={self.repeats} samples{num}{thr}{flag})")


# --------------------------------------------------------------------------------------
# thread control
# --------------------------------------------------------------------------------------
def set_blas_thread_env(n: int, env: dict[str, str] | None = None) -> dict[str, str]:
    """Set the BLAS thread variables to ``n`` in ``env`` (default ``os.environ``).

    They are read when a BLAS library loads, so this only affects numpy imported *afterwards*
    (e.g. in a subprocess started with this environment). Returns the previous values.
    """
    target = os.environ if env is None else env
    old = {k: target.get(k, "") for k in BLAS_THREAD_ENV_VARS}
    for k in BLAS_THREAD_ENV_VARS:
        target[k] = str(int(n))
    return old


@contextlib.contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Limit BLAS threads within the block (``None``: leave as is).

    Uses ``threadpoolctl.threadpool_limits(threads, user_api="blas")`` when available. Without
    threadpoolctl the BLAS environment variables are set for the block (effective only for
    BLAS libraries loaded later, e.g. subprocesses) and a ``ThreadControlWarning`` is issued
    if numpy is already imported.
    """
    if threads is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=int(threads), user_api="blas"):
            yield
        return
    if "numpy" in sys.modules:
        warnings.warn(
            "threadpoolctl is not installed: BLAS thread variables set for this block only "
            "affect BLAS libraries loaded later (numpy is already imported). Install "
            "threadpoolctl or set OMP_NUM_THREADS/OPENBLAS_NUM_THREADS/MKL_NUM_THREADS "
            "before starting Python.", ThreadControlWarning, stacklevel=3)
    old = set_blas_thread_env(int(threads))
    try:
        yield
    finally:
        for k, v in old.items():
            if v:
                os.environ[k] = v
            else:
                os.environ.pop(k, None)


def blas_info() -> dict[str, Any]:
    """The BLAS numpy uses: ``library``, ``version``, ``internal_api``, ``architecture``,
    ``num_threads``, ``source`` (how it was found), plus ``openblas_coretype`` when set.

    Uses threadpoolctl (live values) when installed, else ``numpy.show_config(mode="dicts")``
    (build-time values; ``num_threads`` then comes from the BLAS environment variables or is
    ``None``).
    """
    import numpy as np

    info: dict[str, Any] = {"library": None, "version": None, "internal_api": None,
                            "architecture": None, "num_threads": None, "source": None}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            info.update(library=p.get("prefix"), version=p.get("version"),
                        internal_api=p.get("internal_api"),
                        architecture=p.get("architecture"),
                        num_threads=p.get("num_threads"), threading_layer=p.get(
                            "threading_layer"), filepath=p.get("filepath"),
                        source="threadpoolctl")
    if info["source"] is None:
        try:
            cfg = np.show_config(mode="dicts")  # numpy >= 1.26
        except TypeError:
            cfg = None
        blas = (cfg or {}).get("Build Dependencies", {}).get("blas", {}) if cfg else {}
        if blas:
            conf = str(blas.get("openblas configuration", ""))
            info.update(library=blas.get("name"), version=blas.get("version"),
                        internal_api="openblas" if "openblas" in str(blas.get("name", ""))
                        else blas.get("name"),
                        architecture=(conf.split()[-2] if "MAX_THREADS" in conf
                                      and len(conf.split()) > 1 else None),
                        configuration=conf or None, source="numpy.show_config")
        for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(k, "").isdigit():
                info["num_threads"] = int(os.environ[k])
                break
    coretype = os.environ.get("OPENBLAS_CORETYPE")
    if coretype:
        info["openblas_coretype"] = coretype
    return info


# --------------------------------------------------------------------------------------
# memory guard
# --------------------------------------------------------------------------------------
def available_memory_bytes() -> int | None:
    """Available memory in bytes: ``MemAvailable`` from /proc/meminfo, else
    ``os.sysconf`` available pages x page size, else ``None``."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def default_memory_limit() -> int | None:
    """``ROOFLINE_CONV_MEMORY_LIMIT`` (bytes) if set, else 0.5 x available memory (bytes),
    else ``None`` (unknown: no limit)."""
    env = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if env:
        try:
            return int(float(env))
        except ValueError as exc:
            raise ValueError(f"{MEMORY_LIMIT_ENV}={env!r} is not a number of bytes") from exc
    avail = available_memory_bytes()
    return None if avail is None else avail // 2


def check_memory(nbytes: int, limit: int | None = None, *, what: str = "measurement") -> int | None:
    """Raise :class:`MemoryLimitError` if ``nbytes`` exceeds ``limit`` (bytes).

    ``limit=None`` uses :func:`default_memory_limit`. Call it *before* allocating. Returns the
    limit applied (``None`` if unknown).
    """
    explicit = limit is not None
    lim = int(limit) if explicit else default_memory_limit()
    if lim is not None and nbytes > lim:
        src = ("memory_limit argument" if explicit else
               f"{MEMORY_LIMIT_ENV}" if os.environ.get(MEMORY_LIMIT_ENV) else
               "0.5 x MemAvailable")
        raise MemoryLimitError(
            f"{what} needs about {nbytes / 1e6:,.1f} MB but the memory limit is "
            f"{lim / 1e6:,.1f} MB ({src}); shrink the problem, or raise the limit with "
            f"memory_limit= or the environment variable {MEMORY_LIMIT_ENV} (bytes)")
    return lim


def conv_memory_breakdown(x_shape: Sequence[int], w_shape: Sequence[int], *,
                          stride: Any = (1, 1), padding: Any = ((0, 0), (0, 0)),
                          dilation: Any = (1, 1), groups: int = 1, layout: str = "NCHW",
                          dtype: Any = "float32", kind: str = "standard",
                          method: str = "plan", block_bytes: int | None = None
                          ) -> dict[str, int]:
    """Bytes a convolution measurement allocates, by buffer: ``input``, ``weights``,
    ``output``, ``workspace`` (plan scratch: column block, padded input, ...) and ``total``.

    ``method="plan"`` sizes the workspace of :class:`ConvPlan` (blocked im2col);
    ``method="im2col"`` the full column matrix ``(Kh*Kw*C_in) x (B*Ho*Wo)`` of a naive im2col.
    For ``kind="depsep"`` pass ``w_shape=(w_dw_shape, w_pw_shape)``.
    """
    import numpy as np

    from .kernels import conv_geometry, plan_workspace_bytes

    isz = np.dtype(dtype).itemsize
    if kind == "depsep":
        w_dw, w_pw = (tuple(s) for s in w_shape)
        C = x_shape[1] if layout == "NCHW" else x_shape[-1]
        gd = conv_geometry(x_shape, w_dw, stride=stride, padding=padding, dilation=dilation,
                           groups=C, layout=layout, dtype=dtype)
        w_pw4 = (*w_pw, 1, 1) if len(w_pw) == 2 else w_pw
        gp = conv_geometry(gd.out_shape, w_pw4, layout=layout, dtype=dtype)
        ws = (plan_workspace_bytes(gd, "depthwise") + plan_workspace_bytes(gp, "pointwise")
              + math.prod(gd.out_shape) * isz)
        parts = {"input": math.prod(x_shape) * isz,
                 "weights": (math.prod(w_dw) + math.prod(w_pw)) * isz,
                 "output": math.prod(gp.out_shape) * isz, "workspace": ws}
    else:
        w4 = tuple(w_shape)
        if kind == "pointwise" and len(w4) == 2:
            w4 = (*w4, 1, 1)
        if kind == "depthwise":
            groups = x_shape[1] if layout == "NCHW" else x_shape[-1]
        g = conv_geometry(x_shape, w4, stride=stride, padding=padding, dilation=dilation,
                          groups=groups, layout=layout, dtype=dtype)
        if method == "im2col":
            ws = g.im2col_elements * isz
        elif method == "plan":
            ws = plan_workspace_bytes(g, kind, block_bytes)
        else:
            raise ValueError(f"method must be 'plan' or 'im2col', got {method!r}")
        parts = {"input": math.prod(x_shape) * isz, "weights": math.prod(w4) * isz,
                 "output": math.prod(g.out_shape) * isz, "workspace": ws}
    parts["total"] = sum(parts.values())
    return parts


def estimate_conv_bytes(x_shape: Sequence[int], w_shape: Sequence[int], **kwargs: Any) -> int:
    """Total bytes (input + weights + output + workspace) a convolution measurement
    allocates; keyword arguments as :func:`conv_memory_breakdown`."""
    return conv_memory_breakdown(x_shape, w_shape, **kwargs)["total"]


# --------------------------------------------------------------------------------------
# timing
# --------------------------------------------------------------------------------------
def settle(seconds: float | None = None) -> None:
    """Sleep so BLAS worker threads still spinning after a GEMM go idle (trap 2).

    ``None`` uses ``ROOFLINE_CONV_SETTLE_S`` or :data:`DEFAULT_SETTLE_S` (0.1 s).
    """
    if seconds is None:
        env = os.environ.get("ROOFLINE_CONV_SETTLE_S", "")
        try:
            seconds = float(env) if env else DEFAULT_SETTLE_S
        except ValueError:
            seconds = DEFAULT_SETTLE_S
    if seconds > 0:
        time.sleep(seconds)


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
            f"(threshold {100 * m.noise_threshold:.0f}%); median {_fmt_time(m.median_ns)} is "
            f"not precise. Samples: {', '.join(_fmt_time(s) for s in m.samples_ns)}",
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
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    if memory_estimate is not None:
        check_memory(int(memory_estimate), memory_limit, what=f"measurement {label!r}")
    with thread_limit(threads):
        for _ in range(max(0, warmup)):
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
    order of ``fns``; ratios of medians from one call are the comparison to report.
    """
    names = list(fns)
    if not names:
        return {}
    if memory_estimate is not None:
        check_memory(int(memory_estimate), memory_limit, what="interleaved comparison")
    samples: dict[str, list[float]] = {k: [] for k in names}
    with thread_limit(threads):
        for k in names:
            for _ in range(max(0, warmup)):
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
