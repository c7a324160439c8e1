"""The one exception type of the data layer."""

from __future__ import annotations

__all__ = ["DataError"]


class DataError(Exception):
    """Any failure of the data layer: a missing, corrupt or malformed file, a bad parameter.

    Messages name the file, key or value at fault and, for a missing file, every place that was looked in.
    """
