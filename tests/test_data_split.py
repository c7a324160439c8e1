"""Stratified splits (exact sizes, proportions, determinism) and the train-only Standardizer."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import DataError, Standardizer, blobs, circles, holdout_split, part_sizes, stratified_split

F3 = {"train": 0.7, "val": 0.15, "test": 0.15}


def _check_partition(parts: dict[str, np.ndarray], n: int) -> None:
    allidx = np.concatenate(list(parts.values()))
    assert allidx.dtype == np.int64
    assert len(allidx) == n and np.array_equal(np.sort(allidx), np.arange(n))  # disjoint and covering
    for idx in parts.values():
        assert np.all(np.diff(idx) > 0)  # sorted ascending


def _check_stratified(y: np.ndarray, parts: dict[str, np.ndarray]) -> None:
    classes, counts = np.unique(y, return_counts=True)
    for idx in parts.values():
        for c, n_c in zip(classes, counts, strict=True):
            expected = n_c * len(idx) / len(y)
            assert abs((y[idx] == c).sum() - expected) <= 1.0, (c, len(idx))


@pytest.mark.parametrize(
    "make, sizes",
    [(lambda: blobs(seed=0)[1], [420, 90, 90]), (lambda: circles(seed=0)[1], [350, 75, 75])],
    ids=["blobs600", "circles500"],
)
def test_reported_sizes(make, sizes: list[int]) -> None:
    y = make()
    parts = stratified_split(y, F3, seed=0)
    assert list(parts) == ["train", "val", "test"]
    assert [len(parts[k]) for k in parts] == sizes
    _check_partition(parts, len(y))
    _check_stratified(y, parts)


@pytest.mark.parametrize("n", [7, 10, 99, 101, 333, 1000])
@pytest.mark.parametrize("fractions", [F3, {"train": 0.8, "test": 0.2}, {"a": 0.5, "b": 0.3, "c": 0.2}])
def test_partition_and_stratification_imbalanced(n: int, fractions: dict) -> None:
    rng = np.random.default_rng(n)
    y = rng.choice(np.array([3, 5, 9]), size=n, p=[0.6, 0.3, 0.1])
    parts = stratified_split(y, fractions, seed=1)
    _check_partition(parts, n)
    _check_stratified(y, parts)
    assert {k: len(v) for k, v in parts.items()} == part_sizes(n, fractions)


def test_part_sizes_sum_and_rounding() -> None:
    assert part_sizes(600, F3) == {"train": 420, "val": 90, "test": 90}
    assert part_sizes(500, F3) == {"train": 350, "val": 75, "test": 75}
    assert part_sizes(10, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}) == {"a": 4, "b": 3, "c": 3}
    for n in range(1, 200):
        assert sum(part_sizes(n, F3).values()) == n


def test_deterministic() -> None:
    y = circles(seed=0)[1]
    a, b = stratified_split(y, F3, seed=5), stratified_split(y, F3, seed=5)
    c = stratified_split(y, F3, seed=6)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["val"], c["val"])


@pytest.mark.parametrize(
    "fractions, fragment",
    [
        ({"train": 0.7, "test": 0.2}, "sum to"),
        ({"train": 1.1, "test": -0.1}, "-0.1"),
        ({"train": 1.0, "test": 0.0}, "'test' must be positive, got 0.0"),
        ({"train": float("nan"), "test": 0.5}, "nan"),
        ({"train": "0.5", "test": 0.5}, "must be a number"),
        ({}, "empty"),
    ],
)
def test_bad_fractions(fractions: dict, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment):
        stratified_split(np.zeros(10), fractions, seed=0)


def test_tiny_fraction_leaving_empty_part() -> None:
    with pytest.raises(DataError, match="empty"):
        stratified_split(np.zeros(10), {"train": 0.99, "test": 0.01}, seed=0)


@pytest.mark.parametrize(
    "fractions, sizes",
    [
        ({"a": 0.7, "b": 0.1, "c": 0.1, "d": 0.1}, [14, 2, 2, 2]),  # left-to-right float sum 0.9999999999999999
        ({"train": 0.6, "val": 0.2, "test": 0.2 + 5e-10}, [12, 4, 4]),  # 1 + 5e-10: inside the 1e-9 tolerance
        ({"train": 0.6, "val": 0.2, "test": 0.2 - 5e-10}, [12, 4, 4]),
    ],
)
def test_fractions_summing_to_one_within_tolerance_are_accepted(fractions: dict, sizes: list[int]) -> None:
    y = np.arange(20) % 2
    parts = stratified_split(y, fractions, seed=0)
    assert list(parts) == list(fractions)
    assert [len(v) for v in parts.values()] == sizes
    _check_partition(parts, 20)
    _check_stratified(y, parts)


@pytest.mark.parametrize("off", [2e-9, -2e-9, 1e-6])
def test_fractions_off_by_more_than_tolerance_are_rejected(off: float) -> None:
    fractions = {"train": 0.6, "val": 0.2, "test": 0.2 + off}
    with pytest.raises(DataError) as exc:
        stratified_split(np.arange(20) % 2, fractions, seed=0)
    assert str(exc.value) == f"split fractions {fractions} sum to {math.fsum(fractions.values())!r}, not 1"


@pytest.mark.parametrize("stratify", [True, False])
def test_holdout_split(stratify: bool) -> None:
    y = np.random.default_rng(0).integers(0, 10, size=60000)
    parts = holdout_split(y, 10000, seed=0, stratify=stratify)
    assert list(parts) == ["train", "val"]
    assert len(parts["train"]) == 50000 and len(parts["val"]) == 10000
    _check_partition(parts, 60000)
    if stratify:
        _check_stratified(y, parts)
    again = holdout_split(y, 10000, seed=0, stratify=stratify)
    assert np.array_equal(parts["val"], again["val"])


@pytest.mark.parametrize("n_val", [0, 10, -1, 2.5])
def test_holdout_bad_size(n_val) -> None:
    with pytest.raises(DataError, match="n_val"):
        holdout_split(np.zeros(10), n_val, seed=0)


# ------------------------------------------------------------------------------------------------ Standardizer
def test_standardizer_uses_train_statistics_only() -> None:
    rng = np.random.default_rng(0)
    X_train = rng.normal(loc=[5.0, -2.0, 0.0], scale=[2.0, 0.5, 10.0], size=(500, 3))
    X_val = np.full((4, 3), 7.0)  # constant: its own statistics would be mean 7, std 0
    st = Standardizer().fit(X_train)
    np.testing.assert_allclose(st.mean_, X_train.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(st.std_, X_train.std(axis=0), rtol=1e-12)
    out = st.transform(X_val, dtype=np.float64)
    expected = (7.0 - X_train.mean(axis=0)) / X_train.std(axis=0)
    np.testing.assert_allclose(out, np.broadcast_to(expected, out.shape), rtol=1e-12)
    z = st.transform(X_train)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-5)


def test_zero_variance_feature() -> None:
    X = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    st = Standardizer().fit(X)
    assert st.std_[1] == 1.0
    out = st.transform(np.array([[0.0, 3.0], [0.0, 5.0]]), dtype=np.float64)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[:, 1], [0.0, 2.0])


def test_min_std() -> None:
    X = np.column_stack([np.arange(10.0), np.r_[np.zeros(9), 1e-6]])
    assert Standardizer(min_std=1e-3).fit(X).std_[1] == 1.0


def test_global_mode_and_pixel_scale() -> None:
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    X[:, 0, :] = 0  # blank border pixels
    st = Standardizer(mode="global", scale=1 / 255).fit(X)
    assert st.mean_.shape == () and st.std_.shape == ()
    ref = X.astype(np.float64) / 255
    np.testing.assert_allclose(st.mean_, ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(st.std_, ref.std(), rtol=1e-12)
    np.testing.assert_allclose(st.transform(X), (ref - ref.mean()) / ref.std(), atol=1e-5)
    per_pixel = Standardizer(scale=1 / 255).fit(X)
    assert per_pixel.mean_.shape == (28, 28) and np.all(per_pixel.std_[0] == 1.0)
    assert np.isfinite(per_pixel.transform(X)).all()


def test_fit_chunks_match_full_computation() -> None:
    X = np.random.default_rng(2).normal(3.0, 2.0, size=(20000, 4))
    st = Standardizer().fit(X)
    np.testing.assert_allclose(st.mean_, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(st.std_, X.std(axis=0), rtol=1e-12)


def test_to_dict_from_dict_round_trip(tmp_path: Path) -> None:
    X = np.random.default_rng(3).normal(size=(40, 5))
    st = Standardizer(scale=0.5).fit(X)
    split = stratified_split(np.arange(40) % 2, {"train": 0.75, "test": 0.25}, seed=0)
    path = tmp_path / "split.npz"
    np.savez(path, **split, **st.to_dict(prefix="std_"))
    with np.load(path, allow_pickle=False) as d:
        back = Standardizer.from_dict(d, prefix="std_")
        assert np.array_equal(d["train"], split["train"])
    assert back.mode == "feature" and back.scale == 0.5
    np.testing.assert_array_equal(back.transform(X), st.transform(X))
    with pytest.raises(DataError, match="std_mean"):
        Standardizer.from_dict({}, prefix="std_")


def test_standardizer_errors() -> None:
    with pytest.raises(DataError, match="before fit"):
        Standardizer().transform(np.zeros((2, 2)))
    with pytest.raises(DataError, match="mode 'pixel'"):
        Standardizer(mode="pixel")
    st = Standardizer().fit(np.zeros((3, 4)))
    with pytest.raises(DataError, match=r"\(4,\)"):
        st.transform(np.zeros((3, 5)))
