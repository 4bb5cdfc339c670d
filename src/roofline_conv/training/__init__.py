"""Training-step estimates: forward + backward work and traffic per layer, the activation memory
a step keeps for its backward pass, and a projected step time on a device.

Conventions (also in docs/networks.md):

* **Forward** is the inference forward pass, unfused (``fuse=False``): in training a BatchNorm
  uses batch statistics and cannot be folded, and every layer output is kept or re-read. Its
  counts and its projection are ``net.project(device, fuse=False)``'s. (BatchNorm's batch
  statistics, about 3 more ops per element, are not counted.)
* **Backward of a conv / linear** (``Conv2d`` of every kind, the parts of a ``DepSep``, the FCs
  of a ``SqueezeExcitation``): two GEMMs, each with exactly the forward MACs —
  the *data gradient* dX = dY W^T (skipped for layers whose input depends on no trainable
  parameter when ``skip_input_grad=True``; counted by default) and the *weight gradient*
  dW = X^T dY — plus one add per output element for a bias gradient. So backward MACs =
  2 x forward MACs (1 x where the data gradient is skipped). Per group the forward GEMM is
  (m, n/G, k); the data gradient is (m, k, n/G) and the weight gradient (k, n/G, m) — the
  reduction runs over output pixels — laid on the same unit with the same tile and depthwise
  lowering rules as the forward op.
* **Backward traffic of a conv / linear**: each GEMM moves its operands once: the data gradient
  reads dY and W and writes dX, the weight gradient reads dY and X and writes dW (and db): each
  is params + input + output elements, so 2 x the forward compulsory traffic.
* **Backward of the other layers** (pooling, BatchNorm, activations, the SE pool/gate/rescale):
  ops = forward ops + one per output element (the local derivative costs about what the
  function did, then one multiply by the incoming gradient); ``Add`` as its forward (the
  gradients of a residual fork are summed: one add per element, reading two, writing one);
  ``Flatten`` nothing (a view). Traffic: reads the output gradient, the tensors it saved and
  its parameters, writes the input gradient(s) and its parameter gradients. This is a stated
  approximation (a real BatchNorm backward does more ops); these layers are memory-bound, and
  their bytes are modelled per tensor.
* **Activation memory** = the distinct tensors some layer saves for its backward pass, at the
  precision: conv / linear / BatchNorm / SiLU / HardSwish / max-pool save their input;
  ReLU / ReLU6 / Sigmoid / HardSigmoid their output; a DepSep also its intermediate; the SE
  rescale its input and its gate; average pools, ``Add`` and ``Flatten`` nothing. A tensor saved
  by two layers (a ReLU's output that the next conv also needs) counts once; ``Flatten``'s
  output is a view of its input. Per-channel statistics (2 C per BatchNorm) are left out, so the
  memory is exactly proportional to the batch.
* **Optimizer update** (``optimizer=None`` by default: forward + backward only): ``"sgd"``
  (2 ops and 3 elements moved per parameter: read w and g, write w), ``"momentum"`` (4 ops,
  5 elements), ``"adam"`` (12 ops, 7 elements), one vector op over all parameters at the
  step's precision (fp32 master weights are not modelled). These costs, and which kinds save
  their input or output, are data: ``roofline_conv/data/training.toml``.
* **Step time** = the forward projection's time + the backward's (+ the update's), every op on
  the unit its kind uses in the forward pass; images/s = batch / step time.

Modules: ``.backward`` (the backward ops of each layer kind), ``.rows`` (per layer: backward
ops and saved tensors), ``.training_step`` (``TrainingStep``, its projection, ``step``, ``estimate``),
``.tables`` (the data file), ``.protocol`` (what a network must provide).
"""

from __future__ import annotations

from typing import Any

from ..layers.dims import NetworkError
from .backward import BackwardOp, data_grad_gemm, weight_grad_gemm
from .protocol import TrainableNetwork, require_network
from .rows import StepRow
from .training_step import TrainingProjection, TrainingStep, estimate, step
from .tables import GEMM_KINDS, optimizers, saves_input, saves_output

_TABLES = {"OPTIMIZERS": optimizers, "SAVES_INPUT": saves_input, "SAVES_OUTPUT": saves_output}


def __getattr__(name: str) -> Any:
    """``OPTIMIZERS`` (optimizer -> (ops, elements) per parameter), ``SAVES_INPUT`` and
    ``SAVES_OUTPUT`` (layer kinds): read from data/training.toml on first access (PEP 562)."""
    if name in _TABLES:
        return _TABLES[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["step", "estimate", "TrainingStep", "TrainingProjection", "StepRow", "OPTIMIZERS",
           "data_grad_gemm", "weight_grad_gemm", "TrainableNetwork", "require_network", "BackwardOp",
           "GEMM_KINDS", "SAVES_INPUT", "SAVES_OUTPUT", "NetworkError"]
