"""The PyTorch module equivalent to one of our layers or networks, for the torch backend.

:func:`torch_module` maps a concrete layer onto ``torch.nn``: a ``Conv2d`` (conv, depthwise,
pointwise: ``groups``, stride, dilation, bias as declared; asymmetric padding by a
``ZeroPad2d`` in front), a ``DepSep`` (the depthwise then the pointwise conv), ``Linear``,
``MaxPool2d``/``AvgPool2d``/``GlobalAvgPool`` (``AdaptiveAvgPool2d(1)``), ``BatchNorm2d``
(eval mode: the running statistics, as at inference), the activations, ``Flatten`` and
``SqueezeExcitation`` (pool, fc1, act, fc2, gate, rescale). A :class:`~roofline_conv.network.Network`
becomes a :class:`GraphModule` running its nodes in execution order, each reading the outputs
of the nodes it names (``Add`` sums them): the whole forward pass as PyTorch's eager mode runs
it, per-op dispatch and un-fused BatchNorm/activation included (no ``torch.compile``).

Counts are not changed: the modules have exactly the parameters the layers count (BatchNorm
also has its 2C running statistics as buffers). ``torch`` is passed in, never imported here
at module level, so importing this module does not import PyTorch.
"""

from __future__ import annotations

from typing import Any

from ..layers import (ACTIVATIONS, Add, AvgPool2d, BatchNorm2d, Conv2d, DepSep, Flatten, GlobalAvgPool, Layer, Linear,
                      MaxPool2d, Scale, SqueezeExcitation)
from ..validation import shown

__all__ = ["ACTIVATION_MODULES", "torch_module", "module_input_shape"]

ACTIVATION_MODULES = {"relu": "ReLU", "relu6": "ReLU6", "sigmoid": "Sigmoid", "silu": "SiLU",
                      "hardsigmoid": "Hardsigmoid", "hardswish": "Hardswish"}
"""Our activation kinds and the ``torch.nn`` class of each."""


def _padding(torch: Any, padding: Any) -> tuple[Any, tuple[int, int]]:
    """(a ``ZeroPad2d`` in front or ``None``, the symmetric padding the op itself takes)."""
    (pt, pb), (pl, pr) = ((int(a), int(b)) for a, b in padding)
    if pt == pb and pl == pr:
        return None, (pt, pl)
    return torch.nn.ZeroPad2d((pl, pr, pt, pb)), (0, 0)


def _conv(torch: Any, layer: Conv2d) -> Any:
    pad, sym = _padding(torch, layer.padding)
    conv = torch.nn.Conv2d(int(layer.in_channels), int(layer.out_channels), tuple(map(int, layer.kernel_size)),
                           stride=tuple(map(int, layer.stride)), padding=sym, dilation=tuple(map(int, layer.dilation)),
                           groups=int(layer.groups), bias=bool(layer.bias))
    return conv if pad is None else torch.nn.Sequential(pad, conv)


def _pool(torch: Any, layer: Any) -> Any:
    if isinstance(layer, GlobalAvgPool):
        return torch.nn.AdaptiveAvgPool2d(1)
    pad, sym = _padding(torch, layer.padding)
    kernel, stride = tuple(map(int, layer.kernel_size)), tuple(map(int, layer.stride))
    if isinstance(layer, MaxPool2d):
        if pad is not None:
            (pt, pb), (pl, pr) = layer.padding
            pad = torch.nn.ConstantPad2d((int(pl), int(pr), int(pt), int(pb)), float("-inf"))
        pool = torch.nn.MaxPool2d(kernel, stride, sym, dilation=tuple(map(int, layer.dilation)))
    else:
        if tuple(layer.dilation) != (1, 1):
            raise ValueError(f"{layer!r}: PyTorch's AvgPool2d has no dilation; it cannot be measured with torch")
        pool = torch.nn.AvgPool2d(kernel, stride, sym)
    return pool if pad is None else torch.nn.Sequential(pad, pool)


def _activation(torch: Any, kind: str) -> Any:
    return getattr(torch.nn, ACTIVATION_MODULES[kind])()


