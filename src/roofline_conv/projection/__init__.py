"""The roofline engine: one arithmetic (:mod:`.arith`), unit placement (:mod:`.placement`), the
``Projection`` result (:mod:`.result`) and the projection of layers, composites and networks onto
a device object (:mod:`.engine`). It imports no device catalog and no network: the public entry
point, which resolves catalog ids, is :mod:`roofline_conv.roofline`."""

from .arith import gemm_utilisation, leaf_times, roof_time, tile_utilisation
from .engine import Graph, project_on, project_ops_on
from .placement import UPCAST, choose_lowering, pick_unit
from .result import Projection, bound_summary

__all__ = ["Projection", "Graph", "project_on", "project_ops_on", "roof_time", "leaf_times", "tile_utilisation",
           "gemm_utilisation", "choose_lowering", "pick_unit", "UPCAST", "bound_summary"]
