"""Seeded synthetic datasets, string-keyed so configuration can say ``kind: circles``.

Every generator takes a keyword-only integer ``seed`` (no global RNG state) and returns
``(X, y)`` with ``X`` float64 of shape (n, d) and ``y`` of shape (n,): int64 class labels, or float64 targets for
the regression set (``noisy_line``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import DataError

__all__ = [
    "GENERATORS",
    "blobs",
    "circles",
    "gaussian_pair",
    "generate",
    "moons",
    "noisy_line",
    "separable_pair",
    "xor_quadrants",
]

# blobs600 defaults: OUR choice (the source report gives no recipe). Fixed centres at -/+2.5 * (1, 1, 1), i.e.
# 8.66 apart, with cluster_std 1.75: the Bayes error is Phi(-4.33 / 1.75) ~ 0.7 %, so every seed is nearly but
# not quite linearly separable. Over seeds 0..199, logistic regression fitted on all 600 points scores
# min 0.983 / median 0.995 and separates perfectly for only ~5 % of seeds. (Random centres drawn in a
# center_box, make_blobs' default, would make the separation depend on the seed: some seeds overlap badly.)
BLOBS_CENTERS: tuple[tuple[float, ...], ...] = ((-2.5, -2.5, -2.5), (2.5, 2.5, 2.5))
BLOBS_CLUSTER_STD = 1.75
# circles500 defaults: OUR choice. Two concentric rings (inner radius factor * outer), small noise: a linear
# model is at chance (~0.50), two tanh hidden units can at best cut out a strip/wedge (~0.8 at the optimum,
# lower where gradient descent stalls), four hidden units separate the rings (1.0).
CIRCLES_NOISE = 0.08
CIRCLES_FACTOR = 0.5


def _skd():
    """:mod:`sklearn.datasets`, imported when a generator built on it is called: importing this module (the DAG
    build does, for the generator names) must not import scikit-learn, SciPy and pandas (about 1.5 s of CPU)."""
    from sklearn import datasets

    return datasets


def _as_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.int64)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise DataError(f"seed must be an integer, got {seed!r}")
    return int(seed)


def blobs(
    n_samples: int = 600,
    n_features: int = 3,
    centers: int | ArrayLike = BLOBS_CENTERS,
    cluster_std: float = BLOBS_CLUSTER_STD,
    center_box: tuple[float, float] = (-10.0, 10.0),
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs (:func:`sklearn.datasets.make_blobs`); defaults give "blobs600".

    Parameters
    ----------
    n_samples : int
        Total points, split as evenly as possible between the blobs.
    n_features : int
        Dimension d; must match the columns of ``centers`` when centres are given as coordinates.
    centers : int or array-like, shape (k, d)
        Number of blobs (centres then drawn uniformly in ``center_box``, so seed-dependent) or their
        coordinates. Default: two fixed centres at -/+2.5 * ones(3) (our choice, see the module comment).
    cluster_std : float
        Standard deviation of every blob.
    center_box : (float, float)
        Bounds for random centres; used only when ``centers`` is an int.
    seed : int
        Passed as ``random_state``.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, d)
    y : ndarray of int64, shape (n_samples,)
        Blob index 0 .. k-1.
    """
    seed = _check_seed(seed)
    if not isinstance(centers, int | np.integer):
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2 or centers.shape[1] != n_features:
            raise DataError(f"blobs: centers of shape {centers.shape} do not match n_features={n_features}")
    X, y = _skd().make_blobs(
        n_samples=n_samples,
        n_features=n_features,
        centers=centers,
        cluster_std=cluster_std,
        center_box=center_box,
        random_state=seed,
    )
    return _as_xy(X, y)


