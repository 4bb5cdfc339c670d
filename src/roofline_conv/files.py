"""Layers and networks described in a TOML or JSON file (schema in docs/cli.md).

A file holds either one ``[layer]`` table::

    [layer]
    kind = "depsep"          # conv | depthwise | pointwise | depsep
    in_channels = 128
    out_channels = 128
    kernel_size = 3
    input_size = 224
    padding = "same"         # int, [h, w], "same" or "valid"

or one ``[network]`` table with ``input_shape = [C, H, W]``, optional ``batch``, ``name``,
``fuse`` and a list ``layers`` of ``{op = "...", ...}`` items, ``op`` being a builder of
:mod:`roofline_conv.network` (``conv``, ``depsep``, ``batchnorm``, ``relu``, ``maxpool``,
``linear``, ``residual`` with ``body``/``shortcut`` lists, ...) and the other keys its arguments.

Every problem raises :class:`SpecFileError` (a ``ValueError``) naming the file, the field and
the rule, e.g. ``net.toml: network.layers[3]: op 'rellu' is not known (did you mean 'relu'?)``.
"""

from __future__ import annotations

import difflib
import inspect
import json
from pathlib import Path
from typing import Any, Union

from .layers import Conv2d, DepSep, Depthwise, Layer, Pointwise

from ._compat import tomllib

LAYER_KINDS = ("conv", "depthwise", "pointwise", "depsep")
NETWORK_OPS = ("conv", "depthwise", "pointwise", "depsep", "linear", "maxpool", "avgpool", "global_avgpool",
               "batchnorm", "relu", "relu6", "sigmoid", "silu", "swish", "hardsigmoid", "hardswish", "flatten",
               "se", "residual")


class SpecFileError(ValueError):
    """A layer/network file is unreadable or breaks the schema."""

    def __init__(self, source: str, field: str, rule: str) -> None:
        self.source, self.field, self.rule = source, field, rule
        super().__init__(f"{source}: {field}: {rule}" if field else f"{source}: {rule}")


