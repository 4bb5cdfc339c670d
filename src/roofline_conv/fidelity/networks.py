"""Fitting the network terms on published end-to-end throughput, and checking them on a new GPU.

The DeepBench fit (:mod:`.fit`) gives the conv and pointwise terms of a V100; the end-to-end
figures of NVIDIA DeepLearningExamples (:func:`.measurements.throughput`: ResNet-50 and
EfficientNet-B0, inference and training) give what it cannot: the ``depthwise``, ``elementwise``
and ``pooling`` classes (pooling shares the elementwise figures: a few parameters, no look-up by
layer shape) and the per-step overhead (``device.step``, per mode), per precision.

The split is made before fitting, by GPU: every V100 row is fitted on, every A100 row is only
predicted (a GPU no fit saw). The A100 has no fitted terms of its own: it gets the V100's,
transferred (fp16 -> fp16, fp32 -> tf32; the size ramp's ``slots`` from the A100's SM count) and
said so in each entry's source. Each row is projected as the published run ran: PyTorch eager and
TensorFlow without XLA unfused (``fuse=False``), TensorFlow with XLA fused; training rows as a
:class:`~roofline_conv.training.TrainingStep` with a momentum update in fp32.

How: each row's expected time splits into a fixed part (the conv and pointwise terms, the bound
of fused ops) and, per fitted class, ``sum(max(compute / c, memory / m)) + overhead x launches``;
the figures are chosen by a deterministic coordinate search over fixed grids minimising the mean
|log(expected / published)|.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..devices import Device, Efficiency, get
from .fit import errors

FITTED = ("depthwise", "elementwise")
"""The classes fitted here; ``pooling`` is written with the elementwise figures."""
FIT_DEVICE = "v100-sxm2"
TRANSFER = {"fp16": "fp16", "fp32": "tf32"}
"""V100 precision -> the A100 precision its figures are transferred to."""
GRID_COMPUTE = np.geomspace(0.02, 1.0, 24)
GRID_MEMORY = np.array([0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
GRID_OVERHEAD = np.concatenate([[0.0], np.geomspace(0.5e-6, 100e-6, 32)])
GRID_STEP = np.concatenate([[0.0], np.geomspace(20e-6, 40e-3, 48)])
ROUNDS = 4
_MARK = "class:"


@dataclass(frozen=True)
class Row:
    """One published figure, and its projection split into a fixed part and the fitted classes."""

    m: Any  # a ThroughputMeasurement
    split: str
    bound: float
    fixed: float
    leaves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    """class -> (compute s, memory s, launched 0/1) of each leaf of that class."""

    @property
    def measured(self) -> float:
        return self.m.batch / self.m.images_per_second

    @property
    def key(self) -> tuple[str, str]:
        return self.m.mode, self.m.precision


def marked(dev: Device, precision: str, conv_terms: dict[str, Efficiency]) -> Device:
    """``dev`` with ``conv_terms`` for conv/pointwise at ``precision``, a marker (ceilings 1, a
    1 s overhead) for the fitted classes and pooling, and no step overhead."""
    mark = {c: {precision: Efficiency(compute=1, memory=1, overhead=1.0, source=_MARK + c)}
            for c in (*FITTED, "pooling")}
    expected = {**mark, **{c: {precision: e} for c, e in conv_terms.items()}}
    return dev.model_copy(update={"expected": expected, "step": {}, "efficiency": {}})


def project_row(m: Any, dev: Any) -> tuple[Any, float]:
    """(projection or training projection, bound seconds) of the published run ``m`` on ``dev``."""
    from .. import training, zoo
    from ..roofline import project

    net = zoo.get(m.model, batch=m.batch)
    if m.mode == "inference":
        p = project(net, dev, m.precision, fuse=m.xla)
        return p, float(p.time)
    t = training.step(net, optimizer="momentum").project(dev, m.precision, update_precision="fp32", fuse=m.xla)
    return t, float(t.time)


def _leaves(p: Any) -> list[Any]:
    stack, out = list(getattr(p, "passes", (p,))), []
    while stack:
        q = stack.pop()
        if q.parts:
            stack.extend(q.parts)
        else:
            out.append(q)
    return out


def decompose(m: Any, split: str, dev: Device, conv_terms: dict[str, Efficiency]) -> Row:
    """The row ``m`` projected on ``dev`` with the marker terms, split into fixed and fitted parts."""
    proj, bound = project_row(m, marked(dev, m.precision, conv_terms))
    fixed, found = 0.0, {}
    for leaf in _leaves(proj):
        e = leaf.efficiency
        if e is None or not str(e.source).startswith(_MARK) or len(leaf.expected) < 2:
            fixed += float(leaf.expected_time)
            continue
        c = str(e.source)[len(_MARK):]
        c = "elementwise" if c == "pooling" else c
        launched = float(any(t.name == "overhead" for t in leaf.expected))
        memory = max(float(v) for v in leaf.memory_time.values())
        found.setdefault(c, []).append((float(leaf.compute_time), memory, launched))
    leaves = {c: tuple(np.array(col) for col in zip(*found.get(c, [(0.0, 0.0, 0.0)]))) for c in FITTED}
    return Row(m, split, bound, fixed, leaves)  # type: ignore[arg-type]


def class_time(row: Row, c: str, terms: tuple[float, float, float]) -> float:
    """Seconds the leaves of class ``c`` of ``row`` take under (compute, memory, overhead)."""
    comp, mem, launched = row.leaves[c]
    return float(np.maximum(comp / terms[0], mem / terms[1]).sum() + terms[2] * launched.sum())


def predict(row: Row, fitted: dict[str, Any]) -> float:
    """The expected seconds of ``row`` under ``fitted`` (class -> terms, 'step' -> mode -> s)."""
    return row.fixed + sum(class_time(row, c, fitted[c]) for c in FITTED) + fitted["step"][row.m.mode]


def _loss(pred: np.ndarray, measured: np.ndarray) -> np.ndarray:
    return np.abs(np.log(pred / measured)).mean(axis=-1)


def fit(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    """Per precision of ``rows``: the fitted classes' terms (elementwise: memory ceiling and
    overhead only, its compute at peak) and the per-mode step overheads, one figure per mode for
    every precision (a host-side cost)."""
    precisions = sorted({r.m.precision for r in rows})
    modes = sorted({r.m.mode for r in rows})
    step = {mode: 0.0 for mode in modes}
    fitted: dict[str, dict[str, Any]] = {p: {**{c: (1.0, 1.0, 0.0) for c in FITTED}, "step": step} for p in precisions}
    for _ in range(ROUNDS):
        for p in precisions:
            _classes([r for r in rows if r.m.precision == p], fitted[p])
        measured = np.array([r.measured for r in rows])
        for mode in modes:
            pick = np.array([r.m.mode == mode for r in rows])
            rest = np.array([predict(r, fitted[r.m.precision]) - step[mode] for r in rows])[pick]
            err = _loss(rest[None, :] + GRID_STEP[:, None], measured[pick][None, :])
            step[mode] = float(GRID_STEP[int(np.argmin(err))])
    return fitted


def _classes(rows: Sequence[Row], fitted: dict[str, Any]) -> None:
    """One round of the coordinate search over the fitted classes of ``rows`` (one precision)."""
    measured = np.array([r.measured for r in rows])
    for c in FITTED:
        compute = GRID_COMPUTE if c == "depthwise" else np.array([1.0])
        cm = [(cc, mm) for cc in compute for mm in GRID_MEMORY]
        rest = np.array([predict(r, fitted) - class_time(r, c, fitted[c]) for r in rows])
        ceil = np.array([[class_time(r, c, (cc, mm, 0.0)) for r in rows] for cc, mm in cm])
        launches = np.array([r.leaves[c][2].sum() for r in rows])
        pred = rest[None, None, :] + ceil[:, None, :] + GRID_OVERHEAD[None, :, None] * launches[None, None, :]
        err = _loss(pred, measured[None, None, :])
        i, j = np.unravel_index(int(np.argmin(err)), err.shape)
        fitted[c] = (float(cm[i][0]), float(cm[i][1]), float(GRID_OVERHEAD[j]))


@dataclass
class NetworkFit:
    """The network fit: per V100 precision its figures, and every row with its prediction."""

    fitted: dict[str, dict[str, Any]]
    rows: list[Row]
    pred: list[float]
    conv: dict[tuple[str, str], dict[str, Efficiency]]
    """(device, precision) -> op class -> the conv/pointwise terms each row was projected with."""
    skipped: list[tuple[Any, str]]
    """Rows the projection cannot place, with the reason."""


def conv_terms(results: Sequence[Any]) -> dict[tuple[str, str], dict[str, Efficiency]]:
    """(device, precision) -> {conv, pointwise: terms}: the DeepBench fit's V100 figures, and
    the same transferred to every A100 of the measurements (``slots`` from its SM count)."""
    from ..devices.expected import parallelism

    out: dict[tuple[str, str], dict[str, Efficiency]] = {}
    for r in results:
        e = Efficiency(source=f"fitted on DeepBench ({r.device})", **r.terms)
        out.setdefault((r.device, r.precision), {})[r.op] = e
    slots = parallelism()
    for device in a100s():
        for v, a in TRANSFER.items():
            for op, e in out.get((FIT_DEVICE, v), {}).items():
                moved = e.model_copy(update={"slots": slots[device].slots if e.slots else None})
                out.setdefault((device, a), {})[op] = moved
    return out


def a100s() -> list[str]:
    from .measurements import throughput

    return sorted({m.device_id for m in throughput() if m.device_id != FIT_DEVICE})


def fit_networks(results: Sequence[Any]) -> NetworkFit:
    """Fit on every V100 row (per precision), predict every row (A100: the transferred figures)."""
    from .measurements import throughput

    conv = conv_terms(results)
    rows, skipped = [], []
    for m in throughput():
        try:
            rows.append(decompose(m, "fit" if m.device_id == FIT_DEVICE else "test", get(m.device_id),
                                  conv.get((m.device_id, m.precision), {})))
        except ValueError as exc:  # e.g. no unit runs a depthwise conv at tf32
            skipped.append((m, str(exc)))
    fitted = fit([r for r in rows if r.split == "fit"])
    back = {a: v for v, a in TRANSFER.items()}
    pred = [predict(r, fitted[r.m.precision if r.split == "fit" else back[r.m.precision]]) for r in rows]
    return NetworkFit(fitted, rows, pred, conv, skipped)


MODE = {"inference": "inference", "train": "training"}
"""The measurements' mode -> the device's step mode."""


def _errors(nf: NetworkFit, split: str, device: str | None = None) -> str:
    pick = [(p, r.measured) for r, p in zip(nf.rows, nf.pred) if r.split == split
            and (device is None or r.m.device_id == device)]
    e = errors(np.array([p for p, _ in pick]), np.array([m for _, m in pick]))
    return f"n={e['n']}, median |error| {e['median']:.1%}, p90 {e['p90']:.1%}"


def entries(nf: NetworkFit) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(``[[terms]]``, ``[[step]]``) tables of the network fit and the A100 transfers."""
    rows = sum(r.split == "fit" for r in nf.rows)
    fitted_on = (f"fitted by `python -m roofline_conv.fidelity` on {rows} {FIT_DEVICE} end-to-end rows of "
                 f"NVIDIA/DeepLearningExamples@729963dd47e7 (data/measured/nvidia_dle_throughput.csv)")
    test = f"A100 rows (a GPU no fit saw), with these figures transferred: {_errors(nf, 'test')}"
    terms: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for v, a in TRANSFER.items():
        f = nf.fitted[v]
        for device, precision in ((FIT_DEVICE, v), *((d, a) for d in a100s())):
            moved = "" if device == FIT_DEVICE else f"transferred from the {FIT_DEVICE} {v} fit; assumption: "
            if device != FIT_DEVICE:
                for op, e in sorted(nf.conv.get((device, precision), {}).items()):
                    entry = {"device": device, "op": op, "precision": precision,
                             **{k: v_ for k, v_ in e.model_dump(include={"compute", "memory", "overhead", "tile",
                                                                         "slots", "reduction_half"}).items()
                                if v_ is not None},
                             "source": f"transferred from the {FIT_DEVICE} {v} DeepBench fit ({op}); assumption: "
                                       f"the same kernels' efficiency on the A100 (slots: its SM count)",
                             "note": f"checked on the {test}"}
                    if "tile" in entry:
                        entry["tile"] = list(entry["tile"])
                    terms.append(entry)
            for op in (*FITTED, "pooling"):
                c, m, o = f["elementwise" if op == "pooling" else op]
                terms.append({"device": device, "op": op, "precision": precision, "compute": c, "memory": m,
                              "overhead": o, "source": moved + fitted_on + (
                                  " (pooling: the elementwise figures)" if op == "pooling" else ""),
                              "layers": rows, "note": f"errors on {test}"})
            for mode, seconds in sorted(f["step"].items()):
                steps.append({"device": device, "mode": MODE[mode], "precision": precision, "seconds": seconds,
                              "source": moved + fitted_on + " (one figure per mode for every precision)",
                              "rows": rows, "note": f"errors on {test}"})
    return terms, steps


