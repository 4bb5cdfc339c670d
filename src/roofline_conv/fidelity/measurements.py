"""Published measurements copied into the package (``roofline_conv/data/measured/*.csv``), read
and validated: DeepBench convolution kernel times on a V100 (a fit pool and a test-only set) and
NVIDIA DeepLearningExamples end-to-end throughput.

A file is UTF-8 CSV (read with the size cap of :mod:`roofline_conv.reading`): ``#`` lines first
(the source, always kept with the figures), then a header naming exactly the expected columns,
then one row per measurement. An empty cell is "not given" (``None``). DeepBench files declare
their split in a ``# split: fit`` or ``# split: test`` line; test rows must never be fitted on.
Every problem raises a :class:`MeasurementFileError` naming the file, the line, the column and
the rule, e.g. ``x.csv: line 12, column 'fwd_us': must be a positive number (got '-3')``.

    >>> fit = deepbench("fit")
    >>> fit[0].split, fit[0].precision, fit[0].fwd_us
    ('fit', 'fp32', 78.0)
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .. import reading
from ..datafiles import DataFileError
from ..validation import choice

if TYPE_CHECKING:  # pragma: no cover
    from ..layers.conv import Conv2d

SPLITS = ("fit", "test")
"""Which use a DeepBench row allows: ``fit`` (the fitting pool) or ``test`` (checking only)."""
CUDNN_FWD_ALGOS = ("IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING",
                   "WINOGRAD", "WINOGRAD_NONFUSED")
"""cuDNN's forward algorithms (``CUDNN_CONVOLUTION_FWD_ALGO_*`` without the prefix)."""
MODES = ("train", "inference")
DEEPBENCH_FILES = ("deepbench_v100_conv.csv", "deepbench_v100_conv_test.csv")
THROUGHPUT_FILES = ("nvidia_dle_throughput.csv",)


class MeasurementFileError(DataFileError):
    """A measurement file that breaks a rule (a ``ValueError``)."""

    what = "measurements"


# --- cells --------------------------------------------------------------------------------------

Cell = Callable[[str], Any]
"""Parses one cell's text; raises ``ValueError(rule)`` when the text breaks the column's rule."""


def _int(minimum: int) -> Cell:
    def parse(text: str) -> int:
        if not text.isdigit() or not text.isascii():
            raise ValueError(f"must be an integer >= {minimum}")
        value = int(text)
        if value < minimum:
            raise ValueError(f"must be an integer >= {minimum}")
        return value
    return parse


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be a positive number") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError("must be a positive number")
    return value


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _one_of(*words: str) -> Cell:
    def parse(text: str) -> str:
        if text not in words:
            raise ValueError(f"must be one of {', '.join(repr(w) for w in words)}")
        return text
    return parse


def _yes_no(text: str) -> bool:
    return _one_of("yes", "no")(text) == "yes"


def _single_gpu(text: str) -> int:
    if text != "1":
        raise ValueError("must be 1 (single-GPU figures only)")
    return 1


def _optional(cell: Cell) -> Cell:
    def parse(text: str) -> Any:
        return None if text == "" else cell(text)
    return parse


def _precisions() -> Cell:
    from ..conventions import PRECISIONS
    return _one_of(*PRECISIONS)


def _device_ids() -> Cell:
    from .. import devices
    return _one_of(*devices.list())


# --- records ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConvMeasurement:
    """One DeepBench convolution: input ``W x H x C x N`` (NCHW), ``K`` filters of ``R`` (height)
    x ``S`` (width), output ``P`` (along W) x ``Q`` (along H); times in microseconds (``None``
    where not measured: DeepBench skips the data gradient of input layers)."""

    source: str
    app: str
    W: int
    H: int
    C: int
    N: int
    K: int
    R: int
    S: int
    pad_h: int
    pad_w: int
    stride_h: int
    stride_w: int
    P: int
    Q: int
    precision: str
    fwd_us: float
    bwd_data_us: float | None
    bwd_filter_us: float | None
    fwd_algo: str
    fwd_tflops_reported: float | None
    total_us_readme: float | None
    split: str

    @property
    def shape(self) -> tuple[int, ...]:
        """``(W, H, C, N, K, R, S, pad_h, pad_w, stride_h, stride_w)``: the layer, without precision."""
        return (self.W, self.H, self.C, self.N, self.K, self.R, self.S, self.pad_h, self.pad_w,
                self.stride_h, self.stride_w)

    def layer(self) -> "Conv2d":
        """This convolution as a :class:`roofline_conv.Conv2d` (no bias, batch ``N``); its
        ``output_size`` is ``(Q, P)`` (height, width)."""
        from ..layers.conv import Conv2d
        return Conv2d(self.C, self.K, (self.R, self.S), (self.H, self.W), stride=(self.stride_h, self.stride_w),
                      padding=(self.pad_h, self.pad_w), batch=self.N)


