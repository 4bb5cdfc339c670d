"""The seed study's two measured tables, predicted with the configurations the study really ran
(its published benchmark notebooks, ``data/study.toml`` [benchmark] and [cifar]):

* the single layer across platforms (:func:`prediction_rows`): Keras defaults, so 'valid'
  padding (224 -> 222) and a bias (SeparableConv2D: on the pointwise only), NHWC, batch 16 (and
  the V100's batch-1 row), fp16 on the V100, bf16 on TPUs, fp32 on the Xeon;
* CIFAR-10 training images/s (:func:`cifar_rows`): the real ``zoo.cifar_cnn``, Adam, mixed
  precision where the study used it (fp16 compute on the V100, bf16 on the TPU, fp32 variables).

Each row has the roofline bound, the expected rate (``Projection.expected_time`` where the
projection has one: :func:`_expected`, "n/a" otherwise), the published rate, and the DepSep
speed-up of each. The analytic table (:mod:`roofline_conv.study`) keeps the study's analytic layer.
"""

from __future__ import annotations

from typing import Any

from .layers import Conv2d, Depthwise, Pointwise
from .layers.depsep import chain_shares
from .report import Table
from .study_data import benchmark_spec, data, layer_spec

NA = "n/a"
"""What a table shows where no expected time is available."""


def _expected(projection: Any) -> float | None:
    """The projection's expected time in seconds (>= its bound ``time``), or None where the
    projection has none. The one place the study reads it."""
    value = getattr(projection, "expected_time", None)
    return None if value is None else float(value)


def _rate(batch: int, seconds: float | None) -> float | None:
    return None if seconds is None else batch / seconds


def _shown(value: float | None) -> Any:
    return NA if value is None else value


def measured_rows() -> list[dict[str, Any]]:
    """The study's measured single-layer rows (platform, device id, precision, batch, conv/s)."""
    return list(data()["measured"])


def benchmark_layers(batch: Any = 16) -> tuple[Conv2d, tuple[Depthwise, Pointwise]]:
    """The single layer as the benchmark ran it: ``Conv2D(128, (3, 3))`` and
    ``SeparableConv2D(128, (3, 3))`` with Keras defaults on a 224 x 224 x 128 input: 'valid'
    padding (222 x 222 output), bias on (the separable one: on its pointwise conv only).
    Returns (standard conv, (depthwise, pointwise))."""
    spec, bench = layer_spec(), benchmark_spec()
    m, n, k, size = spec.in_channels, spec.out_channels, spec.kernel_size, spec.input_size
    conv = Conv2d(m, n, k, size, padding=bench.padding, bias=bench.bias, batch=batch)
    dw = Depthwise(m, k, size, padding=bench.padding, bias=False, batch=batch)
    pw = Pointwise(m, n, dw.output_size, bias=bench.bias, batch=batch)
    return conv, (dw, pw)


def _plain_units(device: Any) -> dict[str, str]:
    """Every op on the fastest unit of its kind class ignoring lowering: depthwise on a vector unit."""
    vector = [name for name, unit in device.units.items() if unit.kind == "vector"]
    return {"depthwise": vector[0]} if vector else {}


def project_benchmark(device: Any, precision: str, batch: int, traffic: str = "compulsory",
                      unit: Any = None) -> tuple[Any, Any]:
    """(standard, DepSep) projections of :func:`benchmark_layers` on ``device``. The DepSep is its
    two parts, the intermediate charged as a DepSep's (on chip under ``compulsory``)."""
    from .roofline import project, project_ops

    conv, parts = benchmark_layers(batch)
    shares = chain_shares(parts, traffic)
    pc = project(conv, device, precision, traffic, unit=unit)
    ps = project_ops([("depthwise", parts[0], shares[0]), ("pointwise", parts[1], shares[1])], device, precision,
                     traffic, unit, name="SeparableConv2D", batch=batch)
    return pc, ps


