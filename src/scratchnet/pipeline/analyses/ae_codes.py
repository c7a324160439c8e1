"""Analyses of an autoencoder's latent codes (seed 002, Figs. 12-13 and the KNN table): a t-SNE embedding
(``ae_tsne``), a k-nearest-neighbour classifier on the codes with the seed's per-class table (``ae_knn_codes``), and
the decoded class centroids and their pairwise mixes (``ae_interpolation``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io import write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from .autoencoders import (
    PART,
    claimed_pairs_share,
    load_autoencoder,
    load_classifier,
    pair_ranks,
    part_data,
    write_result,
)

PAIRS = Param("any", "class pairs the seed calls close, e.g. [[4, 9], [3, 5]]")


def _pairs(job: AnalysisJob) -> list[list[int]]:
    pairs = job.params.get("pairs", [])
    if not isinstance(pairs, list) or any(not isinstance(p, list) or len(p) != 2 for p in pairs):
        raise ValueError(f"{job.where}.params.pairs: must be a list of [a, b] class pairs, got {pairs!r}")
    return [[int(a), int(b)] for a, b in pairs]


def centroid_distances(Z: np.ndarray, y: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class centroids (K, d) of points ``Z`` (N, d) and the Euclidean distances between them (K, K)."""
    C = np.stack([Z[y == c].mean(axis=0) for c in labels])
    return C, np.linalg.norm(C[:, None, :] - C[None, :, :], axis=2)


# --- t-SNE of the codes (seed Fig. 12) ----------------------------------------------------------------------------
@analysis_kind(
    "ae_tsne",
    params={
        "part": PART,
        "n_points": Param("int", "points embedded (a seeded random subset; null: the whole part)", min=10,
                          nullable=True),
        "perplexity": Param("float", "t-SNE perplexity", min=1),
        "seed": Param("int", "seed of the subset and of t-SNE", min=0),
        "pairs": PAIRS,
    },
    roles=("autoencoder",),
)  # fmt: skip
def ae_tsne(job: AnalysisJob) -> dict[str, Any]:
    """scikit-learn's t-SNE (2-D, PCA initialisation, learning rate "auto") of the codes of one part, and the
    cluster measures: silhouette of the classes in the embedding and in code space, distances between class
    centroids in both, and for each claimed pair its rank among all class pairs by centroid distance
    (1 = closest) with ``claimed_close_share``: the share of claimed pairs in the closest quarter of pairs."""
    from sklearn.manifold import TSNE
    from sklearn.metrics import silhouette_score

    run = job.one("autoencoder")
    model = load_autoencoder(run, job.where)
    part = job.params.get("part", "test")
    X, y = part_data(run, part, job.where)
    seed = int(job.params.get("seed", 0))
    n = job.params.get("n_points")
    idx = np.arange(len(X))
    if n is not None and n < len(X):
        idx = np.sort(np.random.default_rng(seed).choice(len(X), size=int(n), replace=False))
    Z = model.encode(X[idx]).astype(np.float64)
    labels_y = y[idx]
    perplexity = float(job.params.get("perplexity", 30.0))
    if perplexity >= len(idx):
        raise ValueError(f"{job.where}.params.perplexity: {perplexity} must be below the number of points {len(idx)}")
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto", random_state=seed)
    E = tsne.fit_transform(Z)
    labels = np.unique(labels_y)
    Cz, Dz = centroid_distances(Z, labels_y, labels)
    Ce, De = centroid_distances(E, labels_y, labels)
    pairs = _pairs(job)
    lab = [int(c) for c in labels]
    share_z, rows_z = claimed_pairs_share(pair_ranks(Dz, lab), pairs) if pairs else (None, [])
    share_e, rows_e = claimed_pairs_share(pair_ranks(De, lab), pairs) if pairs else (None, [])
    table = [{**rz, "rank_in_embedding": re["rank"], "top_quarter_in_embedding": re["top_quarter"]}
             for rz, re in zip(rows_z, rows_e, strict=True)]  # fmt: skip
    measures = {
        "n_points": int(len(idx)),
        "latent": int(Z.shape[1]),
        "kl_divergence": float(tsne.kl_divergence_),
        "silhouette_embedding": float(silhouette_score(E, labels_y)),
        "silhouette_codes": float(silhouette_score(Z, labels_y)),
        "claimed_close_share_codes": share_z,
        "claimed_close_share_embedding": share_e,
    }
    result = {
        "run": f"{run.experiment}/{run.variant}/seed{run.seed}",
        "part": part,
        "table": table,
        "measures": measures,
        "centroid_distance_codes": Dz.tolist(),
        "centroid_distance_embedding": De.tolist(),
        "labels": lab,
    }
    write_result(job, result)
    write_npz(job.npz_out, embedding=E, labels=labels_y, codes=Z, index=idx, centroids_embedding=Ce,
              centroids_codes=Cz)  # fmt: skip
    return result