def circles(
    n_samples: int = 500, noise: float = CIRCLES_NOISE, factor: float = CIRCLES_FACTOR, *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric noisy rings (:func:`sklearn.datasets.make_circles`); defaults give "circles500".

    Parameters
    ----------
    n_samples : int
        Total points (outer ring gets the extra one when odd).
    noise : float
        Standard deviation of Gaussian noise added to each coordinate.
    factor : float
        Inner radius / outer radius, in (0, 1).
    seed : int
        Passed as ``random_state``.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        0 = outer ring, 1 = inner ring.
    """
    seed = _check_seed(seed)
    X, y = _skd().make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return _as_xy(X, y)


def moons(n_samples: int, noise: float, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (:func:`sklearn.datasets.make_moons`).

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        0 or 1.
    """
    seed = _check_seed(seed)
    X, y = _skd().make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return _as_xy(X, y)


def gaussian_pair(
    mean_pos: Sequence[float],
    mean_neg: Sequence[float],
    cov_scale: float,
    n_per_class: int = 100,
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Two isotropic Gaussians with covariance ``cov_scale * I``, labelled +1 / -1, shuffled (perceptron study).

    Parameters
    ----------
    mean_pos, mean_neg : sequence of float, length d (2 in the study)
        Class means.
    cov_scale : float
        Variance of every coordinate (> 0); the covariance is ``cov_scale * I``.
    n_per_class : int
        Points per class.
    seed : int
        Seed of the ``np.random.Generator``.

    Returns
    -------
    X : ndarray of float64, shape (2 * n_per_class, d)
    y : ndarray of int64, shape (2 * n_per_class,)
        +1 or -1; rows in random order.
    """
    seed = _check_seed(seed)
    mp = np.asarray(mean_pos, dtype=np.float64)
    mn = np.asarray(mean_neg, dtype=np.float64)
    if mp.ndim != 1 or mp.shape != mn.shape:
        raise DataError(f"gaussian_pair: mean_pos {mp.shape} and mean_neg {mn.shape} must be vectors of equal length")
    if not (np.isfinite(cov_scale) and cov_scale > 0):
        raise DataError(f"gaussian_pair: cov_scale must be > 0, got {cov_scale!r}")
    if n_per_class < 1:
        raise DataError(f"gaussian_pair: n_per_class must be >= 1, got {n_per_class!r}")
    rng = np.random.default_rng(seed)
    sd = np.sqrt(cov_scale)
    X = np.concatenate(
        [mp + sd * rng.standard_normal((n_per_class, mp.size)), mn + sd * rng.standard_normal((n_per_class, mn.size))]
    )
    y = np.concatenate([np.ones(n_per_class, dtype=np.int64), -np.ones(n_per_class, dtype=np.int64)])
    perm = rng.permutation(2 * n_per_class)
    return _as_xy(X[perm], y[perm])


# Seed 002 (Figs. 2-4) gives no data for its toy problems; the three generators below are OUR CHOICE, built so the
# property each figure relies on holds for every seed: a linear relation plus Gaussian noise (regression), two
# classes split by a line with a margin (linear classification), and the XOR labelling of four quadrants.


def _check_positive(name: str, value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise DataError(f"{what}: {name} must be a number, got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise DataError(f"{what}: {name} must be > 0, got {value!r}")
    return float(value)


def _check_count(name: str, value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise DataError(f"{what}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _draw_inside(
    rng: np.random.Generator, n: int, centre: np.ndarray, std: float, inside: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """``n`` points of N(centre, std^2 I) conditioned on ``inside(points)`` (rejection sampling, in batches).

    Returns ndarray, shape (n, len(centre)).
    """
    out: list[np.ndarray] = []
    have = 0
    for _ in range(1000):
        pts = centre + std * rng.standard_normal((max(2 * (n - have), 16), centre.size))
        pts = pts[inside(pts)]
        out.append(pts)
        have += len(pts)
        if have >= n:
            return np.concatenate(out)[:n]
    raise DataError(
        f"rejection sampling accepted only {have} of {n} points around {centre.tolist()}: std {std} too large"
    )


def noisy_line(
    n_samples: int = 200,
    slope: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.5,
    x_low: float = -2.0,
    x_high: float = 2.0,
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D noisy linear relation ``y = slope * x + intercept + noise * e``, ``x ~ U(x_low, x_high)``,
    ``e ~ N(0, 1)`` (seed 002, Fig. 2: our choice of data).

    With the defaults the noise variance is 0.25 against a signal variance of 4 * 16/12 = 5.33, so the best
    possible R^2 is about 0.955 and the least-squares mean squared error about 0.25.

    Returns
    -------
    X : ndarray of float64, shape (n_samples, 1)
    y : ndarray of float64, shape (n_samples,)
        Regression targets.
    """
    seed = _check_seed(seed)
    n = _check_count("n_samples", n_samples, "noisy_line")
    if noise < 0 or not np.isfinite(noise):
        raise DataError(f"noisy_line: noise must be >= 0, got {noise!r}")
    if not x_low < x_high:
        raise DataError(f"noisy_line: x_low must be < x_high, got {x_low!r} and {x_high!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(x_low, x_high, size=n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return np.ascontiguousarray(x.reshape(-1, 1)), np.ascontiguousarray(y, dtype=np.float64)


def separable_pair(
    n_per_class: int = 100,
    distance: float = 3.0,
    std: float = 0.75,
    margin: float = 0.5,
    angle: float = 30.0,
    *,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Two linearly separable 2-D classes (seed 002, Fig. 3: our choice of data).

    Class 1 is centred at ``+distance/2 * u``, class 0 at ``-distance/2 * u``, with ``u = (cos angle, sin angle)``
    (degrees); each is an isotropic Gaussian with standard deviation ``std``, conditioned on lying at least
    ``margin / 2`` on its own side of the line ``u . x = 0``. So the classes are separable, with a gap of width
    ``margin`` along ``u``, for every seed.

    Returns
    -------
    X : ndarray of float64, shape (2 * n_per_class, 2)
    y : ndarray of int64, shape (2 * n_per_class,)
        0 or 1; rows in random order.
    """
    seed = _check_seed(seed)
    n = _check_count("n_per_class", n_per_class, "separable_pair")
    std = _check_positive("std", std, "separable_pair")
    _check_positive("distance", distance, "separable_pair")
    if margin < 0 or not np.isfinite(margin):
        raise DataError(f"separable_pair: margin must be >= 0, got {margin!r}")
    rng = np.random.default_rng(seed)
    u = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    half = margin / 2
    pos = _draw_inside(rng, n, distance / 2 * u, std, lambda p: p @ u >= half)
    neg = _draw_inside(rng, n, -distance / 2 * u, std, lambda p: p @ u <= -half)
    X = np.concatenate([neg, pos])
    y = np.repeat(np.array([0, 1], dtype=np.int64), n)
    perm = rng.permutation(2 * n)
    return _as_xy(X[perm], y[perm])


def xor_quadrants(
    n_per_quadrant: int = 50, center: float = 1.0, std: float = 0.4, *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem in four quadrants (seed 002, Fig. 4: our choice of data).

    One isotropic Gaussian cloud (standard deviation ``std``) around each of ``(+-center, +-center)``, conditioned
    on staying in its quadrant; label 1 where the two coordinates have opposite signs (quadrants II and IV), 0
    where they agree (I and III). No line separates the classes; two hidden units can.

    Returns
    -------
    X : ndarray of float64, shape (4 * n_per_quadrant, 2)
    y : ndarray of int64, shape (4 * n_per_quadrant,)
        ``int(x1 * x2 < 0)``; rows in random order.
    """
    seed = _check_seed(seed)
    n = _check_count("n_per_quadrant", n_per_quadrant, "xor_quadrants")
    std = _check_positive("std", std, "xor_quadrants")
    c = _check_positive("center", center, "xor_quadrants")
    rng = np.random.default_rng(seed)
    parts = []
    for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1)):  # quadrants I, II, III, IV
        sign = np.array([sx, sy])
        parts.append(_draw_inside(rng, n, c * sign, std, lambda p, s=sign: np.all(p * s > 0, axis=1)))
    X = np.concatenate(parts)
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    perm = rng.permutation(len(y))
    return _as_xy(X[perm], y[perm])


Generator = Callable[..., tuple[np.ndarray, np.ndarray]]

#: Synthetic generators by name (configuration key ``kind``).
GENERATORS: dict[str, Generator] = {
    "blobs": blobs,
    "circles": circles,
    "gaussian_pair": gaussian_pair,
    "moons": moons,
    "noisy_line": noisy_line,
    "separable_pair": separable_pair,
    "xor_quadrants": xor_quadrants,
}


def generate(kind: str, params: Mapping[str, Any] | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Run the generator ``GENERATORS[kind]`` with ``params`` and ``seed``.

    Parameters
    ----------
    kind : str
        A key of :data:`GENERATORS`.
    params : mapping or None
        Keyword arguments other than ``seed``.
    seed : int

    Returns
    -------
    X : ndarray of float64, shape (n, d)
    y : ndarray of int64, shape (n,)

    Raises
    ------
    DataError
        Unknown ``kind`` (known kinds listed), an unknown or missing parameter name (accepted names listed), or
        ``seed`` inside ``params``.
    """
    if kind not in GENERATORS:
        raise DataError(f"unknown synthetic dataset kind {kind!r}; known kinds: {', '.join(sorted(GENERATORS))}")
    gen = GENERATORS[kind]
    params = dict(params or {})
    sig = inspect.signature(gen)
    accepted = [p for p in sig.parameters if p != "seed"]
    if "seed" in params:
        raise DataError(f"{kind}: give the seed as generate(..., seed=...), not as parameter 'seed'")
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise DataError(f"{kind}: unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(accepted)}")
    required = [p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty and p.name != "seed"]
    absent = [p for p in required if p not in params]
    if absent:
        raise DataError(f"{kind}: missing required parameter(s) {', '.join(absent)}")
    return gen(**params, seed=seed)