def prediction_rows(traffic: str = "compulsory", plain: bool = False) -> list[dict[str, Any]]:
    """Bound (and expected, where available) beside each published single-layer measurement.

    Each row: the platform, the device projected on, bound conv/s of the standard conv and the
    DepSep (``predicted_*``), expected conv/s (``expected_*``, None without an expected model),
    published conv/s, efficiency (published / bound), bound, expected and published DepSep
    speed-ups, whether the bound's direction and the bound hold, and the term the bound misses.
    ``plain=True`` projects a plain per-unit roofline (depthwise on the vector unit, no
    matrix-unit lowering), to show what that gets wrong.
    """
    from .devices import get

    rows = []
    for row in measured_rows():
        device = get(row["device"])
        batch = row["batch"]
        pc, ps = project_benchmark(device, row["precision"], batch, traffic, _plain_units(device) if plain else None)
        pub_c, pub_s = row["conv_per_s"]
        pred_c, pred_s = batch / float(pc.time), batch / float(ps.time)
        exp_c, exp_s = _rate(batch, _expected(pc)), _rate(batch, _expected(ps))
        rows.append(dict(
            id=row["id"], platform=row["platform"], device=device.id, precision=row["precision"], batch=batch,
            predicted_conv_per_s=pred_c, predicted_depsep_per_s=pred_s,
            expected_conv_per_s=exp_c, expected_depsep_per_s=exp_s,
            published_conv_per_s=pub_c, published_depsep_per_s=pub_s,
            efficiency_conv=pub_c / pred_c, efficiency_depsep=pub_s / pred_s,
            predicted_speedup=pred_s / pred_c, published_speedup=pub_s / pub_c,
            expected_speedup=None if exp_c is None or exp_s is None else exp_s / exp_c,
            direction_right=(pred_s > pred_c) == (pub_s > pub_c),
            bound_holds=pred_c >= pub_c and pred_s >= pub_s,
            conv_bound=pc.bound, depsep_bound=ps.bound, depsep_units=ps.unit, depsep_lowering=ps.lowering,
            bound_misses=row.get("bound_misses", ""), run_note=row.get("run_note", ""),
        ))
    return rows


def _yes(value: bool | None) -> str:
    return NA if value is None else ("yes" if value else "NO")


def _expected_direction(r: dict[str, Any], exp: str, pub: str) -> bool | None:
    return None if r[exp] is None else (r[exp] > 1) == (r[pub] > 1)


def prediction_table(traffic: str = "compulsory", plain: bool = False) -> Table:
    """:func:`prediction_rows` as a table with units."""
    rows = prediction_rows(traffic, plain)
    kind = "plain per-unit roofline (depthwise on the vector unit)" if plain else "roofline with matrix-unit tiles and depthwise lowering"
    bench = benchmark_spec()
    return Table(
        title=f"The study's layer as benchmarked: bound and expected vs published, {kind}, traffic '{traffic}'",
        columns=["platform", "device", "precision", "batch",
                 "bound conv/s (std)", "expected conv/s (std)", "published conv/s (std)", "efficiency (std)",
                 "bound conv/s (DepSep)", "expected conv/s (DepSep)", "published conv/s (DepSep)", "efficiency (DepSep)",
                 "DepSep speed-up bound", "DepSep speed-up expected", "DepSep speed-up published",
                 "direction right (bound)", "direction right (expected)", "bound >= published",
                 "DepSep units (lowering)", "what the bound leaves out"],
        rows=[[r["platform"], r["device"], r["precision"], r["batch"],
               r["predicted_conv_per_s"], _shown(r["expected_conv_per_s"]), r["published_conv_per_s"], r["efficiency_conv"],
               r["predicted_depsep_per_s"], _shown(r["expected_depsep_per_s"]), r["published_depsep_per_s"],
               r["efficiency_depsep"], r["predicted_speedup"], _shown(r["expected_speedup"]), r["published_speedup"],
               _yes(r["direction_right"]), _yes(_expected_direction(r, "expected_speedup", "published_speedup")),
               _yes(r["bound_holds"]), f"{r['depsep_units']} ({r['depsep_lowering']})", r["bound_misses"]] for r in rows],
        notes=[
            f"Configuration as run (data/study.toml [benchmark], from {bench.source}): input {bench.layout} "
            f"(batch, 224, 224, 128); Conv2D(128, 3x3) and SeparableConv2D(128, 3x3) with Keras defaults: padding "
            f"'{bench.padding}' (222 x 222 output), bias (SeparableConv2D: on the pointwise only), no activation.",
            "conv/s = layers (one image each) per second; the bound is an upper bound, so efficiency = published / "
            "bound should be <= 1; expected = batch / Projection.expected_time (n/a where the projection has none).",
            "Published figures: the seed study (data/study.toml). Devices: the catalog (roofline-conv devices); "
            "'TPUv2, all cores' is the 8-core aggregate tpuv2-8 with the batch split over the cores (an assumption: "
            "that run's code is not published).",
        ],
    )