# --- KNN on the codes (the seed's table after Fig. 12) ------------------------------------------------------------
def knn_table(y_true: np.ndarray, y_pred: np.ndarray, labels: np.ndarray) -> list[dict[str, Any]]:
    """The seed's one-vs-rest table: per class TP, FP, FN, TN and ``Accuracy`` = (TP + TN) / n, plus precision
    and recall; then a ``Total`` row summing the counts, with ``Accuracy`` = (sum TP + sum TN) / (K n) (the seed's
    Total row: the mean of the per-class accuracies) and ``Precision``/``Recall`` = sum TP / n (the multi-class
    accuracy, since every error is one FP and one FN). y_true, y_pred : ndarray, shape (n,)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    n = len(y_true)
    rows = []
    for c in labels:
        tp = int(np.sum((y_pred == c) & (y_true == c)))
        fp = int(np.sum((y_pred == c) & (y_true != c)))
        fn = int(np.sum((y_pred != c) & (y_true == c)))
        tn = n - tp - fp - fn
        rows.append({"Class": str(int(c)) if np.issubdtype(np.asarray(c).dtype, np.integer) else str(c),
                     "TP": tp, "FP": fp, "FN": fn, "TN": tn, "Accuracy": (tp + tn) / n,
                     "Precision": tp / (tp + fp) if tp + fp else None,
                     "Recall": tp / (tp + fn) if tp + fn else None})  # fmt: skip
    tot = {k: sum(r[k] for r in rows) for k in ("TP", "FP", "FN", "TN")}
    acc = tot["TP"] / n if n else None
    rows.append({"Class": "Total", **tot, "Accuracy": (tot["TP"] + tot["TN"]) / (len(labels) * n) if n else None,
                 "Precision": acc, "Recall": acc})  # fmt: skip
    return rows


@analysis_kind(
    "ae_knn_codes",
    params={
        "k": Param("int", "neighbours", min=1),
        "fit_part": PART,
        "score_part": PART,
        "pairs": PAIRS,
    },
    roles=("autoencoder",),
)
def ae_knn_codes(job: AnalysisJob) -> dict[str, Any]:
    """scikit-learn's ``KNeighborsClassifier`` (k neighbours, Euclidean, uniform weights) fitted on the codes of
    ``fit_part`` (default train) and scored on those of ``score_part`` (default test): the seed's per-class table
    (:func:`knn_table`), the multi-class accuracy, the two classes with the lowest per-class accuracy, the confusion
    matrix, and for each claimed pair its rank among all class pairs by confusions (both directions; 1 = most
    confused) with ``claimed_confused_share``: the share of claimed pairs in the most confused quarter."""
    from sklearn.metrics import confusion_matrix
    from sklearn.neighbors import KNeighborsClassifier

    run = job.one("autoencoder")
    model = load_autoencoder(run, job.where)
    fit_part, score_part = job.params.get("fit_part", "train"), job.params.get("score_part", "test")
    X_fit, y_fit = part_data(run, fit_part, job.where)
    X, y = part_data(run, score_part, job.where)
    k = int(job.params.get("k", 5))
    knn = KNeighborsClassifier(n_neighbors=k).fit(model.encode(X_fit), y_fit)
    pred = knn.predict(model.encode(X))
    labels = np.unique(np.concatenate([y_fit, y]))
    rows = knn_table(y, pred, labels)
    cm = confusion_matrix(y, pred, labels=labels)
    off = cm - np.diag(np.diag(cm))
    lab = [int(c) for c in labels]
    pairs = _pairs(job)
    share, pair_rows = claimed_pairs_share(pair_ranks(off, lab, largest_first=True), pairs) if pairs else (None, [])
    for r in pair_rows:
        a, b = (int(v) for v in r["pair"].split("-"))
        r["confusions"] = int(off[lab.index(a), lab.index(b)] + off[lab.index(b), lab.index(a)])
    per_class = rows[:-1]
    lowest = sorted(per_class, key=lambda r: r["Accuracy"])[:2]
    lowest_recall = sorted(per_class, key=lambda r: r["Recall"] if r["Recall"] is not None else 1.0)[:2]
    measures = {
        "k": k,
        "n_fit": int(len(y_fit)),
        "n": int(len(y)),
        "latent": int(model.encode(X[:1]).shape[1]),
        "multiclass_accuracy": float(np.mean(pred == y)),
        "mean_class_accuracy": rows[-1]["Accuracy"],
        "lowest2_by_accuracy": sorted(int(r["Class"]) for r in lowest),
        "lowest2_by_recall": sorted(int(r["Class"]) for r in lowest_recall),
        "claimed_confused_share": share,
    }
    result = {
        "run": f"{run.experiment}/{run.variant}/seed{run.seed}",
        "fit_part": fit_part,
        "score_part": score_part,
        "table": rows,
        "classes": {r["Class"]: r for r in rows},
        "confused_pairs": pair_rows,
        "confusion": cm.tolist(),
        "labels": lab,
        "measures": measures,
    }
    write_result(job, result)
    write_npz(job.npz_out, y_true=y, y_pred=pred, confusion=cm, labels=labels)
    return result


# --- centroid interpolation (seed Fig. 13) ------------------------------------------------------------------------
@analysis_kind(
    "ae_interpolation",
    params={
        "part": PART,
        "mix": Param("float", "weight of the row centroid in the off-diagonal mixes", min=0, max=1),
        "pairs": PAIRS,
    },
    roles=("autoencoder", "classifier"),
)
def ae_interpolation(job: AnalysisJob) -> dict[str, Any]:
    """The mean code of each class (over ``part``, default train) and the decoded K x K grid: the centroids on the
    diagonal, ``mix * c_row + (1 - mix) * c_col`` off it. A classifier of this project reads every decoded image:
    ``diagonal_recognised_share`` (centroid images classified as their own class) and, for the off-diagonal
    mixes, ``mix_parent_share`` (classified as one of the two parents) overall and ``claimed_mix_parent_share``
    for the claimed pairs."""
    run = job.one("autoencoder")
    model = load_autoencoder(run, job.where)
    clf = load_classifier(job.one("classifier"), job.where)
    part = job.params.get("part", "train")
    X, y = part_data(run, part, job.where)
    mix = float(job.params.get("mix", 0.5))
    labels = np.unique(y)
    C = np.stack([model.encode(X[y == c]).mean(axis=0) for c in labels])
    K = len(labels)
    codes = np.empty((K, K, C.shape[1]), dtype=C.dtype)
    for i in range(K):
        for j in range(K):
            codes[i, j] = C[i] if i == j else mix * C[i] + (1 - mix) * C[j]
    images = model.decode(codes.reshape(K * K, -1))
    proba = clf.predict_proba(images)
    classes = np.asarray(clf.classes_)
    pred = classes[np.argmax(proba, axis=1)].reshape(K, K)
    proba = proba.reshape(K, K, -1)
    lab = [int(c) for c in labels]
    table, parent_hits = [], []
    for i in range(K):
        for j in range(K):
            p_row = float(proba[i, j, list(classes).index(labels[i])])
            p_col = float(proba[i, j, list(classes).index(labels[j])])
            table.append({"row": lab[i], "col": lab[j], "predicted": int(pred[i, j]),
                          "p_row": p_row, "p_col": p_col})  # fmt: skip
            if i < j:
                parent_hits.append(int(pred[i, j]) in (lab[i], lab[j]) and int(pred[j, i]) in (lab[i], lab[j]))
    claimed = []
    for a, b in _pairs(job):
        ia, ib = lab.index(a), lab.index(b)
        claimed.append(int(pred[ia, ib]) in (a, b) and int(pred[ib, ia]) in (a, b))
    measures = {
        "latent": int(C.shape[1]),
        "mix": mix,
        "diagonal_recognised_share": float(np.mean([pred[i, i] == labels[i] for i in range(K)])),
        "mix_parent_share": float(np.mean(parent_hits)) if parent_hits else None,
        "claimed_mix_parent_share": float(np.mean(claimed)) if claimed else None,
    }
    result = {"run": f"{run.experiment}/{run.variant}/seed{run.seed}", "part": part, "labels": lab,
              "predicted": pred.tolist(), "table": table, "measures": measures}  # fmt: skip
    write_result(job, result)
    write_npz(job.npz_out, images=images.reshape(K, K, -1), centroids=C, labels=labels, predicted=pred)
    return result
