"""Plain ``torch.nn`` versions of three zoo networks, for the comparison benchmark only.

MobileNetV2, ResNet-50 (v1.5) and EfficientNet-B0 with the layouts of
:mod:`roofline_conv.zoo.models` (torchvision's), written here from those specs so that the
benchmark needs torch but not torchvision. Same parameters (convs without bias where a
BatchNorm follows, BatchNorm's affine weight and bias, squeeze-excitation FCs with bias, the
classifier with bias), same MACs. Dropout is left out (a no-op at inference, as in the zoo).

Importing this module needs torch; the benchmark and its test skip without it.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from roofline_conv.zoo.models import EFFICIENTNET_B0_SETTING, MOBILENET_V2_SETTING, make_divisible


def conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1,
            act: Callable[[], nn.Module] | None = nn.ReLU) -> nn.Sequential:
    """Conv (no bias, padding (k-1)//2) + BatchNorm (+ activation)."""
    parts: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                              nn.BatchNorm2d(cout)]
    if act is not None:
        parts.append(act())
    return nn.Sequential(*parts)


class Head(nn.Sequential):
    """Global average pool, flatten, fully connected classifier."""

    def __init__(self, features: int, classes: int) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(features, classes))


class Skip(nn.Module):
    """``body(x) + x`` (``shortcut(x)`` instead of ``x`` when given), then ``after``."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None, after: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut
        self.after = after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x) + (x if self.shortcut is None else self.shortcut(x))
        return y if self.after is None else self.after(y)


# -- MobileNetV2 ---------------------------------------------------------------------------------
def mobilenet_v2(classes: int = 1000) -> nn.Sequential:
    layers: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
    cin = 32
    for t, c, n, s in MOBILENET_V2_SETTING:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = int(round(cin * t))
            body: list[nn.Module] = [conv_bn(cin, hidden, 1, act=nn.ReLU6)] if t != 1 else []
            body += [conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6), conv_bn(hidden, c, 1, act=None)]
            block = nn.Sequential(*body)
            layers.append(Skip(block) if stride == 1 and cin == c else block)
            cin = c
    layers += [conv_bn(cin, 1280, 1, act=nn.ReLU6), Head(1280, classes)]
    return nn.Sequential(*layers)


# -- ResNet-50 -----------------------------------------------------------------------------------
def bottleneck(cin: int, planes: int, stride: int) -> Skip:
    """1x1 -> 3x3 (the stride, v1.5) -> 1x1 x4, a 1x1 + BN projection when the shape changes, ReLU after the add."""
    body = nn.Sequential(conv_bn(cin, planes, 1), conv_bn(planes, planes, 3, stride), conv_bn(planes, planes * 4, 1, act=None))
    shortcut = conv_bn(cin, planes * 4, 1, stride, act=None) if stride != 1 or cin != planes * 4 else None
    return Skip(body, shortcut, nn.ReLU())


def resnet50(classes: int = 1000) -> nn.Sequential:
    stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
    layers: list[nn.Module] = [stem]
    cin = 64
    for stage, (planes, n) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3))):
        for i in range(n):
            layers.append(bottleneck(cin, planes, 2 if i == 0 and stage > 0 else 1))
            cin = planes * 4
    layers.append(Head(cin, classes))
    return nn.Sequential(*layers)


# -- EfficientNet-B0 -----------------------------------------------------------------------------
class SqueezeExcite(nn.Module):
    """Pool -> 1x1 conv (bias) -> SiLU -> 1x1 conv (bias) -> sigmoid, the input scaled by the result."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(channels, squeeze, 1)
        self.expand = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.expand(nn.functional.silu(self.reduce(self.pool(x))))
        return x * torch.sigmoid(s)


def efficientnet_b0(classes: int = 1000) -> nn.Sequential:
    layers: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.SiLU)]
    for ratio, k, s, cin, cout, n in EFFICIENTNET_B0_SETTING:
        for i in range(n):
            inp = cin if i == 0 else cout
            stride = s if i == 0 else 1
            hidden = make_divisible(inp * ratio)
            body: list[nn.Module] = [conv_bn(inp, hidden, 1, act=nn.SiLU)] if hidden != inp else []
            body += [conv_bn(hidden, hidden, k, stride, groups=hidden, act=nn.SiLU),
                     SqueezeExcite(hidden, max(1, inp // 4)), conv_bn(hidden, cout, 1, act=None)]
            block = nn.Sequential(*body)
            layers.append(Skip(block) if stride == 1 and inp == cout else block)
    layers += [conv_bn(320, 1280, 1, act=nn.SiLU), Head(1280, classes)]
    return nn.Sequential(*layers)


MODELS: dict[str, Callable[[], nn.Module]] = {
    "mobilenet_v2": mobilenet_v2,
    "resnet50": resnet50,
    "efficientnet_b0": efficientnet_b0,
}
"""Zoo name -> builder of the equivalent torch model (in eval mode once built by ``build``)."""


def build(name: str, device: str = "cpu") -> nn.Module:
    """The torch model equivalent to ``zoo.get(name)``, in eval mode, on ``device`` ('meta': no storage)."""
    with torch.device(device):
        model = MODELS[name]()
    return model.eval()


def parameter_count(model: nn.Module) -> int:
    """torchvision's count: every parameter (BatchNorm's running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters())
