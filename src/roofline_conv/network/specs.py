"""Building networks without writing input sizes: layer specs, ``Sequential`` and ``Residual``.

A *spec* is a layer without its input size: ``conv(32, 3, stride=2, padding=1)`` infers its
input channels and map size from whatever comes before it. ``Sequential([...],
input_shape=(3, 224, 224), batch=1)`` propagates the shape through every spec and builds the
concrete layers; a mismatch (a spec that states ``in_channels``, a concrete ``Conv2d`` built for
another input, a ``linear`` after a 3-D map, a residual whose branches disagree) raises a
:class:`NetworkError` naming both layers (index, kind and name) and both shapes.
"""

from __future__ import annotations

import numbers
from functools import partial
from typing import Any, Callable, Iterable, Sequence

from ..layers.base import Layer
from ..layers.conv import Conv2d, Depthwise, Pointwise
from ..layers.depsep import DepSep
from ..layers.dims import LayerError
from ..layers.elementwise import ACTIVATIONS, Add, BatchNorm2d, Flatten
from ..layers.linear import Linear
from ..layers.pool import AvgPool2d, GlobalAvgPool, MaxPool2d
from ..layers.se import SqueezeExcitation
from .core import Network, NetworkError, Node, Shape

Maker = Callable[[Shape, int], Layer]


