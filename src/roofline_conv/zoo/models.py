"""The zoo's architectures, written with the network specs (no input sizes).

Layouts follow torchvision (``torchvision.models``) wherever torchvision has the model, so that
parameter counts match ``sum(p.numel() for p in model.parameters())`` exactly (BatchNorm's gamma
and beta included, running statistics excluded); MobileNetV1 (not in torchvision) follows the
paper's Table 1 (Howard et al. 2017) and TF-slim. Dropout is a no-op at inference and left out.
"""

from __future__ import annotations

from typing import Any, Callable

from ..network import (
    Residual,
    Sequential,
    batchnorm,
    conv,
    depthwise,
    flatten,
    global_avgpool,
    linear,
    maxpool,
    named,
    pointwise,
    relu,
    relu6,
    se,
    silu,
)
from ..layers.dims import NetworkError
from ..validation import flag, integer, number


MAX_WIDTH_MULTIPLIER = 16.0
"""The largest width multiplier (``alpha``, ``width_mult``) a zoo builder takes: past it the
channel counts stop describing any published network."""


def _check_common(batch: Any, resolution: Any, multiple: int = 32, *, num_classes: Any = 1000,
                  fuse: Any = True) -> tuple[int, int, int, bool]:
    """The options every zoo builder shares, validated: (batch, resolution, num_classes, fuse)."""
    batch = integer(batch, "batch", minimum=1, error=NetworkError)
    resolution = integer(resolution, "resolution", minimum=multiple, error=NetworkError)
    if resolution % multiple:
        raise NetworkError(f"resolution={resolution} must be a multiple of {multiple} (the network's total stride)")
    num_classes = integer(num_classes, "num_classes", minimum=1, error=NetworkError)
    return batch, resolution, num_classes, flag(fuse, "fuse", error=NetworkError)


def _width(value: Any, argument: str) -> float:
    return number(value, argument, above=0, maximum=MAX_WIDTH_MULTIPLIER, error=NetworkError)


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """torchvision's ``_make_divisible``: round channels to a multiple of ``divisor``, never more
    than 10% down."""
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return new