def cifar_rows() -> list[dict[str, Any]]:
    """The study's CIFAR-10 training images/s beside the projected training step of ``zoo.cifar_cnn``
    (plain and DepSep) with Adam, at the run's precision (fp32 variables for the update)."""
    from . import training, zoo
    from .devices import get

    cifar = data()["cifar"]
    rows = []
    for row in cifar["throughput"]:
        device, batch = get(row["device"]), row["batch"]
        proj = [training.step(zoo.get("cifar_cnn", depsep=d, batch=batch), optimizer=cifar["optimizer"])
                .project(device, row["precision"], update_precision=row["update_precision"]) for d in (False, True)]
        bound = [float(p.images_per_second) for p in proj]
        expected = [_rate(batch, _expected(p)) for p in proj]
        pub = row["images_per_s"]
        rows.append(dict(
            platform=row["platform"], device=device.id, precision=row["precision"], batch=batch,
            predicted_plain=bound[0], predicted_depsep=bound[1], expected_plain=expected[0], expected_depsep=expected[1],
            published_plain=pub[0], published_depsep=pub[1],
            predicted_ratio=bound[1] / bound[0], published_ratio=pub[1] / pub[0],
            expected_ratio=None if None in expected else expected[1] / expected[0],  # type: ignore[operator]
            direction_right=(bound[1] > bound[0]) == (pub[1] > pub[0]),
            bound_holds=bound[0] >= pub[0] and bound[1] >= pub[1],
            bound_misses=row.get("bound_misses", ""), run_note=row["run_note"],
        ))
    return rows


def cifar_table() -> Table:
    """:func:`cifar_rows` as a table, with the network's parameter counts."""
    from . import zoo

    plain, sep = zoo.get("cifar_cnn"), zoo.get("cifar_cnn", depsep=True)
    cifar = data()["cifar"]
    keras = [zoo.keras_count_params(plain), zoo.keras_count_params(sep)]
    rows: list[list[Any]] = [["parameters (Keras count_params)", "", "", keras[0], "", cifar["params_exact"][0],
                              keras[1], "", cifar["params_exact"][1], keras[1] / keras[0], "",
                              cifar["params_exact"][1] / cifar["params_exact"][0], "", "", "", ""]]
    for r in cifar_rows():
        rows.append([f"{r['platform']} training", r["precision"], r["batch"],
                     r["predicted_plain"], _shown(r["expected_plain"]), r["published_plain"],
                     r["predicted_depsep"], _shown(r["expected_depsep"]), r["published_depsep"],
                     r["predicted_ratio"], _shown(r["expected_ratio"]), r["published_ratio"],
                     _yes(r["direction_right"]), _yes(_expected_direction(r, "expected_ratio", "published_ratio")),
                     _yes(r["bound_holds"]), r["bound_misses"]])
    return Table(
        title="The study's CIFAR-10 CNN: projected training images/s (bound, expected) vs published",
        columns=["row", "precision", "batch", "plain (bound)", "plain (expected)", "plain (published)",
                 "DepSep (bound)", "DepSep (expected)", "DepSep (published)", "DepSep / plain bound",
                 "DepSep / plain expected", "DepSep / plain published", "direction right (bound)",
                 "direction right (expected)", "bound >= published", "what the bound leaves out"],
        rows=rows,
        notes=[
            f"Network: zoo.cifar_cnn, as the notebooks build it ({cifar['source']}): 4 x conv(128, 3x3, 'same', "
            "bias, ReLU) at 32x32, 4x4 max-pool, BatchNorm, flatten, Dense(10) (softmax: negligible, not counted); "
            "DepSep: depthwise 3x3 + pointwise with bias. Parameters as Keras counts them (BatchNorm's moving mean "
            f"and variance included; the library's params, without them: {plain.params:,} / {sep.params:,}).",
            f"Step: forward + backward + {cifar['optimizer']} update (fp32 variables), images/s = batch / step time; "
            "the bound is a roofline upper bound at the run's compute precision (fp16: the V100's automatic mixed "
            "precision; bf16: the TPU's mixed_bfloat16; fp32 on the CPU). TPUv2: the 8-core aggregate tpuv2-8, "
            "the global batch split over the cores (TPUStrategy), no all-reduce term.",
            "Where the bound's direction is wrong, the last column names the term the bound leaves out; the expected "
            "column (n/a without an expected model) is where those terms belong.",
        ],
    )


__all__ = ["NA", "measured_rows", "benchmark_layers", "project_benchmark", "prediction_rows", "prediction_table",
           "cifar_rows", "cifar_table"]
