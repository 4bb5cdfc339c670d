"""The reporting room: tables as text (:mod:`.table`) and the per-layer tables of a network
(:mod:`.network`, imported on its own so that importing ``Table`` loads nothing else)."""

from .table import FORMATS, Table, render_tables, shape_str

__all__ = ["FORMATS", "Table", "render_tables", "shape_str"]