class _Context:
    """Collects nodes while a network is built."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.nodes: list[Node] = []
        self.names: set[str] = set()

    def label(self, kind: str, name: str) -> str:
        return f"layer {len(self.nodes)} ({kind} {name!r})"

    def producer(self, index: int, shape: Shape) -> str:
        if index < 0:
            return f"the network input is {tuple(shape)}"
        return f"{self.nodes[index].label} outputs {tuple(shape)}"

    def add(self, name: str, layer: Layer, inputs: tuple[int, ...], in_shape: Shape) -> tuple[int, Shape]:
        if name in self.names:
            raise NetworkError(f"two layers are named {name!r}; give one of them another name=")
        out = tuple(int(d) for d in layer.output_shape[1:])  # type: ignore[attr-defined]
        node = Node(len(self.nodes), name, layer, inputs, tuple(in_shape), out)
        self.nodes.append(node)
        self.names.add(name)
        return node.index, out


class Spec:
    """A layer or block whose input size is not known yet (built by ``Sequential``)."""

    kind = "spec"
    name: str | None = None

    def _build(self, ctx: _Context, src: int, shape: Shape, name: str) -> tuple[int, Shape]:  # pragma: no cover
        raise NotImplementedError


class LayerSpec(Spec):
    """One layer kind with its arguments; ``needs`` is 'chw' (a (C, H, W) map), 'features' (a
    (F,) vector) or 'any'; ``expects`` the input channels/features the user stated, if any."""

    def __init__(self, kind: str, make: Maker, text: str, needs: str = "chw", expects: int | None = None,
                 name: str | None = None) -> None:
        self.kind = kind
        self.make = make
        self.text = text
        self.needs = needs
        self.expects = expects
        self.name = _name_arg(name)

    def _build(self, ctx: _Context, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
        label = ctx.label(self.kind, name)
        if self.needs == "chw" and len(shape) != 3:
            raise NetworkError(f"{label} needs a (channels, height, width) input but {ctx.producer(src, shape)}")
        if self.needs == "features" and len(shape) != 1:
            raise NetworkError(
                f"{label} needs a (features,) input but {ctx.producer(src, shape)}; "
                "put flatten() (or global_avgpool() then flatten()) before it")
        if self.expects is not None and shape[0] != self.expects:
            expected = (self.expects, *shape[1:])
            raise NetworkError(f"{label} expects input {expected} but {ctx.producer(src, shape)}")
        try:
            layer = self.make(shape, ctx.batch)
        except NetworkError:
            raise
        except LayerError as exc:
            raise NetworkError(f"{label} on input {tuple(shape)} (from {_from(ctx, src)}): {exc}") from None
        return ctx.add(name, layer, (src,), shape)

    def __repr__(self) -> str:
        return self.text


class Fixed(Spec):
    """A concrete layer placed in a network: its input shape and batch are checked."""

    def __init__(self, layer: Layer, name: str | None = None) -> None:
        self.layer = layer
        self.kind = layer.kind
        self.name = _name_arg(name)

    def _build(self, ctx: _Context, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
        layer = self.layer
        if layer.is_symbolic:
            raise NetworkError(f"{ctx.label(self.kind, name)} has symbolic dimensions; networks are numeric")
        full = tuple(layer.input_shape)  # type: ignore[attr-defined]
        batch, expected = full[0], tuple(int(d) for d in full[1:])
        if expected != tuple(shape):
            raise NetworkError(f"{ctx.label(self.kind, name)} was built for input {expected} but {ctx.producer(src, shape)}")
        if batch != ctx.batch:
            raise NetworkError(
                f"{ctx.label(self.kind, name)} was built for batch {batch} but the network's batch is {ctx.batch}; "
                "build it with batch= the same, or use a spec such as conv(...)")
        return ctx.add(name, layer, (src,), shape)

    def __repr__(self) -> str:
        return repr(self.layer)


def _from(ctx: _Context, src: int) -> str:
    return "the network input" if src < 0 else ctx.nodes[src].label


def _name_arg(name: Any) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name or "." in name:
        raise NetworkError(f"name={name!r} must be a non-empty string without dots (dots join nested names)")
    return name


def as_spec(item: Any, position: int | None = None) -> Spec:
    """A spec from a spec, a concrete layer, a (nested) list of items or an unbuilt/built Sequential."""
    if isinstance(item, Sequential):
        return item._as_block()
    if isinstance(item, Spec):
        return item
    if isinstance(item, Layer):
        return Fixed(item)
    if isinstance(item, (list, tuple)):
        return _Block(item)
    where = "" if position is None else f"item {position} "
    raise NetworkError(f"{where}{item!r} is not a layer, a spec such as conv(32, 3) or relu(), or a list of them")


def _build_items(items: Sequence[Spec], ctx: _Context, src: int, shape: Shape, prefix: str) -> tuple[int, Shape]:
    """Build ``items`` in order. A child is named by its ``name`` or its position; a name used
    twice in one sequence (a block reused) gets a suffix: ``block``, ``block_2``, ..."""
    used: dict[str, int] = {}
    for pos, spec in enumerate(items):
        local = spec.name if spec.name is not None else str(pos)
        if local in used:
            used[local] += 1
            local = f"{local}_{used[local]}"
        used.setdefault(local, 1)
        src, shape = spec._build(ctx, src, shape, prefix + local)
    return src, shape


class _Block(Spec):
    """A nested sequence of specs (its children are named ``<name>.<position or name>``)."""

    kind = "sequential"

    def __init__(self, items: Iterable[Any], name: str | None = None) -> None:
        self.items = tuple(as_spec(it, i) for i, it in enumerate(items))
        if not self.items:
            raise NetworkError("a Sequential needs at least one layer")
        self.name = _name_arg(name)

    def _build(self, ctx: _Context, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
        return _build_items(self.items, ctx, src, shape, name + ".")

    def __repr__(self) -> str:
        return f"[{', '.join(map(repr, self.items))}]"


class Residual(Spec):
    """A residual block: ``body(x) + shortcut(x)`` (``shortcut=None``: the identity), joined by an
    ``Add`` node named ``<name>.add``. Body layers are named ``<name>.<i>``, shortcut layers
    ``<name>.shortcut.<i>``. The two outputs must have the same shape; otherwise the error
    names the last layer of each branch and both shapes."""

    kind = "residual"

    def __init__(self, body: Iterable[Any], shortcut: Iterable[Any] | None = None, name: str | None = None) -> None:
        self.body = _Block(body)
        self.shortcut = None if shortcut is None else _Block(shortcut)
        self.name = _name_arg(name)

    def _build(self, ctx: _Context, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
        b_idx, b_shape = _build_items(self.body.items, ctx, src, shape, name + ".")
        if self.shortcut is None:
            s_idx, s_shape = src, shape
            where = f"the identity shortcut carries the block input: {ctx.producer(src, shape)}"
        else:
            s_idx, s_shape = _build_items(self.shortcut.items, ctx, src, shape, name + ".shortcut.")
            where = f"the shortcut ends with {ctx.producer(s_idx, s_shape)}"
        if b_shape != s_shape:
            raise NetworkError(
                f"residual {name!r}: the body ends with {ctx.producer(b_idx, b_shape)} but {where}; "
                "the Add needs equal shapes (give the shortcut a projection, e.g. [conv(C, 1, stride=s), batchnorm()])")
        return ctx.add(name + ".add", Add(b_shape, ctx.batch), (b_idx, s_idx), b_shape)

    def __repr__(self) -> str:
        sc = "" if self.shortcut is None else f", shortcut={self.shortcut!r}"
        return f"Residual({self.body!r}{sc})"


def _shape_arg(value: Any) -> Shape:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value),)
    if not isinstance(value, (tuple, list)) or len(value) not in (1, 3):
        raise NetworkError(f"input_shape={value!r} must be (channels, height, width) or (features,), batch excluded")
    for d in value:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
            raise NetworkError(f"input_shape={tuple(value)!r} must hold positive ints (networks are numeric)")
    return tuple(int(d) for d in value)


class Sequential(Network):
    """Layers in order, built from specs by propagating ``input_shape`` (per sample, batch
    excluded) through them::

        net = Sequential([conv(32, 3, stride=2, padding=1), batchnorm(), relu(),
                          global_avgpool(), flatten(), linear(10)],
                         input_shape=(3, 32, 32), batch=1, name="tiny")

    Items are specs (``conv(...)``, ``relu()``, ``Residual(...)``), concrete layers (checked
    against the propagated shape), nested lists or other ``Sequential`` s (their children are
    named ``<name>.<i>``). Without ``input_shape`` it is an unbuilt block, to nest or to
    ``build(input_shape, batch)`` later. ``fuse`` sets the default fusion (see :class:`Network`).
    """

    def __init__(self, items: Iterable[Any], input_shape: Any = None, batch: int = 1, name: str | None = None,
                 fuse: bool = True) -> None:
        block = _Block(items, None)
        object.__setattr__(self, "items", block.items)
        if name is not None and (not isinstance(name, str) or not name):
            raise NetworkError(f"name={name!r} must be a non-empty string")
        object.__setattr__(self, "_block_name", name)
        if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1:
            raise NetworkError(f"batch={batch!r} must be a positive int")
        title = name or "sequential"
        if input_shape is None:
            self._init(None, None, int(batch), title, fuse)  # type: ignore[arg-type]
            return
        shape = _shape_arg(input_shape)
        ctx = _Context(int(batch))
        _build_items(block.items, ctx, -1, shape, "")
        self._init(tuple(ctx.nodes), shape, int(batch), title, fuse)

    @property
    def built(self) -> bool:
        return self._nodes is not None  # type: ignore[attr-defined]

    @property
    def nodes(self) -> tuple[Node, ...]:
        nodes = self._nodes  # type: ignore[attr-defined]
        if nodes is None:
            raise NetworkError(f"Sequential {self.name!r} is not built: pass input_shape=(C, H, W) or call .build((C, H, W))")
        return nodes  # type: ignore[no-any-return]

    def build(self, input_shape: Any, batch: int | None = None, fuse: bool | None = None) -> "Sequential":
        """This sequence built for ``input_shape`` (per sample) and ``batch``."""
        return Sequential(self.items, input_shape, self.batch if batch is None else batch,
                          self._block_name, self.fuse if fuse is None else fuse)  # type: ignore[attr-defined]

    def with_batch(self, batch: int) -> "Sequential":
        """The same network rebuilt at another batch size."""
        return self.build(self.input_shape, batch)

    def _as_block(self) -> Spec:
        return _Block(self.items, self._block_name)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        if not self.built:
            return f"Sequential(unbuilt {self.name!r}, {len(self.items)} items)"  # type: ignore[attr-defined]
        return super().__repr__()

    def _repr_markdown_(self) -> str:
        return super()._repr_markdown_() if self.built else f"`{self!r}`"


# ---------------------------------------------------------------------------------------------
# lowercase builders: one per layer kind, no input sizes
def _kw(**kwargs: Any) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if v is not None)


def _text(fn: str, *args: Any, **kwargs: Any) -> str:
    parts = [repr(a) for a in args] + ([_kw(**kwargs)] if _kw(**kwargs) else [])
    return f"{fn}({', '.join(parts)})"


def _conv(out: int, k: Any, stride: Any, padding: Any, dilation: Any, groups: int, bias: bool, s: Shape, b: int) -> Layer:
    return Conv2d(s[0], out, k, s[1:], stride, padding, dilation, groups, bias, b)


def _depthwise(k: Any, stride: Any, padding: Any, dilation: Any, bias: bool, multiplier: int, s: Shape, b: int) -> Layer:
    return Depthwise(s[0], k, s[1:], stride, padding, dilation, bias, b, multiplier)


def _pointwise(out: int, stride: Any, bias: bool, s: Shape, b: int) -> Layer:
    return Pointwise(s[0], out, s[1:], stride, 1, bias, b)


def _depsep(out: int, k: Any, stride: Any, padding: Any, dilation: Any, bias: bool, mult: int, s: Shape, b: int) -> Layer:
    return DepSep(s[0], out, k, s[1:], stride, padding, dilation, bias, b, mult)


def _linear(out: int, bias: bool, s: Shape, b: int) -> Layer:
    return Linear(s[0], out, bias, b)


def _maxpool(k: Any, stride: Any, padding: Any, dilation: Any, s: Shape, b: int) -> Layer:
    return MaxPool2d(s[0], k, s[1:], stride, padding, dilation, b)


def _avgpool(k: Any, stride: Any, padding: Any, s: Shape, b: int) -> Layer:
    return AvgPool2d(s[0], k, s[1:], stride, padding, b)


def _global_avgpool(s: Shape, b: int) -> Layer:
    return GlobalAvgPool(s[0], s[1:], b)


def _batchnorm(s: Shape, b: int) -> Layer:
    return BatchNorm2d(s[0], s[1:], b)


def _activation(cls: type, s: Shape, b: int) -> Layer:
    return cls(s, b)  # type: ignore[no-any-return]


def _flatten(s: Shape, b: int) -> Layer:
    return Flatten(s, b)


def _se(squeeze: int | None, ratio: float, activation: str, gate: str, s: Shape, b: int) -> Layer:
    squeeze = squeeze if squeeze is not None else max(1, int(s[0] * ratio))
    return SqueezeExcitation(s[0], squeeze, s[1:], b, activation, gate)


def conv(out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
         groups: int = 1, bias: bool = False, *, in_channels: int | None = None, name: str | None = None) -> Spec:
    """A ``Conv2d`` whose input channels and size come from the previous layer (``in_channels``,
    when given, is checked)."""
    text = _text("conv", out_channels, kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0),
                 dilation=_nd(dilation, 1), groups=_nd(groups, 1), bias=_nd(bias, False), in_channels=in_channels)
    make = partial(_conv, out_channels, kernel_size, stride, padding, dilation, groups, bias)
    return LayerSpec("conv", make, text, "chw", in_channels, name)


def depthwise(kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1, bias: bool = False,
              multiplier: int = 1, *, channels: int | None = None, name: str | None = None) -> Spec:
    """A ``Depthwise`` conv over however many channels arrive."""
    text = _text("depthwise", kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0), dilation=_nd(dilation, 1),
                 bias=_nd(bias, False), multiplier=_nd(multiplier, 1), channels=channels)
    make = partial(_depthwise, kernel_size, stride, padding, dilation, bias, multiplier)
    return LayerSpec("depthwise", make, text, "chw", channels, name)


def pointwise(out_channels: int, stride: Any = 1, bias: bool = False, *, in_channels: int | None = None,
              name: str | None = None) -> Spec:
    """A 1x1 ``Pointwise`` conv."""
    text = _text("pointwise", out_channels, stride=_nd(stride, 1), bias=_nd(bias, False), in_channels=in_channels)
    return LayerSpec("pointwise", partial(_pointwise, out_channels, stride, bias), text, "chw", in_channels, name)


def depsep(out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
           bias: bool = False, depth_multiplier: int = 1, *, in_channels: int | None = None,
           name: str | None = None) -> Spec:
    """A ``DepSep`` (depthwise then pointwise, one composite layer: its intermediate stays on chip
    under the ``compulsory`` traffic model)."""
    text = _text("depsep", out_channels, kernel_size, stride=_nd(stride, 1), padding=_nd(padding, 0),
                 dilation=_nd(dilation, 1), bias=_nd(bias, False), depth_multiplier=_nd(depth_multiplier, 1),
                 in_channels=in_channels)
    make = partial(_depsep, out_channels, kernel_size, stride, padding, dilation, bias, depth_multiplier)
    return LayerSpec("depsep", make, text, "chw", in_channels, name)


def linear(out_features: int, bias: bool = True, *, in_features: int | None = None, name: str | None = None) -> Spec:
    """A ``Linear`` on a (features,) input (``flatten()`` a map first)."""
    text = _text("linear", out_features, bias=_nd(bias, True), in_features=in_features)
    return LayerSpec("linear", partial(_linear, out_features, bias), text, "features", in_features, name)


def maxpool(kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1, *, name: str | None = None) -> Spec:
    """``MaxPool2d`` (stride defaults to the kernel size)."""
    text = _text("maxpool", kernel_size, stride=stride, padding=_nd(padding, 0), dilation=_nd(dilation, 1))
    return LayerSpec("maxpool", partial(_maxpool, kernel_size, stride, padding, dilation), text, "chw", None, name)


def avgpool(kernel_size: Any, stride: Any = None, padding: Any = 0, *, name: str | None = None) -> Spec:
    """``AvgPool2d`` (stride defaults to the kernel size)."""
    text = _text("avgpool", kernel_size, stride=stride, padding=_nd(padding, 0))
    return LayerSpec("avgpool", partial(_avgpool, kernel_size, stride, padding), text, "chw", None, name)


def global_avgpool(*, name: str | None = None) -> Spec:
    """``GlobalAvgPool``: (C, H, W) -> (C, 1, 1)."""
    return LayerSpec("globalavgpool", _global_avgpool, "global_avgpool()", "chw", None, name)


def batchnorm(*, channels: int | None = None, name: str | None = None) -> Spec:
    """``BatchNorm2d`` over the incoming channels (``channels``, when given, is checked)."""
    return LayerSpec("batchnorm", _batchnorm, _text("batchnorm", channels=channels), "chw", channels, name)


def activation(kind: str, *, name: str | None = None) -> Spec:
    """An activation by name: relu, relu6, sigmoid, silu (swish), hardsigmoid, hardswish."""
    cls = ACTIVATIONS.get(str(kind).lower())
    if cls is None:
        raise NetworkError(f"activation {kind!r} is not known; use one of {', '.join(sorted(ACTIVATIONS))}")
    return LayerSpec(cls.kind, partial(_activation, cls), f"{cls.kind}()", "any", None, name)


def relu(*, name: str | None = None) -> Spec:
    """``ReLU`` (1 op per element)."""
    return activation("relu", name=name)


def relu6(*, name: str | None = None) -> Spec:
    """``ReLU6`` (2 ops per element)."""
    return activation("relu6", name=name)


def sigmoid(*, name: str | None = None) -> Spec:
    """``Sigmoid`` (3 ops per element)."""
    return activation("sigmoid", name=name)


def silu(*, name: str | None = None) -> Spec:
    """``SiLU`` / swish (4 ops per element)."""
    return activation("silu", name=name)


swish = silu


def hardsigmoid(*, name: str | None = None) -> Spec:
    """``HardSigmoid`` (4 ops per element)."""
    return activation("hardsigmoid", name=name)


def hardswish(*, name: str | None = None) -> Spec:
    """``HardSwish`` (5 ops per element)."""
    return activation("hardswish", name=name)


def flatten(*, name: str | None = None) -> Spec:
    """``Flatten`` (a view: 0 ops, 0 bytes)."""
    return LayerSpec("flatten", _flatten, "flatten()", "any", None, name)


def se(squeeze_channels: int | None = None, *, ratio: float = 0.25, activation: str = "relu",
       gate: str = "sigmoid", name: str | None = None) -> Spec:
    """``SqueezeExcitation`` on the incoming map: ``squeeze_channels`` (default
    ``max(1, int(channels x ratio))``), FC activation and gate by name."""
    text = _text("se", squeeze_channels, activation=_nd(activation, "relu"), gate=_nd(gate, "sigmoid"))
    return LayerSpec("se", partial(_se, squeeze_channels, ratio, activation, gate), text, "chw", None, name)


def named(spec: Any, name: str) -> Spec:
    """``spec`` (a spec, layer or list) under ``name``."""
    s = as_spec(spec)
    clone = object.__new__(type(s))
    clone.__dict__.update(s.__dict__)
    clone.name = _name_arg(name)
    return clone


def _nd(value: Any, default: Any) -> Any:
    """``value`` unless it equals the default (keeps spec reprs short)."""
    return None if value == default else value


__all__ = [
    "Spec", "LayerSpec", "Fixed", "Residual", "Sequential", "as_spec", "named",
    "conv", "depthwise", "pointwise", "depsep", "linear", "maxpool", "avgpool", "global_avgpool",
    "batchnorm", "activation", "relu", "relu6", "sigmoid", "silu", "swish", "hardsigmoid", "hardswish",
    "flatten", "se",
]
