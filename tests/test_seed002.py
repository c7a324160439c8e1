"""Seed 002, part 1: the toy-problem generators, the unstratified split, the regressor's output size, the analyses
over many runs (checked against scipy and hand-picked runs) and the figure kinds (drawn from a small fixture of
really trained runs; axes carry the expected labels)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy import stats as sps  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLP  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from scratchnet.data import DataError, noisy_line, random_split, separable_pair, xor_quadrants  # noqa: E402
from scratchnet.persist import load_model  # noqa: E402
from scratchnet.pipeline import paths  # noqa: E402
from scratchnet.pipeline.analyses.run_statistics import _given_back, angle_deg, metric_value, pick_runs  # noqa: E402
from scratchnet.pipeline.figures import AnalysisResult, FigureContext, Run  # noqa: E402
from scratchnet.pipeline.io import read_json, write_json, write_npz  # noqa: E402
from scratchnet.pipeline.kinds.engine import build_run, resolve  # noqa: E402
from scratchnet.pipeline.registry import (  # noqa: E402
    AnalysisJob,
    RunFiles,
    RunSpec,
    get_analysis_kind,
    get_figure_kind,
    get_run_kind,
)
from scratchnet.pipeline.spec import Experiment  # noqa: E402
from scratchnet.report.analysis_tables import analysis_table, analysis_value, cell  # noqa: E402
from scratchnet.report.claims import measure  # noqa: E402

# --- generators ---------------------------------------------------------------------------------------------------


def test_noisy_line_recovers_its_line() -> None:
    X, y = noisy_line(n_samples=20_000, slope=-1.5, intercept=0.5, noise=0.3, x_low=0.0, x_high=4.0, seed=0)
    assert X.shape == (20_000, 1) and X.dtype == np.float64 and y.dtype == np.float64 and y.shape == (20_000,)
    assert X.min() >= 0.0 and X.max() <= 4.0
    slope, intercept = np.polyfit(X[:, 0], y, 1)
    assert slope == pytest.approx(-1.5, abs=0.01) and intercept == pytest.approx(0.5, abs=0.02)
    resid = y - (slope * X[:, 0] + intercept)
    assert resid.std() == pytest.approx(0.3, rel=0.03)
    X0, y0 = noisy_line(n_samples=5, noise=0.0, seed=1)
    np.testing.assert_allclose(y0, 2.0 * X0[:, 0] + 1.0)  # the defaults: y = 2x + 1


def test_noisy_line_deterministic_and_checked() -> None:
    a, b = noisy_line(seed=3), noisy_line(seed=3)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(noisy_line(seed=4)[1], a[1])
    with pytest.raises(DataError, match="x_low must be < x_high"):
        noisy_line(x_low=1.0, x_high=1.0, seed=0)
    with pytest.raises(DataError, match="noise must be >= 0"):
        noisy_line(noise=-0.1, seed=0)
    with pytest.raises(DataError, match="n_samples must be a positive integer"):
        noisy_line(n_samples=0, seed=0)


@pytest.mark.parametrize("seed", range(8))
def test_separable_pair_is_separated_with_its_margin(seed: int) -> None:
    X, y = separable_pair(n_per_class=150, margin=0.4, angle=30.0, seed=seed)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [150, 150]
    u = np.array([np.cos(np.radians(30.0)), np.sin(np.radians(30.0))])
    proj = X @ u
    assert proj[y == 1].min() >= 0.2 and proj[y == 0].max() <= -0.2
    assert LogisticRegression(C=1e4).fit(X, y).score(X, y) == 1.0
    assert 0.3 < y[:50].mean() < 0.7  # shuffled


def test_separable_pair_errors() -> None:
    with pytest.raises(DataError, match="std must be > 0"):
        separable_pair(std=0.0, seed=0)
    with pytest.raises(DataError, match="margin must be >= 0"):
        separable_pair(margin=-1.0, seed=0)
    with pytest.raises(DataError, match="rejection sampling"):
        separable_pair(distance=0.1, std=0.01, margin=5.0, seed=0)  # no point lies that far out


def test_xor_quadrants_labels_and_difficulty() -> None:
    X, y = xor_quadrants(n_per_quadrant=60, seed=0)
    assert X.shape == (240, 2) and np.bincount(y).tolist() == [120, 120]
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    quadrant = (X[:, 0] > 0).astype(int) * 2 + (X[:, 1] > 0)
    assert np.bincount(quadrant).tolist() == [60, 60, 60, 60]
    assert LogisticRegression().fit(X, y).score(X, y) <= 0.65  # no line separates XOR
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = SkMLP((8,), activation="tanh", solver="lbfgs", max_iter=1000, random_state=0).fit(X, y)
    assert net.score(X, y) >= 0.97


def test_random_split_sizes_cover_and_seed() -> None:
    parts = random_split(10, {"train": 0.7, "test": 0.3}, seed=0)
    assert [len(parts["train"]), len(parts["test"])] == [7, 3]
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(10))
    again = random_split(10, {"train": 0.7, "test": 0.3}, seed=0)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)
    other = [random_split(200, {"train": 0.8, "test": 0.2}, seed=s)["test"] for s in (1, 2)]
    assert not np.array_equal(*other)
    # not the order of the targets: a regression split must not put the largest y in the test part
    y = np.linspace(0, 1, 200)
    test = random_split(200, {"train": 0.8, "test": 0.2}, seed=1)["test"]
    assert 0.2 < y[test].mean() < 0.8
    with pytest.raises(DataError, match="sum to"):
        random_split(10, {"train": 0.7, "test": 0.2}, seed=0)
    with pytest.raises(DataError, match="empty"):
        random_split(2, {"train": 0.9, "test": 0.1}, seed=0)


# --- the regressor's output size ----------------------------------------------------------------------------------


def test_regressor_output_is_the_target_dimension() -> None:
    model_kw, _ = resolve({"hidden": [], "output": "identity"}, 1, 0, n_targets=1)
    assert model_kw["layer_sizes"] == [1, 1]
    model_kw, _ = resolve({"hidden": [4], "output": "identity"}, 3, 0, n_targets=2)
    assert model_kw["layer_sizes"] == [3, 4, 2]
    X, y = noisy_line(n_samples=50, seed=0)
    data = {"X_train": X[:40], "y_train": y[:40], "X_test": X[40:], "y_test": y[40:]}
    run = RunSpec("e", "default", 0, "mlp_regressor", {"split": "s", "hidden": [], "epochs": 1})
    model, _ = build_run(run, data)  # 50 distinct targets must not become 50 outputs
    assert model.get_config()["kwargs"]["layer_sizes"] == [1, 1]
    bad = RunSpec("e", "default", 0, "mlp_regressor", {"split": "s", "hidden": [], "output": "softmax"})
    with pytest.raises(ValueError, match="regressor's output is 'identity'"):
        build_run(bad, data)


# --- a fixture of really trained runs -----------------------------------------------------------------------------

SEEDS = (0, 1, 2, 3, 4)


def _write_split(layout: paths.Layout, split: str, X: np.ndarray, y: np.ndarray) -> str:
    n = int(0.8 * len(y))
    path = layout(paths.SPLIT_DATA, split=split)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_npz(path, X_train=X[:n].astype(np.float32), y_train=y[:n], X_val=X[:0].astype(np.float32), y_val=y[:0],
              X_test=X[n:].astype(np.float32), y_test=y[n:])  # fmt: skip
    return path


def _train(layout: paths.Layout, exp: Experiment, data: str) -> list[RunFiles]:
    out = []
    for variant, seed in exp.runs():
        spec = exp.run_spec(variant, seed)
        f = {k: layout.run(t, exp.name, variant, seed) for k, t in
             {"model": paths.MODEL, "history": paths.HISTORY, "metrics": paths.METRICS,
              "predictions": paths.PREDICTIONS}.items()}  # fmt: skip
        Path(f["model"]).parent.mkdir(parents=True, exist_ok=True)
        kind = get_run_kind(spec.kind)
        kind.train(spec, data, f["model"], f["history"])
        kind.evaluate(spec, f["model"], f["history"], data, f["metrics"], f["predictions"])
        out.append(RunFiles(exp.name, variant, seed, spec.params, data=data, **f))
    return out


def _experiment(name: str, model: str, params: dict) -> Experiment:
    return Experiment(name, "002", model, params, {"default": {}}, SEEDS)


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Five runs each of a linear regression and an XOR classifier, trained for a few epochs, and their analyses."""
    root = tmp_path_factory.mktemp("s002")
    layout = paths.Layout(*(str(root / r) for r in paths.ROOTS))
    X, y = noisy_line(n_samples=60, seed=0)
    reg = _experiment("reg", "mlp_regressor", {"split": "line", "hidden": [], "optimizer": "sgd", "lr": 0.05,
                                               "batch_size": 16, "epochs": 6, "eval_initial": True})  # fmt: skip
    reg_runs = _train(layout, reg, _write_split(layout, "line", X, y))
    X, y = xor_quadrants(n_per_quadrant=15, seed=0)
    xor = _experiment("xor", "mlp_classifier", {"split": "xor", "hidden": [8], "activation": "sigmoid",
                                                "output": "softmax", "optimizer": "adam", "lr": 0.05,
                                                "batch_size": 16, "epochs": 8, "eval_initial": True})  # fmt: skip
    xor_runs = _train(layout, xor, _write_split(layout, "xor", X, y))
    X, y = separable_pair(n_per_class=20, seed=0)
    lin_params = {"split": "pair", "hidden": [], "output": "softmax", "lr": 0.1, "batch_size": 16, "epochs": 3}
    lin = _experiment("lin", "mlp_classifier", lin_params)
    lin_runs = _train(layout, lin, _write_split(layout, "pair", X, y))
    results = {}
    for name, runs, params in (
        ("lin_runs", lin_runs, {"series": ["train_loss"]}),
        ("reg_runs", reg_runs, {"series": ["train_loss"], "progress_epochs": [2, 50]}),
        ("xor_runs", xor_runs, {"series": ["train_loss", "train_acc"], "progress_epochs": [4], "solved_acc": 0.9}),
    ):
        out = layout(paths.ANALYSIS_JSON, analysis=name), layout(paths.ANALYSIS_NPZ, analysis=name)
        job = AnalysisJob(name, "runs_over_seeds", params, {"runs": runs}, *out)
        Path(job.json_out).parent.mkdir(parents=True, exist_ok=True)
        results[name] = get_analysis_kind("runs_over_seeds").run(job)
    return {"layout": layout, "exps": {"reg": reg, "xor": xor, "lin": lin},
            "runs": {"reg": reg_runs, "xor": xor_runs, "lin": lin_runs}, "results": results}  # fmt: skip


