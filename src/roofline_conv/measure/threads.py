"""BLAS thread control: limit the BLAS pool for a block of code, or for BLAS loaded later.

``threads=`` limits use ``threadpoolctl`` when installed (an optional dependency); otherwise
the BLAS environment variables ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
``MKL_NUM_THREADS`` ... are set, which only take effect in a process that has not loaded
numpy's BLAS yet (a subprocess), so a :class:`ThreadControlWarning` is issued.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from ..validation import integer

__all__ = [
    "BLAS_THREAD_ENV_VARS",
    "MAX_THREADS",
    "ThreadControlWarning",
    "blas_controller",
    "blas_threads",
    "set_blas_thread_env",
    "thread_limit",
]

BLAS_THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Variables read by BLAS libraries *when they load* (i.e. before ``import numpy``)."""


MAX_THREADS = 4096
"""Most threads a ``threads=`` argument may ask for (more than any machine's cores)."""


class ThreadControlWarning(UserWarning):
    """A thread limit could not be applied to the live BLAS pool."""


def set_blas_thread_env(n: int, env: dict[str, str] | None = None) -> dict[str, str]:
    """Set the BLAS thread variables to ``n`` (an int >= 1) in ``env`` (default ``os.environ``).

    They are read when a BLAS library loads, so this only affects numpy imported *afterwards*
    (e.g. in a subprocess started with this environment). Returns the previous values.
    """
    n = _threads(n, "n")
    target = os.environ if env is None else env
    old = {k: target.get(k, "") for k in BLAS_THREAD_ENV_VARS}
    for k in BLAS_THREAD_ENV_VARS:
        target[k] = str(n)
    return old


def _threads(value: Any, argument: str) -> int:
    return integer(value, argument, minimum=1, maximum=MAX_THREADS)


@contextlib.contextmanager
def thread_limit(threads: int | None) -> Iterator[None]:
    """Limit BLAS threads within the block (an int from 1 to :data:`MAX_THREADS`; ``None``:
    leave as is).

    Uses ``threadpoolctl.threadpool_limits(threads, user_api="blas")`` when available. Without
    threadpoolctl the BLAS environment variables are set for the block (effective only for
    BLAS libraries loaded later, e.g. subprocesses) and a ``ThreadControlWarning`` is issued
    if numpy is already imported.
    """
    if threads is None:
        yield
        return
    threads = _threads(threads, "threads")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
        return
    if "numpy" in sys.modules:
        warnings.warn(
            "threadpoolctl is not installed: BLAS thread variables set for this block only "
            "affect BLAS libraries loaded later (numpy is already imported). Install "
            "threadpoolctl or set OMP_NUM_THREADS/OPENBLAS_NUM_THREADS/MKL_NUM_THREADS "
            "before starting Python.", ThreadControlWarning, stacklevel=3)
    old = set_blas_thread_env(threads)
    try:
        yield
    finally:
        for k, v in old.items():
            if v:
                os.environ[k] = v
            else:
                os.environ.pop(k, None)


@functools.lru_cache(maxsize=1)
def blas_controller() -> Any:
    """threadpoolctl controller of the BLAS libraries, or ``None`` (not installed/no BLAS)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    try:
        ctl = ThreadpoolController().select(user_api="blas")
    except Exception:  # noqa: BLE001  # pragma: no cover - defensive: unusual BLAS builds
        return None
    return ctl if ctl.lib_controllers else None


def blas_threads() -> int | None:
    """Threads of the live BLAS pool (the largest, if several), or ``None`` without threadpoolctl."""
    ctl = blas_controller()
    if ctl is None:
        return None
    return max(int(lc.num_threads) for lc in ctl.lib_controllers)
