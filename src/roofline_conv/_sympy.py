"""sympy on demand. Numbers never need it: a value can only be a sympy object once sympy has
been imported, so the numeric path asks ``sys.modules`` instead of importing it, and the
symbolic path (a sympy argument, ``.symbolic()``, ``roofline_conv.symbols``, a formula's expression)
imports it where it is first used. This module imports nothing but ``sys``."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


def is_sympy(value: Any) -> bool:
    """True for any sympy object (a symbol, an expression, a sympy number)."""
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(value, sp.Basic)


def is_symbolic(value: Any) -> bool:
    """True for a sympy expression that is not a plain number."""
    sp = sys.modules.get("sympy")
    return sp is not None and isinstance(value, sp.Basic) and not value.is_Number


def sympy() -> ModuleType:
    """The sympy module, imported on first use (the symbolic path only)."""
    import sympy as sp

    return sp


__all__ = ["is_sympy", "is_symbolic", "sympy"]