def test_runs_over_seeds_statistics_and_picked_runs(toy: dict) -> None:
    res = toy["results"]["xor_runs"]
    histories = [read_json(r.history) for r in toy["runs"]["xor"]]
    final = np.array([h["epochs"][-1]["train_loss"] for h in histories])
    order = np.argsort(final, kind="stable")
    assert res["worst_seed"] == SEEDS[order[-1]] and res["median_seed"] == SEEDS[order[2]]
    assert res["best_seed"] == SEEDS[order[0]] and res["n_runs"] == 5 and res["epochs"] == 8
    arrays = AnalysisResult("xor_runs", toy["layout"]).arrays
    curves = np.array([[e["train_acc"] for e in h["epochs"]] for h in histories])
    np.testing.assert_allclose(arrays["train_acc_iqm"], sps.trim_mean(curves, 0.25, axis=0))
    np.testing.assert_allclose(arrays["train_acc_q75"] - arrays["train_acc_q25"], sps.iqr(curves, axis=0))
    np.testing.assert_array_equal(arrays["epoch"], np.arange(9))  # epoch 0 = before the first update
    assert res["final"]["train_loss"]["iqm"] == pytest.approx(sps.trim_mean(final, 0.25))
    worst = read_json(toy["runs"]["xor"][order[-1]].metrics)["train"]
    assert res["worst"]["train_errors"] == round((1 - worst["acc"]) * worst["n"])
    assert res["worst_minus_median_train_errors"] == res["worst"]["train_errors"] - res["median"]["train_errors"]
    fractions = [(c[4] - c[0]) / (c[-1] - c[0]) for c in curves if c[-1] != c[0]]
    assert res["progress"]["train_acc"]["epoch4"] == pytest.approx(sps.trim_mean(fractions, 0.25))
    rising = [c if c[-1] >= c[0] else -c for c in curves]  # a curve that ends below its start counts as falling
    lost = [(u.max() - u[-1]) / (u.max() - u[0]) for u in rising if u.max() > u[0]]
    assert res["given_back"]["train_acc"] == pytest.approx(sps.trim_mean(lost, 0.25))
    solved = [read_json(r.metrics)["train"]["acc"] >= 0.9 for r in toy["runs"]["xor"]]
    assert res["solved"] == {"threshold": 0.9, "count": sum(solved), "fraction": pytest.approx(np.mean(solved))}
    assert [row["quantity"] for row in res["table"]][:2] == ["final train_loss", "final train_acc"]