def _se(torch: Any, layer: SqueezeExcitation) -> Any:
    nn = torch.nn

    class SE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Linear(int(layer.channels), int(layer.squeeze_channels))
            self.act = _activation(torch, layer.act.kind)
            self.fc2 = nn.Linear(int(layer.squeeze_channels), int(layer.channels))
            self.gate = _activation(torch, layer.gate.kind)

        def forward(self, x: Any) -> Any:
            g = self.gate(self.fc2(self.act(self.fc1(self.pool(x).flatten(1)))))
            return x * g[:, :, None, None]

    return SE()


def _flatten_linear(torch: Any, layer: Linear) -> Any:
    linear = torch.nn.Linear(int(layer.in_features), int(layer.out_features), bias=bool(layer.bias))
    return torch.nn.Sequential(torch.nn.Flatten(1), linear)  # a no-op view on (B, F) input


def layer_module(torch: Any, layer: Layer) -> Any:
    """The ``torch.nn.Module`` of one concrete layer (not a network); a ``ValueError`` naming
    the layer for a kind PyTorch has no module for here."""
    nn = torch.nn
    if isinstance(layer, Conv2d):
        return _conv(torch, layer)
    if isinstance(layer, DepSep):
        return nn.Sequential(_conv(torch, layer.depthwise), _conv(torch, layer.pointwise))
    if isinstance(layer, Linear):
        return _flatten_linear(torch, layer)
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        return _pool(torch, layer)
    if isinstance(layer, BatchNorm2d):
        return nn.BatchNorm2d(int(layer.channels))
    if isinstance(layer, SqueezeExcitation):
        return _se(torch, layer)
    if isinstance(layer, Flatten):
        return nn.Flatten(1)
    if getattr(layer, "kind", None) in ACTIVATIONS:
        return _activation(torch, layer.kind)
    raise ValueError(f"layer={shown(layer)} has no PyTorch module here: the torch backend runs conv, depthwise, "
                     "pointwise, DepSep, linear, pooling, BatchNorm, activations, add, flatten, scale and SE")


def _graph_module(torch: Any, network: Any) -> Any:
    nn = torch.nn
    nodes = network.nodes
    plan: list[tuple[str, tuple[int, ...]]] = []
    mods = nn.ModuleDict()
    for node in nodes:
        layer = node.layer
        if isinstance(layer, Add):
            plan.append(("add", node.inputs))
        elif isinstance(layer, Scale):
            plan.append(("scale", node.inputs))
        else:
            mods[str(node.index)] = layer_module(torch, layer)
            plan.append(("module", node.inputs))

    class GraphModule(nn.Module):
        """The network's nodes run in execution order; -1 is the network input."""

        def __init__(self) -> None:
            super().__init__()
            self.nodes = mods

        def forward(self, x: Any) -> Any:
            outs: list[Any] = []
            for i, (what, inputs) in enumerate(plan):
                args = [x if j < 0 else outs[j] for j in inputs]
                if what == "add":
                    y = args[0]
                    for a in args[1:]:
                        y = y + a
                elif what == "scale":
                    y = args[0] * args[1].reshape(args[1].shape[0], -1, 1, 1)
                else:
                    y = self.nodes[str(i)](*args)
                outs.append(y)
            return outs[-1]

    return GraphModule()


def torch_module(torch: Any, layer: Layer) -> Any:
    """The module of ``layer`` or of a whole network, in eval mode (inference)."""
    module = _graph_module(torch, layer) if hasattr(layer, "nodes") else layer_module(torch, layer)
    return module.eval()


def module_input_shape(layer: Layer) -> tuple[int, ...]:
    """The input tensor's shape, batch first: (B, C, H, W), or (B, F) for a linear layer."""
    if hasattr(layer, "nodes"):
        return (int(layer.batch), *map(int, layer.input_shape))
    if isinstance(layer, DepSep):
        layer = layer.depthwise
    if isinstance(layer, Linear):
        return (int(layer.batch), int(layer.in_features))
    shape = getattr(layer, "input_shape", None)
    if shape is None:
        shape = (layer.batch, *layer.sample_input_shape)
    return tuple(int(v) for v in shape)
