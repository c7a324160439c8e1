"""The NumPy classification scores (scratchnet.pipeline.scores) equal scikit-learn's, to the bit and in layout."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from scratchnet.pipeline import scores


def cases():
    rng = np.random.default_rng(0)
    for n, k in ((50, 2), (200, 3), (500, 10), (7, 4)):
        labels = np.arange(k)
        y = rng.integers(0, k, n)
        yield y, np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n)), labels
    y = rng.integers(0, 4, 100)
    yield y, np.zeros_like(y), np.arange(4)  # classes never predicted: zero division
    yield np.where(rng.random(60) < 0.5, -1, 1), np.where(rng.random(60) < 0.5, -1, 1), np.array([-1, 1])
    y = rng.integers(0, 4, 80)
    yield y, rng.integers(0, 4, 80), np.arange(3)  # a class outside the labels: "micro avg", not "accuracy"


@pytest.mark.parametrize("y, pred, labels", list(cases()))
def test_report_and_confusion_equal_scikit_learns(y: np.ndarray, pred: np.ndarray, labels: np.ndarray) -> None:
    expected = skm.classification_report(y, pred, labels=labels, output_dict=True, zero_division=0)
    got = scores.classification_report(y, pred, labels)
    assert list(got) == list(expected)
    assert got == expected
    assert scores.confusion(y, pred, labels).tolist() == skm.confusion_matrix(y, pred, labels=labels).tolist()


@pytest.mark.parametrize("n, ties", [(40, False), (300, True), (1000, True), (3, False)])
def test_roc_auc_equals_scikit_learns(n: int, ties: bool) -> None:
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    score = (rng.random(n) * 0.6 + 0.4 * y).astype(np.float32)
    if ties:
        score = np.round(score, 1)  # many equal scores
    assert scores.roc_auc(y == 1, score) == skm.roc_auc_score(y == 1, score)
