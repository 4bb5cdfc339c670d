"""``Linear``: a fully connected layer (one GEMM)."""

from __future__ import annotations

from typing import Any, ClassVar

from .base import quantity
from .conv import GemmShape
from .dims import LayerError, dim
from .family import LINEAR
from .oplayer import OpLayer, Shape
from ..validation import flag


class Linear(OpLayer):
    """A fully connected layer ``y = x W^T + b`` on a batch of ``(in_features,)`` vectors.

    Conventions: weights = in x out; bias = out (``bias=True`` by default, as in every published
    classifier head); MACs = batch x in x out; FLOPs = 2 MACs + batch x out bias adds; no
    ``ops``. Its GEMM is (m, n, k) = (batch, out, in), projected on matrix units exactly like a
    pointwise conv's (the device's ``pointwise`` unit list, tile padding on k and n).
    """

    kind = "linear"
    roofline_op: ClassVar[str] = "gemm"
    _family = LINEAR
    groups = 1
    needs_im2col = False

    def __init__(self, in_features: Any, out_features: Any, bias: bool = True, batch: Any = 1) -> None:
        bias = flag(bias, "bias", error=LayerError)
        self._set(
            in_features=dim(in_features, "in_features"),
            out_features=dim(out_features, "out_features"),
            bias=bias,
            batch=dim(batch, "batch"),
        )
        self._finish()

    @property
    def _args(self) -> tuple[Any, ...]:
        return (self.batch, self.in_features, self.out_features, int(self.bias))

    def replace(self, **changes: Any) -> "Linear":
        """A copy with some constructor arguments changed (e.g. ``batch=16``)."""
        args = dict(in_features=self.in_features, out_features=self.out_features, bias=self.bias, batch=self.batch)
        args.update(changes)
        return Linear(**args)

    weights = quantity("weights", "in_features x out_features.")
    bias_params = quantity("bias_params")
    macs = quantity("macs", "batch x in_features x out_features.")
    bias_adds = quantity("bias_adds")
    input_elements = quantity("input_elements")
    output_elements = quantity("output_elements")

    @property
    def gemm(self) -> GemmShape:
        """(m, n, k) = (batch, out_features, in_features); ``m*n*k == macs``."""
        return GemmShape(self._q("gemm_m"), self._q("gemm_n"), self._q("gemm_k"), 1)

    @property
    def sample_input_shape(self) -> Shape:
        return (self.in_features,)

    @property
    def sample_output_shape(self) -> Shape:
        return (self.out_features,)

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        extra += "" if self.batch == 1 else f", batch={self.batch}"
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}{extra})"


__all__ = ["Linear"]
