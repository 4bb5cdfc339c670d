"""The formula families as the layers use them, without importing sympy.

A :class:`Family` is a name (``"conv"``, ``"linear"``, ``"pool"``, ``"elementwise"``, ``"norm"``,
``"scale"``). Numeric values call the family's compiled exact-int functions
(``_compiled.FUNCTIONS``, generated once from the sympy expressions by :mod:`.codegen`); symbolic
values and the expressions themselves (``family["macs"]``, ``family.formulas``) come from the
sympy side (:data:`.families.BY_NAME`), imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from . import _compiled

if TYPE_CHECKING:  # pragma: no cover
    import sympy as sp

    from .formulas import Formulas


class Family:
    """One formula family by name: ``evaluate`` (exact ints, compiled), ``value`` (numeric or
    symbolic), and the sympy expressions on demand."""

    __slots__ = ("name", "arg_names", "functions")

    def __init__(self, name: str) -> None:
        self.name = name
        self.arg_names: tuple[str, ...] = _compiled.ARGS[name]
        self.functions: dict[str, Callable[..., int]] = _compiled.FUNCTIONS[name]

    def evaluate(self, quantity: str, values: tuple[int, ...]) -> int:
        """Formula ``quantity`` at integer ``values`` (ordered as ``arg_names``): an exact ``int``."""
        return self.functions[quantity](*values)

    def value(self, quantity: str, values: tuple[Any, ...], symbolic: bool) -> Any:
        """``evaluate`` for numeric values; the sympy expression substituted when any is symbolic."""
        if symbolic:
            return self.formulas.value(quantity, values, True)
        return self.functions[quantity](*values)

    @property
    def formulas(self) -> Formulas:
        """The family's sympy :class:`~.formulas.Formulas` (imports sympy)."""
        from .families import BY_NAME

        return BY_NAME[self.name]

    def __getitem__(self, quantity: str) -> sp.Expr:
        return self.formulas[quantity]

    def __repr__(self) -> str:
        return f"Family({self.name!r})"


CONV = Family("conv")
LINEAR = Family("linear")
POOL = Family("pool")
ELEMENTWISE = Family("elementwise")
NORM = Family("norm")
SCALE = Family("scale")

__all__ = ["Family", "CONV", "LINEAR", "POOL", "ELEMENTWISE", "NORM", "SCALE"]
