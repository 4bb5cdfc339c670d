"""What the training step needs of a network, as a structural type: training sits below
``roofline_conv.network`` (``Network.training_step()`` calls :func:`~roofline_conv.training.step`),
so it names the attributes it reads instead of importing the class."""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence, runtime_checkable

from ..layers.base import Layer


@runtime_checkable
class TrainableNode(Protocol):
    """One node of a network: its position, name, layer, and the nodes it reads (-1: the input)."""

    @property
    def index(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def layer(self) -> Layer: ...

    @property
    def inputs(self) -> tuple[int, ...]: ...

    @property
    def kind(self) -> str: ...


@runtime_checkable
class TrainableNetwork(Protocol):
    """A network a training step can be built for (``roofline_conv.network.Network`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def batch(self) -> int: ...

    @property
    def params(self) -> int: ...

    @property
    def input_elements(self) -> int: ...

    @property
    def nodes(self) -> Sequence[TrainableNode]: ...

    def node_traffic_elements(self, model: str = ..., fuse: bool | None = ...) -> Sequence[int]: ...

    def __iter__(self) -> Iterator[Layer]: ...


def require_network(net: object) -> TrainableNetwork:
    """``net`` if it is a network; ValueError (naming what was passed) otherwise."""
    if not isinstance(net, Layer) or not isinstance(net, TrainableNetwork):
        raise ValueError(f"training.step() needs a network (a Sequential or a zoo model), not {type(net).__name__}")
    return net


__all__ = ["TrainableNetwork", "TrainableNode", "require_network"]
