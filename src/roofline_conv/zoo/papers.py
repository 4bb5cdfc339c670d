"""Published figures of the zoo's models, with their sources: data, checked by tests/network.

Units: ``macs`` are multiply-accumulates (every source below calls them "FLOPs" or "mult-adds";
torchvision's "GFLOPS" column counts MACs too), ``params`` are parameters. ``*_printed`` is the
number as printed, ``digits`` how it was rounded. ``exact_params`` are
``sum(p.numel() for p in model.parameters())`` of the torchvision model (BatchNorm gamma and beta
included, running statistics excluded).
"""

from __future__ import annotations

from typing import Any

TORCHVISION = ("torchvision.models documentation, 'Classification' model table (Params and GFLOPS "
               "columns; GFLOPS there are multiply-adds), https://pytorch.org/vision/stable/models.html")

PUBLISHED: dict[str, dict[str, Any]] = {
    "mobilenet_v1": {
        "macs_printed": 569e6, "macs_digits": "millions", "params_printed": 4.2e6, "params_digits": "0.1 M",
        "source": "A. G. Howard et al., 'MobileNets: Efficient Convolutional Neural Networks for Mobile Vision "
                  "Applications', arXiv:1704.04861 (2017), Tables 2, 6, 7 and 8",
        # Table 6 (width multiplier alpha): mult-adds (millions), params (millions)
        "width": {1.0: (569, 4.2), 0.75: (325, 2.6), 0.5: (149, 1.3), 0.25: (41, 0.5)},
        # Table 7 (resolution): mult-adds (millions), params (millions)
        "resolution": {224: (569, 4.2), 192: (418, 4.2), 160: (290, 4.2), 128: (186, 4.2)},
        # Table 2: share (%) of mult-adds and of parameters per layer type
        "shares": {"conv 1x1": (94.86, 74.59), "conv dw 3x3": (3.06, 1.06), "conv 3x3": (1.19, 0.02),
                   "fully connected": (0.18, 24.33)},
        "notes": [
            "Every figure is reproduced counting the first 3x3 conv and the FC layer.",
            "Table 2 counts weights only (no BatchNorm, no FC bias: 4,209,088 parameters).",
            "Table 2 prints 1.19% of mult-adds for the 3x3 conv; it is 1.91% (10.8 M of 568.7 M): the digits are "
            "transposed, and only 1.91 makes the column sum to 100%.",
            "Table 7 prints 290 M for resolution 160; the count is 290.7 M (291 when rounded as every other entry "
            "is): a rounding slip.",
        ],
    },
    "mobilenet_v2": {
        "macs_printed": 300e6, "macs_digits": "millions", "params_printed": 3.4e6, "params_digits": "0.1 M",
        "exact_params": 3_504_872, "torchvision_gmacs": 0.30,
        "source": "M. Sandler et al., 'MobileNetV2: Inverted Residuals and Linear Bottlenecks', CVPR 2018, Table 4; "
                  + TORCHVISION,
        "notes": [
            "The paper's 3.4 M is the weight count without BatchNorm (3,469,760 = 3.47 M) truncated; torchvision's "
            "3,504,872 includes BatchNorm's 34,112 gamma + beta.",
        ],
    },
    "efficientnet_b0": {
        "macs_printed": 0.39e9, "macs_digits": "0.01 G", "params_printed": 5.3e6, "params_digits": "0.1 M",
        "exact_params": 5_288_548, "torchvision_gmacs": 0.39,
        "source": "M. Tan and Q. V. Le, 'EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks', "
                  "ICML 2019, Table 2 (B0: 5.3 M params, 0.39 B FLOPS); " + TORCHVISION,
    },
    "resnet18": {
        "macs_printed": 1.8e9, "macs_digits": "0.1 G", "params_printed": 11.7e6, "params_digits": "0.1 M",
        "exact_params": 11_689_512, "torchvision_gmacs": 1.81,
        "source": "K. He et al., 'Deep Residual Learning for Image Recognition', CVPR 2016, Table 1 "
                  "(18-layer: 1.8 x 10^9 FLOPs); " + TORCHVISION,
    },
    "resnet50": {
        "macs_printed": 4.1e9, "macs_digits": "0.1 G", "params_printed": 25.6e6, "params_digits": "0.1 M",
        "exact_params": 25_557_032, "torchvision_gmacs": 4.09, "paper_v1_macs_printed": 3.8e9,
        "source": "torchvision ResNet-50 (v1.5: stride on the 3x3 conv) " + TORCHVISION + "; K. He et al., CVPR 2016, "
                  "Table 1 (50-layer: 3.8 x 10^9 FLOPs, v1: stride on the first 1x1)",
        "notes": [
            "The paper's 3.8 G is the v1 layout (stride on the first 1x1 conv of a downsampling block): 3.858 G, "
            "printed truncated. torchvision's v1.5 (stride on the 3x3) costs 4.089 G.",
        ],
    },
    "vgg16": {
        "macs_printed": 15.5e9, "macs_digits": "0.1 G", "params_printed": 138.36e6, "params_digits": "0.01 M",
        "exact_params": 138_357_544, "torchvision_gmacs": 15.47,
        "source": "K. Simonyan and A. Zisserman, 'Very Deep Convolutional Networks for Large-Scale Image "
                  "Recognition', ICLR 2015, Table 2 (138 M params, configuration D); " + TORCHVISION,
    },
    "cifar_cnn": {
        "params_printed": 529e3, "params_digits": "thousands", "depsep_params_printed": 136e3,
        "source": "The seed study (src/roofline_conv/data/study.toml, [cifar]: params_printed = 529k, 136k); "
                  "the architecture is a reconstruction (see docs/zoo.md)",
    },
}


__all__ = ["PUBLISHED", "TORCHVISION"]
