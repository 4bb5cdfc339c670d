"""One clear error for bad device data: which file, which field, which rule.

Pydantic's ``ValidationError`` is turned (by ``datafiles.validate``) into a :class:`DeviceFileError`
whose message has one line per problem, ``<file>: <field path>: <rule>``, e.g.::

    my_gpu.toml: device[0].units.tensor.peaks.fp17: precision key='fp17' is not a known precision; ...
"""

from __future__ import annotations

from ..datafiles import DataFileError


class DeviceFileError(DataFileError):
    """Invalid device data. ``file`` names the file (or ``"<dict>"``); ``problems`` holds
    ``(field path, rule)`` pairs, one per problem found."""

    what = "device data"
