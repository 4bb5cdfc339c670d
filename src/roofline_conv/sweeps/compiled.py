"""Compiling sweep expressions once (``sympy.lambdify`` with numpy) with the one exact-integer
printer (:class:`~roofline_conv.layers.exact_printer.ExactIntPrinter`, which also writes the
layers' compiled formulas): integer counts stay in integer arithmetic, and a division is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from ..layers.exact_printer import ExactIntPrinter
from .symbolic import SWEEP_ARGS, count_expr

_COMPILED: dict[tuple[Any, ...], Callable[..., Any]] = {}
_LOCK = threading.Lock()
COMPILE_COUNT = 0
"""How many functions have been compiled so far (to check the cache in tests)."""


def compiled_function(kind: str, quantity: str, traffic: str, precision: str, part: int | None = None) -> Callable[..., Any]:
    """The compiled function of one count, built on first use and cached (per kind, quantity,
    traffic model, precision and part)."""
    global COMPILE_COUNT
    # keys that do not depend on traffic/precision share one entry
    if quantity not in ("traffic", "traffic_elements", "part_traffic_elements"):
        traffic = precision = ""
    elif quantity != "traffic":
        precision = ""
    key = (kind, quantity, traffic, precision, part)
    fn = _COMPILED.get(key)
    if fn is None:
        with _LOCK:
            fn = _COMPILED.get(key)
            if fn is None:
                expr = count_expr(kind, quantity, traffic or DEFAULT_TRAFFIC, precision or DEFAULT_PRECISION, part)
                fn = sp.lambdify(SWEEP_ARGS, expr, modules="numpy", printer=ExactIntPrinter, cse=True)
                _COMPILED[key] = fn
                COMPILE_COUNT += 1
    return fn