def _hint(name: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def read(path: Union[str, Path]) -> dict[str, Any]:
    """The file's data (TOML by default, JSON for ``.json``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecFileError(str(path), "", f"cannot be read ({exc.strerror or exc})") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecFileError(str(path), f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecFileError(str(path), "", f"invalid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecFileError(str(path), "", "must hold a table with a 'layer' or a 'network'")
    return data


def load(path: Union[str, Path]) -> Any:
    """A ``Layer`` (from ``[layer]``) or a built ``Sequential`` (from ``[network]``)."""
    data = read(path)
    return from_dict(data, str(path))


def from_dict(data: dict[str, Any], source: str = "<dict>") -> Any:
    """As :func:`load`, from already-parsed data."""
    keys = set(data) & {"layer", "network"}
    if len(keys) != 1 or set(data) - {"layer", "network"}:
        extra = sorted(set(data) - {"layer", "network"})
        rule = (f"unknown top-level key {extra[0]!r}{_hint(extra[0], ['layer', 'network'])}" if extra
                else "must hold exactly one of 'layer' or 'network'")
        raise SpecFileError(source, "", rule)
    if "layer" in data:
        return layer_from_dict(data["layer"], source)
    return network_from_dict(data["network"], source)


_LAYER_ARGS = {
    "conv": ("in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding", "dilation", "groups", "bias", "batch"),
    "depthwise": ("channels", "kernel_size", "input_size", "stride", "padding", "dilation", "bias", "batch", "multiplier"),
    "pointwise": ("in_channels", "out_channels", "input_size", "stride", "groups", "bias", "batch"),
    "depsep": ("in_channels", "out_channels", "kernel_size", "input_size", "stride", "padding", "dilation", "bias", "batch", "depth_multiplier"),
}
_LAYER_CLASSES = {"conv": Conv2d, "depthwise": Depthwise, "pointwise": Pointwise, "depsep": DepSep}


def layer_from_dict(spec: Any, source: str = "<dict>", field: str = "layer") -> Layer:
    """One conv-family layer from ``{kind = ..., dimensions...}``."""
    if not isinstance(spec, dict):
        raise SpecFileError(source, field, "must be a table of layer fields")
    kind = spec.get("kind")
    if kind not in LAYER_KINDS:
        raise SpecFileError(source, f"{field}.kind",
                            f"{kind!r} is not a layer kind; use one of {', '.join(LAYER_KINDS)}"
                            + (_hint(str(kind), LAYER_KINDS) if kind else ""))
    allowed = _LAYER_ARGS[kind]
    args = {k: _tuple(v) for k, v in spec.items() if k != "kind"}
    for key in args:
        if key not in allowed:
            raise SpecFileError(source, f"{field}.{key}", f"is not a {kind} field; use {', '.join(allowed)}"
                                + _hint(key, allowed))
    try:
        return _LAYER_CLASSES[kind](**args)
    except TypeError as exc:
        missing = [p for p in inspect.signature(_LAYER_CLASSES[kind]).parameters.values()
                   if p.default is inspect.Parameter.empty and p.name not in args]
        rule = f"missing required field {missing[0].name!r}" if missing else str(exc)
        raise SpecFileError(source, field, rule) from None
    except ValueError as exc:
        raise SpecFileError(source, field, str(exc)) from None


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def network_from_dict(spec: Any, source: str = "<dict>") -> Any:
    """A built ``Sequential`` from ``{input_shape = [C, H, W], layers = [...], ...}``."""
    from . import network

    field = "network"
    if not isinstance(spec, dict):
        raise SpecFileError(source, field, "must be a table of network fields")
    allowed = ("name", "input_shape", "batch", "fuse", "layers")
    for key in spec:
        if key not in allowed:
            raise SpecFileError(source, f"{field}.{key}", f"is not a network field; use {', '.join(allowed)}" + _hint(key, allowed))
    if "input_shape" not in spec:
        raise SpecFileError(source, f"{field}.input_shape", "is required: [channels, height, width]")
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecFileError(source, f"{field}.layers", "must be a non-empty list of {op = ...} tables")
    items = _items(layers, source, f"{field}.layers")
    try:
        return network.Sequential(items, _tuple(spec["input_shape"]), spec.get("batch", 1), spec.get("name"),
                                  spec.get("fuse", True))
    except (TypeError, ValueError) as exc:
        raise SpecFileError(source, field, str(exc)) from None


def _items(layers: list[Any], source: str, field: str) -> list[Any]:
    from . import network

    items = []
    for i, item in enumerate(layers):
        where = f"{field}[{i}]"
        if not isinstance(item, dict) or "op" not in item:
            raise SpecFileError(source, where, "must be a table with an 'op' key, e.g. {op = \"relu\"}")
        op = item["op"]
        if op not in NETWORK_OPS:
            raise SpecFileError(source, f"{where}.op", f"op {op!r} is not known{_hint(str(op), NETWORK_OPS)}; "
                                f"use one of {', '.join(NETWORK_OPS)}")
        args = {k: _tuple(v) for k, v in item.items() if k != "op"}
        if op == "residual":
            unknown = set(args) - {"body", "shortcut", "name"}
            if unknown or "body" not in args:
                rule = f"unknown field {sorted(unknown)[0]!r}" if unknown else "needs a 'body' list"
                raise SpecFileError(source, where, rule)
            body = _items(list(args["body"]), source, f"{where}.body")
            shortcut = _items(list(args["shortcut"]), source, f"{where}.shortcut") if args.get("shortcut") else None
            items.append(network.Residual(body, shortcut, args.get("name")))
            continue
        builder = getattr(network, op)
        params = inspect.signature(builder).parameters
        for key in args:
            if key not in params:
                raise SpecFileError(source, f"{where}.{key}", f"is not an argument of {op}; use {', '.join(params)}"
                                    + _hint(key, list(params)))
        try:
            items.append(builder(**args))
        except (TypeError, ValueError) as exc:
            raise SpecFileError(source, where, f"{op}: {exc}") from None
    return items
