"""Per-element layers: ``BatchNorm2d``, the activations, ``Add``, ``Scale`` and ``Flatten``.

None has MACs. Their work is ``ops`` (FLOP, part of ``flops``), each elementary operation
counted once: an add, a multiply, a comparison (max/min), a division, one ``exp``. A negation
folded into another operation is not counted. The counts per element are stated per class and
in ``OPS_PER_ELEMENT`` (data file ``roofline_conv/data/ops.toml``); on hardware several may fuse
into one instruction (an FMA, a clamp), which is why the convention is stated rather than hidden. All of these layers are memory-bound
on every catalog device, so their time is set by their bytes, not by these counts.

Traffic (the base models): parameters + inputs + output. ``Add`` reads its two inputs;
``Flatten`` is a view and moves nothing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from ..conventions import DEFAULT_TRAFFIC, check_traffic_model
from ..datafiles import load_packaged
from .base import Count, quantity
from .dims import LayerError, dim, pair
from .family import ELEMENTWISE, NORM, SCALE
from .oplayer import OpLayer, Shape, chw, shape_arg
from ..validation import choice, integer

if TYPE_CHECKING:  # pragma: no cover
    from pydantic import BaseModel

@cache
def ops_file_model() -> type[BaseModel]:
    """The pydantic model of ``data/ops.toml``: one count (>= 0) per per-element kind, no other
    field. Built on first use, so importing the layers imports no pydantic."""
    from pydantic import BaseModel, ConfigDict, NonNegativeInt

    class OpsPerElement(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        relu: NonNegativeInt
        relu6: NonNegativeInt
        sigmoid: NonNegativeInt
        silu: NonNegativeInt
        hardsigmoid: NonNegativeInt
        hardswish: NonNegativeInt
        add: NonNegativeInt
        batchnorm: NonNegativeInt
        scale: NonNegativeInt
        flatten: NonNegativeInt

    class OpsFile(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)
        ops_per_element: OpsPerElement

    return OpsFile


@cache
def ops_per_element() -> dict[str, int]:
    """Operations per output element of every per-element kind, from ``data/ops.toml``."""
    table: dict[str, int] = load_packaged("ops.toml", ops_file_model()).model_dump()["ops_per_element"]
    return table


def __getattr__(name: str) -> Any:
    """``OPS_PER_ELEMENT``: operations per output element of every per-element kind, a plain dict
    read from data/ops.toml on first access (PEP 562; documented in docs/networks.md)."""
    if name == "OPS_PER_ELEMENT":
        return ops_per_element()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Elementwise(OpLayer):
    """An op applied to every element of a (C, H, W) or (F,) tensor, ``n_in`` inputs."""

    _family = ELEMENTWISE
    n_inputs: ClassVar[int] = 1

    def __init__(self, shape: Any, batch: Any = 1) -> None:
        self._set(shape=shape_arg(shape), batch=dim(batch, "batch"))
        self._finish()

    @property
    def _args(self) -> tuple[Any, ...]:
        c, h, w = chw(self.shape)
        return (self.batch, c, h, w, self.n_inputs, ops_per_element()[self.kind])

    input_elements = quantity("input_elements", "All inputs' elements (``Add``: both operands).")
    output_elements = quantity("output_elements")
    ops = quantity("ops")

    @property
    def sample_input_shape(self) -> Shape:
        return self.shape

    @property
    def sample_output_shape(self) -> Shape:
        return self.shape

    def __repr__(self) -> str:
        shape = self.shape[0] if len(self.shape) == 1 else self.shape
        extra = "" if self.batch == 1 else f", batch={self.batch}"
        return f"{type(self).__name__}({shape}{extra})"


class Activation(_Elementwise):
    """Base of the activation functions: 0 params, 0 MACs, ``OPS_PER_ELEMENT[kind]`` ops per
    element, traffic = input + output."""

    @property
    def ops_per_element(self) -> int:
        return ops_per_element()[self.kind]


class ReLU(Activation):
    """``max(x, 0)``: 1 op (a comparison) per element."""

    kind = "relu"


class ReLU6(Activation):
    """``min(max(x, 0), 6)``: 2 ops (comparisons) per element."""

    kind = "relu6"


class Sigmoid(Activation):
    """``1 / (1 + exp(-x))``: 3 ops per element (exp, add, divide; the negation is free)."""

    kind = "sigmoid"


class SiLU(Activation):
    """Swish / SiLU ``x * sigmoid(x)``: 4 ops per element (sigmoid's 3 + a multiply)."""

    kind = "silu"


class HardSigmoid(Activation):
    """``relu6(x + 3) / 6``: 4 ops per element (add, max, min, multiply by 1/6)."""

    kind = "hardsigmoid"


class HardSwish(Activation):
    """``x * relu6(x + 3) / 6``: 5 ops per element (hard sigmoid's 4 + a multiply)."""

    kind = "hardswish"


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.kind: cls for cls in (ReLU, ReLU6, Sigmoid, SiLU, HardSigmoid, HardSwish)  # type: ignore[misc]
}
"""Activation kinds by name ("relu", "relu6", "sigmoid", "silu", "hardsigmoid", "hardswish")."""
ACTIVATIONS["swish"] = SiLU


