"""The seed study, reproduced: its layer, its published figures (data/study.toml), its tables.

``analytic_table()`` recomputes the study's analytic table from the public API and puts the
study's printed figures beside the exact values, plus the columns the study left out (FLOPs
proper, unfused DepSep traffic, fp32).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from .conventions import FLOPS_PER_MAC, MB, bytes_per_element
from .layers import Conv2d, DepSep
from .report import Table

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONVENTION = (
    "Convention: 1 MAC = 2 FLOP; the study's \"FLOPs\" are MACs. Bytes = elements x bytes per "
    "element (fp16 2 B, fp32 4 B); MB = 10^6 bytes. Traffic 'compulsory' = weights + input + output "
    "once (DepSep intermediate stays on chip: the study's memory access); 'unfused' also writes and "
    "reads back the depthwise output. Intensity = FLOP / byte."
)


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    """The study's published figures, as stored in ``roofline_conv/data/study.toml``."""
    text = resources.files("roofline_conv").joinpath("data/study.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def layers(batch: Any = 1) -> tuple[Conv2d, DepSep]:
    """The study's layer (Dk=3, M=N=128, Df=224, stride 1, 'same'): (standard, DepSep)."""
    spec = data()["layer"]
    args = (spec["in_channels"], spec["out_channels"], spec["kernel_size"], spec["input_size"])
    return (Conv2d(*args, padding=spec["padding"], batch=batch), DepSep(*args, padding=spec["padding"], batch=batch))


def analytic_table(batch: Any = 1) -> Table:
    """The study's analytic table, exact, beside its printed figures, plus the corrected columns."""
    conv, sep = layers(batch)
    pub = data()["analytic"]
    rows: list[list[Any]] = []

    def row(quantity: str, unit: str, a: Any, b: Any, printed: str | None) -> None:
        ratio = (b / a) if a else None
        rows.append([quantity, unit, a, b, ratio, printed])

    row("params", "parameters", conv.params, sep.params, " / ".join(pub["params_printed"]))
    row("MACs (the study's \"FLOPs\")", "MAC", conv.macs, sep.macs, " / ".join(pub["flops_printed"]))
    row("FLOPs (2 x MACs)", "FLOP", conv.flops, sep.flops, None)
    for precision in ("fp16", "fp32"):
        bpe = bytes_per_element(precision)
        for model in ("compulsory", "unfused"):
            printed_mem = printed_ai = None
            if precision == "fp16" and model == "compulsory":
                printed_mem = " / ".join(f"{v:.1f}" for v in pub["memory_printed_mb"])
                printed_ai = " / ".join(f"{v:.1f}" for v in pub["intensity_printed"])
            ta, tb = conv.traffic(model, precision), sep.traffic(model, precision)
            row(f"memory access, {model}, {precision} ({bpe} B/elem)", "bytes", ta, tb, None)
            row(f"memory access, {model}, {precision}", "MB", ta / MB, tb / MB, printed_mem)
            row(f"intensity, {model}, {precision}", "FLOP/byte",
                conv.intensity(model, precision), sep.intensity(model, precision), printed_ai)
    return Table(
        title=f"The study's layer, analytic (Dk=3, M=N=128, Df=224, stride 1, 'same', batch {batch})",
        columns=["quantity", "unit", "standard", "DepSep", "DepSep / standard", "study printed (std / DepSep)"],
        rows=rows,
        notes=[
            CONVENTION,
            f"MAC ratio DepSep/standard = 1/N + 1/Dk^2 = 1/128 + 1/9 = {1 / 128 + 1 / 9:.4f}.",
            f"Intensity at fp16 equals MACs per element moved ({FLOPS_PER_MAC} FLOP / 2 B), which is why "
            "the study's 569.5 and 68.4 come out of its MAC and element counts.",
        ],
    )
