"""The seed study's symbols, for symbolic layers (``Conv2d.symbolic()`` and friends).

``Dk`` kernel size, ``M`` input channels, ``N`` output channels, ``Df`` feature-map height =
width, ``B`` batch. All are positive integers, so sympy simplifies floors and ratios.
"""

from __future__ import annotations

import sympy as sp

Dk, M, N, Df, B = sp.symbols("Dk M N Df B", integer=True, positive=True)

__all__ = ["Dk", "M", "N", "Df", "B"]
