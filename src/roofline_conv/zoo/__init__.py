"""Model zoo: well-known CNNs as networks, checked against their published tables.

    >>> from roofline_conv import zoo
    >>> zoo.list()
    ['mobilenet_v1', 'mobilenet_v2', 'efficientnet_b0', 'resnet18', 'resnet50', 'vgg16', 'cifar_cnn']
    >>> net = zoo.get("resnet18")
    >>> net.params, net.macs
    (11689512, 1814073344)

``get(name, **kw)`` passes ``kw`` to the builder (``batch=``, ``fuse=``, ``resolution=``,
``alpha=`` for MobileNetV1, ``depsep=`` for the CIFAR CNN, ...). Networks are immutable, so
``get`` returns a cached instance for repeated arguments. ``published(name)`` gives the
published figures with their sources; ``compare(name)`` a published-vs-computed table.
"""

from __future__ import annotations

import builtins
import difflib
import functools
import inspect
from typing import Any, Callable

from ..network import Sequential
from ..report import Table
from ..validation import shown
from . import models
from .models import cifar_cnn, efficientnet_b0, keras_count_params, mobilenet_v1, mobilenet_v2, resnet18, resnet50, vgg16

BUILDERS: dict[str, Callable[..., Sequential]] = {
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "vgg16": vgg16,
    "cifar_cnn": cifar_cnn,
}
"""Model name -> builder (keyword arguments documented on each)."""


def list() -> builtins.list[str]:  # noqa: A001 - the zoo's public name
    """Names of every zoo model."""
    return builtins.list(BUILDERS)


def canonical(name: str) -> str:
    """The zoo's spelling of ``name`` ('MobileNet-V2' -> 'mobilenet_v2'); ValueError with a
    suggestion when unknown."""
    if not isinstance(name, str):
        raise ValueError(f"name={shown(name)} must be a model name (a string); known models: {', '.join(BUILDERS)}")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in BUILDERS:
        return key
    squashed = {k.replace("_", ""): k for k in BUILDERS}
    if key.replace("_", "") in squashed:
        return squashed[key.replace("_", "")]
    close = difflib.get_close_matches(key, builtins.list(BUILDERS), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"name={name!r} is not a known model{hint}; known models: {', '.join(BUILDERS)}")


def get(name: str, **kwargs: Any) -> Sequential:
    """The built network ``name`` (see ``list()``), with builder keyword arguments ``kwargs``."""
    key = canonical(name)
    accepted = _options(BUILDERS[key])
    for option in kwargs:
        if option not in accepted:
            raise ValueError(f"{key} has no option {option!r}; its options are: {', '.join(accepted)}")
    try:  # the type is part of the key: depsep=1 must not find depsep=True's network (1 == True)
        frozen = tuple(sorted((k, type(v).__qualname__, v) for k, v in kwargs.items()))
        hash(frozen)
    except TypeError:
        return BUILDERS[key](**kwargs)
    return _cached(key, frozen)


@functools.lru_cache(maxsize=None)
def _options(builder: Callable[..., Sequential]) -> tuple[str, ...]:
    """The keyword options ``builder`` takes (read from its signature once)."""
    return tuple(inspect.signature(builder).parameters)


@functools.lru_cache(maxsize=64)
def _cached(key: str, frozen: tuple[tuple[str, str, Any], ...]) -> Sequential:
    return BUILDERS[key](**{k: v for k, _, v in frozen})


def published(name: str) -> dict[str, Any]:
    """Published figures of ``name`` with their source (see :mod:`roofline_conv.zoo.papers`)."""
    from .papers import PUBLISHED

    return dict(PUBLISHED[canonical(name)])


def compare(name: str, **kwargs: Any) -> Table:
    """Published vs computed MACs and parameters of ``name`` (its default configuration)."""
    key = canonical(name)
    pub = published(key)
    net = get(key, **kwargs)
    rows: builtins.list[builtins.list[Any]] = []
    if "macs_printed" in pub:
        rows.append(["MACs", pub["macs_printed"], net.macs, net.macs / pub["macs_printed"] - 1, pub["macs_digits"]])
    if "torchvision_gmacs" in pub:
        rows.append(["MACs (torchvision GFLOPS)", pub["torchvision_gmacs"] * 1e9, net.macs,
                     net.macs / (pub["torchvision_gmacs"] * 1e9) - 1, "0.01 G"])
    rows.append(["params", pub["params_printed"], net.params, net.params / pub["params_printed"] - 1, pub["params_digits"]])
    if "exact_params" in pub:
        rows.append(["params (torchvision, exact)", pub["exact_params"], net.params,
                     net.params / pub["exact_params"] - 1, "exact"])
    notes = [f"source: {pub['source']}", *pub.get("notes", [])]
    return Table(title=f"{net.name}: published vs computed", columns=["quantity", "published", "computed",
                 "relative difference", "printed to"], rows=rows, notes=notes)


__all__ = ["list", "get", "canonical", "published", "compare", "BUILDERS", "models",
           "mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "vgg16", "cifar_cnn",
           "keras_count_params"]