def table(nf: NetworkFit) -> str:
    """Markdown: every row, published / bound / expected images/s, the error and its split."""
    out = ["| model | device | framework | precision | mode | fused | batch | published (images/s) | "
           "bound (images/s) | expected (images/s) | error | split |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r, p in zip(nf.rows, nf.pred):
        m = r.m
        out.append(f"| {m.model} | {m.device_id} | {m.framework} | {m.precision} | {m.mode} | {'yes' if m.xla else 'no'} | "
                   f"{m.batch} | {m.images_per_second:,.0f} | {m.batch / r.bound:,.0f} | {m.batch / p:,.0f} | "
                   f"{m.batch / p / m.images_per_second - 1:+.0%} | {'fit' if r.split == 'fit' else 'test (new GPU)'} |")
    out.append("")
    out.append(f"Errors of images/s... on rows never fitted (A100): {_errors(nf, 'test')}; "
               f"on the fitted V100 rows (not a test): {_errors(nf, 'fit')}.")
    for m, why in nf.skipped:
        out.append(f"Not projected: {m.model} on {m.device_id} at {m.precision} ({m.mode}, batch {m.batch}): {why}.")
    return "\n".join(out)


def summary(nf: NetworkFit) -> str:
    """Markdown: per device, precision, mode and split, n and median / p90 |error| of the images/s
    of the bound and of the expected time."""
    groups: dict[tuple[str, str, str, str], list[tuple[float, float, float]]] = {}
    for r, p in zip(nf.rows, nf.pred):
        m = r.m
        key = (m.device_id, m.precision, m.mode, "fitted" if r.split == "fit" else "test (new GPU)")
        groups.setdefault(key, []).append((m.batch / r.bound, m.batch / p, m.images_per_second))
    out = ["| device | precision | mode | rows | bound: median, p90 |error| | expected: median, p90 |error| |",
           "|---|---|---|---|---|---|"]
    for (device, precision, mode, split), vals in sorted(groups.items()):
        a = np.array(vals)
        b, e = errors(a[:, 0], a[:, 2]), errors(a[:, 1], a[:, 2])
        out.append(f"| {device} | {precision} | {mode} | {split}, n={len(vals)} | {b['median']:.0%}, "
                   f"{b['p90']:.0%} | {e['median']:.0%}, {e['p90']:.0%} |")
    return "\n".join(out)
