"""The zoo against the published tables, to the precision each number was printed with."""

from __future__ import annotations

import pytest

from roofline_conv import zoo
from roofline_conv.zoo.papers import PUBLISHED

MAC_LAYERS = ("conv", "pointwise", "depthwise", "linear")


def millions(x: int) -> int:
    return round(x / 1e6)


# -- exact torchvision parameter counts ----------------------------------------------------------
@pytest.mark.parametrize("name, params", [
    ("resnet18", 11_689_512), ("resnet50", 25_557_032), ("vgg16", 138_357_544),
    ("mobilenet_v2", 3_504_872), ("efficientnet_b0", 5_288_548),
])
def test_torchvision_exact_params(name, params):
    assert zoo.get(name).params == params == PUBLISHED[name]["exact_params"]


@pytest.mark.parametrize("name, gmacs", [
    ("resnet18", 1.81), ("resnet50", 4.09), ("vgg16", 15.47), ("mobilenet_v2", 0.30), ("efficientnet_b0", 0.39),
])
def test_torchvision_gflops_column(name, gmacs):
    """torchvision's 'GFLOPS' column (multiply-adds), printed to 0.01 G."""
    assert round(zoo.get(name).macs / 1e9, 2) == gmacs == PUBLISHED[name]["torchvision_gmacs"]


@pytest.mark.parametrize("name, gmacs, mparams", [
    ("resnet18", 1.8, 11.7), ("resnet50", 4.1, 25.6), ("vgg16", 15.5, 138.4), ("efficientnet_b0", 0.39, 5.3),
])
def test_papers_headline_numbers(name, gmacs, mparams):
    net = zoo.get(name)
    digits = 2 if gmacs < 1 else 1
    assert round(net.macs / 1e9, digits) == gmacs
    assert round(net.params / 1e6, 1) == mparams


def test_vgg16_table():
    net = zoo.get("vgg16")
    assert net.macs == 15_470_264_320 and round(net.params / 1e6, 2) == 138.36
    assert sum(1 for layer in net if layer.kind == "conv") == 13 and sum(1 for layer in net if layer.kind == "linear") == 3


def test_resnet50_v1_is_the_papers_3_8_g():
    v1, v15 = zoo.get("resnet50", variant="v1"), zoo.get("resnet50")
    # He et al., Table 1: 3.8 x 10^9 for the original layout (stride on the first 1x1), printed truncated
    assert v1.macs == 3_857_973_248 and int(v1.macs / 1e8) == 38
    assert v1.params == v15.params and v15.macs > v1.macs


def test_mobilenet_v2_paper():
    net = zoo.get("mobilenet_v2")
    assert millions(net.macs) == 301 and round(net.macs / 1e8) == 3  # "300 M": printed to 1 significant figure
    # the paper's 3.4 M is the weight count without BatchNorm, truncated (3.47 M)
    bn = sum(layer.params for layer in net if layer.kind == "batchnorm")
    assert net.params - bn - 1000 == 3_469_760 and int((net.params - bn) / 1e5) == 34


# -- MobileNetV1: the paper's tables ----------------------------------------------------------------
def test_mobilenet_v1_headline():
    net = zoo.get("mobilenet_v1")
    assert net.macs == 568_740_352 and millions(net.macs) == 569
    assert round(net.params / 1e6, 1) == 4.2
    assert net.output_shape == (1000,) and len([l for l in net if l.kind == "depthwise"]) == 13


@pytest.mark.parametrize("alpha", [1.0, 0.75, 0.5, 0.25])
def test_mobilenet_v1_width_table(alpha):
    macs, mparams = PUBLISHED["mobilenet_v1"]["width"][alpha]
    net = zoo.get("mobilenet_v1", alpha=alpha)
    assert millions(net.macs) == macs
    assert round(net.params / 1e6, 1) == mparams


@pytest.mark.parametrize("resolution", [224, 192, 128])
def test_mobilenet_v1_resolution_table(resolution):
    macs, mparams = PUBLISHED["mobilenet_v1"]["resolution"][resolution]
    net = zoo.get("mobilenet_v1", resolution=resolution)
    assert millions(net.macs) == macs and round(net.params / 1e6, 1) == mparams


def test_mobilenet_v1_resolution_160_rounding_slip():
    # Table 7 prints 290 M; the same counting that reproduces every other entry gives 290.7 M,
    # which rounds to 291: the paper's entry is the one inconsistent with its siblings.
    net = zoo.get("mobilenet_v1", resolution=160)
    assert net.macs == 290_675_200
    assert PUBLISHED["mobilenet_v1"]["resolution"][160][0] == 290 and int(net.macs / 1e6) == 290


