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
from collections.abc import Iterable as _Iterable
from functools import partial
from typing import Any, Callable, Iterable, Sequence

from ..layers.base import Layer
from ..layers.dims import LayerError
from ..layers.elementwise import Add
from . import makers
from .core import Network
from .graph import GraphBuilder, NetworkError, Node, Shape
from ..validation import integer, integers, shown
from ..validation import name as text_name

Maker = Callable[[Shape, int], Layer]
"""Builds the concrete layer of a spec from the input shape (per sample) and the batch."""


class Spec:
    """A layer or block whose input size is not known yet (built by ``Sequential``)."""

    kind = "spec"
    name: str | None = None

    def _build(self, ctx: GraphBuilder, src: int, shape: Shape, name: str) -> tuple[int, Shape]:  # pragma: no cover
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
        self.name = check_name(name)

    def _build(self, ctx: GraphBuilder, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
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
            layer = ctx.layer(maker_key(self.make, shape), lambda: self.make(shape, ctx.batch))
        except NetworkError:
            raise
        except LayerError as exc:
            raise NetworkError(f"{label} on input {tuple(shape)} (from {ctx.source(src)}): {exc}") from None
        return ctx.add(name, layer, (src,), shape)

    def __repr__(self) -> str:
        return self.text


def maker_key(make: Maker, shape: Shape) -> tuple[Any, ...] | None:
    """What identifies the layer ``make`` builds on ``shape`` within one build (the batch is the
    build's): the maker function of :mod:`.makers`, its bound arguments and their types (so
    ``1`` and ``True`` differ; the builders have checked them) and the shape. None (never
    shared) for any other callable, or arguments that cannot be hashed."""
    if isinstance(make, partial):
        func, args, keywords = make.func, make.args, make.keywords
    else:
        func, args, keywords = make, (), None
    if getattr(func, "__module__", None) != makers.__name__:
        return None
    key = (func, args, tuple(map(type, args)), tuple(sorted(keywords.items())) if keywords else (), shape)
    try:
        hash(key)
    except TypeError:
        return None
    return key


class Fixed(Spec):
    """A concrete layer placed in a network: its input shape and batch are checked."""

    def __init__(self, layer: Layer, name: str | None = None) -> None:
        self.layer = layer
        self.kind = layer.kind
        self.name = check_name(name)

    def _build(self, ctx: GraphBuilder, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
        layer = self.layer
        if layer.is_symbolic:
            raise NetworkError(f"{ctx.label(self.kind, name)} has symbolic dimensions; networks are numeric")
        full = tuple(layer.input_shape)  # type: ignore[attr-defined]  # Layer does not declare it
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


def check_name(name: Any) -> str | None:
    """A child's ``name=``: None, or a non-empty string without dots."""
    if name is None:
        return None
    if not isinstance(name, str) or not name or "." in name:
        raise NetworkError(f"name={shown(name)} must be a non-empty string without dots (dots join nested names)")
    return name


def as_spec(item: Any, position: int | None = None, argument: str = "items") -> Spec:
    """A spec from a spec, a concrete layer, a (nested) list of items or an unbuilt/built Sequential."""
    if isinstance(item, Sequential):
        return item._as_block()
    if isinstance(item, Spec):
        return item
    if isinstance(item, Layer):
        return Fixed(item)
    if isinstance(item, (list, tuple)):
        return _Block(item)
    where = argument if position is None else f"{argument}[{position}]"
    raise NetworkError(f"{where}={shown(item)} is not a layer, a spec such as conv(32, 3) or relu(), or a list of them")


def _build_items(items: Sequence[Spec], ctx: GraphBuilder, src: int, shape: Shape, prefix: str) -> tuple[int, Shape]:
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

    def __init__(self, items: Iterable[Any], name: str | None = None, argument: str = "items") -> None:
        if isinstance(items, (Spec, Layer)):
            items = [items]
        if isinstance(items, (str, bytes)) or not isinstance(items, _Iterable):
            raise NetworkError(f"{argument}={shown(items)} must be a list of layers or specs such as "
                               "[conv(32, 3), relu()]")
        self.items = tuple(as_spec(it, i, argument) for i, it in enumerate(items))
        if not self.items:
            raise NetworkError(f"{argument}=[] is empty: a Sequential needs at least one layer")
        self.name = check_name(name)

    def _build(self, ctx: GraphBuilder, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
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
        self.body = _Block(body, argument="body")
        self.shortcut = None if shortcut is None else _Block(shortcut, argument="shortcut")
        self.name = check_name(name)

    def _build(self, ctx: GraphBuilder, src: int, shape: Shape, name: str) -> tuple[int, Shape]:
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
        add = ctx.layer(("add", b_shape), lambda: Add(b_shape, ctx.batch))
        return ctx.add(name + ".add", add, (b_idx, s_idx), b_shape)

    def __repr__(self) -> str:
        sc = "" if self.shortcut is None else f", shortcut={self.shortcut!r}"
        return f"Residual({self.body!r}{sc})"


def _shape_arg(value: Any) -> Shape:
    """``input_shape``: (C, H, W) or (features,) of positive ints (Python or numpy), batch excluded."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    if (isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) and getattr(value, "ndim", None) != 1
            or len(value) not in (1, 3)):
        raise NetworkError(f"input_shape={shown(value)} must be (channels, height, width) or (features,), batch excluded")
    return integers(value, "input_shape", length=(1, 3), minimum=1, error=NetworkError)


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

    items: tuple[Spec, ...]
    _block_name: str | None

    def __init__(self, items: Iterable[Any], input_shape: Any = None, batch: int = 1, name: str | None = None,
                 fuse: bool = True) -> None:
        block = _Block(items, None)
        object.__setattr__(self, "items", block.items)
        if name is not None:
            name = text_name(name, "name", error=NetworkError)
        object.__setattr__(self, "_block_name", name)
        batch = integer(batch, "batch", minimum=1, error=NetworkError)
        title = name or "sequential"
        if input_shape is None:
            self._init(None, None, int(batch), title, fuse)  # type: ignore[arg-type]  # unbuilt: no nodes or shape yet
            return
        shape = _shape_arg(input_shape)
        ctx = GraphBuilder(int(batch))
        _build_items(block.items, ctx, -1, shape, "")
        self._init(tuple(ctx.nodes), shape, int(batch), title, fuse)

    @property
    def built(self) -> bool:
        nodes: tuple[Node, ...] | None = self._nodes
        return nodes is not None

    @property
    def nodes(self) -> tuple[Node, ...]:
        nodes: tuple[Node, ...] | None = self._nodes
        if nodes is None:
            raise NetworkError(f"Sequential {self.name!r} is not built: pass input_shape=(C, H, W) or call .build((C, H, W))")
        return nodes

    def build(self, input_shape: Any, batch: int | None = None, fuse: bool | None = None) -> "Sequential":
        """This sequence built for ``input_shape`` (per sample) and ``batch``."""
        return Sequential(self.items, input_shape, self.batch if batch is None else batch,
                          self._block_name, self.fuse if fuse is None else fuse)

    def with_batch(self, batch: int) -> "Sequential":
        """The same network rebuilt at another batch size."""
        return self.build(self.input_shape, batch)

    def _as_block(self) -> Spec:
        return _Block(self.items, self._block_name)

    def __repr__(self) -> str:
        if not self.built:
            return f"Sequential(unbuilt {self.name!r}, {len(self.items)} items)"
        return super().__repr__()

    def _repr_markdown_(self) -> str:
        return super()._repr_markdown_() if self.built else f"`{self!r}`"


__all__ = ["Maker", "Spec", "LayerSpec", "Fixed", "Residual", "Sequential", "as_spec", "check_name"]
