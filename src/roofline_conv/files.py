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
the rule, e.g. ``net.toml: network.layers[3].op: op 'rellu' is not known (did you mean 'relu'?)``
or ``net.toml: network.layers[3].stride: stride=True must be an integer, not a bool``. Files are
read with the caps of :mod:`roofline_conv.reading` (at most 16 MiB, 64 levels of nesting, UTF-8
text, finite numbers), and each value is checked against its field's rule (:data:`FIELD_RULES`)
before a layer is built.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Union

from . import reading, validation
from .layers import Conv2d, DepSep, Depthwise, Layer, Pointwise

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


# -- the rule of each field a file may hold ------------------------------------------------------
def _count(value: Any, key: str) -> Any:
    return validation.integer(value, key, minimum=1)


def _size(value: Any, key: str) -> Any:
    """An int >= 1 or an [h, w] pair of them (kernel_size, stride, dilation, input_size)."""
    if isinstance(value, list):
        return validation.integers(value, key, length=2, minimum=1)
    return validation.integer(value, key, minimum=1)


def _padding(value: Any, key: str) -> Any:
    """An int >= 0, an [h, w] pair of them, "same" or "valid"."""
    if isinstance(value, str):
        return validation.choice(value, key, ("same", "valid"))
    if isinstance(value, list):
        return validation.integers(value, key, length=2, minimum=0)
    return validation.integer(value, key, minimum=0)


def _shape(value: Any, key: str) -> Any:
    """[channels, height, width] or [features] (or a bare feature count)."""
    if isinstance(value, list):
        return validation.integers(value, key, length=(1, 3), minimum=1)
    return validation.integer(value, key, minimum=1)


def _ratio(value: Any, key: str) -> Any:
    return validation.number(value, key, above=0)


FIELD_RULES: dict[str, Callable[[Any, str], Any]] = {
    **dict.fromkeys(("in_channels", "out_channels", "channels", "in_features", "out_features", "squeeze_channels",
                     "groups", "multiplier", "depth_multiplier", "batch"), _count),
    **dict.fromkeys(("kernel_size", "stride", "dilation", "input_size"), _size),
    "padding": _padding,
    "input_shape": _shape,
    "ratio": _ratio,
    **dict.fromkeys(("bias", "fuse"), validation.flag),
    **dict.fromkeys(("name", "activation", "gate"), validation.name),
}
"""The rule each field of a layer or network file follows (the constructors check the rest: a
group count that divides the channels, a kernel that fits the input, ...). A field may be null
(JSON) only where its argument defaults to None."""


def _check_fields(args: dict[str, Any], defaults: Mapping[str, Any], source: str, where: str) -> None:
    """Each value in ``args`` by its field's rule; an error names ``where.<field>``."""
    for key, value in args.items():
        field = f"{where}.{key}"
        if value is None:
            if defaults.get(key, inspect.Parameter.empty) is not None:
                raise SpecFileError(source, field, "must not be null (leave the field out for its default)")
            continue
        check = FIELD_RULES.get(key)
        if isinstance(value, dict):
            raise SpecFileError(source, field, "must be a number, a string, true/false or an array, not a table")
        if check is not None:
            try:
                check(value, key)
            except ValueError as exc:
                raise SpecFileError(source, field, str(exc)) from None


def _defaults(fn: Any) -> dict[str, Any]:
    return {name: p.default for name, p in inspect.signature(fn).parameters.items()}


def _plain(data: Any, source: str, field: str) -> Any:
    """``data`` as plain file values, or the first problem (depth, non-finite number, ...)."""
    clean, problems = reading.plain(data, field)
    if problems:
        raise SpecFileError(source, *problems[0])
    return clean


def read(path: Union[str, Path]) -> dict[str, Any]:
    """The file's data (TOML by default, JSON for ``.json``), read within the caps of
    :mod:`roofline_conv.reading`: at most ``MAX_FILE_BYTES`` (16 MiB), a regular file, UTF-8 text,
    nested at most ``MAX_DEPTH`` (64) levels."""
    data = reading.read(path, SpecFileError)
    if not isinstance(data, dict):
        raise SpecFileError(str(path), "", f"must hold a table with a 'layer' or a 'network', not {reading.kind_of(data)}")
    return data


def load(path: Union[str, Path]) -> Any:
    """A ``Layer`` (from ``[layer]``) or a built ``Sequential`` (from ``[network]``)."""
    data = read(path)
    return from_dict(data, str(path))


def from_dict(data: Any, source: str = "<dict>") -> Any:
    """As :func:`load`, from already-parsed data."""
    source = str(source)
    if not isinstance(data, Mapping):
        raise SpecFileError(source, "", f"must hold a table with a 'layer' or a 'network', not {reading.kind_of(data)}")
    data = _plain(data, source, "")
    keys = set(data) & {"layer", "network"}
    if len(keys) != 1 or set(data) - {"layer", "network"}:
        extra = sorted(set(data) - {"layer", "network"})
        rule = (f"unknown top-level key {extra[0]!r}{_hint(extra[0], ['layer', 'network'])}" if extra
                else "must hold exactly one of 'layer' or 'network'" + (" (it is empty)" if not data else ""))
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
_BUILD_ERRORS = (TypeError, ValueError, ArithmeticError, RecursionError, LookupError)
"""What a constructor may raise on a value no rule above caught; reported as the file's error."""


