"""One clear error for bad device data: which file, which field, which rule.

Pydantic's ``ValidationError`` is turned into a :class:`DeviceFileError` whose message has one
line per problem, ``<file>: <field path>: <rule>``, e.g.::

    my_gpu.toml: device[0].units.tensor.peaks.fp17: precision key='fp17' is not a known precision; ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from ..datafiles import DataFileError, problems_of


class DeviceFileError(DataFileError):
    """Invalid device data. ``file`` names the file (or ``"<dict>"``); ``problems`` holds
    ``(field path, rule)`` pairs, one per problem found."""

    what = "device data"


def from_validation_error(
    exc: ValidationError,
    file: str,
    prefix: str = "",
    field_names: Callable[[tuple[Any, ...]], Iterable[str]] | None = None,
) -> DeviceFileError:
    """Convert ``exc`` into a :class:`DeviceFileError` naming ``file`` and each field path.

    ``field_names(parent_loc)`` gives the fields allowed where a misspelled field sits; it feeds
    the "did you mean" hint.
    """
    return DeviceFileError(file, problems_of(exc, prefix, field_names))
