"""The majority class's share of a test part: what accuracy a classifier that predicts one class gets (seed 003
section B's failed configurations), for the split we ran and for the split recipes the seed may have used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..io import read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from . import columns


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
