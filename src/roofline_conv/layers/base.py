"""What every layer answers: counts, traffic per model and precision, intensity, a units table.

Counts are exact ``int`` for numeric layers and sympy expressions for symbolic ones. The
traffic models are composed here, once, from element counts each layer provides:

* ``compulsory`` = params + input + output
* ``unfused``    = compulsory + 2 x intermediate elements (written, then read back)
* ``im2col``     = unfused + 2 x column-matrix elements (written, then read by the GEMM)

Bytes = elements x bytes per element of the precision; intensity = FLOPs / bytes.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Union

from .._sympy import is_symbolic, sympy
from ..report.numbers import plain
from ..conventions import (
    DEFAULT_TRAFFIC,
    FLOPS_PER_MAC,
    check_traffic_model,
    traffic_and_precision,
)

if TYPE_CHECKING:  # pragma: no cover
    import sympy as sp

Count = Union[int, "sp.Expr"]
"""An exact count: an ``int`` for numeric layers, a sympy expression for symbolic ones."""
Ratio = Union[float, "sp.Expr"]


def intensity_of(flops: Count, traffic: Count) -> Ratio:
    """FLOP per byte, the one rule: ``flops / traffic``; with no bytes moved, 0 when there is no
    work either and infinity when the work runs on data already on chip."""
    if is_symbolic(flops) or is_symbolic(traffic):
        sp = sympy()
        return sp.simplify(sp.sympify(flops) / traffic)
    if traffic == 0:
        return 0.0 if flops == 0 else math.inf
    return flops / traffic


class Layer(ABC):
    """Base of every layer descriptor. Subclasses are immutable."""

    kind: str = "layer"
    roofline_op: ClassVar[str | None] = None
    """How the roofline projects the kind: ``"gemm"`` (a matrix-unit op), ``"vector"``
    (elementwise on a vector unit) or ``"composite"`` (part by part; the class then gives
    ``parts`` and ``part_traffic_elements``)."""
    projection_label: ClassVar[str | None] = None
    """The name a composite's projection takes when none is given (default: ``kind``)."""
    summarise_parts: ClassVar[bool] = True
    """A composite's projection lists each distinct unit/lowering once and each roof's share of
    the time (True), or every part's in order (False, DepSep's 'depthwise + pointwise')."""

    # -- what each layer kind provides -------------------------------------------------
    @property
    @abstractmethod
    def weights(self) -> Count:
        """Weight parameters (elements), bias excluded."""

    @property
    @abstractmethod
    def bias_params(self) -> Count:
        """Bias parameters (elements); 0 when ``bias=False``."""

    @property
    @abstractmethod
    def macs(self) -> Count:
        """Multiply-accumulates (MAC). The seed study and model papers call these "FLOPs"."""

    @property
    @abstractmethod
    def bias_adds(self) -> Count:
        """Additions of the bias (one per output element when counted), in FLOP."""

    @property
    @abstractmethod
    def input_elements(self) -> Count:
        """Elements of the input activation (batch included)."""

    @property
    @abstractmethod
    def output_elements(self) -> Count:
        """Elements of the output activation (batch included)."""

    @property
    def input_read_elements(self) -> Count:
        """Input elements the layer reads (its compulsory input traffic): every one unless a strided
        or dilated window skips some (convolutions and pooling say so)."""
        return self.input_elements

    @property
    def ops(self) -> Count:
        """Non-MAC operations, in FLOP (0 for convolutions): comparisons, adds, multiplies and
        special-function evaluations of pooling, normalisation, activation and elementwise layers,
        each counted as 1. Every layer kind states its count in its docstring."""
        return 0

    @property
    def intermediate_elements(self) -> Count:
        """Elements of activations produced and consumed inside the layer (DepSep: the depthwise output)."""
        return 0

    @property
    def im2col_elements(self) -> Count:
        """Elements of the im2col column matrix that must be materialised (0 when none is needed)."""
        return 0

    @property
    @abstractmethod
    def is_symbolic(self) -> bool:
        """True when any dimension is a sympy symbol or expression."""

    # -- derived, written once ---------------------------------------------------------
    @property
    def params(self) -> Count:
        """Parameters (elements): weights plus bias when ``bias=True``."""
        return self.weights + self.bias_params

    @property
    def flops(self) -> Count:
        """Floating-point operations (FLOP): 2 per MAC, plus the bias additions when counted, plus
        the layer's non-MAC ``ops`` (0 for convolutions)."""
        ops = self.ops
        total = FLOPS_PER_MAC * self.macs + self.bias_adds
        return total + ops if not (isinstance(ops, int) and ops == 0) else total

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> Count:
        """Elements moved to/from main memory under traffic ``model`` (see module docstring)."""
        model = check_traffic_model(model)
        total = self.params + self.input_read_elements + self.output_elements
        if model in ("unfused", "im2col"):
            total += 2 * self.intermediate_elements
        if model == "im2col":
            total += 2 * self.im2col_elements
        return total

    def traffic(self, model: str | None = None, precision: str | None = None) -> Count:
        """Bytes moved to/from main memory under ``model`` at ``precision`` (default fp16, compulsory)."""
        model, precision = traffic_and_precision(model, precision)
        return self.traffic_elements(model) * precision.bytes

    def intensity(self, model: str | None = None, precision: str | None = None) -> Ratio:
        """Arithmetic intensity in FLOP/byte: ``flops / traffic(model, precision)``. A layer that
        moves no bytes (a view such as Flatten) has intensity 0 when it does no work either, and
        infinity when it computes on data already on chip."""
        return intensity_of(self.flops, self.traffic(model, precision))

    # -- presentation ------------------------------------------------------------------
    def table(self, model: str | None = None, precision: str | None = None) -> list[tuple[str, Any, str]]:
        """Rows of (quantity, value, unit) for this layer under traffic ``model`` at ``precision``
        (the order of :meth:`traffic`; the two may also be given the other way round)."""
        model, precision = traffic_and_precision(model, precision)
        bpe = precision.bytes
        ops = self.ops
        extra = [] if isinstance(ops, int) and ops == 0 else [
            ("ops", ops, "non-MAC operations, FLOP (comparisons, adds, multiplies; see the kind's docstring)")]
        return [
            ("params", self.params, "parameters (weights + bias)"),
            ("macs", self.macs, "MAC (the study's 'FLOPs')"),
            *extra,
            ("flops", self.flops, "FLOP (1 MAC = 2 FLOP)"),
            ("input", self.input_elements, "elements"),
            ("output", self.output_elements, "elements"),
            ("intermediate", self.intermediate_elements, "elements"),
            (f"traffic ({model})", self.traffic(model, precision), f"bytes at {precision} ({bpe} B/element)"),
            (f"intensity ({model})", self.intensity(model, precision), f"FLOP/byte at {precision}"),
        ]

    def describe(self, model: str | None = None, precision: str | None = None) -> str:
        """A human-readable table of every quantity with its unit, under traffic ``model`` at
        ``precision`` (either order)."""
        lines = [repr(self)]
        for name, value, unit in self.table(model, precision):
            lines.append(f"  {name:<24} {plain(value):>20}  {unit}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str | None:
        if not self.is_symbolic:
            return None
        sp = sympy()
        rows = " \\\\ ".join(
            f"\\text{{{name}}} & {sp.latex(sp.sympify(value))}" for name, value, _ in self.table()[:6]
        )
        return f"$\\begin{{array}}{{ll}} {rows} \\end{{array}}$"


def quantity(name: str, doc: str | None = None) -> Any:
    """A read-only property returning formula ``name`` of the layer's family (via ``self._q``),
    so each layer class declares its quantities instead of writing the same getter again."""

    def get(self: Any) -> Count:
        return self._q(name)

    get.__name__ = name
    return property(get, doc=doc)


def summed(name: str, doc: str | None = None) -> Any:
    """A read-only property: quantity ``name`` summed over ``self.parts`` (composite layers)."""

    def get(self: Any) -> Count:
        values = [getattr(part, name) for part in self.parts]
        return sum(values[1:], values[0])

    get.__name__ = name
    return property(get, doc=doc)


format_value = plain
"""The former name of :func:`roofline_conv.report.numbers.plain`."""