@dataclass(frozen=True)
class ThroughputMeasurement:
    """One published end-to-end figure: ``images_per_second`` of ``model`` on ``device_id`` (a
    catalog id) at ``batch`` per GPU, training or inference; latencies in milliseconds."""

    source: str
    framework: str
    container: str
    model: str
    model_printed: str
    device_id: str
    gpu: str
    gpu_memory_gb: int
    system: str
    gpus: int
    precision: str
    precision_printed: str
    xla: bool
    mode: str
    batch: int
    batch_source: str | None
    images_per_second: float
    latency_ms_avg: float | None
    latency_ms_p95: float | None
    latency_ms_p99: float | None


def _conv_columns() -> dict[str, Cell]:
    pos, nonneg = _int(1), _int(0)
    return {"source": _text, "app": _text, "W": pos, "H": pos, "C": pos, "N": pos, "K": pos, "R": pos, "S": pos,
            "pad_h": nonneg, "pad_w": nonneg, "stride_h": pos, "stride_w": pos, "P": pos, "Q": pos,
            "precision": _precisions(), "fwd_us": _positive, "bwd_data_us": _optional(_positive),
            "bwd_filter_us": _optional(_positive), "fwd_algo": _one_of(*CUDNN_FWD_ALGOS),
            "fwd_tflops_reported": _optional(_positive), "total_us_readme": _optional(_positive)}


def _throughput_columns() -> dict[str, Cell]:
    pos = _int(1)
    return {"source": _text, "framework": _text, "container": _text, "model": _text, "model_printed": _text,
            "device_id": _device_ids(), "gpu": _text, "gpu_memory_gb": pos, "system": _text, "gpus": _single_gpu,
            "precision": _precisions(), "precision_printed": _text, "xla": _yes_no, "mode": _one_of(*MODES),
            "batch": pos, "batch_source": _optional(_text), "images_per_second": _positive,
            "latency_ms_avg": _optional(_positive), "latency_ms_p95": _optional(_positive),
            "latency_ms_p99": _optional(_positive)}


# --- files --------------------------------------------------------------------------------------

