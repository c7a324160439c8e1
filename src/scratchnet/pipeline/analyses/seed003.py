"""Seed 003's analyses: the worked backprop step (Q1(a)), the hard-margin SVMs (Q1(b)), what the failed MNIST
configurations' accuracy is (the majority class's share of the test part), the grid search's sorted table, and
classifiers on autoencoder bottleneck features (Q3.5).

Every result is a JSON table (``result.json``, with a ``"table"`` list of rows for the report page) plus arrays
(``arrays.npz``) that figures draw. The seed's own typed numbers come from configuration (``seed_values``), never
from this module.
"""

from __future__ import annotations

import logging
import math
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ...models import MLPRegressor
from ...optim import SGD
from ...svm import hard_margin_svm, predict
from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, RunFiles, analysis_kind

log = logging.getLogger(__name__)


def columns(*spec: str) -> list[dict[str, str]]:
    """How a report page shows a result's ``table``: ``"key"`` or ``"key=title"`` per column, in order."""
    return [dict(zip(("key", "title"), (c.split("=", 1) + [c])[:2], strict=True)) for c in spec]

# ----------------------------------------------------------------------------------------------------------------
# Q1(a): one full-batch gradient step of a 1-1-1 ReLU network with a linear output and MSE, by our engine
# ----------------------------------------------------------------------------------------------------------------

# quantity -> (line of the worked example, what it is). Vector quantities have one value per data point.
Q1A_LINES: dict[str, tuple[str, str]] = {
    "z1": ("forward", "z1 = x w1 + b1"),
    "y1": ("forward", "y1 = max(0, z1)"),
    "yhat": ("forward", "ŷ = y1 w2 + b2"),
    "residual": ("loss", "y − ŷ (inside the squares of the MSE)"),
    "loss": ("loss", "E = (1/N) Σ (ŷ − y)²"),
    "sum_residual": ("backprop", "Σ (ŷ − y) in ∂E/∂ŷ = (2/N) Σ (ŷ − y)"),
    "dE_dyhat": ("backprop", "∂E/∂ŷ = (2/N) Σ (ŷ − y)"),
    "grad_w2": ("backprop", "∂E/∂w2 = (2/N) Σ (ŷ − y) y1"),
    "grad_b2": ("backprop", "∂E/∂b2 = (2/N) Σ (ŷ − y)"),
    "grad_w1": ("backprop", "∂E/∂w1 = (2/N) Σ (ŷ − y) w2 ReLU'(z1) x"),
    "grad_b1": ("backprop", "∂E/∂b1 = (2/N) Σ (ŷ − y) w2 ReLU'(z1)"),
    "w1_new": ("update", "w1 − η ∂E/∂w1"),
    "b1_new": ("update", "b1 − η ∂E/∂b1"),
    "w2_new": ("update", "w2 − η ∂E/∂w2"),
    "b2_new": ("update", "b2 − η ∂E/∂b2"),
    "z1_after": ("after the step", "z1 = x w1 + b1 (= y1, all positive)"),
    "yhat_after": ("after the step", "ŷ = y1 w2 + b2"),
    "residual_after": ("after the step", "y − ŷ"),
    "loss_after": ("after the step", "E after one step"),
}