def _cbr(out: int, kernel: int, stride: int = 1, act: Callable[..., Any] | None = relu, groups: int = 1) -> list[Any]:
    """conv + BatchNorm (+ activation), torchvision's ``Conv2dNormActivation`` (padding (k-1)//2)."""
    items: list[Any] = [conv(out, kernel, stride=stride, padding=(kernel - 1) // 2, groups=groups, name="conv"),
                        batchnorm(name="bn")]
    if act is not None:
        items.append(act(name="act"))
    return items


def _dw(kernel: int, stride: int, act: Callable[..., Any]) -> list[Any]:
    return [depthwise(kernel, stride=stride, padding=(kernel - 1) // 2, name="conv"), batchnorm(name="bn"),
            act(name="act")]


def _head(num_classes: int) -> list[Any]:
    return [global_avgpool(name="pool"), flatten(name="flatten"), linear(num_classes, name="fc")]


# ---------------------------------------------------------------------------------------------
MOBILENET_V1_LAYERS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                       (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
"""(pointwise output channels, depthwise stride) of MobileNetV1's 13 separable blocks (paper
Table 1; its last depthwise is printed "s2" but keeps 7x7: stride 1, a known typo)."""


def mobilenet_v1(alpha: float = 1.0, resolution: int = 224, num_classes: int = 1000, batch: int = 1,
                 fuse: bool = True) -> Sequential:
    """MobileNetV1 (Howard et al. 2017, Table 1): a 3x3 stride-2 conv, 13 depthwise-separable
    blocks (each depthwise + BN + ReLU, pointwise + BN + ReLU), global average pool, FC.
    ``alpha`` is the width multiplier (channels ``max(int(c x alpha), 8)``, TF-slim's rule, the
    first conv included), ``resolution`` the input size (the paper's rho)."""
    batch, resolution, num_classes, fuse = _check_common(batch, resolution, num_classes=num_classes, fuse=fuse)
    alpha = _width(alpha, "alpha")

    def width(c: int) -> int:
        return max(int(c * alpha), 8)

    items: list[Any] = [named(_cbr(width(32), 3, 2), "stem")]
    for i, (c, s) in enumerate(MOBILENET_V1_LAYERS, 1):
        items.append(named([named(_dw(3, s, relu), "dw"), named(_cbr(width(c), 1), "pw")], f"block{i}"))
    items += _head(num_classes)
    name = "mobilenet_v1" if (alpha, resolution) == (1.0, 224) else f"mobilenet_v1_{alpha:g}_{resolution}"
    return Sequential(items, (3, resolution, resolution), batch, name, fuse)


# ---------------------------------------------------------------------------------------------
MOBILENET_V2_SETTING = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                        (6, 160, 3, 2), (6, 320, 1, 1)]
"""(expansion t, channels c, repeats n, first stride s), torchvision's and the paper's Table 2."""


def mobilenet_v2(width_mult: float = 1.0, resolution: int = 224, num_classes: int = 1000, batch: int = 1,
                 fuse: bool = True) -> Sequential:
    """MobileNetV2 (Sandler et al. 2018), torchvision's layout: a 3x3 stride-2 conv, 17 inverted
    residual blocks (1x1 expand + BN + ReLU6, 3x3 depthwise + BN + ReLU6, 1x1 project + BN; a
    residual Add when stride 1 and channels unchanged), a 1x1 conv to 1280, pool, FC."""
    batch, resolution, num_classes, fuse = _check_common(batch, resolution, num_classes=num_classes, fuse=fuse)
    width_mult = _width(width_mult, "width_mult")
    inp = make_divisible(32 * width_mult)
    last = make_divisible(1280 * max(1.0, width_mult))
    items: list[Any] = [named(_cbr(inp, 3, 2, relu6), "stem")]
    block = 0
    for t, c, n, s in MOBILENET_V2_SETTING:
        out = make_divisible(c * width_mult)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = int(round(inp * t))
            body: list[Any] = []
            if t != 1:
                body.append(named(_cbr(hidden, 1, 1, relu6), "expand"))
            body += [named(_dw(3, stride, relu6), "dw"), named(_cbr(out, 1, 1, None), "project")]
            block += 1
            name = f"block{block}"
            items.append(Residual(body, name=name) if stride == 1 and inp == out else named(body, name))
            inp = out
    items.append(named(_cbr(last, 1, 1, relu6), "last"))
    items += _head(num_classes)
    name = "mobilenet_v2" if (width_mult, resolution) == (1.0, 224) else f"mobilenet_v2_{width_mult:g}_{resolution}"
    return Sequential(items, (3, resolution, resolution), batch, name, fuse)


# ---------------------------------------------------------------------------------------------
EFFICIENTNET_B0_SETTING = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
                           (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]
"""(expand ratio, kernel, stride, in, out, layers) of EfficientNet-B0's MBConv stages (torchvision)."""


def efficientnet_b0(resolution: int = 224, num_classes: int = 1000, batch: int = 1, fuse: bool = True) -> Sequential:
    """EfficientNet-B0 (Tan & Le 2019), torchvision's layout: a 3x3 stride-2 conv + BN + SiLU,
    16 MBConv blocks (1x1 expand + BN + SiLU unless the ratio is 1, kxk depthwise + BN + SiLU,
    squeeze-excitation with squeeze = max(1, block input channels // 4), SiLU and a sigmoid gate,
    1x1 project + BN; residual when stride 1 and channels unchanged; stochastic depth is
    training-only), a 1x1 conv to 1280 + BN + SiLU, pool, FC."""
    batch, resolution, num_classes, fuse = _check_common(batch, resolution, num_classes=num_classes, fuse=fuse)
    items: list[Any] = [named(_cbr(32, 3, 2, silu), "stem")]
    block = 0
    for ratio, k, s, cin, cout, n in EFFICIENTNET_B0_SETTING:
        for i in range(n):
            inp = cin if i == 0 else cout
            stride = s if i == 0 else 1
            expanded = make_divisible(inp * ratio)
            body: list[Any] = []
            if expanded != inp:
                body.append(named(_cbr(expanded, 1, 1, silu), "expand"))
            body += [named(_dw(k, stride, silu), "dw"),
                     se(max(1, inp // 4), activation="silu", gate="sigmoid", name="se"),
                     named(_cbr(cout, 1, 1, None), "project")]
            block += 1
            name = f"block{block}"
            items.append(Residual(body, name=name) if stride == 1 and inp == cout else named(body, name))
    items.append(named(_cbr(4 * 320, 1, 1, silu), "last"))
    items += _head(num_classes)
    return Sequential(items, (3, resolution, resolution), batch, "efficientnet_b0", fuse)


# ---------------------------------------------------------------------------------------------
def _basic(planes: int, stride: int, inplanes: int, name: str) -> Residual:
    body = [conv(planes, 3, stride=stride, padding=1, name="conv1"), batchnorm(name="bn1"), relu(name="relu1"),
            conv(planes, 3, padding=1, name="conv2"), batchnorm(name="bn2")]
    shortcut = None
    if stride != 1 or inplanes != planes:
        shortcut = [conv(planes, 1, stride=stride, name="conv"), batchnorm(name="bn")]
    return Residual(body, shortcut, name=name)


def _bottleneck(planes: int, stride: int, inplanes: int, name: str, stride_on_3x3: bool) -> Residual:
    s1, s3 = (1, stride) if stride_on_3x3 else (stride, 1)
    body = [conv(planes, 1, stride=s1, name="conv1"), batchnorm(name="bn1"), relu(name="relu1"),
            conv(planes, 3, stride=s3, padding=1, name="conv2"), batchnorm(name="bn2"), relu(name="relu2"),
            conv(planes * 4, 1, name="conv3"), batchnorm(name="bn3")]
    shortcut = None
    if stride != 1 or inplanes != planes * 4:
        shortcut = [conv(planes * 4, 1, stride=stride, name="conv"), batchnorm(name="bn")]
    return Residual(body, shortcut, name=name)


def _resnet(blocks: list[int], bottleneck: bool, name: str, resolution: int, num_classes: int, batch: int,
            fuse: bool, variant: str = "v1.5") -> Sequential:
    batch, resolution, num_classes, fuse = _check_common(batch, resolution, num_classes=num_classes, fuse=fuse)
    if variant not in ("v1.5", "v1"):
        raise NetworkError(f"variant={variant!r} must be 'v1.5' (torchvision: stride on the 3x3) or 'v1' (stride on the first 1x1)")
    items: list[Any] = [conv(64, 7, stride=2, padding=3, name="conv1"), batchnorm(name="bn1"), relu(name="relu"),
                        maxpool(3, stride=2, padding=1, name="maxpool")]
    inplanes = 64
    for stage, (planes, n) in enumerate(zip((64, 128, 256, 512), blocks), 1):
        layer: list[Any] = []
        for i in range(n):
            stride = (1 if stage == 1 else 2) if i == 0 else 1
            if bottleneck:
                layer += [_bottleneck(planes, stride, inplanes, str(i), variant == "v1.5"), relu(name=f"{i}_relu")]
                inplanes = planes * 4
            else:
                layer += [_basic(planes, stride, inplanes, str(i)), relu(name=f"{i}_relu")]
                inplanes = planes
        items.append(named(layer, f"layer{stage}"))
    items += [global_avgpool(name="avgpool"), flatten(name="flatten"), linear(num_classes, name="fc")]
    return Sequential(items, (3, resolution, resolution), batch, name, fuse)


def resnet18(resolution: int = 224, num_classes: int = 1000, batch: int = 1, fuse: bool = True) -> Sequential:
    """ResNet-18 (He et al. 2016), torchvision's layout: BasicBlocks [2, 2, 2, 2], a 1x1 conv +
    BN projection shortcut where the shape changes, ReLU after each Add."""
    return _resnet([2, 2, 2, 2], False, "resnet18", resolution, num_classes, batch, fuse)


def resnet50(resolution: int = 224, num_classes: int = 1000, batch: int = 1, fuse: bool = True,
             variant: str = "v1.5") -> Sequential:
    """ResNet-50, torchvision's layout ``variant="v1.5"`` (default): Bottlenecks [3, 4, 6, 3] with
    the stride on the 3x3 conv (4.1 G MACs). ``variant="v1"`` puts it on the first 1x1, as the
    original paper does (3.8 G "FLOPs" in its Table 1); parameters are the same."""
    return _resnet([3, 4, 6, 3], True, "resnet50" if variant == "v1.5" else "resnet50_v1", resolution,
                   num_classes, batch, fuse, variant)


# ---------------------------------------------------------------------------------------------
VGG16_CFG: list[Any] = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
"""torchvision's configuration "D": channels of each 3x3 conv, "M" a 2x2 max-pool."""


def vgg16(num_classes: int = 1000, batch: int = 1, fuse: bool = True) -> Sequential:
    """VGG-16 (Simonyan & Zisserman 2015, configuration D), torchvision's layout: 13 3x3 convs
    with bias + ReLU, 5 max-pools, then FC 25088 -> 4096 -> 4096 -> classes (ReLU between).
    torchvision's ``AdaptiveAvgPool2d((7, 7))`` is the identity at 224 x 224 and is left out, so
    the input is fixed at 224."""
    batch, _, num_classes, fuse = _check_common(batch, 224, num_classes=num_classes, fuse=fuse)
    items: list[Any] = []
    block, index = 1, 1
    for v in VGG16_CFG:
        if v == "M":
            items.append(maxpool(2, stride=2, name=f"pool{block}"))
            block, index = block + 1, 1
        else:
            items += [conv(v, 3, padding=1, bias=True, name=f"conv{block}_{index}"), relu(name=f"relu{block}_{index}")]
            index += 1
    items += [flatten(name="flatten"), linear(4096, name="fc6"), relu(name="relu6"), linear(4096, name="fc7"),
              relu(name="relu7"), linear(num_classes, name="fc8")]
    return Sequential(items, (3, 224, 224), batch, "vgg16", fuse)


# ---------------------------------------------------------------------------------------------
def cifar_cnn(depsep: bool = False, width: int = 128, num_classes: int = 10, batch: int = 1,
              fuse: bool = True) -> Sequential:
    """The seed study's CIFAR-10 CNN as its benchmark notebooks build it (Keras Sequential, see
    docs/zoo.md): four 3x3 convs of ``width`` = 128 channels, 'same' padding, with bias and a ReLU,
    all at 32 x 32 (no pooling between them); a 4x4 max-pool (32 -> 8); BatchNorm; flatten
    (128 x 8 x 8 = 8,192); one FC to ``num_classes`` = 10 with bias. The final softmax (10 values
    per image) is not a layer of the network language: about 3 ops per class, negligible.

    ``depsep=True`` is the SeparableConv2D variant: each conv becomes a 3x3 depthwise without bias
    then a 1x1 pointwise with bias (Keras puts SeparableConv2D's one bias on the pointwise), as two
    layers, ``conv<i>_depthwise`` and ``conv<i>_pointwise`` (TensorFlow runs them as two kernels).

    ``params`` follows the library's convention (BatchNorm: gamma and beta): 528,522 and 135,717.
    Keras's ``model.count_params()``, which the study printed, also counts BatchNorm's moving mean
    and variance: :func:`keras_count_params` gives 528,778 and 135,973."""
    batch, _, num_classes, fuse = _check_common(batch, 32, num_classes=num_classes, fuse=fuse)
    depsep = flag(depsep, "depsep", error=NetworkError)
    width = integer(width, "width", minimum=1, error=NetworkError)

    items: list[Any] = []
    for i in range(1, 5):
        if depsep:
            items += [depthwise(3, padding="same", name=f"conv{i}_depthwise"),
                      pointwise(width, bias=True, name=f"conv{i}_pointwise")]
        else:
            items.append(conv(width, 3, padding="same", bias=True, name=f"conv{i}"))
        items.append(relu(name=f"relu{i}"))
    items += [maxpool(4, name="pool"), batchnorm(name="bn"), flatten(name="flatten"), linear(num_classes, name="fc")]
    return Sequential(items, (3, 32, 32), batch, "cifar_cnn_depsep" if depsep else "cifar_cnn", fuse)


def keras_count_params(net: Sequential) -> int:
    """``net``'s parameters as Keras's ``model.count_params()`` counts them: the library's
    ``params`` plus every BatchNorm's moving mean and variance (2 per channel, non-trainable
    weights in Keras, buffers here)."""
    return int(net.params) + sum(int(layer.buffers) for layer in net if layer.kind == "batchnorm")


__all__ = ["mobilenet_v1", "mobilenet_v2", "efficientnet_b0", "resnet18", "resnet50", "vgg16", "cifar_cnn",
           "keras_count_params", "make_divisible"]