def layer_from_dict(spec: Any, source: str = "<dict>", field: str = "layer") -> Layer:
    """One conv-family layer from ``{kind = ..., dimensions...}``."""
    source = str(source)
    if not isinstance(spec, Mapping):
        raise SpecFileError(source, field, f"must be a table of layer fields, not {reading.kind_of(spec)}")
    spec = _plain(spec, source, field)
    kind = spec.get("kind")
    if kind not in LAYER_KINDS:
        raise SpecFileError(source, f"{field}.kind",
                            f"{validation.shown(kind)} is not a layer kind; use one of {', '.join(LAYER_KINDS)}"
                            + (_hint(str(kind), LAYER_KINDS) if kind else ""))
    allowed = _LAYER_ARGS[kind]
    args = {k: v for k, v in spec.items() if k != "kind"}
    for key in args:
        if key not in allowed:
            raise SpecFileError(source, f"{field}.{key}", f"is not a {kind} field; use {', '.join(allowed)}"
                                + _hint(key, allowed))
    cls = _LAYER_CLASSES[kind]
    _check_fields(args, _defaults(cls), source, field)
    missing = [p for p in inspect.signature(cls).parameters.values()
               if p.default is inspect.Parameter.empty and p.name not in args]
    if missing:
        raise SpecFileError(source, field, f"missing required field {missing[0].name!r}")
    try:
        return cls(**{k: _tuple(v) for k, v in args.items()})
    except _BUILD_ERRORS as exc:
        raise SpecFileError(source, field, str(exc)) from None


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


_NETWORK_FIELDS = ("name", "input_shape", "batch", "fuse", "layers")


def network_from_dict(spec: Any, source: str = "<dict>") -> Any:
    """A built ``Sequential`` from ``{input_shape = [C, H, W], layers = [...], ...}``."""
    from . import network

    field = "network"
    source = str(source)
    if not isinstance(spec, Mapping):
        raise SpecFileError(source, field, f"must be a table of network fields, not {reading.kind_of(spec)}")
    spec = _plain(spec, source, field)
    for key in spec:
        if key not in _NETWORK_FIELDS:
            raise SpecFileError(source, f"{field}.{key}", f"is not a network field; use {', '.join(_NETWORK_FIELDS)}"
                                + _hint(key, _NETWORK_FIELDS))
    if "input_shape" not in spec:
        raise SpecFileError(source, f"{field}.input_shape", "is required: [channels, height, width]")
    settings = {k: v for k, v in spec.items() if k != "layers"}
    _check_fields(settings, {"name": None}, source, field)
    layers = spec.get("layers")
    if not isinstance(layers, list) or not layers:
        raise SpecFileError(source, f"{field}.layers", "must be a non-empty list of {op = ...} tables")
    items = _items(layers, source, f"{field}.layers")
    try:
        return network.Sequential(items, _tuple(spec["input_shape"]), spec.get("batch", 1), spec.get("name"),
                                  spec.get("fuse", True))
    except _BUILD_ERRORS as exc:
        raise SpecFileError(source, field, str(exc)) from None


def _branch(args: dict[str, Any], key: str, source: str, where: str) -> list[Any]:
    value = args[key]
    if not isinstance(value, list) or not value:
        raise SpecFileError(source, f"{where}.{key}", "must be a non-empty list of {op = ...} tables")
    return _items(value, source, f"{where}.{key}")


def _items(layers: list[Any], source: str, field: str) -> list[Any]:
    from . import network

    items = []
    for i, item in enumerate(layers):
        where = f"{field}[{i}]"
        if not isinstance(item, dict) or "op" not in item:
            raise SpecFileError(source, where, "must be a table with an 'op' key, e.g. {op = \"relu\"}")
        op = item["op"]
        if op not in NETWORK_OPS:
            raise SpecFileError(source, f"{where}.op", f"op {validation.shown(op)} is not known{_hint(str(op), NETWORK_OPS)}; "
                                f"use one of {', '.join(NETWORK_OPS)}")
        args = {k: v for k, v in item.items() if k != "op"}
        if op == "residual":
            unknown = set(args) - {"body", "shortcut", "name"}
            if unknown or "body" not in args:
                rule = f"unknown field {sorted(unknown)[0]!r}" if unknown else "needs a 'body' list"
                raise SpecFileError(source, where, rule)
            _check_fields({k: v for k, v in args.items() if k == "name"}, {"name": None}, source, where)
            body = _branch(args, "body", source, where)
            shortcut = None if args.get("shortcut") in (None, []) else _branch(args, "shortcut", source, where)
            try:
                items.append(network.Residual(body, shortcut, args.get("name")))
            except _BUILD_ERRORS as exc:
                raise SpecFileError(source, where, f"residual: {exc}") from None
            continue
        builder = getattr(network, op)
        params = inspect.signature(builder).parameters
        for key in args:
            if key not in params:
                raise SpecFileError(source, f"{where}.{key}", f"is not an argument of {op}; use {', '.join(params)}"
                                    + _hint(key, list(params)))
        _check_fields(args, _defaults(builder), source, where)
        missing = [p.name for p in params.values() if p.default is inspect.Parameter.empty and p.name not in args]
        if missing:
            raise SpecFileError(source, where, f"{op}: missing required field {missing[0]!r}")
        try:
            items.append(builder(**{k: _tuple(v) for k, v in args.items()}))
        except _BUILD_ERRORS as exc:
            raise SpecFileError(source, where, f"{op}: {exc}") from None
    return items
