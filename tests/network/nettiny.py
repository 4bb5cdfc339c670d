"""A small network the network and report tests share."""

from __future__ import annotations

from roofline_conv.network import Sequential, batchnorm, conv, flatten, global_avgpool, linear, maxpool, relu


def tiny(**kw):
    return Sequential([conv(16, 3, stride=2, padding=1), batchnorm(), relu(), maxpool(2), global_avgpool(), flatten(),
                       linear(10)], input_shape=(3, 32, 32), **kw)