def activation(name: str, shape: Any, batch: Any = 1, *, argument: str = "activation") -> Activation:
    """An activation layer by name (``"relu"``, ``"relu6"``, ``"silu"``/``"swish"``, ...);
    ``argument`` is the name the caller's error message gives it (``"gate"`` in an SE block)."""
    key = name.lower() if isinstance(name, str) else name
    return ACTIVATIONS[choice(key, argument, sorted(ACTIVATIONS), error=LayerError)](shape, batch)


class Add(_Elementwise):
    """Elementwise sum of ``inputs`` same-shaped tensors (a residual connection: 2). Reads every
    input (input_elements = inputs x elements), writes one output; (inputs - 1) adds per element."""

    kind = "add"

    def __init__(self, shape: Any, batch: Any = 1, inputs: int = 2) -> None:
        n = integer(inputs, "inputs", minimum=2, error=LayerError)
        self._set(n_inputs=n)
        super().__init__(shape, batch)

    @property
    def _args(self) -> tuple[Any, ...]:
        c, h, w = chw(self.shape)
        return (self.batch, c, h, w, self.n_inputs, self.n_inputs - 1)

    def __repr__(self) -> str:
        base = super().__repr__()
        return base if self.n_inputs == 2 else base[:-1] + f", inputs={self.n_inputs})"


class Flatten(_Elementwise):
    """Flatten (C, H, W) to (C H W,): a **view** of a contiguous tensor, so 0 ops and 0 traffic
    under every model (a framework that must copy, e.g. NHWC to NCHW order, is not modelled).
    ``input_elements``/``output_elements`` still report the tensor's size."""

    kind = "flatten"

    def traffic_elements(self, model: str = DEFAULT_TRAFFIC) -> Count:
        check_traffic_model(model)
        return 0

    @property
    def sample_output_shape(self) -> Shape:
        c, h, w = chw(self.shape)
        return (c * h * w,)


class BatchNorm2d(OpLayer):
    """Inference BatchNorm on a (C, H, W) map, applied as ``y = x * scale + shift`` per channel.

    Parameters: **2 per channel** (gamma as ``weights``, beta as ``bias_params``): the trainable
    parameters that the published MobileNet/ResNet/EfficientNet counts and torchvision's
    ``sum(p.numel() for p in model.parameters())`` include. The running mean and variance are
    buffers (``buffers`` = 2C), not parameters, and are not in ``params`` or in traffic: an
    inference kernel reads the 2C folded values scale = gamma / sqrt(var + eps) and
    shift = beta - mean x scale. 0 MACs; ``ops`` = 2 per element (a multiply and an add; one
    FMA on hardware). ``foldable``: in a network with ``fuse=True`` it is folded into the
    preceding conv (scale into the weights, shift into a bias) and moves no bytes of its own.
    """

    kind = "batchnorm"
    _family = NORM
    foldable = True

    def __init__(self, channels: Any, input_size: Any = 1, batch: Any = 1) -> None:
        self._set(channels=dim(channels, "channels"), input_size=pair(input_size, "input_size"),
                  batch=dim(batch, "batch"))
        self._finish()

    @property
    def _args(self) -> tuple[Any, ...]:
        return (self.batch, self.channels, self.input_size[0], self.input_size[1])

    weights = quantity("weights", "gamma (the scale): C.")
    bias_params = quantity("bias_params", "beta (the shift): C.")
    buffers = quantity("buffers", "Running mean and variance, 2C: stored, not parameters, not read at inference.")
    input_elements = quantity("input_elements")
    output_elements = quantity("output_elements")
    ops = quantity("ops")

    @property
    def sample_input_shape(self) -> Shape:
        return (self.channels, *self.input_size)

    @property
    def sample_output_shape(self) -> Shape:
        return self.sample_input_shape

    def __repr__(self) -> str:
        size = self.input_size[0] if self.input_size[0] == self.input_size[1] else self.input_size
        extra = "" if self.batch == 1 else f", batch={self.batch}"
        return f"BatchNorm2d(channels={self.channels}, input_size={size}{extra})"


class Scale(OpLayer):
    """A (C, H, W) tensor times a per-channel gate of shape (C,) (squeeze-excitation's last
    step): reads both (C H W + C elements per image), 1 multiply per output element."""

    kind = "scale"
    _family = SCALE

    def __init__(self, channels: Any, input_size: Any = 1, batch: Any = 1) -> None:
        self._set(channels=dim(channels, "channels"), input_size=pair(input_size, "input_size"),
                  batch=dim(batch, "batch"))
        self._finish()

    @property
    def _args(self) -> tuple[Any, ...]:
        return (self.batch, self.channels, self.input_size[0], self.input_size[1])

    input_elements = quantity("input_elements")
    output_elements = quantity("output_elements")
    ops = quantity("ops")

    @property
    def sample_input_shape(self) -> Shape:
        return (self.channels, *self.input_size)

    @property
    def sample_output_shape(self) -> Shape:
        return self.sample_input_shape

    def __repr__(self) -> str:
        size = self.input_size[0] if self.input_size[0] == self.input_size[1] else self.input_size
        extra = "" if self.batch == 1 else f", batch={self.batch}"
        return f"Scale(channels={self.channels}, input_size={size}{extra})"


__all__ = [
    "OPS_PER_ELEMENT", "Activation", "ReLU", "ReLU6", "Sigmoid", "SiLU", "HardSigmoid", "HardSwish",
    "ACTIVATIONS", "activation", "Add", "Flatten", "BatchNorm2d", "Scale",
]