def test_runs_over_seeds_regression_has_a_least_squares_reference(toy: dict) -> None:
    res = toy["results"]["reg_runs"]
    data = np.load(toy["runs"]["reg"][0].data)
    A = np.c_[data["X_train"].astype(np.float64), np.ones(len(data["y_train"]))]
    coef = np.linalg.lstsq(A, data["y_train"], rcond=None)[0]
    assert res["least_squares_mse"] == pytest.approx(np.mean((data["y_train"] - A @ coef) ** 2))
    assert res["worst"]["final_train_loss"] >= res["least_squares_mse"] - 1e-6  # nothing beats least squares
    assert res["progress"]["train_loss"]["epoch50"] is None  # beyond the budget: no number, not an error
    assert "solved" not in res and "R² (training part)" in [r["quantity"] for r in res["table"]]


def test_linear_boundary_angle_to_the_widest_margin_line(toy: dict) -> None:
    res = toy["results"]["lin_runs"]
    run = toy["runs"]["lin"][SEEDS.index(res["worst_seed"])]
    W = load_model(run.model).net.layers[0].params["W"].astype(np.float64)
    data = np.load(run.data)
    svm = SVC(kernel="linear", C=1e6).fit(data["X_train"], data["y_train"])
    w, v = W[:, 1] - W[:, 0], svm.coef_[0]
    expected = np.degrees(np.arccos(w @ v / np.linalg.norm(w) / np.linalg.norm(v)))
    assert res["worst"]["angle_to_max_margin_deg"] == pytest.approx(expected, abs=1e-6)
    assert res["worst_minus_median_angle_deg"] == pytest.approx(
        expected - res["median"]["angle_to_max_margin_deg"], abs=1e-9
    )
    assert "angle_to_max_margin_deg" not in toy["results"]["xor_runs"]["median"]  # a hidden layer: no line
    assert angle_deg(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == pytest.approx(90.0)
    assert angle_deg(np.array([1.0, 1.0]), np.array([-1.0, -1.0])) == pytest.approx(180.0)


def test_given_back_of_falling_and_rising_curves() -> None:
    loss = np.array([[4.0, 1.0, 2.0], [3.0, 2.0, 1.0]])  # lost 1/3 of its best gain; lost nothing
    assert _given_back(loss) == pytest.approx(np.mean([1 / 3, 0.0]))
    acc = np.array([[0.5, 0.9, 0.8]])  # rose by 0.4, gave back 0.1
    assert _given_back(acc) == pytest.approx(0.25)
    assert _given_back(np.array([[1.0, 1.0]])) is None


def test_pick_runs_ties_and_even_counts() -> None:
    assert pick_runs(np.array([0.3, 0.1, 0.2, 0.4]), [10, 11, 12, 13]) == {"best": 11, "median": 12, "worst": 13}
    assert pick_runs(np.array([0.2, 0.2, 0.2]), [5, 3, 4]) == {"best": 3, "median": 4, "worst": 5}


def _fake_run(tmp_path: Path, experiment: str, variant: str, seed: int, test_acc: float) -> RunFiles:
    p = tmp_path / experiment / variant / f"seed{seed}"
    p.mkdir(parents=True, exist_ok=True)
    write_json(p / "metrics.json", {"test": {"acc": test_acc, "n": 100}, "training": {"final": {"train_loss": 0.1}}})
    return RunFiles(experiment, variant, seed, {}, str(p / "model.npz"), str(p / "history.json"),
                    str(p / "metrics.json"), str(p / "predictions.npz"), str(p / "data.npz"))  # fmt: skip


def _sweep(tmp_path: Path, params: dict) -> tuple[dict, AnalysisJob]:
    rng = np.random.default_rng(0)
    vals = {"relu": rng.normal(0.97, 0.002, 7), "sigmoid": rng.normal(0.95, 0.004, 7), "h64": [0.96, 0.965, 0.97]}
    runs = [_fake_run(tmp_path, "e", v, s, float(a)) for v, xs in vals.items() for s, a in enumerate(xs)]
    job = AnalysisJob("sweep", "sweep_stats", params, {"runs": runs}, str(tmp_path / "r.json"), str(tmp_path / "a.npz"))
    return vals, job


def test_sweep_stats_against_scipy(tmp_path: Path) -> None:
    settings = [{"variant": "sigmoid", "label": "Sigmoid"}, {"variant": "relu", "label": "ReLU"},
                {"variant": "h64", "label": "64-32", "extra": True}]  # fmt: skip
    vals, job = _sweep(tmp_path, {"settings": settings, "n_boot": 500})
    res = get_analysis_kind("sweep_stats").run(job)
    assert [r["setting"] for r in res["table"]] == ["Sigmoid", "ReLU", "64-32 (extra)"]
    for row in res["table"]:
        x = np.asarray(vals[row["variant"]], dtype=float)
        assert row["n"] == len(x)
        assert row["median"] == pytest.approx(np.median(x))
        assert row["iqm"] == pytest.approx(sps.trim_mean(x, 0.25))
        assert row["iqr"] == pytest.approx(sps.iqr(x))
        assert row["sd"] == pytest.approx(np.std(x, ddof=1)) and row["mean"] == pytest.approx(x.mean())
        assert (row["min"], row["max"]) == (pytest.approx(x.min()), pytest.approx(x.max()))
        assert row["median_low"] <= row["median"] <= row["median_high"]
    assert res["best_by_median"] == "ReLU" and res["stats"]["sigmoid"]["n"] == 7
    gain = np.median(vals["relu"]) - np.median(vals["sigmoid"])
    assert res["steps"] == {"relu": {"from": "sigmoid", "median_gain": pytest.approx(gain), "gain_ratio": None}}
    arrays = np.load(job.npz_out)
    np.testing.assert_allclose(arrays["values2"], vals["h64"])
    text = analysis_table(read_json(job.json_out), name="sweep")
    assert text.splitlines()[0] == "| setting | n | median | median 95% CI | IQM | IQR | mean ± sd | min | max |"
    assert "| 64-32 (extra) | 3 | 0.9650 | [" in text


def test_sweep_stats_interval_is_the_claims_interval(tmp_path: Path) -> None:
    # the table's median interval of a setting is the one the claims audit gives the same runs (same seed, n_boot)
    settings = [{"variant": "sigmoid"}, {"variant": "relu"}]
    vals, job = _sweep(tmp_path, {"settings": settings, "n_boot": 2000, "bootstrap_seed": 0})
    row = {r["variant"]: r for r in get_analysis_kind("sweep_stats").run(job)["table"]}["relu"]
    item = measure("relu", list(vals["relu"]), "median", 0.95, 2000, 0)
    assert (row["median_low"], row["median_high"]) == (item.low, item.high)


def test_sweep_stats_errors_name_the_setting(tmp_path: Path) -> None:
    _, job = _sweep(tmp_path, {"settings": [{"variant": "tanh"}]})
    with pytest.raises(ValueError, match="setting e:tanh has no input runs"):
        get_analysis_kind("sweep_stats").run(job)
    _, job = _sweep(tmp_path, {"metric": "test.f1"})
    with pytest.raises(KeyError, match="no 'f1' on the path 'test.f1'"):
        get_analysis_kind("sweep_stats").run(job)
    with pytest.raises(ValueError, match="not a number"):
        metric_value({"test": {"acc": "high"}}, "test.acc")


def test_analysis_table_cells_and_errors() -> None:
    assert [cell(None), cell(True), cell(3), cell(2.0), cell(0.97123), cell([1, 2])] == ["–", "yes", "3", "2",
                                                                                         "0.9712", "1, 2"]  # fmt: skip
    # zero (also -0.0) as an integer, and a list of points as points
    assert [cell(0.0), cell(-0.0), cell([[1.0, -0.0], [2.0, 0.5]])] == ["0", "0", "(1, 0), (2, 0.5000)"]
    plain = analysis_table({"table": [{"a": 1, "b": "x|y"}]})
    assert plain.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |"]
    with pytest.raises(KeyError, match="analysis 'knn'.*no 'table'"):
        analysis_table({"rows": []}, name="knn")
    result = {"n_runs": 15, "final": {"val_acc": {"iqm": 0.97251}}, "table": [{"n": 3}]}
    assert analysis_value(result, "n_runs") == "15"
    assert analysis_value(result, "final.val_acc.iqm") == "0.9725"
    assert analysis_value(result, "table.0.n") == "3"
    with pytest.raises(KeyError, match=r"analysis 'x': no 'acc' on the path 'final.acc' \(there: \['val_acc'\]\)"):
        analysis_value(result, "final.acc", "x")


# --- figures ------------------------------------------------------------------------------------------------------


def _draw(kind: str, spec: dict, runs: list[Run], analyses: dict, layout: paths.Layout):
    fig = plt.figure()
    ctx = FigureContext({"kind": kind, **spec}, runs, analyses, fig, layout)
    get_figure_kind(kind).draw(ctx)
    fig.canvas.draw()  # layout and text must render
    return fig


def _runs(toy: dict, name: str) -> list[Run]:
    return [Run(toy["exps"][name], "default", s, toy["layout"]) for s in SEEDS]


def test_iqm_runs_classification_panels(toy: dict) -> None:
    lay = toy["layout"]
    fig = _draw("iqm_runs", {"panels": ["train_loss", "train_acc"]}, _runs(toy, "xor"),
                {"xor_runs": AnalysisResult("xor_runs", lay)}, lay)  # fmt: skip
    axes = fig.axes
    assert len(axes) == 4
    assert [a.get_ylabel() for a in axes] == ["training loss", "training accuracy", "x2", "x2"]
    assert [a.get_xlabel() for a in axes[:2]] == ["epoch", "epoch"]
    res = toy["results"]["xor_runs"]
    assert axes[2].get_title().startswith(f"median run (seed {res['median_seed']})")
    assert axes[3].get_title().startswith(f"worst run (seed {res['worst_seed']})")
    legend = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert legend == ["training loss: IQR", "training loss: IQM over 5 runs"]
    plt.close(fig)


def test_iqm_runs_regression_fit_and_curves_only(toy: dict) -> None:
    lay = toy["layout"]
    analyses = {"reg_runs": AnalysisResult("reg_runs", lay)}
    fig = _draw("iqm_runs", {"ylabels": ["MSE"]}, _runs(toy, "reg"), analyses, lay)
    assert [a.get_ylabel() for a in fig.axes] == ["MSE", "y", "y"]
    assert [a.get_xlabel() for a in fig.axes] == ["epoch", "x", "x"]
    line = fig.axes[1].get_lines()[0]
    assert len(line.get_xdata()) == 200  # the model's line over the data range
    plt.close(fig)
    fig = _draw("iqm_runs", {"show_runs": False}, [], analyses, lay)
    assert len(fig.axes) == 1
    plt.close(fig)
    with pytest.raises(ValueError, match="reference the same runs"):
        _draw("iqm_runs", {}, _runs(toy, "reg")[:1], analyses, lay)
    with pytest.raises(KeyError, match="series 'val_acc' is not in the analysis"):
        _draw("iqm_runs", {"panels": ["val_acc"]}, [], analyses, lay)
    plt.close("all")


def test_box_runs_draws_each_setting(tmp_path: Path) -> None:
    settings = [{"variant": "relu", "label": "ReLU"}, {"variant": "sigmoid", "label": "Sigmoid"},
                {"variant": "h64", "label": "64-32", "extra": True}]  # fmt: skip
    _, job = _sweep(tmp_path, {"settings": settings})
    lay = paths.Layout(*(str(tmp_path / r) for r in paths.ROOTS))
    out = Path(lay(paths.ANALYSIS_JSON, analysis="sweep"))
    out.parent.mkdir(parents=True)
    npz = lay(paths.ANALYSIS_NPZ, analysis="sweep")
    job = AnalysisJob("sweep", "sweep_stats", job.params, job.inputs, str(out), npz)
    get_analysis_kind("sweep_stats").run(job)
    fig = _draw("box_runs", {"xlabel": "activation"}, [], {"sweep": AnalysisResult("sweep", lay)}, lay)
    ax = fig.axes[0]
    assert ax.get_ylabel() == "test accuracy" and ax.get_xlabel() == "activation"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ReLU", "Sigmoid", "64-32 (extra)"]
    assert ax.get_title() == "test accuracy over 3/7 runs per setting"
    hatches = [p.get_hatch() for p in ax.patches]
    assert hatches == [None, None, "//"]
    assert json.loads(out.read_text())["metric"] == "test.acc"
    plt.close(fig)


# --- configuration: a role reading several references (the sweeps) -----------------------------------------------


def test_sweep_analysis_reads_every_listed_setting_in_order(merged_config) -> None:
    from scratchnet.pipeline.dag import Dag

    cfg = merged_config(True)
    dag = Dag(cfg)
    runs = dag.analysis_refs("s002_sweep_batch")["runs"]
    seeds = cfg["experiments"]["s002_mnist"]["seeds"]
    expected = [(v, s) for v in ("bs8", "bs16", "bs32", "bs64", "baseline", "bs256") for s in seeds]
    assert [(r["variant"], r["seed"]) for r in runs] == expected
    assert all(r["experiment"] == "s002_mnist" and r["metrics"].endswith("metrics.json") for r in runs)
    # the shared baseline is one set of files, read by three sweeps (trained once)
    shared = {r["metrics"] for name in ("s002_sweep_activation", "s002_sweep_batch", "s002_sweep_optimizer")
              for r in dag.analysis_refs(name)["runs"] if r["variant"] == "baseline"}  # fmt: skip
    assert len(shared) == len(seeds)


def test_a_bad_reference_inside_a_list_is_named(merged_config) -> None:
    from scratchnet.pipeline.validate import ConfigError, validate_config

    cfg = merged_config(True)
    cfg["analyses"]["s002_sweep_batch"]["inputs"]["runs"][1]["variant"] = "bs12"
    root = Path(__file__).resolve().parents[1]
    with pytest.raises(ConfigError, match=r"analyses.s002_sweep_batch.inputs.runs: experiment 's002_mnist' has no "
                                          r"variant 'bs12'"):  # fmt: skip
        validate_config(cfg, root / "workflow" / "schemas" / "config.schema.yaml", [])
