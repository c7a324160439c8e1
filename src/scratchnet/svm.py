"""Hard-margin linear support vector machines, solved exactly for small point sets (seed 003, Q1(b)).

The primal problem is ``min ½‖w‖²`` subject to ``yᵢ (w·xᵢ + b) ≥ 1`` for every point. Its optimum is fixed by an
*active set* ``S`` of points on the margin: for a given ``S`` the equality-constrained problem
``min ½‖w‖²`` s.t. ``yᵢ (w·xᵢ + b) = 1`` (i ∈ S) has the linear KKT system

    w − Σ_{i∈S} αᵢ yᵢ xᵢ = 0,      Σ_{i∈S} αᵢ yᵢ = 0,      yᵢ (w·xᵢ + b) = 1  (i ∈ S),

and ``(w, b)`` is the SVM solution exactly when, in addition, every ``αᵢ ≥ 0`` (dual feasibility) and every point
satisfies its constraint (primal feasibility): the KKT conditions of a convex problem are sufficient. By the conic
Carathéodory theorem some optimal dual solution uses at most ``d + 1`` points whose vectors ``yᵢ (xᵢ, 1)`` are
linearly independent, and for those the KKT matrix above is nonsingular. So :func:`hard_margin_svm` enumerates every
set of 2 … d + 1 points with both labels, solves its KKT system with :func:`numpy.linalg.solve`, and keeps the
feasible solution of smallest ``‖w‖`` (all feasible ones coincide: the optimal ``w`` is unique, and so is ``b``).
The cost grows as ``C(n, d + 1)``: meant for tens of points in a few dimensions, as in a worked example.

The dual solution need not be unique (four points on the margin in the plane, as in the seed's first set, admit
many ``α``), so the support vectors reported are the points *on the margin* within a tolerance,
``|yᵢ (w·xᵢ + b) − 1| ≤ tol``, not the points with ``αᵢ > 0`` of one particular dual solution.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

__all__ = ["SVMSolution", "hard_margin_svm", "decision_function", "predict"]


@dataclass
class SVMSolution:
    """A hard-margin SVM.

    Attributes
    ----------
    w : ndarray, shape (d,)
        Weight vector; the decision boundary is ``w·x + b = 0``.
    b : float
        Bias.
    alpha : ndarray, shape (n,)
        One optimal dual solution (zero outside ``active``).
    active : tuple of int
        The point set whose KKT system gave the solution.
    on_margin : ndarray of int
        Indices of the points with ``|yᵢ (w·xᵢ + b) − 1| ≤ tol``: the support vectors.
    margin : float
        Width of the margin between the two marginal hyperplanes, ``2 / ‖w‖``.
    closest_distance : float
        Distance of the closest point to the decision boundary, ``min |w·xᵢ + b| / ‖w‖`` (``1 / ‖w‖``).
    n_candidates : int
        Point sets whose KKT system was solved.
    """

    w: np.ndarray
    b: float
    alpha: np.ndarray
    active: tuple[int, ...]
    on_margin: np.ndarray
    margin: float
    closest_distance: float
    n_candidates: int = 0
    functional_margins: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _check(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2:
        raise ValueError(f"hard_margin_svm: X must have shape (n, d), got {X.shape}")
    if len(X) != len(y):
        raise ValueError(f"hard_margin_svm: X has {len(X)} points but y has {len(y)} labels")
    bad = sorted(set(np.unique(y).tolist()) - {-1.0, 1.0})
    if bad:
        raise ValueError(f"hard_margin_svm: labels must be -1 or +1, got {bad}")
    if not (np.any(y > 0) and np.any(y < 0)):
        raise ValueError("hard_margin_svm: needs points of both labels (-1 and +1)")
    if not np.all(np.isfinite(X)):
        raise ValueError("hard_margin_svm: X has non-finite values")
    return X, y


def _solve_active(X: np.ndarray, y: np.ndarray, S: tuple[int, ...]) -> tuple[np.ndarray, float, np.ndarray] | None:
    """``(w, b, alpha_S)`` of the equality-constrained problem on ``S``, or None when its KKT matrix is singular."""
    d, k = X.shape[1], len(S)
    A = y[list(S), None] * np.c_[X[list(S)], np.ones(k)]  # rows yᵢ (xᵢ, 1), shape (k, d + 1)
    if np.linalg.matrix_rank(A) < k:
        return None
    # unknowns (w, b, α): [[I 0; 0 0], -Aᵀ; A, 0] (w, b, α) = (0, 0, 1)
    n = d + 1 + k
    K = np.zeros((n, n))
    K[:d, :d] = np.eye(d)
    K[: d + 1, d + 1 :] = -A.T
    K[d + 1 :, : d + 1] = A
    rhs = np.r_[np.zeros(d + 1), np.ones(k)]
    try:
        sol = np.linalg.solve(K, rhs)
    except np.linalg.LinAlgError:
        return None
    return sol[:d], float(sol[d]), sol[d + 1 :]


def hard_margin_svm(X: np.ndarray, y: np.ndarray, tol: float = 1e-9, margin_tol: float = 1e-6) -> SVMSolution:
    """The maximum-margin separating hyperplane of ``(X, y)`` by exact enumeration of active sets.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Points.
    y : ndarray, shape (n,)
        Labels, -1 or +1.
    tol : float
        Feasibility tolerance of the KKT checks (``αᵢ ≥ −tol``, ``yᵢ (w·xᵢ + b) ≥ 1 − tol``).
    margin_tol : float
        A point is on the margin (a support vector) when ``|yᵢ (w·xᵢ + b) − 1| ≤ margin_tol``.

    Returns
    -------
    SVMSolution

    Raises
    ------
    ValueError
        Bad shapes or labels, or no separating hyperplane (the data are not linearly separable).
    """
    X, y = _check(X, y)
    n, d = X.shape
    best: tuple[float, np.ndarray, float, np.ndarray, tuple[int, ...]] | None = None
    tried = 0
    for k in range(2, min(d + 1, n) + 1):
        for S in itertools.combinations(range(n), k):
            if len(set(y[list(S)])) < 2:  # Σ αᵢ yᵢ = 0 with α ≥ 0, not all zero, needs both labels
                continue
            tried += 1
            res = _solve_active(X, y, S)
            if res is None:
                continue
            w, b, a = res
            if np.any(a < -tol) or np.any(y * (X @ w + b) < 1 - tol):
                continue
            norm = float(w @ w)
            if best is None or norm < best[0] - 1e-12:
                alpha = np.zeros(n)
                alpha[list(S)] = np.maximum(a, 0.0)
                best = (norm, w, b, alpha, S)
    if best is None:
        raise ValueError(f"hard_margin_svm: the {n} points are not linearly separable (no feasible active set)")
    _, w, b, alpha, S = best
    fm = y * (X @ w + b)
    wn = float(np.linalg.norm(w))
    return SVMSolution(
        w=w,
        b=b,
        alpha=alpha,
        active=tuple(int(i) for i in S),
        on_margin=np.flatnonzero(np.abs(fm - 1) <= margin_tol),
        margin=2.0 / wn,
        closest_distance=float(np.min(np.abs(X @ w + b)) / wn),
        n_candidates=tried,
        functional_margins=fm,
    )


def decision_function(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """``w·x + b`` for every row of ``X`` (n, d); shape (n,)."""
    return np.atleast_2d(np.asarray(X, dtype=np.float64)) @ np.asarray(w, dtype=np.float64) + float(b)


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """``sign(w·x + b)`` as -1 / +1 (a point on the boundary gets +1); shape (n,)."""
    return np.where(decision_function(w, b, X) >= 0, 1, -1)
