"""A classifier trained on an autoencoder's bottleneck features (seed 003 section C.5): its train and test
accuracy beside the classifier on raw pixels.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from . import columns

log = logging.getLogger(__name__)


@analysis_kind(
    "feature_classifier",
    params={
        "trainer": Param("name", "sklearn (MLPClassifier) or ours (our engine)", choices=("sklearn", "ours")),
        "hidden": Param("ints", "hidden layer sizes", min=1),
        "activation": Param("name", "hidden activation", choices=("sigmoid", "logistic", "tanh", "relu", "identity")),
        "optimizer": Param("name", "adam or sgd", choices=("adam", "sgd")),
        "lr": Param("float", "learning rate", min=0, exclusive_min=True),
        "batch_size": Param("int", "samples per update", min=1),
        "epochs": Param("int", "epochs (scikit-learn: partial_fit calls)", min=1),
        "alpha": Param("float", "scikit-learn's L2 (ours: l2 = alpha / batch_size)", min=0),
    },
    roles=("autoencoder", "raw"),
    required=("trainer",),
)
def feature_classifier(job: AnalysisJob) -> dict[str, Any]:
    """Train a classifier on the bottleneck codes (``encode``) of each ``autoencoder`` run (one per seed, with that
    seed), evaluate it on the codes of the training and test parts, and compare with the ``raw``-pixel classifier
    runs (train − test accuracy gap, test accuracy drop)."""
    from ...models import MLPClassifier as OurMLP
    from ...persist import load_model
    from ...train import TrainConfig
    from ..kinds.sklearn_mlp import fit_sklearn

    p = job.params
    trainer = p["trainer"]
    settings = {"hidden": list(p.get("hidden", [32, 32])), "activation": p.get("activation", "tanh"),
                "optimizer": p.get("optimizer", "adam"), "lr": float(p.get("lr", 0.001)),
                "batch_size": int(p.get("batch_size", 200)), "epochs": int(p.get("epochs", 200)),
                "alpha": float(p.get("alpha", 0.0001))}  # fmt: skip
    aes = job.inputs.get("autoencoder", [])
    if not aes:
        raise ValueError(f"{job.where}: needs inputs.autoencoder")
    rows, curves = [], {}
    for ae_run in aes:
        ae = load_model(ae_run.model)
        if not hasattr(ae, "encode"):
            raise TypeError(f"{ae_run.model}: not an autoencoder ({type(ae).__name__})")
        data = read_npz(ae_run.data)
        F = {part: np.asarray(ae.encode(data[f"X_{part}"]), dtype=np.float32)
             for part in ("train", "val", "test") if len(data.get(f"y_{part}", []))}  # fmt: skip
        y = {part: data[f"y_{part}"] for part in F}
        val = (F["val"], y["val"]) if "val" in F else None
        t0 = time.perf_counter()
        if trainer == "sklearn":
            flat = {k: v for k, v in settings.items() if k != "alpha"}
            flat["alpha"] = settings["alpha"]
            _, model, hist, _ = fit_sklearn(flat, ae_run.seed, F["train"], y["train"], val, job.where)
        else:
            act = {"logistic": "sigmoid"}.get(settings["activation"], settings["activation"])
            model = OurMLP([F["train"].shape[1], *settings["hidden"], int(len(np.unique(y["train"])))],
                           activation=act, l2=settings["alpha"] / settings["batch_size"], seed=ae_run.seed)  # fmt: skip
            cfg = TrainConfig(optimizer=settings["optimizer"], lr=settings["lr"], batch_size=settings["batch_size"],
                              epochs=settings["epochs"], seed=ae_run.seed)  # fmt: skip
            model.fit(F["train"], y["train"], validation_data=val, config=cfg)
            hist = model.history_
        row: dict[str, Any] = {"autoencoder": f"{ae_run.experiment}/{ae_run.variant}", "seed": ae_run.seed,
                               "trainer": trainer, "n_features": int(F["train"].shape[1]),
                               "seconds": time.perf_counter() - t0}  # fmt: skip
        for part in F:
            ev = model.evaluate(F[part], y[part])
            row[f"{part}_acc"], row[f"{part}_loss"] = float(ev["acc"]), float(ev["loss"])
        row["gap"] = row["train_acc"] - row["test_acc"]
        raw = [r for r in job.inputs.get("raw", []) if r.seed == ae_run.seed] or job.inputs.get("raw", [])
        if raw:
            ms = [read_json(r.metrics) for r in raw]
            row["raw"] = f"{raw[0].experiment}/{raw[0].variant}"
            row["raw_train_acc"] = float(np.mean([m["train"]["acc"] for m in ms]))
            row["raw_test_acc"] = float(np.mean([m["test"]["acc"] for m in ms]))
            row["raw_gap"] = row["raw_train_acc"] - row["raw_test_acc"]
            row["gap_reduction"] = row["raw_gap"] - row["gap"]
            row["test_acc_drop"] = row["raw_test_acc"] - row["test_acc"]
        rows.append(row)
        curves[f"seed{ae_run.seed}_train_loss"] = hist.epoch_series("train_loss")
        curves[f"seed{ae_run.seed}_val_loss"] = hist.epoch_series("val_loss")
    out: dict[str, Any] = {"description": f"classifier on bottleneck features ({trainer})", "settings": settings}
    for key in ("train_acc", "val_acc", "test_acc", "gap", "raw_test_acc", "raw_gap", "gap_reduction", "test_acc_drop"):
        vals = [r[key] for r in rows if key in r]
        if vals:
            out[key] = float(np.mean(vals))
            out[f"{key}_sd"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else None
    out["columns"] = columns("autoencoder", "seed", "train_acc=train acc", "test_acc=test acc",
                             "gap=train - test", "raw_train_acc=raw pixels: train acc",
                             "raw_test_acc=raw pixels: test acc", "raw_gap=raw pixels: train - test",
                             "gap_reduction=gap reduction", "test_acc_drop=test acc drop")
    out["table"] = rows
    write_json(job.json_out, out)
    write_npz(job.npz_out, **curves)
    return out
