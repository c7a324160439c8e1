"""Run steps: train one (experiment, variant, seed) and evaluate it."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..models import Model, build_model
from ..persist import load_model, save_model
from ..train import History, TrainConfig
from .io import read_json, read_npz, write_json, write_npz
from .spec import Experiment, resolve

log = logging.getLogger(__name__)

PARTS = ("train", "val", "test")


def build_run(exp: Experiment, variant: str, seed: int, data: dict[str, np.ndarray]):
    """The model and training configuration of one run; the run seed drives initialisation and shuffling."""
    params = exp.run_params(variant)
    X = data["X_train"]
    n_classes = len(np.unique(np.concatenate([data[f"y_{p}"] for p in PARTS if f"y_{p}" in data])))
    model_kw, train_kw = resolve(params, X.shape[1], n_classes)
    if "layer_sizes" not in model_kw and exp.model in ("logistic_regression", "perceptron"):
        model_kw["n_features"] = X.shape[1]
    model = build_model(exp.model, **model_kw, seed=seed)
    config = TrainConfig.from_dict({**train_kw, "seed": seed})
    return model, config


def monitored(exp: Experiment, variant: str, data: dict[str, np.ndarray]):
    """The part evaluated every epoch: ``(name, (X, y) or None)`` — the validation set, or (seed 001, which has
    none) the test set, as the run's ``monitor`` parameter says."""
    monitor = exp.run_params(variant).get("monitor", "val")
    if monitor not in ("val", "test"):
        raise ValueError(f"experiment {exp.name}: monitor must be 'val' or 'test', got {monitor!r}")
    has = len(data.get(f"y_{monitor}", [])) > 0
    return monitor, ((data[f"X_{monitor}"], data[f"y_{monitor}"]) if has else None)


def save_run(
    model: Model,
    hist: History,
    exp: Experiment,
    variant: str,
    seed: int,
    train_settings: dict[str, Any],
    model_out: str | Path,
    history_out: str | Path,
    monitor: str = "val",
    **metadata: Any,
) -> None:
    """Write the trained model and its history (history keys named after the monitored part)."""
    if monitor != "val":
        hist.epochs = [{k.replace("val_", f"{monitor}_", 1): v for k, v in e.items()} for e in hist.epochs]
    meta = {
        "experiment": exp.name,
        "variant": variant,
        "seed": seed,
        "train": train_settings,
        "params": exp.run_params(variant),
        **metadata,
    }
    save_model(model, model_out, metadata=meta)
    write_json(history_out, hist.to_dict())


def train_run(
    exp: Experiment, variant: str, seed: int, data_npz: str | Path, model_out: str | Path, history_out: str | Path
) -> History:
    if exp.trainer == "sklearn" or exp.model == "sklearn_mlp":  # the scikit-learn reference, saved in our format
        from .reference import train_sklearn_run

        return train_sklearn_run(exp, variant, seed, data_npz, model_out, history_out)
    data = read_npz(data_npz)
    model, config = build_run(exp, variant, seed, data)
    monitor, val = monitored(exp, variant, data)
    log.info("%s/%s seed %d: %r, %s", exp.name, variant, seed, model, config)
    t0 = time.perf_counter()
    model.fit(data["X_train"], data["y_train"], validation_data=val, config=config)
    hist = model.history_
    log.info(
        "trained %d updates / %d epochs in %.2f s (stopped: %s)",
        hist.n_updates,
        hist.n_epochs,
        time.perf_counter() - t0,
        hist.stopped,
    )
    save_run(model, hist, exp, variant, seed, config.to_dict(), model_out, history_out, monitor)
    return hist


def part_metrics(model: Model, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Accuracy, loss, confusion matrix, and scikit-learn's classification report for one part."""
    from sklearn import metrics as skm  # imported here: train jobs don't need it (about 1 s per job)

    if len(y) == 0:
        return {"n": 0}
    ev = model.evaluate(X, y)
    pred = model.predict(X)
    labels = np.asarray(model.classes_)
    out: dict[str, Any] = {
        "n": int(len(y)),
        "acc": float(np.mean(pred == y)),
        "loss": float(ev["loss"]),
        "labels": labels.tolist(),
        "confusion": skm.confusion_matrix(y, pred, labels=labels).tolist(),
        "report": skm.classification_report(y, pred, labels=labels, output_dict=True, zero_division=0),
    }
    if len(labels) == 2 and hasattr(model, "predict_proba") and len(np.unique(y)) == 2:
        score = model.predict_proba(X)[:, 1]
        out["auc"] = float(skm.roc_auc_score(y == labels[1], score))
    return out


def evaluate_run(
    model_path: str | Path,
    history_path: str | Path,
    data_npz: str | Path,
    metrics_out: str | Path,
    predictions_out: str | Path,
) -> dict[str, Any]:
    model = load_model(model_path)
    data = read_npz(data_npz)
    hist = read_json(history_path)
    result: dict[str, Any] = {"meta": model.metadata}
    preds: dict[str, np.ndarray] = {}
    for part in PARTS:
        if f"X_{part}" not in data:
            continue
        X, y = data[f"X_{part}"], data[f"y_{part}"]
        result[part] = part_metrics(model, X, y)
        if len(y):
            preds[f"{part}_pred"] = model.predict(X)
            if hasattr(model, "predict_proba") and not type(model).__name__ == "Perceptron":
                preds[f"{part}_proba"] = model.predict_proba(X)
    result["training"] = {
        k: hist.get(k)
        for k in ("n_updates", "n_epochs", "stopped", "best_epoch", "converged_epoch", "seconds", "batch_size")
    }
    if hist.get("epochs"):
        result["training"]["final"] = hist["epochs"][-1]
    write_json(metrics_out, result)
    write_npz(predictions_out, **preds)
    return result
