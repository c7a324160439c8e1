"""Classification scores of one part in NumPy: confusion matrix, per-class report and binary ROC AUC, the same numbers
(to the bit) and the same dict layout as scikit-learn's ``confusion_matrix``, ``classification_report(...,
output_dict=True, zero_division=0)`` and ``roc_auc_score``, which ``tests/test_scores.py`` checks against
scikit-learn. Written out because importing ``sklearn.metrics`` (with SciPy and pandas) cost an evaluate job about
1 s of CPU, far more than its work."""

from __future__ import annotations

from typing import Any

import numpy as np


def _counts(y: np.ndarray, pred: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per label: true positives, predicted count, true count (int64, shape (k,))."""
    tp = np.array([np.sum((y == v) & (pred == v)) for v in labels], dtype=np.int64)
    pred_sum = np.array([np.sum(pred == v) for v in labels], dtype=np.int64)
    true_sum = np.array([np.sum(y == v) for v in labels], dtype=np.int64)
    return tp, pred_sum, true_sum


def confusion(y: np.ndarray, pred: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``labels[i]`` predicted ``labels[j]`` (int64, shape (k, k));
    samples whose true or predicted class is not in ``labels`` are left out."""
    index = {v: i for i, v in enumerate(labels.tolist())}
    out = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y.tolist(), pred.tolist(), strict=True):
        if t in index and p in index:
            out[index[t], index[p]] += 1
    return out


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` in float64, 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    den = np.asarray(den, dtype=np.float64).copy()
    zero = den == 0
    den[zero] = 1
    out = np.asarray(num, dtype=np.float64) / den
    out[zero] = 0.0
    return out


def _prf(tp: np.ndarray, pred_sum: np.ndarray, true_sum: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 (= 2 tp / (true + predicted)) per entry."""
    f1 = _divide(2 * tp.astype(np.float64), true_sum.astype(np.float64) + pred_sum.astype(np.float64))
    return _divide(tp, pred_sum), _divide(tp, true_sum), f1


def _average(a: np.ndarray, weights: np.ndarray | None = None) -> float:
    if weights is None:
        return float(np.nanmean(a))
    try:
        return float(np.average(a, weights=weights))
    except ZeroDivisionError:  # all weights zero: a plain mean
        return float(np.average(a))


def classification_report(y: np.ndarray, pred: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Per label (keyed by its string) precision, recall, f1-score and support; then ``accuracy`` (or ``micro avg``
    when some true or predicted class is not in ``labels``), ``macro avg`` and ``weighted avg``."""
    tp, pred_sum, true_sum = _counts(y, pred, labels)
    headers = ("precision", "recall", "f1-score", "support")
    out: dict[str, Any] = {}
    for v, *scores in zip(labels, *_prf(tp, pred_sum, true_sum), true_sum, strict=True):
        out["%s" % v] = dict(zip(headers, [float(s) for s in scores], strict=True))  # noqa: UP031 (as scikit-learn)
    support = float(np.sum(true_sum))
    micro = [_average(m) for m in _prf(tp.sum(keepdims=True), pred_sum.sum(keepdims=True), true_sum.sum(keepdims=True))]
    micro_is_accuracy = set(labels.tolist()) >= set(np.unique(np.concatenate([y, pred])).tolist())
    out["accuracy" if micro_is_accuracy else "micro avg"] = dict(zip(headers, [*micro, support], strict=True))
    for name, weights in (("macro avg", None), ("weighted avg", true_sum)):
        avg = [_average(m, weights) for m in _prf(tp, pred_sum, true_sum)]
        out[name] = dict(zip(headers, [*avg, support], strict=True))
    if micro_is_accuracy:
        out["accuracy"] = out["accuracy"]["precision"]
    return out


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of scores ``score`` for boolean labels ``positive`` (both classes present): the
    curve's corners at each distinct score, collinear points dropped, trapezoidal rule."""
    order = np.argsort(score, kind="stable")[::-1]
    score, truth = score[order], positive[order].astype(np.float64)
    thresholds = np.concatenate([np.nonzero(np.diff(score))[0], [truth.size - 1]])
    tps = np.cumsum(truth, dtype=np.float64)[thresholds]
    fps = 1 + thresholds.astype(np.float64) - tps
    if fps.shape[0] > 2:
        keep = np.nonzero(np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]]))[0]
        fps, tps = fps[keep], tps[keep]
    fpr = np.concatenate([[0.0], fps]) / fps[-1]
    tpr = np.concatenate([[0.0], tps]) / tps[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))
