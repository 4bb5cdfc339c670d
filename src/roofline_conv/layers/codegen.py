"""Writes ``layers/_compiled.py``: every layer formula (:data:`.families.BY_NAME`) printed once,
from its sympy expression, as a Python function in exact integer arithmetic.

The printer is the one the sweeps use (:class:`.exact_printer.ExactIntPrinter`): ``floor(a/b)``
becomes ``a // b`` and a division such as ``C_in/G`` the division of the whole product, checked
exact by the generated ``_exact`` (``ArithmeticError`` on a remainder). The generated module
imports nothing, so numeric layers evaluate their counts without sympy.

The generated text is committed; ``tests/layers/test_codegen.py`` regenerates it and compares it
byte for byte, so it cannot drift from the expressions. After changing a formula, run::

    python -m roofline_conv.layers.codegen          # rewrite _compiled.py
    python -m roofline_conv.layers.codegen --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .exact_printer import integer_code
from .families import BY_NAME

TARGET = Path(__file__).with_name("_compiled.py")
"""The generated module."""

EXACT = "_exact"
"""The name of the generated module's checked exact division."""

_HEADER = f'''"""Every layer formula in exact Python-int arithmetic. GENERATED, do not edit.

Written by ``python -m roofline_conv.layers.codegen`` from the sympy expressions of
``layers/formulas.py`` and ``layers/families.py`` (floor(a/b) as a // b, a division such as
C_in/G as the checked exact division of the whole product); tests/layers/test_codegen.py checks
that this text is what the generator writes and that each function equals its expression.
"""


def {EXACT}(numerator: int, denominator: int) -> int:
    """numerator / denominator, which must be an integer."""
    quotient, remainder = divmod(numerator, denominator)
    if remainder:
        raise ArithmeticError(f"{{numerator}} / {{denominator}} is not an integer")
    return quotient
'''


def source() -> str:
    """The text of ``_compiled.py`` for the current expressions."""
    blocks = [_HEADER.rstrip("\n")]
    args_table, functions_table = [], []
    for family, formulas in BY_NAME.items():
        params = ", ".join(str(a) for a in formulas.args)
        comment = f"# -- {family}: ({params})\n"
        functions_table.append(f'    "{family}": {{')
        for quantity, expr in formulas.exprs.items():
            code = integer_code(expr, EXACT)
            if "numpy" in code:  # pragma: no cover - the formulas use integer operations only
                raise TypeError(f"{family}.{quantity}: the printed code needs numpy: {code}")
            function = f"{family}_{quantity}"
            blocks.append(f"{comment}def {function}({params}):\n    return {code}")
            comment = ""
            functions_table.append(f'        "{quantity}": {function},')
        functions_table.append("    },")
        names = ", ".join(f'"{a}"' for a in formulas.args) + ("," if len(formulas.args) == 1 else "")
        args_table.append(f'    "{family}": ({names}),')
    blocks.append("\n".join([
        "ARGS: dict[str, tuple[str, ...]] = {", *args_table, "}",
        '"""Each family\'s argument names, in the order its functions take them."""',
        "",
        "FUNCTIONS = {", *functions_table, "}",
        '"""family -> quantity -> its compiled function."""',
    ]))
    return "\n\n\n".join(blocks) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite ``_compiled.py`` (or, with ``--check``, exit 1 when it differs from :func:`source`)."""
    parser = argparse.ArgumentParser(prog="python -m roofline_conv.layers.codegen", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed module is current")
    args = parser.parse_args(argv)
    text = source()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if args.check:
        print("up to date" if current == text else f"{TARGET} is out of date: run python -m roofline_conv.layers.codegen")
        return 0 if current == text else 1
    if current != text:
        TARGET.write_text(text, encoding="utf-8", newline="\n")
    print(f"{TARGET}: {'unchanged' if current == text else 'written'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
