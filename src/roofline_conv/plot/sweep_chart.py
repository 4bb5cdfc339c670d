"""The sweep chart: a sweep quantity against a swept dimension, one line per layer kind (and
device), with each device's ridge point as a horizontal line on intensity charts."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..conventions import DEFAULT_PRECISION, DEFAULT_TRAFFIC
from ..devices import Device, resolve_device
from ..sweeps import COUNT_QUANTITIES, DEVICE_QUANTITIES, KINDS, sweep
from ..sweeps.quantities import DIMENSIONS
from ..validation import choice, sequence
from .labels import place_labels
from .common import DPI, PALETTE, check_figure, new_figure, ridge_label, short_name, style, top_unit

__all__ = ["plot_sweep"]

_KIND_NAMES = {"conv": "standard conv", "depsep": "DepSep", "depthwise": "depthwise", "pointwise": "pointwise"}

WORDS = {
    "batch": "batch size", "in_channels": "input channels", "out_channels": "output channels",
    "kernel_size": "kernel size", "input_size": "input size", "stride": "stride", "padding": "padding",
    "dilation": "dilation", "groups": "groups", "depth_multiplier": "depth multiplier", "bias": "bias",
    "macs": "multiply-accumulates", "flops": "FLOP", "params": "parameters", "weights": "weights",
    "bias_params": "bias parameters", "bias_adds": "bias additions", "input_elements": "input elements",
    "output_elements": "output elements", "intermediate_elements": "intermediate elements",
    "im2col_elements": "im2col elements", "traffic_elements": "elements moved", "traffic": "memory traffic",
    "intensity": "arithmetic intensity", "output_height": "output height", "output_width": "output width",
    "time": "time (roofline bound)", "compute_time": "compute time", "memory_time": "memory time",
    "attainable": "attainable performance", "per_second": "layers per second (bound)",
    "executed_flops": "executed FLOP", "expected_time": "expected time", "expected_per_second": "layers per second (expected)",
}
"""Sweep dimensions and quantities in words, for titles and axis labels."""


def _words(names: Sequence[str]) -> str:
    """``("in_channels", "out_channels")`` -> ``"input channels = output channels"``."""
    return " = ".join(WORDS.get(n, n.replace("_", " ")) for n in names)


def plot_sweep(
    dimension: str | Sequence[str],
    values: Any,
    quantity: str = "intensity",
    *,
    kinds: Sequence[str] = ("conv", "depsep"),
    devices: Device | str | Sequence[Device | str] = (),
    precision: str = DEFAULT_PRECISION,
    traffic: str = DEFAULT_TRAFFIC,
    ridge_lines: bool = True,
    logx: bool = True,
    logy: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (7.0, 4.5),
    dpi: float = DPI,
    **fixed: Any,
) -> Figure:
    """``quantity`` against a swept dimension, one line per layer kind (and device).

    ``dimension`` is a sweep keyword (``"in_channels"``, ``"input_size"``, ``"batch"``, ...) or a
    tuple of them swept together (``("in_channels", "out_channels")``); ``values`` its values;
    ``fixed`` the other dimensions (as :func:`roofline_conv.sweeps.sweep` takes them). Quantities
    that need a device (``time``, ``attainable``, ...) draw one line per (kind, device). For
    ``intensity`` each device's ridge point (its highest peak at ``precision`` over main-memory
    bandwidth) is a horizontal dashed line labelled with the device's name: above it a layer is
    compute-bound on that device, below it memory-bound. Kind ``pointwise`` ignores
    ``kernel_size``/``padding``/``dilation`` in ``fixed``.
    """
    dims = (dimension,) if isinstance(dimension, str) else sequence(dimension, "dimension")
    for i, d in enumerate(dims):
        choice(d, "dimension" if isinstance(dimension, str) else f"dimension[{i}]", DIMENSIONS)
    choice(quantity, "quantity", (*COUNT_QUANTITIES, *DEVICE_QUANTITIES))
    kinds = (kinds,) if isinstance(kinds, str) else sequence(kinds, "kinds")
    for i, k in enumerate(kinds):
        choice(k, f"kinds[{i}]", KINDS)
    figsize, dpi = check_figure(figsize, dpi, title, ridge_lines=ridge_lines, logx=logx, logy=logy)
    unused = [key for key in ("kernel_size", "padding", "dilation") if key in fixed or key in dims]
    if unused and all(kind == "pointwise" for kind in kinds):
        raise ValueError(f"{unused[0]} does not apply to kinds={tuple(kinds)!r}: a pointwise conv is 1x1, unpadded")
    if quantity == "output_size":
        raise ValueError("plot 'output_height' or 'output_width' instead of the 'output_size' pair")
    x = np.asarray(values)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("values must be a non-empty 1-D array")
    devs = [resolve_device(d, "devices") for d in (devices if isinstance(devices, (list, tuple)) else [devices])]
    needs_device = quantity in DEVICE_QUANTITIES
    if needs_device and not devs:
        raise ValueError(f"quantity={quantity!r} needs devices=")
    unit = (DEVICE_QUANTITIES if needs_device else COUNT_QUANTITIES)[quantity]

    with style():
        fig, ax = new_figure(figsize, dpi, (0.11, 0.12, 0.97, 0.87))
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        linestyles = ["-", "--", "-.", ":"]
        for k, kind in enumerate(kinds):
            kw = dict(fixed)
            if kind == "pointwise":
                for key in ("kernel_size", "padding", "dilation"):
                    kw.pop(key, None)
            kw.update({d: x for d in dims})
            for d, dev in enumerate(devs if needs_device else [None]):
                y = sweep(quantity, dev, precision, traffic, kind=kind, **kw)
                label = _KIND_NAMES.get(kind, kind) + (f" on {short_name(dev)}" if dev is not None else "")
                # device quantities: colour = device, line style = kind; counts: colour = kind
                color = PALETTE[(d if needs_device else k) % len(PALETTE)]
                ax.plot(x, np.asarray(y, dtype=float), color=color, linestyle=linestyles[k % 4] if needs_device else "-",
                        linewidth=1.8, marker="o" if x.size <= 24 else None, markersize=3.5, label=label,
                        gid=f"series:{label}")
        ridge_labels: list[Any] = []
        if quantity == "intensity" and ridge_lines:
            for d, dev in enumerate(devs):
                ridge = dev.ridge_point(top_unit(dev, precision), precision)
                ax.axhline(ridge, color=PALETTE[(d + len(kinds)) % len(PALETTE)], linestyle="--", linewidth=1.1,
                           gid=f"ridge:{dev.id}")
                ann = ax.annotate(f"{short_name(dev)} {ridge_label(ridge)}", (0.0, ridge),
                                  xycoords=("axes fraction", "data"), xytext=(4, 2), textcoords="offset points",
                                  ha="left", va="bottom", fontsize=7.5,
                                  color=PALETTE[(d + len(kinds)) % len(PALETTE)])
                ridge_labels.append((ann, [(None, 4, -2, "left", "top"), *[((f, ridge), 0, dy, "left", va)
                                      for f in (0.25, 0.5, 0.75) for dy, va in ((2, "bottom"), (-2, "top"))]]))
        ax.set_xlabel(_words(dims))
        ax.set_ylabel(f"{_words([quantity])} ({unit.split(' (')[0]})")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if title is None:
            shown = ", ".join(f"{_words([k])} {_brief(v)}" for k, v in fixed.items())
            title = f"{_words([quantity]).capitalize()} vs {_words(dims)}\n" + textwrap.fill(
                f"{shown + '; ' if shown else ''}{precision}, traffic '{traffic}'", 100)
        ax.set_title(title, fontsize=9)
        ax.legend(loc="best")
        place_labels(fig, ridge_labels)
    return fig


def _brief(value: Any) -> str:
    """A fixed dimension as the title shows it: arrays by their shape, anything else as text."""
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return str(value)