def test_mobilenet_v1_table2_shares():
    """Table 2: share of mult-adds and of parameters per layer type. The parameter shares are of the
    weights of the conv/FC layers only (no BatchNorm, no FC bias: 4,209,088)."""
    net = zoo.get("mobilenet_v1")
    weights = {k: 0 for k in MAC_LAYERS}
    macs = dict(weights)
    for layer in net:
        if layer.kind in MAC_LAYERS:
            weights[layer.kind] += layer.weights
            macs[layer.kind] += layer.macs
    total_w, total_m = sum(weights.values()), sum(macs.values())
    assert total_w == 4_209_088 and total_m == net.macs
    got = {k: (round(100 * macs[k] / total_m, 2), round(100 * weights[k] / total_w, 2)) for k in MAC_LAYERS}
    paper = PUBLISHED["mobilenet_v1"]["shares"]
    assert got["pointwise"] == paper["conv 1x1"] == (94.86, 74.59)
    assert got["depthwise"] == paper["conv dw 3x3"] == (3.06, 1.06)
    assert got["linear"] == paper["fully connected"] == (0.18, 24.33)
    # the paper prints 1.19% for the 3x3 conv's mult-adds: digits transposed; 1.91 is the value
    # that makes its column sum to 100%
    assert got["conv"] == (1.91, 0.02) and paper["conv 3x3"] == (1.19, 0.02)
    assert round(sum(v[0] for v in got.values()), 1) == 100.0
    assert round(94.86 + 3.06 + 1.19 + 0.18, 2) == 99.29  # the printed column does not
    shares = net.shares()
    assert round(100 * shares["pointwise"]["macs_share"], 2) == 94.86


# -- the study's CIFAR CNN (as its benchmark notebooks build it) ------------------------------------
def test_cifar_cnn_as_run():
    plain, sep = zoo.get("cifar_cnn"), zoo.get("cifar_cnn", depsep=True)
    # Keras's count_params() (the study's 528,778 / 135,973) counts BatchNorm's moving mean and variance
    assert zoo.keras_count_params(plain) == 528_778 and round(plain.params / 1e3) == 529  # printed "529k"
    assert zoo.keras_count_params(sep) == 135_973 and round(sep.params / 1e3) == 136  # printed "136k"
    assert (plain.params, sep.params) == (528_522, 135_717)  # gamma and beta only, the library's convention
    assert [layer.kind for layer in sep].count("depthwise") == 4 and [layer.kind for layer in sep].count("pointwise") == 4
    assert [layer.bias for layer in sep if layer.kind in ("depthwise", "pointwise")] == [False, True] * 4
    assert plain.input_shape == (3, 32, 32) and plain.output_shape == (10,)


# -- the zoo's interface ----------------------------------------------------------------------------
def test_list_get_cache_and_aliases():
    assert zoo.list() == ["mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "vgg16",
                          "cifar_cnn"]
    assert zoo.get("ResNet-18") is zoo.get("resnet18")  # immutable: cached
    assert zoo.get("resnet18", batch=8).batch == 8 and zoo.get("resnet18", batch=8).macs == 8 * zoo.get("resnet18").macs
    assert zoo.get("resnet18", fuse=False).traffic() > zoo.get("resnet18").traffic()


@pytest.mark.parametrize("name, needle", [
    ("mobilenetv3", "name='mobilenetv3' is not a known model (did you mean 'mobilenet_v2'?); known models: mobilenet_v1"),
    ("resnet-5O", "did you mean 'resnet50'?"),
    ("alexnet", "name='alexnet' is not a known model"),
])
def test_unknown_model(name, needle):
    with pytest.raises(ValueError) as info:
        zoo.get(name)
    assert needle in str(info.value)


@pytest.mark.parametrize("call, needle", [
    (lambda: zoo.get("mobilenet_v1", alpha=0), "alpha=0 must be > 0"),
    (lambda: zoo.get("mobilenet_v1", resolution=100), "resolution=100 must be a multiple of 32"),
    (lambda: zoo.get("resnet50", variant="v2"), "variant='v2' must be 'v1.5'"),
    (lambda: zoo.get("resnet18", batch=0), "batch=0 must be >= 1"),
])
def test_bad_builder_arguments(call, needle):
    with pytest.raises(ValueError) as info:
        call()
    assert needle in str(info.value)


def test_compare_tables():
    t = zoo.compare("resnet50")
    rows = {r[0]: r for r in t.rows}
    assert rows["params (torchvision, exact)"][3] == 0
    assert any("3.8" in n for n in t.notes)


def test_zoo_not_loaded_by_package_import():
    import subprocess
    import sys

    code = "import sys, roofline_conv; print([m for m in sys.modules if m.startswith('roofline_conv.')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "roofline_conv.zoo" not in out and "roofline_conv.network" not in out and "roofline_conv.training" not in out


def test_zoo_option_errors_list_the_options():
    import pytest

    with pytest.raises(ValueError, match="cifar_cnn has no option 'variant'; its options are: depsep, width"):
        zoo.get("cifar_cnn", variant=1)
