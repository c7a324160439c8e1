"""Synthetic generators: shapes, labels, determinism, and the behaviour the experiments rely on."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from scratchnet.data import GENERATORS, DataError, blobs, circles, gaussian_pair, generate, moons

CASES = {
    "blobs": ({}, (600, 3), {0, 1}),
    "circles": ({}, (500, 2), {0, 1}),
    "gaussian_pair": ({"mean_pos": [1.0, 1.0], "mean_neg": [-1.0, -1.0], "cov_scale": 0.5}, (200, 2), {-1, 1}),
    "moons": ({"n_samples": 300, "noise": 0.1}, (300, 2), {0, 1}),
}


def test_registry_is_complete() -> None:
    assert set(GENERATORS) == set(CASES)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_shapes_dtypes_labels(kind: str) -> None:
    params, shape, labels = CASES[kind]
    X, y = generate(kind, params, seed=0)
    assert X.shape == shape and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == labels
    assert np.isfinite(X).all()


@pytest.mark.parametrize("kind", sorted(CASES))
def test_deterministic_per_seed(kind: str) -> None:
    params = CASES[kind][0]
    X1, y1 = generate(kind, params, seed=7)
    X2, y2 = generate(kind, params, seed=7)
    X3, _ = generate(kind, params, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_generators_do_not_touch_global_rng() -> None:
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking the legacy global RNG
    for kind, (params, _, _) in CASES.items():
        generate(kind, params, seed=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def _lr_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    return LogisticRegression().fit(X, y).score(X, y)


def test_blobs600_nearly_linearly_separable() -> None:
    accs = []
    for seed in range(10):
        X, y = blobs(seed=seed)
        assert np.bincount(y).tolist() == [300, 300]
        accs.append(_lr_accuracy(X, y))
    assert min(accs) >= 0.97, accs
    assert sum(a < 1.0 for a in accs) >= 5, accs  # nearly, not perfectly, separable


def test_blobs_random_centres_and_shape_check() -> None:
    X, y = blobs(n_samples=90, n_features=2, centers=3, seed=0)
    assert X.shape == (90, 2) and set(y.tolist()) == {0, 1, 2}
    with pytest.raises(DataError, match="n_features=2"):
        blobs(n_features=2, seed=0)  # default centres are 3-D


def test_circles500_not_linearly_separable_but_small_net_is_enough() -> None:
    for seed in range(5):
        X, y = circles(seed=seed)
        assert np.bincount(y).tolist() == [250, 250]
        assert _lr_accuracy(X, y) <= 0.65
    X, y = circles(seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ok = any(  # any of 3 initialisations (short-circuits at the first success)
            MLPClassifier((4,), activation="tanh", solver="lbfgs", max_iter=500, random_state=r).fit(X, y).score(X, y)
            >= 0.97
            for r in (1, 2, 0)
        )
    assert ok, "a 4-hidden-unit tanh net should separate circles500"


def test_gaussian_pair_statistics() -> None:
    X, y = gaussian_pair([2.0, 0.0], [-1.0, 3.0], cov_scale=0.25, n_per_class=4000, seed=1)
    assert np.bincount(y + 1).tolist() == [4000, 0, 4000]
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [2.0, 0.0], atol=0.03)
    np.testing.assert_allclose(X[y == -1].mean(axis=0), [-1.0, 3.0], atol=0.03)
    np.testing.assert_allclose(np.cov(X[y == 1].T), 0.25 * np.eye(2), atol=0.02)
    assert 0.3 < (y[:100] == 1).mean() < 0.7  # shuffled, not +1 block then -1 block


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"mean_pos": [0, 0], "mean_neg": [1, 1, 1], "cov_scale": 1.0}, "mean_pos (2,) and mean_neg (3,)"),
        ({"mean_pos": [0, 0], "mean_neg": [1, 1], "cov_scale": 0.0}, "cov_scale must be > 0, got 0.0"),
        (
            {"mean_pos": [0, 0], "mean_neg": [1, 1], "cov_scale": 1.0, "n_per_class": 0},
            "n_per_class must be >= 1, got 0",
        ),
    ],
)
def test_gaussian_pair_rejects_bad_parameters(kwargs: dict, fragment: str) -> None:
    with pytest.raises(DataError, match=re.escape(fragment)):
        gaussian_pair(**kwargs, seed=0)


def test_moons() -> None:
    X, y = moons(200, 0.0, seed=0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [100, 100]


def test_generate_errors() -> None:
    with pytest.raises(DataError, match="'spirals'.*blobs, circles, gaussian_pair, moons"):
        generate("spirals", {}, seed=0)
    with pytest.raises(DataError, match="n_sample") as exc:
        generate("circles", {"n_sample": 10}, seed=0)
    assert "accepted: n_samples, noise, factor" in str(exc.value)
    with pytest.raises(DataError, match="seed"):
        generate("circles", {"seed": 1}, seed=0)
    with pytest.raises(DataError, match="missing required parameter.*cov_scale"):
        generate("gaussian_pair", {"mean_pos": [0, 0], "mean_neg": [1, 1]}, seed=0)
    with pytest.raises(DataError, match="seed must be an integer"):
        generate("circles", {}, seed=1.5)  # type: ignore[arg-type]
