"""Reusable scratch buffers for the kernels (trap: first-touch page faults).

Fresh large numpy buffers are page-faulted on first touch, which costs as much as a
significant fraction of a GEMM; a :class:`Workspace` allocates and touches each buffer once and
hands out views of it afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["BufferGetter", "BufferSpecs", "Workspace"]

BufferSpecs = dict[str, tuple[tuple[int, ...], bool]]
"""Scratch buffers of a plan: name -> (shape, needs a zero border)."""
BufferGetter = Callable[..., np.ndarray]
"""``buf(name)`` or ``buf(name, worker)``: a plan's scratch buffer (see ``ConvPlan._buf``)."""


class Workspace:
    """Reusable scratch buffers keyed by name (not thread-safe).

    ``get`` returns a view of a flat buffer that is (re)allocated only when too small or of
    another dtype; fresh buffers are written once (first touch: page faults happen here, not
    in the timed kernel). Buffers requested with ``zero=True`` are zero-filled whenever the
    requesting geometry (``tag``) differs from the previous user's, so zero borders (padding)
    survive across calls of the same plan and are never stale after another plan used them.
    """

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}
        self._tags: dict[str, Any] = {}

    def get(self, name: str, shape: Sequence[int], dtype: Any, *, zero: bool = False,
            tag: Any = None) -> np.ndarray:
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        n = math.prod(shape)
        buf = self._bufs.get(name)
        fresh = buf is None or buf.dtype != dtype or buf.size < n
        if fresh:
            buf = np.empty(max(n, 1), dtype=dtype)
            buf.fill(0)  # first touch
            self._bufs[name] = buf
        view = buf[:n].reshape(shape)
        key = (shape, dtype.str, tag)
        if zero and not fresh and self._tags.get(name) != key:
            view.fill(0)
        self._tags[name] = key
        return view

    @property
    def nbytes(self) -> int:
        """Bytes currently held."""
        return sum(b.nbytes for b in self._bufs.values())

    def clear(self) -> None:
        """Release all buffers."""
        self._bufs.clear()
        self._tags.clear()

    def __repr__(self) -> str:
        return f"Workspace({len(self._bufs)} buffers, {self.nbytes / 2**20:.1f} MiB)"

