"""What a sweep can describe and compute: layer kinds, and quantities with their units."""

from __future__ import annotations



KINDS: tuple[str, ...] = ("conv", "depsep", "depthwise", "pointwise")
"""Layer kinds a sweep can describe (``Conv2d``, ``DepSep``, ``Depthwise``, ``Pointwise``)."""

DIMENSIONS: tuple[str, ...] = ("batch", "in_channels", "out_channels", "kernel_size", "input_size", "stride",
                               "padding", "dilation", "groups", "depth_multiplier", "bias")
"""The dimension keywords of :func:`~roofline_conv.sweeps.sweep`, in order (the columns of an
explored table, and the axes a sweep chart can run along)."""

COUNT_QUANTITIES: dict[str, str] = {
    "macs": "MAC",
    "flops": "FLOP (2 x MACs + bias adds)",
    "params": "parameters (weights + bias)",
    "weights": "parameters",
    "bias_params": "parameters",
    "bias_adds": "FLOP",
    "input_elements": "elements (the input tensor)",
    "input_read_elements": "elements (the input elements read: the compulsory input traffic)",
    "output_elements": "elements",
    "intermediate_elements": "elements",
    "im2col_elements": "elements",
    "traffic_elements": "elements (traffic model)",
    "traffic": "bytes (traffic model, precision)",
    "intensity": "FLOP/byte (traffic model, precision)",
    "output_size": "pixels, an (H_out, W_out) pair of arrays",
    "output_height": "pixels",
    "output_width": "pixels",
}
"""Quantities that need no device, with their units."""

DEVICE_QUANTITIES: dict[str, str] = {
    "time": "seconds (the roofline: largest of compute and memory times; DepSep: sum of parts)",
    "compute_time": "seconds (executed FLOPs / unit peak; DepSep: sum of parts)",
    "memory_time": "seconds (traffic bytes / main-memory bandwidth; DepSep: sum of parts)",
    "attainable": "FLOP/s (useful FLOPs / time)",
    "per_second": "layers per second (1 / time)",
    "executed_flops": "FLOP (tile padding and lowering waste included)",
    "expected_time": "seconds (the bound plus the device's expected-time terms, as project().expected_time; "
                     "DepSep: sum of parts)",
    "expected_per_second": "layers per second (1 / expected_time)",
}
"""Quantities that need ``device=``, with their units."""

QUANTITIES: tuple[str, ...] = (*COUNT_QUANTITIES, *DEVICE_QUANTITIES)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} must be one of {', '.join(KINDS)}")
    return kind
