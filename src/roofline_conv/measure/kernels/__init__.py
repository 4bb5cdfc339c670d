"""Numpy convolution kernels that roofline predictions are checked against.

Conventions
-----------
* Cross-correlation, as in PyTorch: ``out[b, o, y, x] = bias[o] + sum_{c, i, j}
  w[o, c, i, j] * x_pad[b, g*Cg + c, y*sh + i*dh, x*sw + j*dw]`` with ``g = o // (C_out/groups)``.
* Activations are ``NCHW`` (``(B, C, H, W)``) by default or ``NHWC`` (``(B, H, W, C)``) with
  ``layout="NHWC"``; the output uses the same layout. Weights are always PyTorch ``OIHW``:
  ``(C_out, C_in/groups, Kh, Kw)``.
* Zero padding; argument forms in :mod:`.geometry`.
* FLOP counts (``ConvPlan.flops``) are ``2 * MACs``; a bias add is not counted.

Modules: :mod:`.geometry` (shapes, validation), :mod:`.workspace` (scratch buffers),
:mod:`.im2col` (standard conv), :mod:`.depthwise`, :mod:`.pointwise`, :mod:`.plan`
(``ConvPlan``, ``DepsepPlan``), :mod:`.functions` (``conv2d`` ...), :mod:`.reference`.
"""

from __future__ import annotations

from ..machine import l2_cache_bytes  # importable from here as before
from .functions import conv2d, depsep_conv2d, depthwise_conv2d, pointwise_conv2d
from .geometry import ConvGeometry, conv_geometry
from .im2col import DEFAULT_BLOCK_BYTES, PARALLEL_MIN_FLOPS
from .plan import KINDS, ConvPlan, DepsepPlan, plan_workspace_bytes
from .reference import reference_conv2d
from .workspace import Workspace

__all__ = [
    "l2_cache_bytes",
    "DEFAULT_BLOCK_BYTES",
    "KINDS",
    "PARALLEL_MIN_FLOPS",
    "ConvGeometry",
    "ConvPlan",
    "DepsepPlan",
    "Workspace",
    "conv2d",
    "conv_geometry",
    "depsep_conv2d",
    "depthwise_conv2d",
    "plan_workspace_bytes",
    "pointwise_conv2d",
    "reference_conv2d",
]
