"""Run steps: train and evaluate one run (experiment, variant, seed) through its registered run kind, and the
helpers run kinds share (the monitored part, saving, per-part metrics)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..models import Model
from ..persist import load_model, save_model
from ..train import History
from . import scores
from .io import read_json, read_npz, write_json, write_npz
from .params import Param
from .registry import RunSpec, get_run_kind

log = logging.getLogger(__name__)

PARTS = ("train", "val", "test")

# Keys every run kind accepts: where its data comes from and which part is watched during training.
RUN_PARAMS: dict[str, Param] = {
    "split": Param("str", "the data split (a key of `splits`)"),
    "monitor": Param("name", "part evaluated every epoch", choices=("val", "test")),
}

# Keys of the per-epoch records of a training history (scratchnet.train.fit, and the kinds that build one the same
# way), a run kind's ``history``: the epoch, the updates so far, the mean loss of the epoch's updates, and the loss of
# the training part (with ``eval_train``) and of the monitored part; classifiers also record their accuracies.
HISTORY = ("epoch", "updates", "loss", "train_loss", "val_loss")
CLASSIFIER_HISTORY = (*HISTORY, "train_acc", "val_acc")


def history_names(history: Iterable[str], params: Mapping[str, Any]) -> set[str]:
    """The history keys of a run whose kind declares ``history``, its ``val_*`` keys named after the part the run's
    ``params`` monitor (as :func:`save_run` writes them)."""
    monitor = params.get("monitor", "val")
    return {k.replace("val_", f"{monitor}_", 1) if k.startswith("val_") else k for k in history}


def train_run(run: dict[str, Any], data_npz: str, model_out: str, history_out: str) -> Any:
    """Train one run with its run kind (``run``: :meth:`RunSpec.to_dict`, as the rule passes it)."""
    spec = RunSpec.from_dict(run)
    return get_run_kind(spec.kind).train(spec, data_npz, model_out, history_out)


def evaluate_run(
    run: dict[str, Any], model: str, history: str, data_npz: str, metrics_out: str, predictions_out: str
) -> Any:
    """Evaluate one trained run with its run kind's evaluation."""
    spec = RunSpec.from_dict(run)
    return get_run_kind(spec.kind).evaluate(spec, model, history, data_npz, metrics_out, predictions_out)


def monitored(run: RunSpec, data: dict[str, np.ndarray]) -> tuple[str, tuple[np.ndarray, np.ndarray] | None]:
    """The part evaluated every epoch: ``(name, (X, y) or None)`` — the validation set, or (seed 001, which has
    none) the test set, as the run's ``monitor`` parameter says."""
    monitor = run.params.get("monitor", "val")
    has = len(data.get(f"y_{monitor}", [])) > 0
    return monitor, ((data[f"X_{monitor}"], data[f"y_{monitor}"]) if has else None)


def save_run(
    model: Model,
    hist: History,
    run: RunSpec,
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
        "experiment": run.experiment,
        "variant": run.variant,
        "seed": run.seed,
        "kind": run.kind,
        "train": train_settings,
        "params": run.params,
        **metadata,
    }
    save_model(model, model_out, metadata=meta)
    write_json(history_out, hist.to_dict())


def part_metrics(
    model: Model, X: np.ndarray, y: np.ndarray, pred: np.ndarray | None = None, proba: np.ndarray | None = None
) -> dict[str, Any]:
    """Accuracy, loss, confusion matrix and classification report (scikit-learn's layout and numbers, computed in
    NumPy by :mod:`.scores`) for one part (classifiers), or the loss alone (regressors and autoencoders).
    ``pred`` and ``proba``: the model's predictions for ``X`` if the caller already has them."""
    if len(y) == 0:
        return {"n": 0}
    ev = model.evaluate(X, y)
    if getattr(model, "classes_", None) is None:
        return {"n": int(len(y)), "loss": float(ev["loss"])}
    pred = model.predict(X) if pred is None else pred
    labels = np.asarray(model.classes_)
    out: dict[str, Any] = {
        "n": int(len(y)),
        "acc": float(np.mean(pred == y)),
        "loss": float(ev["loss"]),
        "labels": labels.tolist(),
        "confusion": scores.confusion(y, pred, labels).tolist(),
        "report": scores.classification_report(y, pred, labels),
    }
    if len(labels) == 2 and hasattr(model, "predict_proba") and len(np.unique(y)) == 2:
        score = (model.predict_proba(X) if proba is None else proba)[:, 1]
        out["auc"] = scores.roc_auc(y == labels[1], score)
    return out


def evaluate_model(
    run: RunSpec, model_path: str, history_path: str, data_npz: str, metrics_out: str, predictions_out: str
) -> dict[str, Any]:
    """The default evaluation: metrics of every part, predictions (and probabilities) saved, training summary."""
    model = load_model(model_path)
    data = read_npz(data_npz)
    hist = read_json(history_path)
    result: dict[str, Any] = {"meta": model.metadata}
    preds: dict[str, np.ndarray] = {}
    for part in PARTS:
        if f"X_{part}" not in data:
            continue
        X, y = data[f"X_{part}"], data[f"y_{part}"]
        if len(y):  # predicted once, for the saved predictions and the metrics
            preds[f"{part}_pred"] = model.predict(X)
            if hasattr(model, "predict_proba") and type(model).__name__ != "Perceptron":
                preds[f"{part}_proba"] = model.predict_proba(X)
        result[part] = part_metrics(model, X, y, preds.get(f"{part}_pred"), preds.get(f"{part}_proba"))
    result["training"] = {
        k: hist.get(k)
        for k in ("n_updates", "n_epochs", "stopped", "best_epoch", "converged_epoch", "seconds", "batch_size")
    }
    if hist.get("epochs"):
        result["training"]["final"] = hist["epochs"][-1]
    write_json(metrics_out, result)
    write_npz(predictions_out, **preds)
    return result