def read_rows(text: str, source: str, columns: dict[str, Cell]) -> tuple[list[str], list[dict[str, Any]]]:
    """The ``#`` lines (without ``#``) and the parsed rows of the CSV ``text``; every problem
    (a missing or unknown column, a row of the wrong length, a cell breaking its rule) is
    collected and raised as one :class:`MeasurementFileError` naming ``source``."""
    lines = text.splitlines()
    comments: list[str] = []
    at = 0
    while at < len(lines) and (lines[at].startswith("#") or not lines[at].strip()):
        if lines[at].startswith("#"):
            comments.append(lines[at][1:].strip())
        at += 1
    if at == len(lines):
        raise MeasurementFileError.one(source, "", "has no header line (a line naming the columns)")
    header = _cells(lines[at], source, at + 1)
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns]
    if missing or unknown or len(set(header)) != len(header):
        rule = "; ".join(filter(None, [f"missing column(s) {', '.join(map(repr, missing))}" if missing else "",
                                       f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else "",
                                       "a column is named twice" if len(set(header)) != len(header) else ""]))
        raise MeasurementFileError.one(source, f"line {at + 1}", f"header: {rule} (expected: {', '.join(columns)})")
    problems: list[tuple[str, str]] = []
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(lines[at + 1:], start=at + 2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = _cells(line, source, number)
        if len(cells) != len(header):
            problems.append((f"line {number}", f"has {len(cells)} cells; the header names {len(header)} columns"))
            continue
        row: dict[str, Any] = {}
        for name, text_ in zip(header, cells):
            try:
                row[name] = columns[name](text_)
            except ValueError as exc:
                problems.append((f"line {number}, column {name!r}", f"{exc} (got {_short(text_)})"))
        rows.append(row)
        if len(problems) >= reading.MAX_PROBLEMS:
            problems.append(("", "... (more problems not listed)"))
            break
    if problems:
        raise MeasurementFileError(source, problems)
    if not rows:
        raise MeasurementFileError.one(source, "", "has no rows (a header and no measurement)")
    return comments, rows


def _short(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _cells(line: str, source: str, number: int) -> list[str]:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise MeasurementFileError.one(source, f"line {number}", f"is not a CSV row ({exc})") from None


def _split_of(comments: Sequence[str], source: str) -> str:
    declared = [c.split(":", 1)[1].strip() for c in comments if c.lower().startswith("split:")]
    if len(declared) != 1:
        raise MeasurementFileError.one(source, "", f"must declare its split in exactly one '# split: fit' or "
                                                   f"'# split: test' line (found {len(declared)})")
    if declared[0] not in SPLITS:
        raise MeasurementFileError.one(source, "", f"split must be 'fit' or 'test' (got {declared[0]!r})")
    return declared[0]


def _need_source_lines(comments: Sequence[str], source: str) -> None:
    if not any("source" in c.lower() or "github.com" in c.lower() for c in comments):
        raise MeasurementFileError.one(source, "", "must start with '#' lines naming the source of its figures")


def read_deepbench(path: Any, source: str | None = None) -> tuple[ConvMeasurement, ...]:
    """The DeepBench rows of the file ``path`` (a path or a packaged resource), validated."""
    source = str(path) if source is None else source
    comments, rows = read_rows(reading.read_text(path, MeasurementFileError.one, source), source, _conv_columns())
    _need_source_lines(comments, source)
    split = _split_of(comments, source)
    return tuple(ConvMeasurement(**row, split=split) for row in rows)


def read_throughput(path: Any, source: str | None = None) -> tuple[ThroughputMeasurement, ...]:
    """The throughput rows of the file ``path`` (a path or a packaged resource), validated."""
    source = str(path) if source is None else source
    comments, rows = read_rows(reading.read_text(path, MeasurementFileError.one, source), source,
                               _throughput_columns())
    _need_source_lines(comments, source)
    return tuple(ThroughputMeasurement(**row) for row in rows)


def _packaged(name: str) -> tuple[Any, str]:
    return resources.files("roofline_conv").joinpath("data", "measured", name), f"roofline_conv/data/measured/{name}"


@lru_cache(maxsize=None)
def _deepbench_all() -> tuple[ConvMeasurement, ...]:
    return tuple(m for name in DEEPBENCH_FILES for m in read_deepbench(*_packaged(name)))


@lru_cache(maxsize=None)
def _throughput_all() -> tuple[ThroughputMeasurement, ...]:
    return tuple(m for name in THROUGHPUT_FILES for m in read_throughput(*_packaged(name)))


def deepbench(split: str | None = None) -> tuple[ConvMeasurement, ...]:
    """The packaged DeepBench V100 convolution rows: ``split="fit"`` the fitting pool,
    ``"test"`` the rows no fit may use, ``None`` both."""
    rows = _deepbench_all()
    if split is None:
        return rows
    split = choice(split, "split", SPLITS)
    return tuple(m for m in rows if m.split == split)


def throughput(model: str | None = None, device_id: str | None = None, mode: str | None = None,
               precision: str | None = None) -> tuple[ThroughputMeasurement, ...]:
    """The packaged end-to-end throughput rows, those matching every argument given."""
    rows = _throughput_all()
    wanted = {}
    for argument, value, allowed in (("model", model, {m.model for m in rows}),
                                     ("device_id", device_id, {m.device_id for m in rows}),
                                     ("mode", mode, MODES), ("precision", precision, {m.precision for m in rows})):
        if value is not None:
            wanted[argument] = choice(value, argument, sorted(allowed))
    return tuple(m for m in rows if all(getattr(m, k) == v for k, v in wanted.items()))


__all__ = ["SPLITS", "CUDNN_FWD_ALGOS", "MODES", "MeasurementFileError", "ConvMeasurement", "ThroughputMeasurement",
           "read_rows", "read_deepbench", "read_throughput", "deepbench", "throughput"]
