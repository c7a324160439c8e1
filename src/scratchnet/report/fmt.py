"""Number formatting shared by the claims audit and the page renderer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fmt(value: Any, digits: int = 3) -> str:
    """A table cell: floats with ``digits`` decimals, lists joined by ``-`` (layer sizes), lists of lists as points,
    None as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return points(value)
        return "-".join(fmt(v, digits) for v in value)
    return str(value)


def points(value: list[list[Any]], coordinate: Callable[[Any], str] | None = None) -> str:
    """A list of points as ``(1, 0), (0, 1)``, each coordinate by ``coordinate`` (default :func:`as_written`)."""
    coordinate = coordinate or as_written
    return ", ".join("(" + ", ".join(coordinate(x) for x in p) + ")" for p in value)


def num(value: float) -> str:
    """One statistic in running text: three decimals, or three significant digits for very small or large values."""
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    return f"{value:.3f}"


def mean_sd(stat: dict[str, Any] | None, digits: int = 3) -> str:
    """``mean ± sd`` of a summary metric (``{"mean", "sd", "values"}``); a count equal over seeds as one integer."""
    if not stat or stat.get("mean") is None:
        return "–"
    vals = [v for v in stat["values"] if v is not None]
    if vals and all(isinstance(v, int) and v == vals[0] for v in vals):
        return str(vals[0])  # counts (epochs, updates, set sizes) equal over seeds
    if 0 < abs(stat["mean"]) < 0.1:
        digits += 1  # small losses keep their third significant digit: 0.0236 ± 0.0002, not 0.024 ± 0.000
    if len(vals) > 1:
        return f"{stat['mean']:.{digits}f} ± {stat['sd']:.{digits}f}"
    return f"{stat['mean']:.{digits}f}"


def digits_of(seed_value: Any) -> int:
    """Decimals to show for a claim: the seed's own (0.6994 -> 4), at least 3, at most 4."""
    if not isinstance(seed_value, float):
        return 3
    text = repr(seed_value)
    return min(4, max(3, len(text.partition(".")[2]))) if "e" not in text else 3


def as_written(value: Any) -> str:
    """A seed's number as it would write it in prose: ``0.85``, ``2640``, ``0.0001``; lists as ``500-250``, lists
    of lists as points ``(1, 0), (0, 1)``."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value + 0.0:g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.0e}"  # + 0.0: -0.0 reads 0
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return points(value)
        return "-".join(as_written(v) for v in value)
    return str(value)
