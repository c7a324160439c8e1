"""Seeded stratified splits and train-only standardisation.

Splits return index arrays, sorted ascending, so a split is saved as a few integer arrays and applied as
``X[idx]``; shuffling for training is the trainer's job, with its own seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import DataError

__all__ = ["Standardizer", "holdout_split", "part_sizes", "random_split", "stratified_split"]

_TOL = 1e-9


def _check_fractions(fractions: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    if not fractions:
        raise DataError("split fractions are empty; give e.g. {'train': 0.8, 'test': 0.2}")
    names = list(fractions)
    for name, f in fractions.items():
        if not isinstance(name, str) or not name:
            raise DataError(f"split part name {name!r} must be a non-empty string")
        if not (isinstance(f, int | float | np.floating | np.integer) and not isinstance(f, bool)):
            raise DataError(f"split fraction for {name!r} must be a number, got {f!r}")
        if not (math.isfinite(f) and f > 0):
            raise DataError(f"split fraction for {name!r} must be positive, got {f!r}")
    total = math.fsum(float(f) for f in fractions.values())
    if abs(total - 1.0) > _TOL:
        raise DataError(f"split fractions {dict(fractions)} sum to {total!r}, not 1")
    return names, np.array([float(fractions[n]) for n in names])


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` (sum 1) that sum to ``total``: floors, then +1 by largest remainder.

    Products are rounded to 1e-9 first so 600 * 0.7 counts as exactly 420. Ties go to the earlier part.
    """
    exact = np.round(total * weights, 9)
    base = np.floor(exact).astype(np.int64)
    short = total - int(base.sum())
    order = sorted(range(len(weights)), key=lambda j: (-(exact[j] - base[j]), j))
    for j in order[:short]:
        base[j] += 1
    return base


def part_sizes(n: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Overall part sizes for ``n`` items: ``n * fraction`` rounded by largest remainder, summing to ``n``.

    E.g. ``part_sizes(600, {"train": .7, "val": .15, "test": .15}) == {"train": 420, "val": 90, "test": 90}``.
    """
    names, w = _check_fractions(fractions)
    return dict(zip(names, _largest_remainder(int(n), w).tolist(), strict=True))


def _allocate(class_counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Integer table A (classes x parts) with row sums ``class_counts``, column sums ``sizes``, A ~ n_c * s_p / n.

    Start from the floors of the proportional table; hand out the missing units cell by cell in order of
    largest fractional part, where both the class and the part still lack units (then, if that leaves any,
    anywhere both still lack units). Every cell ends within one (rarely two) of its proportional share.
    """
    n = int(class_counts.sum())
    target = np.round(np.outer(class_counts, sizes) / n, 9)
    alloc = np.floor(target).astype(np.int64)
    row_need = class_counts - alloc.sum(axis=1)
    col_need = sizes - alloc.sum(axis=0)
    frac = target - alloc
    cells = sorted(np.ndindex(*alloc.shape), key=lambda ij: (-frac[ij], ij))
    for c, p in cells:  # first pass: only cells with a fractional share
        if frac[c, p] > 0 and row_need[c] > 0 and col_need[p] > 0:
            alloc[c, p] += 1
            row_need[c] -= 1
            col_need[p] -= 1
    for c, p in cells:  # second pass: whatever is left (sum(row_need) == sum(col_need) guarantees completion)
        while row_need[c] > 0 and col_need[p] > 0:
            alloc[c, p] += 1
            row_need[c] -= 1
            col_need[p] -= 1
    assert not row_need.any() and not col_need.any()
    return alloc


def _check_labels(y: ArrayLike) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"labels must be 1-D, got shape {y.shape}")
    if y.size == 0:
        raise DataError("labels are empty")
    return y