def _one_step(x: np.ndarray, y: np.ndarray, p: dict[str, float], lr: float) -> dict[str, Any]:
    """Every quantity of :data:`Q1A_LINES` computed by our engine (float64): forward layer by layer, the loss, the
    gradients of ``train_step``, one :class:`~scratchnet.optim.SGD` step, and the forward pass after it."""
    model = MLPRegressor(
        [1, 1, 1],
        activation="relu",
        init=[{"name": "constant", "value": p["w1"]}, {"name": "constant", "value": p["w2"]}],
        bias_init=[{"name": "constant", "value": p["b1"]}, {"name": "constant", "value": p["b2"]}],
        dtype="float64",
    )
    hidden, relu, out = model.net.layers
    X = x.reshape(-1, 1)

    def forward() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z1 = hidden.forward(X)
        y1 = relu.forward(z1)
        return z1[:, 0], y1[:, 0], out.forward(y1)[:, 0]

    z1, y1, yhat = forward()
    loss = model.train_step(X, model.encode_targets(y))  # forward + backward; gradients now in model.gradients()
    g = {k: float(v.item()) for k, v in model.gradients().items()}
    SGD(lr=lr).step(model.parameters(), model.gradients())
    new = {k: float(v.item()) for k, v in model.parameters().items()}
    z1a, _, yhat_a = forward()
    loss_after = model.evaluate(X, y)["loss"]
    n = len(x)
    # parameter names of the Sequential: "0.W", "0.b" (hidden Linear), "2.W", "2.b" (output Linear; "1" is ReLU)
    return {
        "z1": z1,
        "y1": y1,
        "yhat": yhat,
        "residual": y - yhat,
        "loss": float(loss),
        "sum_residual": float(np.sum(yhat - y)),
        "dE_dyhat": float(2.0 / n * np.sum(yhat - y)),
        "grad_w2": g["2.W"],
        "grad_b2": g["2.b"],
        "grad_w1": g["0.W"],
        "grad_b1": g["0.b"],
        "w1_new": new["0.W"],
        "b1_new": new["0.b"],
        "w2_new": new["2.W"],
        "b2_new": new["2.b"],
        "z1_after": z1a,
        "yhat_after": yhat_a,
        "residual_after": y - yhat_a,
        "loss_after": float(loss_after),
    }


def _decimals(text: str) -> int:
    return max(0, -Decimal(text).as_tuple().exponent)


def _truncate(v: float, k: int) -> float:
    f = 10.0**k
    return math.trunc(v * f + math.copysign(1e-9, v)) / f


FOLLOWS = "follows from the seed's previous line"


def line_status(seed_text: str, ours: float, from_seed: float | None = None) -> str:
    """How a value the seed typed (``seed_text``, as typed: ``"3.30"`` has two decimals) relates to ours.

    ``exact``; ``rounded`` (ours rounded to the typed decimals); ``truncated`` (cut, not rounded, to the typed
    decimals; rounding would differ); ``sign slip`` (the negative of ours); ``follows from the seed's previous
    line`` (``from_seed``, the value recomputed from the seed's own typed inputs, rounds to it); else ``differs``.
    """
    s = float(Decimal(seed_text))
    k = _decimals(seed_text)
    if abs(s - ours) <= 1e-9:
        return "exact"
    if abs(round(ours, k) - s) <= 1e-9:
        return "rounded"
    if abs(_truncate(ours, k) - s) <= 1e-9:
        return f"truncated (rounded: {round(ours, k):.{k}f})"
    if abs(s + ours) <= 1e-9:
        return "sign slip"
    if from_seed is not None and abs(round(from_seed, k) - s) <= 1e-9:
        return FOLLOWS
    return "differs"


