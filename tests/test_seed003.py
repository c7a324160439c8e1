"""Seed 003: the worked backprop step (values exact), the exact hard-margin SVM solver (both seed solutions to 1e-6;
agreement with scikit-learn's SVC on random separable sets), the failed-configuration analysis, the grid-search table,
and the scikit-learn and our-engine run kinds writing outputs of the same shapes. Data are tiny and synthetic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from scratchnet.pipeline.analyses.backprop_step import backprop_step, line_status
from scratchnet.pipeline.analyses.feature_classifier import feature_classifier
from scratchnet.pipeline.analyses.grid_search import grid_search_table
from scratchnet.pipeline.analyses.majority_share import majority_share, recipe_test_labels
from scratchnet.pipeline.analyses.svm import svm_analysis
from scratchnet.pipeline.io import read_json, read_npz, write_npz
from scratchnet.pipeline.params import check
from scratchnet.pipeline.registry import AnalysisJob, RunFiles, get_analysis_kind, get_run_kind
from scratchnet.pipeline.run_steps import evaluate_run, train_run
from scratchnet.pipeline.spec import load_experiments
from scratchnet.svm import hard_margin_svm, predict

ROOT = Path(__file__).resolve().parents[1]
SEED_CONFIG = yaml.safe_load((ROOT / "config" / "seeds" / "003.yaml").read_text())


def _job(tmp_path: Path, name: str, params: dict, inputs: dict | None = None) -> AnalysisJob:
    spec = SEED_CONFIG["analyses"].get(name, {})
    return AnalysisJob(name, spec.get("kind", name), params, inputs or {}, str(tmp_path / f"{name}.json"),
                       str(tmp_path / f"{name}.npz"))  # fmt: skip


# --- Q1(a) ----------------------------------------------------------------------------------------------------------


def test_q1a_one_step_exact(tmp_path: Path) -> None:
    params = SEED_CONFIG["analyses"]["s003_q1a"]["params"]
    res = backprop_step(_job(tmp_path, "s003_q1a", params))
    ours = res["ours"]
    # by hand: yhat = 0.5 (0.5 x + 1) + 1 for x = 1, 2, 3
    np.testing.assert_allclose(ours["yhat"], [1.75, 2.0, 2.25], rtol=0, atol=1e-15)
    assert ours["loss"] == pytest.approx(4.375, abs=1e-15)
    assert (ours["grad_w2"], ours["grad_b2"], ours["grad_w1"], ours["grad_b1"]) == pytest.approx(
        (-8.5, -4.0, -4.5, -2.0), abs=1e-14
    )
    assert (ours["w1_new"], ours["b1_new"], ours["w2_new"], ours["b2_new"]) == pytest.approx(
        (0.545, 1.02, 0.585, 1.04), abs=1e-15
    )
    x, y = np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0])
    yhat_after = (0.545 * x + 1.02) * 0.585 + 1.04
    np.testing.assert_allclose(ours["yhat_after"], yhat_after, rtol=0, atol=1e-14)
    assert ours["loss_after"] == pytest.approx(np.mean((y - yhat_after) ** 2), abs=1e-14)
    assert round(ours["loss_after"], 6) == 3.287201
    # the seed's 3.30 is the mean of its own squared two-decimal residuals; ours rounded correctly gives 3.2942
    assert res["from_seed_values"]["loss_after"] == pytest.approx((1.05**2 + 1.73**2 + 2.41**2) / 3, abs=1e-14)
    assert round(res["from_seed_values"]["loss_after"], 2) == 3.30
    assert res["ours_rounded"]["loss_after"] == pytest.approx((1.04**2 + 1.73**2 + 2.41**2) / 3, abs=1e-14)
    status = {r["quantity"]: r["status"] for r in res["table"]}
    assert status["sum_residual"] == "sign slip"
    assert status["yhat_after[1]"].startswith("truncated")
    assert status["residual_after[1]"] == "follows from the seed's previous line"
    assert status["loss_after"] == "follows from the seed's previous line"
    assert status["grad_w1"] == "exact" and status["yhat_after[2]"] == "rounded"
    assert res["n_slips"] == 4
    # notes: per element where the config keys one ("yhat_after[1]"), and the value a "follows" line follows from
    note = {r["quantity"]: r["note"] for r in res["table"]}
    assert note["yhat_after[1]"] and not note["yhat_after[2]"] and not note["residual_after[3]"]
    assert note["loss_after"].endswith("from the seed's typed values: 3.30117")
    assert note["residual_after[1]"].endswith("from the seed's typed values: 1.05")


@pytest.mark.parametrize(
    ("typed", "ours", "expected"),
    [("0.545", 0.545, "exact"), ("2.27", 2.27435, "rounded"), ("1.95", 1.955525, "truncated (rounded: 1.96)"),
     ("6", -6.0, "sign slip"), ("3.31", 3.2872, "differs")],
)  # fmt: skip
def test_line_status(typed: str, ours: float, expected: str) -> None:
    assert line_status(typed, ours) == expected


def test_q1a_rejects_unknown_quantity(tmp_path: Path) -> None:
    params = {**SEED_CONFIG["analyses"]["s003_q1a"]["params"], "seed_values": {"grad_w3": "1"}}
    with pytest.raises(ValueError, match="grad_w3"):
        backprop_step(_job(tmp_path, "s003_q1a", params))


# --- Q1(b): the SVM solver --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["s003_q1b_set1", "s003_q1b_set2"])
def test_svm_recovers_seed_solutions(name: str) -> None:
    p = SEED_CONFIG["analyses"][name]["params"]
    sol = hard_margin_svm(np.array(p["points"]), np.array(p["labels"]))
    seed = p["seed_values"]
    np.testing.assert_allclose(sol.w, seed["w"], atol=1e-6, rtol=0)
    assert sol.b == pytest.approx(seed["b"], abs=1e-6)
    X = np.array(p["points"], dtype=float)
    assert sorted(map(tuple, X[sol.on_margin])) == sorted(map(tuple, np.array(seed["support_vectors"], dtype=float)))
    if "margin" in seed:
        assert sol.margin == pytest.approx(seed["margin"], abs=1e-9)
        assert sol.closest_distance == pytest.approx(seed["closest_distance"], abs=1e-9)
        assert predict(sol.w, sol.b, np.array([p["test_point"]]))[0] == seed["prediction"]


def _separable(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    w, b = rng.normal(size=d), rng.normal()
    X = rng.normal(size=(4 * n, d)) * 2
    f = (X @ w + b) / np.linalg.norm(w)
    keep = np.flatnonzero(np.abs(f) > 0.2)[:n]
    return X[keep], np.where(f[keep] > 0, 1, -1)


@pytest.mark.parametrize("trial", range(8))
def test_svm_agrees_with_sklearn_on_random_separable_sets(trial: int) -> None:
    from sklearn.svm import SVC

    rng = np.random.default_rng(100 + trial)
    d = 2 if trial < 5 else 3
    X, y = _separable(rng, n=int(rng.integers(6, 16)), d=d)
    sol = hard_margin_svm(X, y)
    fm = y * (X @ sol.w + sol.b)
    assert fm.min() == pytest.approx(1.0, abs=1e-9)  # the closest points sit on the margin
    assert np.all(sol.alpha >= 0) and abs(np.sum(sol.alpha * y)) < 1e-9
    np.testing.assert_allclose(sol.w, (sol.alpha * y) @ X, atol=1e-9)  # stationarity: w = sum alpha_i y_i x_i
    clf = SVC(kernel="linear", C=1e10, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(sol.w, clf.coef_[0], atol=1e-4, rtol=1e-4)
    assert sol.b == pytest.approx(clf.intercept_[0], abs=1e-4)
    assert np.array_equal(predict(sol.w, sol.b, X), clf.predict(X))


def test_svm_refuses_non_separable_and_bad_labels() -> None:
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]])
    with pytest.raises(ValueError, match="not linearly separable"):
        hard_margin_svm(X, np.array([1, 1, -1, -1]))
    with pytest.raises(ValueError, match="labels must be -1 or \\+1"):
        hard_margin_svm(X, np.array([0, 1, 0, 1]))


def test_svm_analysis_audits_the_seed(tmp_path: Path) -> None:
    res = svm_analysis(_job(tmp_path, "s003_q1b_set2", SEED_CONFIG["analyses"]["s003_q1b_set2"]["params"]))
    assert res["seed_agrees_all"] is True and res["n_seed_checks"] == 6
    assert res["sklearn"]["agrees"] and res["ours"]["prediction"] == 1 == res["sklearn"]["prediction"]
    arrays = read_npz(tmp_path / "s003_q1b_set2.npz")
    assert arrays["X"].shape == (4, 2) and arrays["w"].shape == (2,)


# --- pipeline run kinds on tiny synthetic data ------------------------------------------------------------------------


def _split_files(tmp_path: Path, n_classes: int = 3, d: int = 16) -> str:
    rng = np.random.default_rng(0)

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, n_classes, n)
        X = rng.random((n, d)) * 0.3 + np.eye(d)[(y * 5) % d]
        return X.astype(np.float32), y

    parts = {"train": part(150), "val": part(30), "test": part(40)}
    arrays = {f"{k}_{p}": a for p, xy in parts.items() for k, a in zip(("X", "y"), xy, strict=True)}
    write_npz(tmp_path / "data.npz", **arrays)
    write_npz(tmp_path / "indices.npz", train=np.arange(150), val=np.arange(150, 180), test=np.arange(180, 220))
    return str(tmp_path / "data.npz")


def _run(tmp_path: Path, data: str, kind: str, params: dict, name: str, seed: int = 0) -> RunFiles:
    run = {"experiment": "e", "variant": name, "seed": seed, "kind": kind, "params": {"split": "s", **params}}
    errors = check(run["params"], get_run_kind(kind).params)
    assert not errors, errors
    f = {k: str(tmp_path / f"{name}_{k}") for k in ("model.npz", "history.json", "metrics.json", "predictions.npz")}
    train_run(run, data, f["model.npz"], f["history.json"])
    evaluate_run(run, f["model.npz"], f["history.json"], data, f["metrics.json"], f["predictions.npz"])
    return RunFiles("e", name, seed, run["params"], f["model.npz"], f["history.json"], f["metrics.json"],
                    f["predictions.npz"], data)  # fmt: skip


def _shapes(path: str) -> dict[str, tuple]:
    return {k: v.shape for k, v in read_npz(path).items()}


C2 = {"hidden": [8, 6], "output": "softmax", "optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 3}


def test_classifier_sklearn_and_engine_write_the_same_shapes(tmp_path: Path) -> None:
    data = _split_files(tmp_path)
    sk = _run(tmp_path, data, "sklearn_mlp", {**C2, "activation": "logistic", "alpha": 1e-4}, "sk")
    ours = _run(tmp_path, data, "mlp_classifier", {**C2, "activation": "sigmoid", "l2": 1e-4 / 32}, "ours")
    assert _shapes(sk.predictions) == _shapes(ours.predictions)
    hs, ho = read_json(sk.history), read_json(ours.history)
    assert len(hs["epochs"]) == len(ho["epochs"]) == 3
    assert {"train_loss", "val_loss"} <= set(hs["epochs"][-1]) & set(ho["epochs"][-1])
    for part in ("train", "val", "test"):
        assert set(read_json(sk.metrics)[part]) == set(read_json(ours.metrics)[part])


GRID = {"hidden": [8], "activation": "tanh", "lr": 0.01, "batch_size": 32, "max_iter": 4, "folds": 2}


def test_grid_configs_sklearn_and_engine(tmp_path: Path) -> None:
    data = _split_files(tmp_path)
    sk = _run(tmp_path, data, "sklearn_grid_config", {**GRID, "solver": "adam"}, "sk")
    ours = _run(tmp_path, data, "engine_grid_config", {**GRID, "solver": "adam"}, "ours")
    lb = _run(tmp_path, data, "sklearn_grid_config", {**GRID, "solver": "lbfgs"}, "lbfgs")
    assert _shapes(sk.predictions) == _shapes(ours.predictions)
    ms, mo, ml = (read_json(r.metrics) for r in (sk, ours, lb))
    for m in (ms, mo, ml):
        assert len(m["cv"]["folds"]) == 2 and sum(f["n_test"] for f in m["cv"]["folds"]) == 150
        assert m["scalars"]["cv_acc"] == pytest.approx(np.mean([f["acc"] for f in m["cv"]["folds"]]))
        assert m["scalars"]["cv_acc_sd"] == pytest.approx(np.std([f["acc"] for f in m["cv"]["folds"]]))
    # both trainers cross-validate on the same folds
    assert [f["n_test"] for f in ms["cv"]["folds"]] == [f["n_test"] for f in mo["cv"]["folds"]]
    assert ml["cv"]["ignored"][:2] == ["lr", "batch_size"]
    pooled = _run(tmp_path, data, "engine_grid_config", {**GRID, "solver": "adam", "cv_parts": ["train", "val"]}, "p")
    assert sum(f["n_test"] for f in read_json(pooled.metrics)["cv"]["folds"]) == 180
    # the sorted table
    res = grid_search_table(_job(tmp_path, "table", {"keys": ["solver", "lr", "batch_size"]},
                                 {"configs": [sk, lb], "engine_configs": [ours]}))  # fmt: skip
    assert [r["cv_acc"] for r in res["table"]] == sorted((r["cv_acc"] for r in res["table"]), reverse=True)
    adam = next(r for r in res["table"] if r["solver"] == "adam")
    assert adam["engine_cv_acc"] == pytest.approx(mo["cv"]["mean"])
    assert next(r for r in res["table"] if r["solver"] == "lbfgs")["engine_cv_acc"] is None


def test_engine_grid_config_refuses_what_it_cannot_mirror() -> None:
    kind = get_run_kind("engine_grid_config")
    assert any("L-BFGS" in e for e in kind.validate({**GRID, "solver": "lbfgs"}))
    assert any("nesterov" in e for e in kind.validate({**GRID, "solver": "sgd"}))
    assert kind.validate({**GRID, "solver": "sgd", "nesterov": False}) == []


AE = {"optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 3}


def test_sklearn_autoencoder_and_feature_classifiers(tmp_path: Path) -> None:
    data = _split_files(tmp_path)
    ae = _run(tmp_path, data, "sklearn_autoencoder", {**AE, "hidden": [8, 4, 8], "activation": "relu"}, "ae")
    m = read_json(ae.metrics)
    assert m["scalars"]["test_mse"] == pytest.approx(m["test"]["loss"])
    assert _shapes(ae.predictions) == {"test_recon": (40, 16), "test_mse": (40,)}
    ours = _run(tmp_path, data, "mlp_autoencoder", {**AE, "hidden": [8, 4, 8], "activation": "relu"}, "ours_ae")
    assert _shapes(ours.predictions) == _shapes(ae.predictions)
    assert set(read_json(ours.metrics)) == set(m)
    for h in (read_json(ae.history), read_json(ours.history)):
        assert len(h["epochs"]) == 3 and h["epochs"][-1]["val_loss"] > 0 and h["epochs"][-1]["train_loss"] > 0
    raw = _run(tmp_path, data, "sklearn_mlp", {**C2, "activation": "tanh"}, "raw")
    settings = {"hidden": [5], "activation": "tanh", "optimizer": "adam", "lr": 0.01, "batch_size": 32, "epochs": 2}
    results = {}
    for trainer, autoencoder in (("sklearn", ae), ("ours", ours)):
        results[trainer] = feature_classifier(_job(tmp_path, f"f_{trainer}", {"trainer": trainer, **settings},
                                                   {"autoencoder": [autoencoder], "raw": [raw]}))  # fmt: skip
    a, b = results["sklearn"], results["ours"]
    assert a["table"][0]["n_features"] == b["table"][0]["n_features"] == 4  # the bottleneck
    assert set(a["table"][0]) == set(b["table"][0])
    assert a["gap_reduction"] == pytest.approx(a["raw_gap"] - a["gap"])
    assert _shapes(str(tmp_path / "f_sklearn.npz")) == _shapes(str(tmp_path / "f_ours.npz"))


# --- section B: the majority class's share ---------------------------------------------------------------------------


def test_majority_share_of_constant_runs(tmp_path: Path) -> None:
    data = _split_files(tmp_path)
    y_test = read_npz(data)["y_test"]
    top = int(np.argmax(np.bincount(y_test)))
    runs = []
    for name, pred in (("constant", np.full(len(y_test), top)), ("perfect", y_test)):
        path = str(tmp_path / f"{name}_pred.npz")
        write_npz(path, test_pred=pred)
        runs.append(RunFiles("e", name, 0, {}, "", "", "", path, data))
    recipe = {"test_size": 0.2, "val_of_rest": 0.5, "random_state": 42, "stratify": False}
    res = majority_share(_job(tmp_path, "maj", {"seed_accuracy": 0.3, "recipe": recipe}, {"runs": runs}))
    assert res["n_constant"] == 1 and res["constant_predict_majority"]
    assert res["constant_acc_mean"] == pytest.approx(np.mean(y_test == top)) == res["test_part"]["majority_share"]
    y_full = np.concatenate([read_npz(data)[f"y_{p}"] for p in ("train", "val", "test")])
    t = recipe_test_labels(y_full, recipe)
    assert len(t) == 22 and res["recipe"]["majority_count"] == np.bincount(t).max()
    assert 0 < res["random_split"]["p_at_least_seed_count"] <= 1


# --- configuration -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reduced", [False, True])
def test_seed003_config_resolves(merged_config, reduced: bool) -> None:
    cfg = merged_config(reduced=reduced)
    exps = {k: v for k, v in load_experiments(cfg).items() if v.report == "003"}
    for exp in exps.values():
        kind = get_run_kind(exp.model)
        for variant in exp.variants:
            params = exp.run_params(variant)
            errors = check(params, kind.params, kind.required) + (kind.validate(params) if kind.validate else [])
            assert not errors, f"{exp.name}/{variant}: {errors}"
            assert params["split"] in cfg["splits"]
    for name, spec in cfg["analyses"].items():
        if spec.get("report") != "003":
            continue
        kind = get_analysis_kind(spec["kind"])
        assert not check(spec.get("params", {}), kind.params, kind.required), name
        for role, ref in (spec.get("inputs") or {}).items():
            assert role in kind.roles and ref["experiment"] in exps, (name, role)
    n_grid = len(exps["s003_b_grid"].variants)
    n_search = len(exps["s003_c3_grid"].variants)
    # the seed's 4 x 3 grid plus the cause variant "random" read as uniform (a fourth init), in both configurations
    assert (n_grid, n_search) == ((8, 4) if reduced else (16, 36))
    uniform = [v for v in exps["s003_b_grid"].variants if v.endswith("_initrandom_uniform")]
    assert uniform and all(exps["s003_b_grid"].run_params(v)["init"] == "random_uniform" for v in uniform)


# --- numbers and figures ----------------------------------------------------------------------------------------------


def test_curve_numbers_by_hand() -> None:
    from scratchnet.pipeline.analyses.curve_numbers import curve_numbers

    epochs = [{"epoch": i + 1, "val_loss": v, "train_loss": t}
              for i, (v, t) in enumerate([(1.0, 1.2), (0.8, 0.9), (0.96, 0.7), (0.9, 0.6), (1.0, 0.5)])]  # fmt: skip
    y = np.array([0, 0, 1, 1])  # two equal classes: entropy ln 2
    out = curve_numbers({"epochs": epochs, "n_epochs": 5, "best_epoch": 2}, y, spike=0.1)
    assert out["min_val_loss"] == 0.8 and out["final_val_loss"] == 1.0
    assert out["val_rise_rel"] == pytest.approx(0.25)
    assert out["spikes"] == 2  # 0.8 -> 0.96 (+20 %) and 0.9 -> 1.0 (+11 %)
    assert out["train_loss_minus_prior"] == pytest.approx(0.5 - np.log(2))


def test_autoencoder_sizes() -> None:
    from scratchnet.pipeline.kinds.regressor_autoencoders import autoencoder_sizes

    assert autoencoder_sizes(784, [128, 64, 32, 64, 128]) == ([784, 128, 64, 32], [32, 64, 128, 784])
    assert autoencoder_sizes(10, [4]) == ([10, 4], [4, 10])


def test_figures_draw(tmp_path: Path) -> None:
    """Every seed-003 figure kind draws from results laid out as the pipeline writes them."""
    from scratchnet.pipeline import paths
    from scratchnet.pipeline.figures import COMMON, make_figure
    from scratchnet.pipeline.registry import get_figure_kind
    from scratchnet.pipeline.spec import Experiment

    lay = paths.Layout(*(str(tmp_path / r) for r in paths.ROOTS))
    split_dir = Path(lay(paths.SPLIT_DATA, split="s")).parent
    split_dir.mkdir(parents=True)
    data = _split_files(split_dir)
    for name in ("s003_q1b_set2",):
        out = Path(lay(paths.ANALYSIS_JSON, analysis=name))
        out.parent.mkdir(parents=True)
        svm_analysis(AnalysisJob(name, "hard_margin_svm", SEED_CONFIG["analyses"][name]["params"], {}, str(out),
                                 lay(paths.ANALYSIS_NPZ, analysis=name)))  # fmt: skip
    grid = Experiment("g", "003", "mlp_classifier", {"split": "s", **C2},
                      {f"a{a}_i{i}": {"activation": a, "init": i} for a in ("tanh", "relu") for i in ("zeros", "he")},
                      (0,))  # fmt: skip
    aes = Experiment("ae", "003", "mlp_autoencoder", {"split": "s", **AE, "hidden": [8, 4, 8]},
                     {"relu": {"activation": "relu"}}, (0,))  # fmt: skip
    for exp, kind in ((grid, "mlp_classifier"), (aes, "mlp_autoencoder")):
        for v in exp.variants:
            params = exp.run_params(v)
            templates = {"m": paths.MODEL, "h": paths.HISTORY, "x": paths.METRICS, "p": paths.PREDICTIONS}
            f = {k: lay.run(t, exp.name, v, 0) for k, t in templates.items()}
            Path(f["m"]).parent.mkdir(parents=True, exist_ok=True)
            run = {"experiment": exp.name, "variant": v, "seed": 0, "kind": kind, "params": params}
            train_run(run, data, f["m"], f["h"])
            evaluate_run(run, f["m"], f["h"], data, f["x"], f["p"])
    exps = {e.name: e.to_dict() for e in (grid, aes)}
    specs = {
        "svm": {"kind": "svm_margins", "runs": [{"analysis": "s003_q1b_set2"}]},
        "grid": {"kind": "loss_panel_grid", "runs": [{"experiment": "g", "variant": "all", "seed": "all"}],
                 "rows": "activation", "cols": "init"},
        "curves": {"kind": "curves_by_experiment", "runs": [{"experiment": "g", "variant": "all"},
                                                           {"experiment": "ae", "variant": "all"}]},
        "images": {"kind": "random_images", "runs": [{"split": "s"}], "n": 6, "seed": 1},
        "recon": {"kind": "reconstructions", "runs": [{"experiment": "ae", "variant": "relu"}], "n": 5},
    }  # fmt: skip
    for name, spec in specs.items():
        errors = check(spec, {**COMMON, **get_figure_kind(spec["kind"]).params}, get_figure_kind(spec["kind"]).required)
        assert not errors, (name, errors)
        out = tmp_path / f"{name}.png"
        make_figure(spec, {k: v for k, v in exps.items() if any(r.get("experiment") == k for r in spec["runs"])},
                    lay.to_dict(), out)  # fmt: skip
        assert out.stat().st_size > 5000, name


def test_schema_lists_seed003_kinds_and_keys() -> None:
    """The config schema's closed lists (run kinds, their parameter names, figure kinds) include seed 003's."""
    from scratchnet.pipeline.registry import FIGURE_KINDS, RUN_KINDS, load_all

    load_all()
    schema = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())
    exp = schema["properties"]["experiments"]["additionalProperties"]["properties"]
    fig = schema["properties"]["reports"]["additionalProperties"]["properties"]["figures"]["additionalProperties"]
    ours = ("sklearn_autoencoder", "mlp_autoencoder", "sklearn_grid_config", "engine_grid_config")
    assert set(ours) <= set(exp["model"]["enum"])
    assert {k for name in ours for k in RUN_KINDS[name].params} <= set(exp["params"]["propertyNames"]["enum"])
    figures = {"svm_margins", "loss_panel_grid", "curves_by_experiment", "random_images", "reconstructions",
               "grid_search_bars"}  # fmt: skip
    assert figures <= set(FIGURE_KINDS) and figures <= set(fig["properties"]["kind"]["enum"])
