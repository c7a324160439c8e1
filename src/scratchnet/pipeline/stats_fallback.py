"""FALLBACK, to be deleted by the lead: the few statistics of :mod:`scratchnet.stats` (branch ``report``) that the
seed-002 analyses use, with the same names and semantics, for as long as that module is not merged into this
branch. :mod:`scratchnet.pipeline.analyses.seed002` imports ``scratchnet.stats`` first and falls back to this file
only when it is missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _values(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.size == 0:
        raise ValueError("x: no values")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"x: non-finite value {arr[~np.isfinite(arr)][0]} among {arr.size} values")
    return arr


def iqm(x: Any, axis: int | None = None) -> float | np.ndarray:
    """Interquartile mean, ``scipy.stats.trim_mean(x, 0.25)``: drop ``floor(n / 4)`` values from each end."""
    arr = _values(x)
    if axis is None:
        arr, axis = arr.ravel(), 0
    n = arr.shape[axis]
    k = int(0.25 * n)
    out = np.take(np.sort(arr, axis=axis), np.arange(k, n - k), axis=axis).mean(axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def bootstrap_ci(
    x: Any, stat: Any = np.median, level: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``stat(x)`` (``stat`` called with ``axis=1`` on (n_boot, n) samples)."""
    arr = _values(x)
    rng = np.random.default_rng(seed)
    boot = np.asarray(stat(arr[rng.integers(0, arr.size, size=(n_boot, arr.size))], axis=1), dtype=float)
    low, high = np.percentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def describe(x: Any) -> dict[str, float | int | None]:
    """``n``, ``median``, ``iqm``, ``q25``, ``q75``, ``iqr``, ``mean``, ``sd`` (ddof 1; None for one value), ``min``,
    ``max``."""
    arr = _values(x)
    q25, q75 = np.percentile(arr, [25, 75])
    return {
        "n": int(arr.size),
        "median": float(np.median(arr)),
        "iqm": iqm(arr),
        "q25": float(q25),
        "q75": float(q75),
        "iqr": float(q75 - q25),
        "mean": float(arr.mean()),
        "sd": float(arr.std(ddof=1)) if arr.size > 1 else None,
        "min": float(arr.min()),
        "max": float(arr.max()),
    }
