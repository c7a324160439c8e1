"""Hard-margin linear SVMs (seed 003 Q1(b)): our exact active-set solver beside scikit-learn's ``SVC`` with a very
large C, and the seed's typed w, b, margin and support vectors checked against both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...svm import hard_margin_svm, predict
from ..io import write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from . import columns


def _points(value: Any, where: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"{where}: expected a list of at least two points [x1, x2, ...], got {value!r}")
    return arr


def _same(a: Any, b: Any, tol: float) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=tol, rtol=0))


def _point_set(points: np.ndarray) -> list[list[float]]:
    return sorted([float(v) for v in p] for p in points)


@analysis_kind(
    "hard_margin_svm",
    params={
        "points": Param("any", "the points, a list of [x1, x2, ...]"),
        "labels": Param("ints", "their labels, -1 or +1"),
        "test_point": Param("floats", "a new point to classify"),
        "seed_values": Param("mapping", "the seed's w, b, margin, closest_distance, support_vectors, prediction"),
        "margin_tol": Param("float", "|y (w.x + b) - 1| at most this: on the margin (a support vector)", min=0),
        "sklearn_C": Param("float", "C of scikit-learn's SVC (very large: hard margin)", min=0, exclusive_min=True),
        "compare_tol": Param("float", "agreement tolerance between solvers and with the seed", min=0),
    },
    roles=(),
    required=("points", "labels"),
)
def svm_analysis(job: AnalysisJob) -> dict[str, Any]:
    """Hard-margin SVM by our exact active-set solver (:func:`scratchnet.svm.hard_margin_svm`), cross-checked with
    scikit-learn's ``SVC(kernel="linear", C=...)``, and the seed's stated values audited."""
    from sklearn.svm import SVC

    p = job.params
    X = _points(p["points"], f"{job.where}.params.points")
    y = np.asarray(p["labels"], dtype=np.float64)
    if len(y) != len(X):
        raise ValueError(f"{job.where}.params: {len(X)} points but {len(y)} labels")
    margin_tol = float(p.get("margin_tol", 1e-6))
    tol = float(p.get("compare_tol", 1e-6))
    sol = hard_margin_svm(X, y, margin_tol=margin_tol)
    clf = SVC(kernel="linear", C=float(p.get("sklearn_C", 1e10)), tol=1e-10).fit(X, y)
    w_sk, b_sk = clf.coef_[0].astype(float), float(clf.intercept_[0])
    fm_sk = y * (X @ w_sk + b_sk)
    sk_on_margin = np.flatnonzero(np.abs(fm_sk - 1) <= max(margin_tol, 1e-4))
    ours = {
        "w": sol.w,
        "b": sol.b,
        "norm_w": float(np.linalg.norm(sol.w)),
        "margin": sol.margin,
        "closest_distance": sol.closest_distance,
        "support_vectors": X[sol.on_margin].tolist(),
        "n_support_vectors": int(len(sol.on_margin)),
        "alpha": sol.alpha,
        "active_set": X[list(sol.active)].tolist(),
        "functional_margins": sol.functional_margins,
        "n_candidates": sol.n_candidates,
    }
    sk = {
        "w": w_sk,
        "b": b_sk,
        "margin": 2.0 / float(np.linalg.norm(w_sk)),
        "support_": X[clf.support_].tolist(),  # points with alpha > 0 in libsvm's dual solution
        "on_margin": X[sk_on_margin].tolist(),
        "dual_coef": clf.dual_coef_[0],
        "max_abs_w_diff": float(np.max(np.abs(w_sk - sol.w))),
        "abs_b_diff": abs(b_sk - sol.b),
    }
    sk["agrees"] = bool(sk["max_abs_w_diff"] <= 1e-4 and sk["abs_b_diff"] <= 1e-4)
    test = p.get("test_point")
    if test is not None:
        t = np.asarray(test, dtype=np.float64)
        ours["test_point"] = t
        ours["test_decision"] = float(t @ sol.w + sol.b)
        ours["prediction"] = int(predict(sol.w, sol.b, t)[0])
        sk["prediction"] = int(clf.predict(t.reshape(1, -1))[0])

    seed = dict(p.get("seed_values") or {})
    rows = []

    def row(quantity: str, seed_v: Any, ours_v: Any, sk_v: Any, ok: bool | None) -> None:
        rows.append({"quantity": quantity, "seed": seed_v, "ours": ours_v, "scikit-learn": sk_v,
                     "seed_agrees": None if ok is None else bool(ok)})  # fmt: skip

    r = lambda v: np.round(np.asarray(v, dtype=float), 6).tolist()  # noqa: E731 - display rounding only
    row("w", seed.get("w"), r(sol.w), r(w_sk), _same(seed["w"], sol.w, tol) if "w" in seed else None)
    row("b", seed.get("b"), r(sol.b), r(b_sk), _same(seed["b"], sol.b, tol) if "b" in seed else None)
    row("margin 2/‖w‖", seed.get("margin"), r(sol.margin), r(sk["margin"]),
        _same(seed["margin"], sol.margin, tol) if "margin" in seed else None)  # fmt: skip
    row("distance of the closest point to the boundary", seed.get("closest_distance"), r(sol.closest_distance), None,
        _same(seed["closest_distance"], sol.closest_distance, tol) if "closest_distance" in seed else None)  # fmt: skip
    sv_seed = seed.get("support_vectors")
    sv_ok = (_point_set(np.asarray(sv_seed, dtype=float)) == _point_set(X[sol.on_margin])) if sv_seed else None
    row("support vectors (on the margin)", sv_seed, _point_set(X[sol.on_margin]), _point_set(X[sk_on_margin]), sv_ok)
    row("support vectors with α > 0 (one dual solution)", None, _point_set(X[sol.alpha > 1e-9]),
        _point_set(X[clf.support_]), None)  # fmt: skip
    if test is not None:
        row(f"prediction for {list(map(float, test))}", seed.get("prediction"), ours["prediction"],
            sk["prediction"], (seed["prediction"] == ours["prediction"]) if "prediction" in seed else None)  # fmt: skip
    audited = [x["seed_agrees"] for x in rows if x["seed_agrees"] is not None]
    values = {**{f"w_{i + 1}": float(v) for i, v in enumerate(sol.w)}, "b": sol.b, "margin": sol.margin,
              "closest_distance": sol.closest_distance, "n_support_vectors": int(len(sol.on_margin)),
              "support_vectors_sorted": _point_set(X[sol.on_margin]), "sklearn_agrees": sk["agrees"]}  # fmt: skip
    if test is not None:
        values["prediction"] = ours["prediction"]
    result = {
        "description": "hard-margin linear SVM: our exact active-set solver beside scikit-learn's SVC",
        "method": "enumerate point sets of size 2..d+1 with both labels; solve each one's KKT system "
        "(w = Σ αᵢ yᵢ xᵢ, Σ αᵢ yᵢ = 0, yᵢ (w·xᵢ + b) = 1) exactly; keep the solution with all αᵢ ≥ 0 "
        "that satisfies every constraint, of smallest ‖w‖",
        "n_points": int(len(X)),
        "values": values,
        "ours": ours,
        "sklearn": sk,
        "seed": seed,
        "seed_agrees_all": bool(all(audited)) if audited else None,
        "n_seed_checks": len(audited),
        "n_seed_agree": int(sum(audited)),
        "columns": columns("quantity", "seed", "ours", "scikit-learn", "seed_agrees=seed agrees with ours"),
        "table": rows,
    }
    write_json(job.json_out, result)
    write_npz(job.npz_out, X=X, y=y, w=sol.w, b=np.float64(sol.b), w_sklearn=w_sk, b_sklearn=np.float64(b_sk),
              on_margin=sol.on_margin, alpha=sol.alpha,
              test_point=np.asarray(test if test is not None else [], dtype=float))  # fmt: skip
    return result
