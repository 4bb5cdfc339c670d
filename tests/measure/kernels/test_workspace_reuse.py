"""A workspace reused by another layer: the padding border is zero again, with 1 and 2 workers.

The standard kernel copies only the interior of each padded input block; its border must be
zero. A shared :class:`Workspace` re-zeroes a bordered buffer whenever a different plan used it
last. Here a first plan fills the buffers with large non-zero values (its input has no border
where the second plan's border lies), then padded plans run on the same workspace and are
compared with the direct-loop reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from roofline_conv.measure.kernels import ConvPlan, Workspace, reference_conv2d
from roofline_conv.measure.kernels.im2col import max_workers

from .cases import to_nchw, to_nhwc

FILLERS = [((0, 2), (0, 3)), 0]  # paddings of the plan that dirties the buffers
PADDED = [1, 2, ((1, 0), (2, 1)), ((0, 3), (3, 0))]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
@pytest.mark.parametrize("block_bytes", [300, 3000, None])
def test_padded_layers_after_another_layer_match_the_reference(workers, layout, block_bytes):
    rng = np.random.default_rng(7)
    ws = Workspace()
    big_x = 100.0 + rng.standard_normal((2, 4, 11, 13))  # large values: any stale one shows
    big_w = rng.standard_normal((6, 4, 3, 3))
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 2, 3, 3))
    lay = to_nhwc if layout == "NHWC" else (lambda a: a)
    back = to_nchw if layout == "NHWC" else (lambda a: a)
    used = set()
    for _ in range(2):  # alternate, so each plan finds the other's data in the buffers
        for fill in FILLERS:
            for padding in PADDED:
                dirty = ConvPlan(lay(big_x).shape, big_w.shape, padding=fill, layout=layout, dtype=np.float64,
                                 block_bytes=block_bytes, workspace=ws, workers=workers)
                dirty.run(lay(big_x), big_w)
                plan = ConvPlan(lay(x).shape, w.shape, padding=padding, groups=2, layout=layout,
                                dtype=np.float64, block_bytes=block_bytes, workspace=ws, workers=workers)
                used.add(plan.workers)
                got = back(plan.run(lay(x), w))
                np.testing.assert_allclose(got, reference_conv2d(x, w, 1, padding, 1, 2), rtol=1e-12, atol=1e-12)
    if workers == 2 and max_workers(plan.geometry, plan.block_bytes, 2) == 2:
        assert 2 in used  # the two-worker path really ran


def test_the_depthwise_border_is_zero_after_another_layer():
    rng = np.random.default_rng(8)
    ws = Workspace()
    big = 100.0 + rng.standard_normal((1, 3, 12, 12))
    x = rng.standard_normal((1, 3, 6, 6))
    w = rng.standard_normal((3, 1, 3, 3))
    for _ in range(2):
        ConvPlan(big.shape, w.shape, kind="depthwise", dtype=np.float64, workspace=ws).run(big, w)
        for padding in (1, ((2, 0), (0, 2))):
            got = ConvPlan(x.shape, w.shape, padding=padding, kind="depthwise", dtype=np.float64,
                           workspace=ws).run(x, w)
            np.testing.assert_allclose(got, reference_conv2d(x, w, 1, padding, 1, 3), rtol=1e-12, atol=1e-12)
