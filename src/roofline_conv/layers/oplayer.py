"""Shared plumbing of the non-convolution layer kinds: immutability, a formula family evaluated
once per quantity (its compiled exact-int function, or its sympy expression for a symbolic layer)
and cached per instance, shapes, identity, and a units table with ``ops``."""

from __future__ import annotations

from typing import Any, ClassVar

from .._sympy import is_symbolic
from .base import Count, Layer
from .dims import Dim, LayerError, dim
from .family import Family
from ..validation import shown

Shape = tuple[Dim, ...]
"""A per-sample activation shape: (C, H, W) or (F,) (batch excluded)."""


def shape_arg(value: Any, argument: str = "shape") -> Shape:
    """A per-sample shape: an int (features), or a 1- or 3-tuple of dimensions."""
    if isinstance(value, (tuple, list)) or getattr(value, "ndim", 0) == 1:
        if len(value) not in (1, 3):
            raise LayerError(f"{argument}={shown(tuple(value))} must be (features,) or (channels, height, width)")
        return tuple(dim(v, f"{argument}[{i}]") for i, v in enumerate(value))
    return (dim(value, argument),)


def chw(shape: Shape) -> tuple[Dim, Dim, Dim]:
    """(C, H, W) of a per-sample shape; a 1-D (F,) shape is (F, 1, 1)."""
    return (shape[0], 1, 1) if len(shape) == 1 else (shape[0], shape[1], shape[2])


class OpLayer(Layer):
    """Base of the non-convolution layers: immutable, quantities from one formula family.

    ``roofline_op`` says how the roofline projects the kind: ``"gemm"`` (matrix units, like a
    pointwise conv), ``"vector"`` (an elementwise/pool op on a vector unit) or ``"composite"``
    (part by part).
    """

    roofline_op: ClassVar[str] = "vector"
    _family: ClassVar[Family]
    _cache: dict[Any, Count]
    _symbolic: bool
    batch: Count

    # -- construction ------------------------------------------------------------------
    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _finish(self) -> None:
        self._set(_cache={}, _symbolic=any(is_symbolic(v) for v in self._args))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead")

    @property
    def _args(self) -> tuple[Any, ...]:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _q(self, name: str, family: Family | None = None) -> Count:
        key = name if family is None else (family.name, name)
        cache = self._cache
        if key not in cache:
            fam = self._family if family is None else family
            cache[key] = fam.value(name, self._args, self._symbolic)
        return cache[key]

    @property
    def is_symbolic(self) -> bool:
        return self._symbolic

    # -- defaults: no weights, no MACs ---------------------------------------------------
    @property
    def weights(self) -> Count:
        return 0

    @property
    def bias_params(self) -> Count:
        return 0

    @property
    def macs(self) -> Count:
        return 0

    @property
    def bias_adds(self) -> Count:
        return 0

    @property
    def flops(self) -> Count:
        """2 x MACs + bias adds + ops (the base definition), cached per instance."""
        cache = self._cache
        if "flops" not in cache:
            cache["flops"] = super().flops
        return cache["flops"]

    @property
    def input_shape(self) -> tuple[Count, ...]:
        """(batch, *per-sample input shape)."""
        return (self.batch, *self.sample_input_shape)

    @property
    def output_shape(self) -> tuple[Count, ...]:
        """(batch, *per-sample output shape)."""
        return (self.batch, *self.sample_output_shape)

    @property
    def sample_input_shape(self) -> Shape:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    @property
    def sample_output_shape(self) -> Shape:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    # -- identity ------------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (type(self).__name__, self._args)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpLayer) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


__all__ = ["OpLayer", "Shape", "shape_arg", "chw"]
