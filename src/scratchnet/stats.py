"""Statistics over repeated runs: median, interquartile mean and range, percentile bootstrap intervals.

Every function takes the per-run values of one quantity (``x : array-like, shape (n,)``, finite floats) and raises a
``ValueError`` naming the problem for an empty input or a non-finite value, so a failed run never slips into a
statistic unnoticed. ``iqm`` and ``iqr`` also accept ``axis`` so that :func:`bootstrap_ci` can evaluate them on all
bootstrap samples at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["STATISTICS", "bootstrap_ci", "describe", "iqm", "iqr", "median", "sd"]


def _values(x: Any, what: str = "x") -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.size == 0:
        raise ValueError(f"{what}: no values")
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)][0]
        raise ValueError(f"{what}: non-finite value {bad} among {arr.size} values")
    return arr


def median(x: Any, axis: int | None = None) -> float | np.ndarray:
    """Median. x : array-like, shape (n,) (or any shape with ``axis``)."""
    out = np.median(_values(x), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def iqm(x: Any, axis: int | None = None) -> float | np.ndarray:
    """Interquartile mean: the mean of the values left after dropping ``floor(n / 4)`` from each end of the sorted
    values, i.e. ``scipy.stats.trim_mean(x, 0.25)`` (for n = 4k exactly the middle 50 %).

    x : array-like, shape (n,), or shape (..., n, ...) with ``axis`` naming the runs.
    """
    arr = _values(x)
    if axis is None:
        arr, axis = arr.ravel(), 0
    n = arr.shape[axis]
    k = int(0.25 * n)
    s = np.sort(arr, axis=axis)
    middle = np.take(s, np.arange(k, n - k), axis=axis)
    out = middle.mean(axis=axis)
    return float(out) if np.ndim(out) == 0 else out


def iqr(x: Any, axis: int | None = None) -> float | np.ndarray:
    """Interquartile range ``q75 - q25`` with linear interpolation between order statistics, i.e.
    ``scipy.stats.iqr(x)``. x : array-like, shape (n,) (or any shape with ``axis``)."""
    q25, q75 = np.percentile(_values(x), [25, 75], axis=axis)
    out = q75 - q25
    return float(out) if np.ndim(out) == 0 else out


def sd(x: Any, axis: int | None = None) -> float | np.ndarray:
    """Sample standard deviation (ddof = 1); needs at least two values along ``axis``."""
    arr = _values(x)
    n = arr.size if axis is None else arr.shape[axis]
    if n < 2:
        raise ValueError(f"x: the sample standard deviation needs at least 2 values, got {n}")
    out = np.std(arr, axis=axis, ddof=1)
    return float(out) if np.ndim(out) == 0 else out


def _mean(x: Any, axis: int | None = None) -> float | np.ndarray:
    out = np.mean(_values(x), axis=axis)
    return float(out) if np.ndim(out) == 0 else out


#: Statistics by the names configuration uses (claims' ``statistic``).
STATISTICS: dict[str, Callable[..., Any]] = {"mean": _mean, "median": median, "iqm": iqm, "iqr": iqr, "sd": sd}


def bootstrap_ci(
    x: Any,
    stat: Callable[..., Any] = np.mean,
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``stat(x)``.

    Draws ``n_boot`` samples of size n with replacement from x, computes the statistic on each, and returns the
    ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of those values. ``stat`` is called as
    ``stat(samples, axis=1)`` on an array of shape (n_boot, n) when it accepts ``axis`` (numpy reductions and the
    functions of this module do), else once per sample.

    x : array-like, shape (n,); seed : an int or an ``np.random.Generator`` (the only source of randomness).
    Returns (low, high); a single value gives (x, x).
    """
    arr = _values(x)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    samples = arr[rng.integers(0, arr.size, size=(n_boot, arr.size))]
    try:
        boot = np.asarray(stat(samples, axis=1), dtype=float)
    except TypeError:
        boot = np.array([stat(s) for s in samples], dtype=float)
    if boot.shape != (n_boot,):
        raise ValueError(f"stat must reduce each sample to one number; got shape {boot.shape} for {n_boot} samples")
    low, high = np.percentile(boot, [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def describe(x: Any) -> dict[str, float | int | None]:
    """Summary of per-run values: ``n``, ``median``, ``iqm``, ``q25``, ``q75``, ``iqr``, ``mean``, ``sd`` (ddof = 1;
    None for a single value), ``min`` and ``max``. x : array-like, shape (n,)."""
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
