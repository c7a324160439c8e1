"""The run statistics: hand-computed values, agreement with scipy.stats, and the bootstrap's behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from scratchnet.stats import STATISTICS, bootstrap_ci, describe, iqm, iqr, median, sd

# 8 values, sorted: 1 2 3 4 5 6 7 100 -> middle 50 % = 3 4 5 6
EIGHT = [7.0, 1.0, 100.0, 3.0, 5.0, 2.0, 6.0, 4.0]


def test_hand_computed_values() -> None:
    assert iqm(EIGHT) == pytest.approx(4.5)  # (3 + 4 + 5 + 6) / 4: the outlier 100 is dropped
    assert median(EIGHT) == pytest.approx(4.5)
    # linear interpolation: q25 at position 0.25 * 7 = 1.75 -> 2 + 0.75 * (3 - 2) = 2.75;
    # q75 at position 5.25 -> 6 + 0.25 * (7 - 6) = 6.25
    assert iqr(EIGHT) == pytest.approx(3.5)
    # n = 5: floor(5 / 4) = 1 value cut at each end -> mean of 2, 3, 4
    assert iqm([1, 2, 3, 4, 50]) == pytest.approx(3.0)
    # n = 3: nothing cut (floor(0.75) = 0) -> the plain mean
    assert iqm([1.0, 2.0, 6.0]) == pytest.approx(3.0)
    assert sd([1.0, 3.0]) == pytest.approx(np.sqrt(2.0))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 15, 25, 100])
def test_agrees_with_scipy(n: int) -> None:
    x = np.random.default_rng(n).normal(size=n) ** 3  # skewed, with outliers
    assert iqm(x) == pytest.approx(sps.trim_mean(x, 0.25))
    assert iqr(x) == pytest.approx(sps.iqr(x))
    assert median(x) == pytest.approx(np.median(x))


def test_axis_form_matches_rowwise() -> None:
    x = np.random.default_rng(0).normal(size=(6, 9))
    for name in ("iqm", "iqr", "median", "mean", "sd"):
        f = STATISTICS[name]
        assert np.allclose(f(x, axis=1), [f(row) for row in x]), name
    assert np.allclose(iqm(x, axis=1), sps.trim_mean(x, 0.25, axis=1))


def test_describe() -> None:
    d = describe(EIGHT)
    assert d == {
        "n": 8,
        "median": pytest.approx(4.5),
        "iqm": pytest.approx(4.5),
        "q25": pytest.approx(2.75),
        "q75": pytest.approx(6.25),
        "iqr": pytest.approx(3.5),
        "mean": pytest.approx(16.0),
        "sd": pytest.approx(np.std(EIGHT, ddof=1)),
        "min": 1.0,
        "max": 100.0,
    }
    one = describe([0.25])
    assert one["sd"] is None and one["iqr"] == 0.0 and one["iqm"] == 0.25


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="no values"):
        iqm([])
    with pytest.raises(ValueError, match="non-finite value nan"):
        describe([0.9, float("nan")])
    with pytest.raises(ValueError, match="at least 2"):
        sd([1.0])
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci([1.0, 2.0], level=1.5)


def test_bootstrap_is_seeded_and_brackets_the_statistic() -> None:
    x = np.random.default_rng(1).normal(loc=0.9, scale=0.02, size=15)
    a = bootstrap_ci(x, np.median, seed=3)
    assert a == bootstrap_ci(x, np.median, seed=np.random.default_rng(3))  # an int seed is a Generator's seed
    assert a != bootstrap_ci(x, np.median, seed=4)
    low, high = a
    assert low <= np.median(x) <= high
    # a wider level gives a wider interval (same draws)
    low99, high99 = bootstrap_ci(x, np.median, level=0.99, seed=3)
    assert low99 <= low and high <= high99
    # a constant sample has a zero-width interval; one value gives (x, x)
    assert bootstrap_ci([0.5] * 10, iqm) == (0.5, 0.5)
    assert bootstrap_ci([0.7]) == (0.7, 0.7)


def test_bootstrap_agrees_with_scipy_percentile_method() -> None:
    x = np.random.default_rng(2).normal(size=40)
    ours = bootstrap_ci(x, np.mean, n_boot=20000, seed=0)
    ref = sps.bootstrap((x,), np.mean, method="percentile", n_resamples=20000, random_state=np.random.default_rng(0))
    se = np.std(x, ddof=1) / np.sqrt(len(x))
    # different draws, same method: the ends agree to a small fraction of the standard error
    assert ours[0] == pytest.approx(ref.confidence_interval.low, abs=0.1 * se)
    assert ours[1] == pytest.approx(ref.confidence_interval.high, abs=0.1 * se)


def test_bootstrap_falls_back_to_a_loop_for_stats_without_axis() -> None:
    x = np.arange(10.0)
    by_loop = bootstrap_ci(x, lambda s: float(np.max(s) - np.min(s)), n_boot=500, seed=0)
    assert 0.0 <= by_loop[0] <= by_loop[1] <= 9.0
    with pytest.raises(ValueError, match="one number"):
        bootstrap_ci(x, lambda s, axis=None: s, n_boot=5)
