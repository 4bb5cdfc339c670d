"""Projection results: the binding roof as fields, and projections built by hand."""

from __future__ import annotations

import pytest

from roofline_conv import Conv2d, DepSep, project
from roofline_conv.conventions import Bound
from roofline_conv.projection.result import Projection, binding_of_words, bound_words


def test_binding_fields_match_the_words():
    p = project(Conv2d(128, 128, 3, 224, padding=1), "v100-sxm2", "fp16")
    assert (p.binding, p.bound_by, p.bound) == (Bound.COMPUTE, "tensor", "compute: tensor") and p.compute_bound
    dw, pw = project(DepSep(128, 128, 3, 224, padding=1), "v100-sxm2", "fp16").parts
    assert (dw.binding, dw.bound_by) == (Bound.MEMORY, "hbm") and not dw.compute_bound


@pytest.mark.parametrize("binding, by", [(Bound.COMPUTE, "mxu"), (Bound.MEMORY, "dram"), (Bound.FOLDED, "conv1"),
                                         (Bound.NONE, ""), (Bound.SYMBOLIC, "")])
def test_words_and_fields_round_trip(binding, by):
    assert binding_of_words(bound_words(binding, by)) == (binding, by)


def test_a_projection_built_with_words_only_reads_its_binding_from_them():
    p = Projection("x", "d", "fp16", "compulsory", 1, 1, 1, 1, 1.0, {"hbm": 0.5}, 1.0, "compute: tensor", "tensor", 1.0, 1.0)
    assert (p.binding, p.bound_by) == (Bound.COMPUTE, "tensor") and p.compute_bound
