"""The network terms: fitted on V100 DeepLearningExamples rows, checked on A100 rows, regenerated
byte for byte by ``python -m roofline_conv.fidelity --write``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from roofline_conv import devices, project, zoo
from roofline_conv.fidelity import fit as F
from roofline_conv.fidelity import networks, run


@pytest.fixture(scope="module")
def fitted():
    results = run.fit_all(run.deepbench_samples())
    return results, networks.fit_networks(results)


def test_fitted_file_regenerates_byte_for_byte(fitted):
    results, nf = fitted
    assert run.to_toml(results, nf) == run.packaged_text()


def test_conv_terms_beat_the_bound_on_rows_they_never_saw(fitted):
    results, _ = fitted
    for r in results:
        measured = np.array([s.seconds for s in r.fit_rows])
        assert r.held_out_errors()["median"] < F.errors(r.fit_bound, measured)["median"], (r.op, r.precision)
        if r.test_rows:
            test = np.array([s.seconds for s in r.test_rows])
            assert r.test_errors()["median"] < F.errors(r.test_bound, test)["median"], (r.op, r.precision)


def test_docs_show_what_the_script_prints(fitted):
    """docs/fidelity.md's generated block is what ``python -m roofline_conv.fidelity --docs`` writes."""
    results, nf = fitted
    block = run.results_markdown(results, networks.summary(nf), run.network_errors(nf))
    docs = (Path(__file__).parents[2] / "docs" / "fidelity.md").read_text(encoding="utf-8")
    assert block in docs, "run: python -m roofline_conv.fidelity --docs docs/fidelity.md"


def test_split_by_gpu_and_errors_only_on_rows_never_fitted(fitted, capsys):
    _, nf = fitted
    assert {r.m.device_id for r in nf.rows if r.split == "fit"} == {"v100-sxm2"}
    assert all(r.split == "test" for r in nf.rows if r.m.device_id != "v100-sxm2")
    text = networks.table(nf)
    print(text)  # the held-out errors, in the test log
    assert "rows never fitted (A100): n=" in text and "test (new GPU)" in text
    test = [abs(r.measured / p - 1) for r, p in zip(nf.rows, nf.pred) if r.split == "test"]
    assert len(test) >= 40 and all(math.isfinite(e) for e in test)


def test_catalog_projection_is_the_fit_prediction(fitted):
    _, nf = fitted
    for r, p in zip(nf.rows, nf.pred):
        if r.m.batch in (1, 256):
            proj, _ = networks.project_row(r.m, devices.get(r.m.device_id))
            # the fp32 update of a mixed-precision step gets the fp32 elementwise terms here, none in the fit
            assert float(proj.expected_time) == pytest.approx(p, rel=1e-4), r.m.source


def test_steps_are_data_with_provenance():
    v100 = devices.get("v100-sxm2")
    for mode in ("inference", "training"):
        s = v100.step[mode]["fp16"]
        assert s.seconds >= 0 and "DeepLearningExamples" in s.source
    a100 = devices.get("a100-sxm-80gb")
    assert "transferred from the v100-sxm2" in a100.step["inference"]["tf32"].source
    assert "transferred" in a100.expected["conv"]["fp16"].source


def test_expected_at_least_bound_for_every_zoo_network_on_every_device():
    for device in devices.list():
        dev = devices.get(device)
        for name in ("resnet50", "efficientnet_b0", "cifar_cnn", "mobilenet_v2"):
            try:
                net = zoo.get(name, batch=2)
            except (KeyError, ValueError):
                continue
            for fuse in (True, False):
                for precision in ("fp16", "fp32"):
                    try:
                        p = project(net, dev, precision, fuse=fuse)
                    except ValueError:  # no unit at this precision
                        continue
                    assert float(p.expected_time) >= float(p.time) * (1 - 1e-12), (device, name, fuse, precision)
                    assert float(p.expected_time) == pytest.approx(sum(float(t.seconds) for t in p.expected))
