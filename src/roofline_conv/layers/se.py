"""``SqueezeExcitation``: global pool, FC reduce, activation, FC expand, gate, rescale — a
composite layer (like ``DepSep``) whose parts are reachable and whose counts are their sums."""

from __future__ import annotations

from typing import Any, ClassVar

from ..conventions import DEFAULT_TRAFFIC, check_traffic_model
from .base import Count, Layer, summed
from .dims import dim, pair
from .elementwise import Scale
from .elementwise import activation as make_activation
from .linear import Linear
from .oplayer import Shape
from .pool import GlobalAvgPool


class SqueezeExcitation(Layer):
    """Squeeze-and-excitation on a (C, H, W) map (Hu et al. 2018; torchvision's
    ``ops.SqueezeExcitation``): ``x * gate(fc2(act(fc1(avgpool(x)))))``.

    Parts, in order (``.parts``): ``pool`` (:class:`GlobalAvgPool`), ``fc1``
    (:class:`Linear` C -> S, with bias), ``act`` (``activation``, default ReLU; EfficientNet uses
    SiLU), ``fc2`` (:class:`Linear` S -> C, with bias), ``gate`` (``gate``, default Sigmoid;
    MobileNetV3 uses HardSigmoid), ``scale`` (:class:`Scale`). torchvision writes fc1/fc2 as 1x1
    convs with bias on a (C, 1, 1) map: the same parameters and MACs.

    Counts are the parts' sums (params 2 C S + C + S; MACs 2 B C S). Traffic:
    ``compulsory`` = params + input + output (the squeezed vectors never leave the chip);
    ``unfused``/``im2col`` = the parts' own traffic summed, which reads the input twice (the pool
    and the rescale) and writes and reads back every squeezed vector.
    """

    kind = "se"
    roofline_op: ClassVar[str] = "composite"
    channels: Count
    squeeze_channels: Count
    input_size: tuple[Count, Count]
    batch: Count
    pool: Layer
    fc1: Layer
    act: Layer
    fc2: Layer
    gate: Layer
    scale: Layer

    def __init__(self, channels: Any, squeeze_channels: Any, input_size: Any, batch: Any = 1,
                 activation: str = "relu", gate: str = "sigmoid") -> None:
        c = dim(channels, "channels")
        s = dim(squeeze_channels, "squeeze_channels")
        size = pair(input_size, "input_size")
        b = dim(batch, "batch")
        set_ = object.__setattr__
        set_(self, "channels", c)
        set_(self, "squeeze_channels", s)
        set_(self, "input_size", size)
        set_(self, "batch", b)
        set_(self, "pool", GlobalAvgPool(c, size, b))
        set_(self, "fc1", Linear(c, s, bias=True, batch=b))
        set_(self, "act", make_activation(activation, s, b))
        set_(self, "fc2", Linear(s, c, bias=True, batch=b))
        set_(self, "gate", make_activation(gate, c, b, argument="gate"))
        set_(self, "scale", Scale(c, size, b))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("SqueezeExcitation is immutable; build a new one instead")

    @property
    def parts(self) -> tuple[Layer, ...]:
        """(pool, fc1, act, fc2, gate, scale), in execution order."""
        return (self.pool, self.fc1, self.act, self.fc2, self.gate, self.scale)

    @property
    def is_symbolic(self) -> bool:
        return any(p.is_symbolic for p in self.parts)

    weights = summed("weights")
    bias_params = summed("bias_params")
    macs = summed("macs", "2 x batch x C x S (the two FCs).")
    bias_adds = summed("bias_adds")
    ops = summed("ops", "Pool + activation + gate + rescale ops (see each part).")

    @property
    def input_elements(self) -> Count:
        return self.pool.input_elements

    @property
    def output_elements(self) -> Count:
        return self.scale.output_elements

    @property
    def intermediate_elements(self) -> Count:
        """The squeezed vectors produced and consumed inside: pooled, fc1, act, fc2, gate outputs."""
        return sum(p.output_elements for p in self.parts[:-1])  # type: ignore[no-any-return]

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> Count:
        """``compulsory``: params + input + output; otherwise the parts' traffic summed."""
        model = check_traffic_model(model)
        if model == "compulsory":
            return self.params + self.input_elements + self.output_elements
        values = [p.traffic_elements(model) for p in self.parts]
        return sum(values[1:], values[0])

    def part_traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> tuple[Count, ...]:
        """Each part's share of ``traffic_elements(model)`` (how the roofline charges the parts):
        under ``compulsory`` the pool reads the input, the FCs read their parameters, the rescale
        writes the output, and nothing else moves; otherwise each part its own traffic."""
        model = check_traffic_model(model)
        if model != "compulsory":
            return tuple(p.traffic_elements(model) for p in self.parts)
        pool, fc1, _, fc2, _, scale = self.parts
        return (pool.input_elements, fc1.params, 0, fc2.params, 0, scale.output_elements)

    @property
    def sample_input_shape(self) -> Shape:
        return (self.channels, *self.input_size)

    @property
    def sample_output_shape(self) -> Shape:
        return self.sample_input_shape

    @property
    def input_shape(self) -> tuple[Count, ...]:
        return (self.batch, *self.sample_input_shape)

    @property
    def output_shape(self) -> tuple[Count, ...]:
        return self.input_shape

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SqueezeExcitation) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(("se", self.parts))

    def __repr__(self) -> str:
        size = self.input_size[0] if self.input_size[0] == self.input_size[1] else self.input_size
        extra = "" if self.batch == 1 else f", batch={self.batch}"
        act, gate = self.parts[2].kind, self.parts[4].kind
        if act != "relu":
            extra += f", activation={act!r}"
        if gate != "sigmoid":
            extra += f", gate={gate!r}"
        return (f"SqueezeExcitation(channels={self.channels}, squeeze_channels={self.squeeze_channels}, "
                f"input_size={size}{extra})")


__all__ = ["SqueezeExcitation"]