def _as_texts(value: Any, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ValueError(f"{where}: expected a number or a number as text, got {v!r}")
        try:
            Decimal(str(v))
        except ArithmeticError:
            raise ValueError(f"{where}: {v!r} is not a number") from None
        out.append(str(v))
    return out


@analysis_kind(
    "backprop_step",
    params={
        "x": Param("floats", "inputs, one per data point", min_len=1),
        "y": Param("floats", "targets, one per data point", min_len=1),
        "w1": Param("float", "hidden weight"),
        "b1": Param("float", "hidden bias"),
        "w2": Param("float", "output weight"),
        "b2": Param("float", "output bias"),
        "lr": Param("float", "learning rate", min=0, exclusive_min=True),
        "seed_values": Param("mapping", "the seed's typed value per quantity (text keeps its decimals: '3.30')"),
        "notes": Param("mapping", "a note per quantity, shown beside the audit row"),
    },
    roles=(),
    required=("x", "y", "w1", "b1", "w2", "b2", "lr"),
)
def backprop_step(job: AnalysisJob) -> dict[str, Any]:
    """Seed 003 Q1(a): one full-batch SGD step of x → ReLU(x w1 + b1) w2 + b2 with MSE, by our engine; each line the
    seed typed beside ours, and the loss after the step recomputed from the seed's own typed predictions."""
    p = job.params
    x = np.asarray(p["x"], dtype=np.float64)
    y = np.asarray(p["y"], dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"{job.where}.params: x has {x.size} values but y has {y.size}")
    ours = _one_step(x, y, {k: float(p[k]) for k in ("w1", "b1", "w2", "b2")}, float(p["lr"]))
    seed_values = dict(p.get("seed_values") or {})
    notes = dict(p.get("notes") or {})  # keyed by quantity, or by one element of a vector: "yhat_after[1]"
    unknown = sorted((set(seed_values) | {k.split("[")[0] for k in notes}) - set(Q1A_LINES))
    if unknown:
        raise ValueError(f"{job.where}.params: unknown quantities {unknown}; known: {', '.join(Q1A_LINES)}")

    # The loss after the step from the seed's own typed predictions, and from ours rounded to the same decimals.
    from_seed: dict[str, Any] = {}
    rounded: dict[str, Any] = {}
    if "yhat_after" in seed_values:
        texts = _as_texts(seed_values["yhat_after"], f"{job.where}.params.seed_values.yhat_after")
        typed = np.array([float(Decimal(t)) for t in texts])
        k = max(_decimals(t) for t in texts)
        from_seed["residual_after"] = y - typed
        from_seed["loss_after"] = float(np.mean((y - typed) ** 2))
        ours_rounded = np.round(ours["yhat_after"], k)
        rounded = {"decimals": k, "yhat_after": ours_rounded, "loss_after": float(np.mean((y - ours_rounded) ** 2))}
    if "yhat" in seed_values:
        typed = np.array([float(Decimal(t)) for t in _as_texts(seed_values["yhat"], "seed_values.yhat")])
        from_seed["residual"] = y - typed
        from_seed["loss"] = float(np.mean((y - typed) ** 2))

    rows = []
    for q, (section, what) in Q1A_LINES.items():
        ours_v = np.atleast_1d(np.asarray(ours[q], dtype=np.float64))
        texts = _as_texts(seed_values[q], f"{job.where}.params.seed_values.{q}") if q in seed_values else None
        if texts is not None and len(texts) != len(ours_v):
            raise ValueError(f"{job.where}.params.seed_values.{q}: {len(texts)} values, ours has {len(ours_v)}")
        fs = np.atleast_1d(from_seed[q]) if q in from_seed else None
        for i, o in enumerate(ours_v):
            name = q if len(ours_v) == 1 else f"{q}[{i + 1}]"
            status = line_status(texts[i], float(o), None if fs is None else float(fs[i])) if texts else ""
            note = [notes.get(name, notes.get(q, ""))]
            if status == FOLLOWS:
                note.append(f"from the seed's typed values: {float(fs[i]):.6g}")
            rows.append({"step": section, "quantity": name, "formula": what, "ours": float(o),
                         "seed": texts[i] if texts else None, "status": status,
                         "note": "; ".join(n for n in note if n)})  # fmt: skip
    slips = [r for r in rows if r["status"] not in ("", "exact", "rounded")]
    values = {}  # flat: one number per key (vectors as <name>_1, <name>_2, ...), for claims
    for q, v in ours.items():
        arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
        values.update({q: float(arr[0])} if np.ndim(v) == 0 else {f"{q}_{i + 1}": float(x) for i, x in enumerate(arr)})
    result = {
        "description": "Seed 003 Q1(a): one full-batch gradient step computed by our engine (float64)",
        "values": values,
        "ours": ours,
        "from_seed_values": from_seed,
        "ours_rounded": rounded,
        "n_lines": sum(1 for r in rows if r["seed"] is not None),
        "n_slips": len(slips),
        "slips": [f"{r['quantity']}: {r['status']}" for r in slips],
        "columns": columns("step", "quantity", "formula", "seed=seed (as typed)", "ours", "status", "note"),
        "table": rows,
    }
    write_json(job.json_out, result)
    write_npz(job.npz_out, x=x, y=y, yhat=ours["yhat"], yhat_after=ours["yhat_after"])
    return result


# ----------------------------------------------------------------------------------------------------------------
# Q1(b): hard-margin linear SVMs, our exact solver beside scikit-learn's SVC with a very large C
# ----------------------------------------------------------------------------------------------------------------


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


# ----------------------------------------------------------------------------------------------------------------
# Section B: what is the accuracy of the failed configurations? The majority class's share of the test part.
# ----------------------------------------------------------------------------------------------------------------


def labels_in_dataset_order(data_npz: str | Path) -> np.ndarray:
    """The labels of a split's whole dataset in the dataset's own order, rebuilt from the split's parts
    (``data.npz``) and their indices (``indices.npz`` in the same folder, written by the split step)."""
    data_npz = Path(data_npz)
    idx_path = data_npz.with_name("indices.npz")
    if not idx_path.exists():
        raise FileNotFoundError(f"{idx_path}: the split's indices are needed to rebuild the dataset order")
    data, idx = read_npz(data_npz), read_npz(idx_path)
    n = sum(len(v) for v in idx.values())
    y = np.full(n, -1, dtype=np.int64)
    for part, ix in idx.items():
        y[ix] = data[f"y_{part}"]
    if np.any(y < 0):
        raise ValueError(f"{idx_path}: the parts do not cover indices 0..{n - 1}")
    return y


def recipe_test_labels(y: np.ndarray, recipe: dict[str, Any]) -> np.ndarray:
    """Labels of the test part that scikit-learn's ``train_test_split`` gives for ``recipe``: ``test_size`` (the
    held-out fraction), then ``val_of_rest`` (that fraction of the held-out part becomes validation, the rest is
    the test part), ``random_state`` for both calls, ``stratify`` (false: a plain random permutation)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    strat = bool(recipe.get("stratify", False))
    rs = int(recipe.get("random_state", 42))
    _, rest = train_test_split(idx, test_size=float(recipe.get("test_size", 0.2)), random_state=rs,
                               stratify=y if strat else None)  # fmt: skip
    _, test = train_test_split(rest, test_size=1 - float(recipe.get("val_of_rest", 0.5)), random_state=rs,
                               stratify=y[rest] if strat else None)  # fmt: skip
    return y[test]


def _share_stats(y_test: np.ndarray, n_classes: int) -> dict[str, Any]:
    counts = np.bincount(y_test, minlength=n_classes)
    c = int(np.argmax(counts))
    return {"n": int(len(y_test)), "counts": counts, "majority_class": c, "majority_count": int(counts[c]),
            "majority_share": float(counts[c] / len(y_test))}  # fmt: skip


@analysis_kind(
    "majority_share",
    params={
        "seed_accuracy": Param("float", "the failed configurations' test accuracy the seed reports", min=0, max=1),
        "constant_share": Param("float", "a run is constant when one class takes at least this share", min=0, max=1),
        "recipe": Param("mapping", "a split recipe to test: test_size, val_of_rest, random_state, stratify"),
    },
    roles=("runs",),
)
def majority_share(job: AnalysisJob) -> dict[str, Any]:
    """Which runs predict (almost) one class for every test image, whether their accuracy is that class's share of
    the test part, and whether the seed's figure is the majority share of the test part of a candidate split
    recipe; plus how that share varies over plain random splits (hypergeometric)."""
    from scipy.stats import hypergeom

    runs = job.inputs.get("runs", [])
    if not runs:
        raise ValueError(f"{job.where}: needs at least one run under inputs.runs")
    thr = float(job.params.get("constant_share", 0.99))
    y_full = labels_in_dataset_order(runs[0].data)
    n_classes = int(y_full.max()) + 1
    test = _share_stats(read_npz(runs[0].data)["y_test"], n_classes)
    rows = []
    for r in runs:
        y_test = read_npz(r.data)["y_test"]
        pred = read_npz(r.predictions)["test_pred"]
        counts = np.bincount(pred.astype(np.int64), minlength=n_classes)
        top = int(np.argmax(counts))
        share_pred = float(counts[top] / len(pred))
        rows.append({"experiment": r.experiment, "variant": r.variant, "seed": r.seed,
                     "test_acc": float(np.mean(pred == y_test)), "most_predicted_class": top,
                     "share_of_predictions": share_pred, "constant": share_pred >= thr,
                     "share_of_that_class_in_test": float(np.mean(y_test == top))})  # fmt: skip
    constant = [r for r in rows if r["constant"]]
    out: dict[str, Any] = {
        "description": "failed configurations: constant predictions and the majority class's share of the test part",
        "test_part": test,
        "n_runs": len(rows),
        "n_constant": len(constant),
        "constant_runs": [f"{r['variant']} (seed {r['seed']})" for r in constant],
        "constant_predict_majority": bool(constant) and all(r["most_predicted_class"] == test["majority_class"]
                                                            for r in constant),  # fmt: skip
        "constant_acc_mean": float(np.mean([r["test_acc"] for r in constant])) if constant else None,
    }
    out["constant_acc_minus_majority_share"] = (
        out["constant_acc_mean"] - test["majority_share"] if constant else None
    )
    # plain random splits: the majority class's count in a test part of this size is hypergeometric
    K = int(np.sum(y_full == test["majority_class"]))
    dist = hypergeom(len(y_full), K, test["n"])
    out["random_split"] = {"dataset_n": int(len(y_full)), "class_total": K,
                           "mean_share": float(dist.mean() / test["n"]), "sd_share": float(dist.std() / test["n"])}
    seed_acc = job.params.get("seed_accuracy")
    if seed_acc is not None:
        seed_count = round(float(seed_acc) * test["n"])
        out["random_split"].update(seed_count=seed_count, seed_z=float((seed_count - dist.mean()) / dist.std()),
                                   p_at_least_seed_count=float(dist.sf(seed_count - 1)))  # fmt: skip
    recipe = job.params.get("recipe")
    if recipe:
        rt = _share_stats(recipe_test_labels(y_full, dict(recipe)), n_classes)
        out["recipe"] = {**dict(recipe), **rt}
        if seed_acc is not None:
            out["recipe"]["matches_seed"] = bool(round(rt["majority_share"], 4) == round(float(seed_acc), 4))
    out["columns"] = columns("variant", "seed", "test_acc=test acc", "most_predicted_class=most predicted class",
                             "share_of_predictions=its share of the predictions",
                             "share_of_that_class_in_test=its share of the test part")
    out["table"] = rows
    write_json(job.json_out, out)
    write_npz(job.npz_out, test_counts=test["counts"])
    return out


# ----------------------------------------------------------------------------------------------------------------
# Section C.3: the grid search's table, sorted by cross-validated accuracy
# ----------------------------------------------------------------------------------------------------------------

GRID_KEYS = ("solver", "lr", "batch_size")


@analysis_kind(
    "grid_search_table",
    params={"keys": Param("strs", "the configuration's parameters shown as columns", min_len=1)},
    roles=("configs", "engine_configs"),
)
def grid_search_table(job: AnalysisJob) -> dict[str, Any]:
    """One row per configuration (scikit-learn's ``configs``; our engine's ``engine_configs`` beside it where it ran
    the same configuration): mean ± sd of the fold accuracies, epochs or iterations, test accuracy of the refit;
    sorted by scikit-learn's CV accuracy; the winner; how many configurations gave identical results."""
    keys = list(job.params.get("keys", GRID_KEYS))

    def collect(runs: list[RunFiles]) -> dict[tuple, list[dict[str, Any]]]:
        out: dict[tuple, list[dict[str, Any]]] = {}
        for r in runs:
            m = read_json(r.metrics)
            if "cv" not in m:
                raise ValueError(f"{r.metrics}: no cross-validation results (not a grid-config run)")
            out.setdefault(tuple(r.params.get(k) for k in keys), []).append(m)
        return out

    sk, eng = collect(job.inputs.get("configs", [])), collect(job.inputs.get("engine_configs", []))
    if not sk:
        raise ValueError(f"{job.where}: needs the scikit-learn configurations under inputs.configs")

    def summary(ms: list[dict[str, Any]]) -> dict[str, Any]:
        accs = [m["cv"]["mean"] for m in ms]
        return {"cv_acc": float(np.mean(accs)), "cv_acc_sd_folds": float(np.mean([m["cv"]["sd"] for m in ms])),
                "cv_fold_accs": [f["acc"] for f in ms[0]["cv"]["folds"]],
                "n_iter": float(np.mean([f["n_iter"] for m in ms for f in m["cv"]["folds"]])),
                "test_acc": float(np.mean([m["test"]["acc"] for m in ms])) if all("test" in m for m in ms) else None,
                "ignored": ms[0]["cv"].get("ignored", []), "seeds": len(ms)}  # fmt: skip

    rows = []
    for key, ms in sk.items():
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        s = summary(ms)
        row.update({"cv_acc": s["cv_acc"], "cv_acc_sd": s["cv_acc_sd_folds"], "n_iter": s["n_iter"],
                    "test_acc": s["test_acc"], "ignored": ", ".join(s["ignored"])})  # fmt: skip
        if key in eng:
            e = summary(eng[key])
            row.update({"engine_cv_acc": e["cv_acc"], "engine_cv_acc_sd": e["cv_acc_sd_folds"],
                        "engine_test_acc": e["test_acc"]})  # fmt: skip
        else:
            row.update({"engine_cv_acc": None, "engine_cv_acc_sd": None, "engine_test_acc": None})
        rows.append(row)
    rows.sort(key=lambda r: -r["cv_acc"])
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    winner = rows[0]
    distinct = len({round(r["cv_acc"], 12) for r in rows})
    eng_rows = [r for r in rows if r["engine_cv_acc"] is not None]
    out = {
        "description": "grid search: cross-validated accuracy per configuration, sorted",
        "keys": keys,
        "n_configs": len(rows),
        "n_distinct_cv_acc": distinct,
        "winner": {**{k: winner[k] for k in keys}, "cv_acc": winner["cv_acc"], "cv_acc_sd": winner["cv_acc_sd"]},
        "n_engine_configs": len(eng_rows),
        "engine_winner": (
            {k: max(eng_rows, key=lambda r: r["engine_cv_acc"])[k] for k in [*keys, "engine_cv_acc"]} if eng_rows
            else None
        ),
        "columns": columns("rank", "solver", "lr", "batch_size=batch", "cv_acc=CV acc (scikit-learn)",
                           "cv_acc_sd=sd over folds", "n_iter=epochs/iterations", "test_acc=test acc (refit)",
                           "engine_cv_acc=CV acc (our engine)", "engine_cv_acc_sd=sd over folds",
                           "ignored=settings the solver ignores"),
        "table": rows,
    }
    write_json(job.json_out, out)
    write_npz(job.npz_out, cv_acc=np.array([r["cv_acc"] for r in rows]))
    return out


# ----------------------------------------------------------------------------------------------------------------
# Section C.5: a classifier on an autoencoder's bottleneck features
# ----------------------------------------------------------------------------------------------------------------


@analysis_kind(
    "feature_classifier",
    params={
        "trainer": Param("name", "sklearn (MLPClassifier) or ours (our engine)", choices=("sklearn", "ours")),
        "hidden": Param("ints", "hidden layer sizes", min=1),
        "activation": Param("name", "hidden activation", choices=("sigmoid", "logistic", "tanh", "relu", "identity")),
        "optimizer": Param("name", "adam or sgd", choices=("adam", "sgd")),
        "lr": Param("float", "learning rate", min=0, exclusive_min=True),
        "batch_size": Param("int", "samples per update", min=1),
        "epochs": Param("int", "epochs (scikit-learn: partial_fit calls)", min=1),
        "alpha": Param("float", "scikit-learn's L2 (ours: l2 = alpha / batch_size)", min=0),
    },
    roles=("autoencoder", "raw"),
    required=("trainer",),
)
def feature_classifier(job: AnalysisJob) -> dict[str, Any]:
    """Train a classifier on the bottleneck codes (``encode``) of each ``autoencoder`` run (one per seed, with that
    seed), evaluate it on the codes of the training and test parts, and compare with the ``raw``-pixel classifier
    runs (train − test accuracy gap, test accuracy drop)."""
    from ...models import MLPClassifier as OurMLP
    from ...persist import load_model
    from ...train import TrainConfig
    from ..kinds.sklearn_mlp import fit_sklearn

    p = job.params
    trainer = p["trainer"]
    settings = {"hidden": list(p.get("hidden", [32, 32])), "activation": p.get("activation", "tanh"),
                "optimizer": p.get("optimizer", "adam"), "lr": float(p.get("lr", 0.001)),
                "batch_size": int(p.get("batch_size", 200)), "epochs": int(p.get("epochs", 200)),
                "alpha": float(p.get("alpha", 0.0001))}  # fmt: skip
    aes = job.inputs.get("autoencoder", [])
    if not aes:
        raise ValueError(f"{job.where}: needs inputs.autoencoder")
    rows, curves = [], {}
    for ae_run in aes:
        ae = load_model(ae_run.model)
        if not hasattr(ae, "encode"):
            raise TypeError(f"{ae_run.model}: not an autoencoder ({type(ae).__name__})")
        data = read_npz(ae_run.data)
        F = {part: np.asarray(ae.encode(data[f"X_{part}"]), dtype=np.float32)
             for part in ("train", "val", "test") if len(data.get(f"y_{part}", []))}  # fmt: skip
        y = {part: data[f"y_{part}"] for part in F}
        val = (F["val"], y["val"]) if "val" in F else None
        t0 = time.perf_counter()
        if trainer == "sklearn":
            flat = {k: v for k, v in settings.items() if k != "alpha"}
            flat["alpha"] = settings["alpha"]
            _, model, hist, _ = fit_sklearn(flat, ae_run.seed, F["train"], y["train"], val, job.where)
        else:
            act = {"logistic": "sigmoid"}.get(settings["activation"], settings["activation"])
            model = OurMLP([F["train"].shape[1], *settings["hidden"], int(len(np.unique(y["train"])))],
                           activation=act, l2=settings["alpha"] / settings["batch_size"], seed=ae_run.seed)  # fmt: skip
            cfg = TrainConfig(optimizer=settings["optimizer"], lr=settings["lr"], batch_size=settings["batch_size"],
                              epochs=settings["epochs"], seed=ae_run.seed)  # fmt: skip
            model.fit(F["train"], y["train"], validation_data=val, config=cfg)
            hist = model.history_
        row: dict[str, Any] = {"autoencoder": f"{ae_run.experiment}/{ae_run.variant}", "seed": ae_run.seed,
                               "trainer": trainer, "n_features": int(F["train"].shape[1]),
                               "seconds": time.perf_counter() - t0}  # fmt: skip
        for part in F:
            ev = model.evaluate(F[part], y[part])
            row[f"{part}_acc"], row[f"{part}_loss"] = float(ev["acc"]), float(ev["loss"])
        row["gap"] = row["train_acc"] - row["test_acc"]
        raw = [r for r in job.inputs.get("raw", []) if r.seed == ae_run.seed] or job.inputs.get("raw", [])
        if raw:
            ms = [read_json(r.metrics) for r in raw]
            row["raw"] = f"{raw[0].experiment}/{raw[0].variant}"
            row["raw_train_acc"] = float(np.mean([m["train"]["acc"] for m in ms]))
            row["raw_test_acc"] = float(np.mean([m["test"]["acc"] for m in ms]))
            row["raw_gap"] = row["raw_train_acc"] - row["raw_test_acc"]
            row["gap_reduction"] = row["raw_gap"] - row["gap"]
            row["test_acc_drop"] = row["raw_test_acc"] - row["test_acc"]
        rows.append(row)
        curves[f"seed{ae_run.seed}_train_loss"] = hist.epoch_series("train_loss")
        curves[f"seed{ae_run.seed}_val_loss"] = hist.epoch_series("val_loss")
    out: dict[str, Any] = {"description": f"classifier on bottleneck features ({trainer})", "settings": settings}
    for key in ("train_acc", "val_acc", "test_acc", "gap", "raw_test_acc", "raw_gap", "gap_reduction", "test_acc_drop"):
        vals = [r[key] for r in rows if key in r]
        if vals:
            out[key] = float(np.mean(vals))
            out[f"{key}_sd"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else None
    out["columns"] = columns("autoencoder", "seed", "train_acc=train acc", "test_acc=test acc",
                             "gap=train - test", "raw_train_acc=raw pixels: train acc",
                             "raw_test_acc=raw pixels: test acc", "raw_gap=raw pixels: train - test",
                             "gap_reduction=gap reduction", "test_acc_drop=test acc drop")
    out["table"] = rows
    write_json(job.json_out, out)
    write_npz(job.npz_out, **curves)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Section B: the seed's qualitative reading of its loss curves, as numbers
# ----------------------------------------------------------------------------------------------------------------


def curve_numbers(history: dict[str, Any], y_train: np.ndarray, spike: float) -> dict[str, Any]:
    """Numbers of one run's loss curves: where early stopping kept the weights, how far the validation loss rose
    after its minimum (``val_rise_rel``: (last − min) / min), how many epochs raised the validation loss by more
    than ``spike`` (relative), and the last training loss against the entropy of the training labels (the loss of
    predicting the class frequencies: a network that learns nothing but the output biases ends there)."""
    epochs = history.get("epochs", [])
    val = np.array([e.get("val_loss", np.nan) for e in epochs], dtype=float)
    train = np.array([e.get("train_loss", np.nan) for e in epochs], dtype=float)
    freq = np.bincount(y_train) / len(y_train)
    prior_entropy = float(-np.sum(freq[freq > 0] * np.log(freq[freq > 0])))
    ok = np.isfinite(val)
    out: dict[str, Any] = {"n_epochs": int(history.get("n_epochs") or len(epochs)),
                           "best_epoch": history.get("best_epoch"), "stopped": history.get("stopped"),
                           "prior_entropy": prior_entropy}  # fmt: skip
    if ok.any():
        v = val[ok]
        out.update(min_val_loss=float(v.min()), final_val_loss=float(v[-1]),
                   val_rise_rel=float((v[-1] - v.min()) / v.min()),
                   spikes=int(np.sum(v[1:] > v[:-1] * (1 + spike))))  # fmt: skip
    if np.isfinite(train).any():
        t = train[np.isfinite(train)]
        out.update(final_train_loss=float(t[-1]), train_loss_minus_prior=float(t[-1] - prior_entropy))
    return out


@analysis_kind(
    "curve_numbers",
    params={
        "spike": Param("float", "a validation-loss rise above this fraction of the previous epoch's is a spike", min=0),
        "groups": Param("mapping", "group name -> variant names whose runs are averaged"),
        "differences": Param("mapping", "name -> [group a, group b, number]: a's mean minus b's"),
    },
    roles=("runs",),
)
def curve_numbers_analysis(job: AnalysisJob) -> dict[str, Any]:
    """Per run, per variant (mean over seeds), per named group of variants and for named differences of groups:
    the numbers of :func:`curve_numbers`, plus each run's test accuracy."""
    spike = float(job.params.get("spike", 0.1))
    rows = []
    for r in job.inputs.get("runs", []):
        row = {"variant": r.variant, "seed": r.seed,
               **curve_numbers(read_json(r.history), read_npz(r.data)["y_train"], spike)}  # fmt: skip
        row["test_acc"] = read_json(r.metrics).get("test", {}).get("acc")
        rows.append(row)
    if not rows:
        raise ValueError(f"{job.where}: needs runs under inputs.runs")
    numeric = [k for k in rows[0] if k not in ("variant", "seed", "stopped", "best_epoch")]

    def mean_of(sel: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"n_runs": len(sel)}
        for k in numeric:
            vals = [s[k] for s in sel if isinstance(s.get(k), (int, float))]
            out[k] = float(np.mean(vals)) if vals else None
        return out

    by_variant = {v: mean_of([r for r in rows if r["variant"] == v]) for v in dict.fromkeys(r["variant"] for r in rows)}
    groups = {}
    for g, members in (job.params.get("groups") or {}).items():
        sel = [r for r in rows if r["variant"] in set(members)]
        groups[g] = mean_of(sel) if sel else None
    differences = {}
    for name, spec in (job.params.get("differences") or {}).items():
        if not (isinstance(spec, list) and len(spec) == 3):
            raise ValueError(f"{job.where}.params.differences.{name}: expected [group a, group b, number]")
        a, b, k = spec
        for gname in (a, b):
            if gname not in (job.params.get("groups") or {}):
                raise ValueError(f"{job.where}.params.differences.{name}: unknown group {gname!r}")
        ga, gb = groups.get(a), groups.get(b)
        differences[name] = (ga[k] - gb[k]) if ga and gb and ga.get(k) is not None and gb.get(k) is not None else None
    out = {"description": "numbers of the loss curves", "spike": spike, "by_variant": by_variant, "groups": groups,
           "differences": differences, "table": [{"variant": v, **s} for v, s in by_variant.items()],
           "columns": columns("variant", "n_runs=runs", "test_acc=test acc", "n_epochs=epochs",
                              "min_val_loss=min val loss", "final_val_loss=last val loss",
                              "val_rise_rel=rise above min (rel.)", "spikes=spikes per run",
                              "final_train_loss=last train loss",
                              "train_loss_minus_prior=last train loss - label entropy")}  # fmt: skip
    write_json(job.json_out, out)
    write_npz(job.npz_out, test_acc=np.array([r["test_acc"] or np.nan for r in rows], dtype=float))
    return out
