"""The package's shape, checked: no import circles (function-local and TYPE_CHECKING imports
count, and so does the package ``__init__`` a submodule import runs), modules of a readable size,
and one roofline arithmetic (``sweep`` and ``project`` agree on 10,000 random configurations)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import roofline_conv

PACKAGE = Path(roofline_conv.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """module -> the package modules it imports, anywhere in its body, with the package
    ``__init__`` files that importing them runs (except the importer's own packages)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for a in node.names:  # a submodule by name, else a name the module defines
                    sub = f"{target}.{a.name}"
                    targets.add(sub if sub in modules else target)
        own = set(_ancestors(name)) | ({name} if path.name == "__init__.py" else set())
        for target in targets:
            if target not in modules:
                continue
            graph[name].add(target)
            graph[name].update(a for a in _ancestors(target) if a in modules and a not in own)
        graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_graph_counts_function_local_imports_and_package_inits():
    graph = import_graph()
    # Device.project imports the projection engine; importing it runs projection/__init__
    assert "roofline_conv.projection.engine" in graph["roofline_conv.devices.model"]
    assert "roofline_conv.projection" in graph["roofline_conv.devices.model"]


@pytest.mark.parametrize("lower, upper", [
    ("roofline_conv.devices", "roofline_conv.roofline"),
    ("roofline_conv.projection", "roofline_conv.devices"),
    ("roofline_conv.projection", "roofline_conv.network"),
    ("roofline_conv.layers", "roofline_conv.projection"),
    ("roofline_conv.roofline", "roofline_conv.network"),
    ("roofline_conv.training", "roofline_conv.network"),
    ("roofline_conv.report", "roofline_conv.network"),
])
def test_layering(lower, upper):
    """Devices know nothing of roofline, the engine nothing of the catalog or networks, layers
    nothing of projection; training and reports take networks without importing them."""
    graph = import_graph()
    offenders = sorted((m, t) for m, ts in graph.items() if m == lower or m.startswith(lower + ".")
                       for t in ts if t == upper or t.startswith(upper + "."))
    assert offenders == []


def test_modules_stay_readable():
    sizes = {name: path.read_text(encoding="utf-8").count("\n") for name, path in _modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


# -- one roofline arithmetic ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["conv", "depsep", "depthwise", "pointwise"])
def test_sweep_and_project_agree_on_random_configurations(kind):
    """2,500 random configurations per kind (10,000 in all), each on a matrix-unit GPU, a TPU core
    with block-diagonal depthwise lowering and a CPU: ``sweep`` (arrays) and ``project`` (one
    layer at a time) go through the same placement and leaf arithmetic, so they agree."""
    from roofline_conv import Conv2d, DepSep, Depthwise, Pointwise, devices, project
    from roofline_conv.sweeps import sweep

    rng = np.random.default_rng(13 + len(kind))
    n = 2500
    groups = rng.choice([1, 1, 1, 2, 4], n) if kind in ("conv", "pointwise") else np.ones(n, int)
    cin = rng.integers(1, 64, n) * groups
    cout = rng.integers(1, 64, n) * groups
    k = rng.choice([1, 3, 5, 7], n) if kind != "pointwise" else np.ones(n, int)
    size = rng.integers(7, 64, n)
    stride = rng.choice([1, 2], n)
    pad = k // 2 if kind != "pointwise" else np.zeros(n, int)
    batch = rng.choice([1, 8, 32], n)
    mult = rng.choice([1, 2], n) if kind in ("depsep", "depthwise") else np.ones(n, int)

    def layer(i: int):
        a = dict(stride=int(stride[i]), batch=int(batch[i]))
        if kind == "conv":
            return Conv2d(int(cin[i]), int(cout[i]), int(k[i]), int(size[i]), padding=int(pad[i]), groups=int(groups[i]), **a)
        if kind == "pointwise":
            return Pointwise(int(cin[i]), int(cout[i]), int(size[i]), groups=int(groups[i]), **a)
        if kind == "depthwise":
            return Depthwise(int(cin[i]), int(k[i]), int(size[i]), padding=int(pad[i]), multiplier=int(mult[i]), **a)
        return DepSep(int(cin[i]), int(cout[i]), int(k[i]), int(size[i]), padding=int(pad[i]),
                      depth_multiplier=int(mult[i]), **a)

    arrays = dict(in_channels=cin, kernel_size=k, input_size=size, stride=stride, padding=pad, batch=batch)
    if kind in ("conv", "pointwise"):
        arrays.update(out_channels=cout, groups=groups)
    if kind == "pointwise":
        del arrays["kernel_size"], arrays["padding"]
    if kind == "depsep":
        arrays.update(out_channels=cout, depth_multiplier=mult)
    if kind == "depthwise":
        arrays.update(depth_multiplier=mult)
    layers = [layer(i) for i in range(n)]
    for device_id, precision in (("v100-sxm2", "fp16"), ("tpuv2-core", "bf16"), ("xeon-e5-2698v4", "fp32")):
        device = devices.get(device_id)
        for traffic in ("compulsory", "im2col"):
            got = sweep("time", device, precision, traffic, kind=kind, **arrays)
            want = [project(x, device, precision, traffic).time for x in layers]
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