def _split_by_table(
    y: np.ndarray, names: list[str], sizes: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    alloc = _allocate(counts, sizes)
    parts: list[list[np.ndarray]] = [[] for _ in names]
    for c in range(len(classes)):
        members = rng.permutation(np.flatnonzero(inverse == c))
        bounds = np.concatenate([[0], np.cumsum(alloc[c])])
        for p in range(len(names)):
            parts[p].append(members[bounds[p] : bounds[p + 1]])
    return {name: np.sort(np.concatenate(chunks)).astype(np.int64) for name, chunks in zip(names, parts, strict=True)}


def stratified_split(y: ArrayLike, fractions: Mapping[str, float], seed: int) -> dict[str, np.ndarray]:
    """Split indices into named parts that keep the class proportions of ``y``.

    Parameters
    ----------
    y : array-like, shape (N,)
        Class labels (any sortable values).
    fractions : mapping of str to float
        Part name -> fraction, e.g. ``{"train": .7, "val": .15, "test": .15}``; each > 0, summing to 1 (+-1e-9).
    seed : int
        Seed of the ``np.random.Generator`` that picks which members of each class go where.

    Returns
    -------
    dict of str to ndarray of int64
        Part name -> indices into ``y``, sorted ascending. Parts are disjoint and cover ``0 .. N-1``; their sizes
        are :func:`part_sizes` (600 at 70/15/15 -> 420/90/90, 500 -> 350/75/75); within each part every class
        has its proportional share, to within one item (rarely two).

    Raises
    ------
    DataError
        A fraction that is not positive, fractions not summing to 1 (the values are named), or a part that would
        be empty.
    """
    y = _check_labels(y)
    names, w = _check_fractions(fractions)
    sizes = _largest_remainder(y.size, w)
    empty = [n for n, s in zip(names, sizes, strict=True) if s == 0]
    if empty:
        raise DataError(f"split of {y.size} items by {dict(fractions)} leaves part(s) {empty} empty")
    return _split_by_table(y, names, sizes, np.random.default_rng(seed))


def random_split(n: int, fractions: Mapping[str, float], seed: int) -> dict[str, np.ndarray]:
    """Split ``0 .. n-1`` into named parts at random, without stratification (regression targets have no classes).

    Parameters
    ----------
    n : int
        Number of items (> 0).
    fractions : mapping of str to float
        As :func:`stratified_split`; part sizes are :func:`part_sizes`.
    seed : int
        Seed of the ``np.random.Generator`` that permutes the items.

    Returns
    -------
    dict of str to ndarray of int64
        Part name -> indices, sorted ascending; disjoint, covering ``0 .. n-1``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DataError(f"random_split: n must be a positive integer, got {n!r}")
    names, w = _check_fractions(fractions)
    sizes = _largest_remainder(int(n), w)
    empty = [name for name, size in zip(names, sizes, strict=True) if size == 0]
    if empty:
        raise DataError(f"split of {n} items by {dict(fractions)} leaves part(s) {empty} empty")
    perm = np.random.default_rng(seed).permutation(int(n))
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return {name: np.sort(perm[bounds[i] : bounds[i + 1]]).astype(np.int64) for i, name in enumerate(names)}


def holdout_split(y_train: ArrayLike, n_val: int, seed: int, stratify: bool = True) -> dict[str, np.ndarray]:
    """Hold out ``n_val`` items of an official training set for validation.

    Parameters
    ----------
    y_train : array-like, shape (N,)
        Labels of the official training set.
    n_val : int
        Validation size, 0 < n_val < N (e.g. 10000 of MNIST's 60000).
    seed : int
        Seed of the ``np.random.Generator``.
    stratify : bool
        Keep class proportions in both parts (within one item per class); else a plain random subset.

    Returns
    -------
    dict
        ``{"train": int64 (N - n_val,), "val": int64 (n_val,)}``, indices into ``y_train``, sorted ascending,
        disjoint, covering ``0 .. N-1``.
    """
    y = _check_labels(y_train)
    if isinstance(n_val, bool) or not isinstance(n_val, int | np.integer) or not 0 < n_val < y.size:
        raise DataError(f"n_val must be an integer in 1..{y.size - 1} for {y.size} training items, got {n_val!r}")
    rng = np.random.default_rng(seed)
    if stratify:
        return _split_by_table(y, ["train", "val"], np.array([y.size - int(n_val), int(n_val)]), rng)
    perm = rng.permutation(y.size)
    return {"train": np.sort(perm[int(n_val) :]).astype(np.int64), "val": np.sort(perm[: int(n_val)]).astype(np.int64)}


class Standardizer:
    """Standardise with statistics of the training data only: ``(X * scale - mean) / std``.

    Parameters
    ----------
    mode : {"feature", "global"}
        ``"feature"``: mean and std per feature (per position of ``X.shape[1:]``, e.g. per pixel);
        ``"global"``: one scalar mean and std over all values.
    scale : float
        Applied before standardising (e.g. ``1/255`` for pixels); statistics are those of ``X * scale``.
    min_std : float
        Standard deviations ``<= min_std`` are replaced by 1 (at the default 0, exactly-constant features such as
        blank border pixels are left centred rather than divided by zero).

    Attributes
    ----------
    mean_, std_ : ndarray of float64, shape X.shape[1:] ("feature") or () ("global")
        Set by :meth:`fit`, computed in float64.
    """

    MODES = ("feature", "global")
    _CHUNK_ROWS = 8192

    def __init__(self, mode: str = "feature", scale: float = 1.0, min_std: float = 0.0) -> None:
        if mode not in self.MODES:
            raise DataError(f"Standardizer mode {mode!r} unknown; use one of {self.MODES}")
        if not (math.isfinite(scale) and scale > 0):
            raise DataError(f"Standardizer scale must be > 0, got {scale!r}")
        if not (math.isfinite(min_std) and min_std >= 0):
            raise DataError(f"Standardizer min_std must be >= 0, got {min_std!r}")
        self.mode = mode
        self.scale = float(scale)
        self.min_std = float(min_std)
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def _chunks(self, X: np.ndarray) -> Iterator[np.ndarray]:
        for start in range(0, X.shape[0], self._CHUNK_ROWS):
            yield X[start : start + self._CHUNK_ROWS].astype(np.float64) * self.scale

    def fit(self, X: ArrayLike) -> Standardizer:
        """Compute mean and std of ``X * scale`` (two passes over row chunks, in float64).

        Parameters
        ----------
        X : array-like, shape (N, ...)
            Training data only.

        Returns
        -------
        self
        """
        X = np.asarray(X)
        if X.ndim < 1 or X.shape[0] == 0:
            raise DataError(f"Standardizer.fit needs a non-empty array of shape (N, ...), got {X.shape}")
        axis = 0 if self.mode == "feature" else None
        count = X.shape[0] if self.mode == "feature" else X.size
        total = sum(c.sum(axis=axis) for c in self._chunks(X))
        mean = np.asarray(total / count, dtype=np.float64)
        sq = sum(((c - mean) ** 2).sum(axis=axis) for c in self._chunks(X))
        std = np.sqrt(np.asarray(sq / count, dtype=np.float64))
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            raise DataError("Standardizer.fit: data contain NaN or infinity")
        std = np.where(std <= self.min_std, 1.0, std)
        self.mean_, self.std_ = mean, np.asarray(std, dtype=np.float64)
        return self

    def transform(self, X: ArrayLike, dtype: np.dtype | type = np.float32) -> np.ndarray:
        """Return ``(X * scale - mean_) / std_`` as ``dtype``.

        Parameters
        ----------
        X : array-like, shape (M, ...) with ``X.shape[1:] == mean_.shape`` in "feature" mode

        Returns
        -------
        ndarray, shape (M, ...), dtype ``dtype``
        """
        if self.mean_ is None or self.std_ is None:
            raise DataError("Standardizer.transform called before fit (or from_dict)")
        X = np.asarray(X)
        if self.mode == "feature" and X.shape[1:] != self.mean_.shape:
            raise DataError(f"Standardizer fitted on features of shape {self.mean_.shape}, got data of shape {X.shape}")
        out = np.array(X, dtype=dtype, copy=True)
        out *= np.asarray(self.scale, dtype=dtype)
        out -= self.mean_.astype(dtype)
        out /= self.std_.astype(dtype)
        return out

    def fit_transform(self, X: ArrayLike, dtype: np.dtype | type = np.float32) -> np.ndarray:
        """``fit(X)`` then ``transform(X, dtype)``."""
        return self.fit(X).transform(X, dtype)

    def to_dict(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Plain arrays (no pickle needed) for ``np.savez``; keys ``prefix + {mode, scale, min_std, mean, std}``."""
        if self.mean_ is None or self.std_ is None:
            raise DataError("Standardizer.to_dict called before fit")
        return {
            f"{prefix}mode": np.array(self.mode),
            f"{prefix}scale": np.array(self.scale),
            f"{prefix}min_std": np.array(self.min_std),
            f"{prefix}mean": self.mean_.copy(),
            f"{prefix}std": self.std_.copy(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], prefix: str = "") -> Standardizer:
        """Rebuild from :meth:`to_dict` output (or an ``np.load`` of it); DataError naming a missing key."""
        keys = [f"{prefix}{k}" for k in ("mode", "scale", "min_std", "mean", "std")]
        absent = [k for k in keys if k not in d]
        if absent:
            raise DataError(f"Standardizer.from_dict: missing key(s) {absent}; have {sorted(d)}")
        obj = cls(mode=str(np.asarray(d[keys[0]])), scale=float(d[keys[1]]), min_std=float(d[keys[2]]))
        obj.mean_ = np.asarray(d[keys[3]], dtype=np.float64).copy()
        obj.std_ = np.asarray(d[keys[4]], dtype=np.float64).copy()
        if obj.mean_.shape != obj.std_.shape:
            raise DataError(f"Standardizer.from_dict: mean shape {obj.mean_.shape} != std shape {obj.std_.shape}")
        return obj
