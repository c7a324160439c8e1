"""Seed 004: the scikit-learn reference stored in our model format, and the seed's configuration and claims.

The round trip uses tiny synthetic data: scikit-learn trains, its weights go into our MLPClassifier, and our model
must predict exactly what scikit-learn predicts."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import numpy as np
import pytest
import yaml
from sklearn.datasets import make_classification
from sklearn.metrics import log_loss

from scratchnet.models import MLPClassifier
from scratchnet.persist import load_model, save_model
from scratchnet.pipeline import run_steps
from scratchnet.pipeline.io import read_json, write_npz
from scratchnet.pipeline.kinds.sklearn_mlp import copy_weights, fit_sklearn, scratchnet_model, sklearn_settings
from scratchnet.pipeline.spec import load_experiments
from scratchnet.report.build import Page, ReportInputs
from scratchnet.report.claims import load_claims_file
from scratchnet.train import History

ROOT = Path(__file__).resolve().parents[1]


def _data(n_classes: int, n: int = 240, d: int = 12, seed: int = 0):
    X, y = make_classification(
        n_samples=n, n_features=d, n_informative=6, n_classes=n_classes, n_clusters_per_class=1, random_state=seed
    )
    X = ((X - X.mean(0)) / X.std(0)).astype(np.float32)
    return X[: n // 2], y[: n // 2], X[n // 2 :], y[n // 2 :]


PARAMS = {"hidden": [9, 7], "optimizer": "sgd", "lr": 0.1, "batch_size": 16, "epochs": 3}


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("n_classes", [3, 2])
def test_our_model_with_sklearn_weights_predicts_as_sklearn(activation: str, n_classes: int) -> None:
    Xtr, ytr, Xte, yte = _data(n_classes)
    clf, model, hist, _ = fit_sklearn({**PARAMS, "activation": activation}, 3, Xtr, ytr, (Xte, yte))
    assert sorted(model.parameters()) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    assert model.parameters()["0.W"].shape == clf.coefs_[0].shape == (12, 9)
    # two classes: scikit-learn's single logistic output unit is our one-unit sigmoid classifier
    assert model.parameters()["4.W"].shape[1] == (1 if n_classes == 2 else n_classes)
    for X in (Xtr, Xte):
        np.testing.assert_array_equal(model.predict(X), clf.predict(X))
        np.testing.assert_allclose(model.predict_proba(X), clf.predict_proba(X), rtol=0, atol=1e-5)
    # the history has our shape and our loss definition (mean cross-entropy = scikit-learn's log_loss)
    h = History.from_dict(hist.to_dict())
    assert [e["epoch"] for e in h.epochs] == [1, 2, 3]
    assert {"loss", "train_loss", "train_acc", "val_loss", "val_acc"} <= set(h.epochs[-1])
    assert h.epochs[-1]["val_loss"] == pytest.approx(log_loss(yte, clf.predict_proba(Xte)), abs=1e-4)
    assert h.epochs[-1]["train_acc"] == pytest.approx(np.mean(clf.predict(Xtr) == ytr))
    assert h.n_updates == 3 * int(np.ceil(len(Xtr) / 16))


def test_saved_model_round_trip_without_pickle(tmp_path: Path) -> None:
    Xtr, ytr, Xte, _ = _data(3)
    clf, model, _, _ = fit_sklearn({**PARAMS, "activation": "tanh"}, 0, Xtr, ytr)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")  # np.load(allow_pickle=False) inside
    np.testing.assert_array_equal(loaded.predict(Xte), clf.predict(Xte))
    np.testing.assert_allclose(loaded.predict_proba(Xte), clf.predict_proba(Xte), atol=1e-5)


def test_copy_weights_checks_shapes() -> None:
    Xtr, ytr, _, _ = _data(3)
    clf, _, _, _ = fit_sklearn({**PARAMS, "activation": "relu", "epochs": 1}, 0, Xtr, ytr)
    with pytest.raises(ValueError, match="weight matrices"):
        copy_weights(clf, MLPClassifier([12, 9, 3]))
    with pytest.raises(ValueError, match="layer 0"):
        copy_weights(clf, MLPClassifier([12, 8, 7, 3]))
    assert scratchnet_model(clf).parameters()["2.W"].shape == (9, 7)


def test_seeded_deterministic_and_reshuffled_every_epoch() -> None:
    Xtr, ytr, _, _ = _data(3)
    p = {**PARAMS, "activation": "relu"}
    a = fit_sklearn(p, 5, Xtr, ytr)[0]
    b = fit_sklearn(p, 5, Xtr, ytr)[0]
    c = fit_sklearn(p, 6, Xtr, ytr)[0]
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    # a RandomState instance continues its stream across partial_fit calls; an integer would restart it every epoch
    # (same batch order each epoch), which gives different weights after the second epoch
    from sklearn.neural_network import MLPClassifier as Sk

    kw = sklearn_settings(p, 5, len(Xtr))
    same_order = Sk(**{**kw, "random_state": 5})
    ours = Sk(**{**kw, "random_state": np.random.RandomState(5)})
    for _ in range(3):
        same_order.partial_fit(Xtr, ytr, classes=np.unique(ytr))
        ours.partial_fit(Xtr, ytr, classes=np.unique(ytr))
    np.testing.assert_array_equal(ours.coefs_[0], a.coefs_[0])
    assert not np.array_equal(same_order.coefs_[0], ours.coefs_[0])


def test_settings_are_plain_gradient_descent_and_refuse_our_penalties() -> None:
    kw = sklearn_settings({**PARAMS, "activation": "sigmoid", "alpha": 0.0}, 0, 100)
    assert kw["solver"] == "sgd" and kw["momentum"] == 0.0 and kw["nesterovs_momentum"] is False
    assert kw["activation"] == "logistic" and kw["learning_rate"] == "constant" and kw["batch_size"] == 16
    assert sklearn_settings({**PARAMS, "batch_size": None}, 0, 100)["batch_size"] == 100
    with pytest.raises(ValueError, match="alpha"):
        sklearn_settings({**PARAMS, "l2": 1e-4}, 0, 100)
    with pytest.raises(ValueError, match="init"):
        sklearn_settings({**PARAMS, "init": "he_normal"}, 0, 100)
    with pytest.raises(ValueError, match="activation"):
        sklearn_settings({**PARAMS, "activation": "leaky_relu"}, 0, 100)


def test_train_run_dispatches_to_sklearn_and_evaluate_works(tmp_path: Path) -> None:
    Xtr, ytr, Xte, yte = _data(3, n=300)
    data = tmp_path / "data.npz"
    write_npz(data, X_train=Xtr, y_train=ytr, X_val=Xte[:60], y_val=yte[:60], X_test=Xte[60:], y_test=yte[60:])
    cfg = {
        "splits": {"s": {}},
        "experiments": {
            "pkg": {
                "report": "004",
                "model": "sklearn_mlp",
                "params": {"split": "s", **PARAMS},
                "variants": {"sigmoid": {"activation": "sigmoid"}},
            }
        },
    }
    exp = load_experiments(cfg)["pkg"]
    run = tmp_path / "run"
    spec = exp.run_spec("sigmoid", 0).to_dict()
    hist = run_steps.train_run(spec, str(data), str(run / "model.npz"), str(run / "history.json"))
    assert hist.n_epochs == 3 and len(read_json(run / "history.json")["epochs"]) == 3
    meta = read_json(run / "model.json")
    assert meta["class"] == "MLPClassifier" and meta["kwargs"]["activation"] == "sigmoid"
    assert meta["metadata"]["reference"]["check"]["pred_agreement"] == 1.0
    m = run_steps.evaluate_run(spec, run / "model.npz", run / "history.json", data, run / "m.json", run / "p.npz")
    assert m["test"]["n"] == 90 and "macro avg" in m["test"]["report"]
    assert m["training"]["final"]["val_loss"] == pytest.approx(m["val"]["loss"])


# --- configuration and claims -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reduced", [False, True])
def test_seed004_config_is_valid_and_figures_name_existing_variants(reduced: bool, merged_config) -> None:
    cfg = merged_config(reduced)
    jsonschema.validate(cfg, yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text()))
    exps = load_experiments(cfg)
    for name, fig in cfg["reports"]["004"]["figures"].items():
        for ref in fig["runs"]:
            assert ref["experiment"] in exps, (name, ref)
            exp = exps[ref["experiment"]]
            assert ref.get("variant", "selected") in {"selected", "all", *exp.variants}, (name, ref)


def test_claims_point_at_existing_experiments_variants_and_metrics(merged_config) -> None:
    cfg = merged_config(False)
    exps = load_experiments(cfg)
    claims, _ = load_claims_file(ROOT / "config" / "claims" / "004.yaml")
    assert len({c["id"] for c in claims}) == len(claims)
    metric_forms = ("train_", "val_", "test_", "final_", "report.", "job_seconds", "seconds")
    for c in claims:
        if "ranking" in c:  # orderings: checked by check_claims (tests/test_pipeline_units.py)
            continue
        ours = c["ours"]
        assert ours["variant"] in exps[ours["experiment"]].variants, c["id"]
        assert ours["metric"].startswith(metric_forms), c["id"]
        if "table" in c:  # a classification report, cell by cell: every label and field our reports have
            assert ours["metric"] in ("report.train.{row}.{column}", "report.test.{row}.{column}"), c["id"]
            assert c["table"]["columns"] == ["precision", "recall", "f1-score", "support"], c["id"]
            assert c["table"]["setup_columns"] == ["support"], c["id"]
            labels = [r["label"] for r in c["table"]["rows"]]
            assert labels[:10] == [str(d) for d in range(10)], c["id"]
            assert set(labels[10:]) <= {"accuracy", "macro avg", "weighted avg"}, c["id"]
            continue
        assert "tolerance" not in c and "as_written" in c, c["id"]  # the page's one rule judges every number


def test_cause_variant_follows_from_the_seed_batch_size(merged_config) -> None:
    """The L2 cause variant is the seed's alpha applied once per sample of its batch, not a tuned strength."""
    for reduced in (False, True):
        exps = load_experiments(merged_config(reduced))
        seed_l2 = exps["s004_activations"].run_params("relu_l2")
        cause = exps["s004_l2_sweep"].run_params("l2_1e-4_per_sample")
        assert cause["l2"] == pytest.approx(seed_l2["l2"] * seed_l2["batch_size"])
        assert cause["batch_size"] == seed_l2["batch_size"] and cause["activation"] == "relu"


def test_value_placeholder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = {
        "selected": "a",
        "variants": {
            "a": {"metrics": {"job_seconds": {"mean": 12.5, "sd": 0.5, "values": [12.0, 13.0]}}},
            "b": {"metrics": {"train_acc": {"mean": 0.9, "sd": 0.0, "values": [0.9]}}},
        },
    }
    page = Page(ReportInputs(report="004", spec={}, experiments={}, not_run={"gone": "no data"}), tmp_path / "x.md")
    page._summaries["e"] = summary
    text = page.fill("{{value:e:a:job_seconds}} / {{value:e:b:train_acc}} / {{value:e:c:x}} / {{value:gone:a:x}}")
    assert text == "12.500 ± 0.500 / 0.900 / – (no variant `c` in this configuration) / – (not run)"
