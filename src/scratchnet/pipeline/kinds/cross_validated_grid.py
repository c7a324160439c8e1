"""The cross-validation of ONE grid-search configuration as a run kind, for scikit-learn and for our engine, so
that a 36-configuration grid is 36 jobs that ``--cores N`` runs side by side.

``sklearn_grid_config`` / ``engine_grid_config``
    One configuration of a grid search: ``folds``-fold stratified cross-validation on the training part (or the
    parts ``cv_parts`` pooled, e.g. ``[train, val]``), folds in data order without shuffling (what
    ``GridSearchCV(cv=folds)`` does for a classifier), then (``refit: true``) one fit on all of it, saved and
    evaluated like any run. The mean (and the standard deviation with
    ``ddof=0``, as ``GridSearchCV.cv_results_['std_test_score']``) of the fold accuracies are exported as the run
    scalars ``cv_acc`` and ``cv_acc_sd``, so an experiment with ``select_by: cv_acc`` selects the grid's winner.
    Parameters use scikit-learn's names: ``solver`` (``adam``, ``sgd``, ``lbfgs``), ``lr``
    (``learning_rate_init``), ``batch_size``, ``max_iter``, ``alpha``, ``momentum``, ``nesterov``, ``tol``.
    scikit-learn's fits call ``fit`` with these (``random_state`` is the run seed: every fold starts from the same
    weights, as a cloned estimator with an integer seed does in ``GridSearchCV``); ``lbfgs`` ignores ``lr`` and
    ``batch_size`` (the run records that). Our engine mirrors ``adam`` exactly and ``sgd`` only with
    ``nesterov: false`` (its momentum is classical); it has no L-BFGS (refused at DAG build). It runs the whole
    ``max_iter`` epochs: scikit-learn's ``fit`` also stops when the training loss has not improved by ``tol`` for
    ``n_iter_no_change`` (10) epochs. scikit-learn's penalty ``alpha / (2 n_batch) Σ‖W‖²`` per batch is our
    ``l2 = alpha / batch_size``.
"""

from __future__ import annotations

import logging
import time
import warnings
from typing import Any

import numpy as np

from ...models import MLPClassifier
from ...train import History, TrainConfig
from ..io import read_npz, write_json
from ..params import Param
from ..registry import RunSpec, run_kind
from ..run_steps import CLASSIFIER_HISTORY, PARTS, RUN_PARAMS, evaluate_model, monitored, save_run
from .sklearn_mlp import (
    SK_ACTIVATION,
    agreement,
    scratchnet_model,
)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------------------------

CV_SCALARS = ("cv_acc", "cv_acc_sd", "cv_n_iter")  # the run scalars evaluate_cv adds
SOLVERS = ("adam", "sgd", "lbfgs")
GRID_PARAMS: dict[str, Param] = {
    **RUN_PARAMS,
    "hidden": Param("ints", "hidden_layer_sizes", min=1),
    "activation": Param("name", "hidden activation (scikit-learn or our names)", choices=SK_ACTIVATION),
    "solver": Param("name", "scikit-learn's solver", choices=SOLVERS),
    "lr": Param("float", "learning_rate_init", min=0, exclusive_min=True),
    "batch_size": Param("int", "samples per update (not used by lbfgs)", min=1),
    "max_iter": Param("int", "epochs (adam, sgd) or iterations (lbfgs)", min=1),
    "alpha": Param("float", "scikit-learn's L2 strength (alpha / (2 n_batch) sum ||W||^2)", min=0),
    "momentum": Param("float", "sgd momentum", min=0, max=1),
    "nesterov": Param("bool", "sgd with Nesterov's momentum (scikit-learn's default)"),
    "tol": Param("float", "scikit-learn: stop when the training loss improves by less for 10 epochs", min=0),
    "folds": Param("int", "cross-validation folds (stratified, data order, no shuffle)", min=2),
    "refit": Param("bool", "fit once more on all the cross-validated images and save that model (else fold 1's)"),
    "cv_parts": Param("strs", "parts pooled for cross-validation and the refit (with val: its metrics are not "
                      "held out)", choices=("train", "val"), min_len=1),
    "eval_every": Param("int", "our engine: evaluate every N epochs of the refit", min=1),
}
GRID_DEFAULTS: dict[str, Any] = {"hidden": [100], "activation": "relu", "solver": "adam", "lr": 0.001,
                                 "batch_size": 200, "max_iter": 200, "alpha": 0.0001, "momentum": 0.9,
                                 "nesterov": True, "tol": 0.0001, "folds": 3, "refit": True,
                                 "cv_parts": ["train"]}  # fmt: skip


def _grid_settings(params: dict[str, Any]) -> dict[str, Any]:
    return {**GRID_DEFAULTS, **{k: v for k, v in params.items() if k in GRID_DEFAULTS}}


def ignored_settings(params: dict[str, Any]) -> list[str]:
    """Settings the configuration's solver does not use (lbfgs: ``lr``, ``batch_size``, ``momentum``, ...)."""
    s = _grid_settings(params)
    if s["solver"] == "lbfgs":
        return ["lr", "batch_size", "momentum", "nesterov"]
    if s["solver"] == "adam":
        return ["momentum", "nesterov"]
    return []


def _engine_checks(params: dict[str, Any]) -> list[str]:
    s = _grid_settings(params)
    errors = []
    if s["solver"] == "lbfgs":
        errors.append("solver: our engine has no L-BFGS; use adam or sgd (or scikit-learn's sklearn_grid_config)")
    if s["solver"] == "sgd" and s["nesterov"]:
        errors.append("nesterov: our engine's momentum is classical; set nesterov: false to mirror sgd")
    return errors


def _folds(y: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits=k, shuffle=False).split(np.zeros(len(y)), y))


def _sk_classifier(params: dict[str, Any], seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    s = _grid_settings(params)
    return SkMLPClassifier(
        hidden_layer_sizes=tuple(int(h) for h in s["hidden"]),
        activation=SK_ACTIVATION[s["activation"]],
        solver=s["solver"],
        alpha=float(s["alpha"]),
        batch_size=int(s["batch_size"]),
        learning_rate_init=float(s["lr"]),
        max_iter=int(s["max_iter"]),
        momentum=float(s["momentum"]),
        nesterovs_momentum=bool(s["nesterov"]),
        tol=float(s["tol"]),
        random_state=int(seed),
    )


def _sk_fit(params: dict[str, Any], seed: int, X: np.ndarray, y: np.ndarray) -> tuple[Any, dict[str, Any]]:
    from sklearn.exceptions import ConvergenceWarning

    clf = _sk_classifier(params, seed)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(X, y)
    curve = [float(v) for v in getattr(clf, "loss_curve_", [])]
    info = {"n_iter": int(clf.n_iter_), "seconds": time.perf_counter() - t0, "final_loss": float(clf.loss_),
            "converged_warning": any(issubclass(w.category, ConvergenceWarning) for w in caught),
            "loss_curve": curve}  # fmt: skip
    return clf, info


def _engine_model(params: dict[str, Any], seed: int, n_features: int, n_classes: int, dtype: str) -> MLPClassifier:
    s = _grid_settings(params)
    act = {"logistic": "sigmoid"}.get(s["activation"], s["activation"])
    return MLPClassifier([n_features, *[int(h) for h in s["hidden"]], n_classes], activation=act,
                         l2=float(s["alpha"]) / int(s["batch_size"]), dtype=dtype, seed=seed)  # fmt: skip


def _engine_config(params: dict[str, Any], seed: int, eval_train: bool = False) -> TrainConfig:
    s = _grid_settings(params)
    opt = {"adam": "adam", "sgd": "momentum" if s["momentum"] > 0 else "sgd"}[s["solver"]]
    return TrainConfig(optimizer=opt, lr=float(s["lr"]), momentum=float(s["momentum"]), batch_size=int(s["batch_size"]),
                       epochs=int(s["max_iter"]), seed=seed, eval_train=eval_train,
                       eval_every=int(params.get("eval_every", 1)))  # fmt: skip


def _engine_fit(
    params: dict[str, Any], seed: int, X: np.ndarray, y: np.ndarray, n_classes: int, val: Any = None
) -> tuple[MLPClassifier, dict[str, Any]]:
    dtype = X.dtype.name if X.dtype in (np.float32, np.float64) else "float32"
    model = _engine_model(params, seed, X.shape[1], n_classes, dtype)
    t0 = time.perf_counter()
    model.fit(X, y, validation_data=val, config=_engine_config(params, seed, eval_train=val is not None))
    h = model.history_
    curve = [float(e["loss"]) for e in h.epochs]
    return model, {"n_iter": int(h.n_epochs), "seconds": time.perf_counter() - t0,
                   "final_loss": curve[-1] if curve else None, "loss_curve": curve}  # fmt: skip


def cv_data(run: RunSpec, data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The images the configuration is cross-validated and refit on: the parts ``cv_parts`` (default the training
    part) concatenated in that order."""
    parts = list(_grid_settings(run.params)["cv_parts"])
    missing = [p for p in parts if f"X_{p}" not in data or len(data[f"y_{p}"]) == 0]
    if missing:
        raise ValueError(f"{run.where}: cv_parts {missing} not in the split data")
    return np.concatenate([data[f"X_{p}"] for p in parts]), np.concatenate([data[f"y_{p}"] for p in parts])


def cross_validate(run: RunSpec, data: dict[str, np.ndarray], trainer: str) -> dict[str, Any]:
    """Fold accuracies of one configuration on :func:`cv_data` (``trainer``: ``sklearn`` or ``engine``)."""
    X, y = cv_data(run, data)
    k = int(_grid_settings(run.params)["folds"])
    n_classes = int(len(np.unique(np.concatenate([data[f"y_{p}"] for p in PARTS if f"y_{p}" in data]))))
    folds = []
    for i, (tr, te) in enumerate(_folds(y, k), start=1):
        if trainer == "sklearn":
            clf, info = _sk_fit(run.params, run.seed, X[tr], y[tr])
            acc = float(np.mean(clf.predict(X[te]) == y[te]))
        else:
            model, info = _engine_fit(run.params, run.seed, X[tr], y[tr], n_classes)
            acc = float(np.mean(model.predict(X[te]) == y[te]))
        folds.append({"fold": i, "n_train": int(len(tr)), "n_test": int(len(te)), "acc": acc, **info})
        log.info("%s: fold %d/%d accuracy %.4f (%d epochs/iterations, %.1f s)", run.where, i, k, acc,
                 info["n_iter"], info["seconds"])  # fmt: skip
    accs = np.array([f["acc"] for f in folds])
    return {"trainer": trainer, "k": k, "folds": folds, "mean": float(accs.mean()), "sd": float(accs.std(ddof=0)),
            "ignored": ignored_settings(run.params)}  # fmt: skip


def _train_grid_config(run: RunSpec, data_npz: str, model_out: str, history_out: str, trainer: str) -> History:
    data = read_npz(data_npz)
    monitor, val = monitored(run, data)
    t0 = time.perf_counter()
    cv = cross_validate(run, data, trainer)
    X, y = cv_data(run, data)
    refit = bool(_grid_settings(run.params)["refit"])
    Xf, yf = (X, y) if refit else (X[_folds(y, cv["k"])[0][0]], y[_folds(y, cv["k"])[0][0]])
    n_classes = int(len(np.unique(np.concatenate([data[f"y_{p}"] for p in PARTS if f"y_{p}" in data]))))
    meta: dict[str, Any] = {"cv": cv, "refit": refit}
    if trainer == "sklearn":
        import sklearn

        clf, info = _sk_fit(run.params, run.seed, Xf, yf)
        model = scratchnet_model(clf, dtype=X.dtype.name, seed=run.seed)
        check = agreement(clf, model, val[0] if val is not None else X)
        if check["pred_agreement"] < 0.999:
            raise RuntimeError(f"{run.where}: our model with scikit-learn's weights disagrees with it: {check}")
        hist = History(update_loss=np.zeros(0), batch_size=min(int(clf.batch_size), len(Xf)))
        hist.epochs = [{"epoch": i + 1, "loss": v} for i, v in enumerate(info["loss_curve"])]
        if hist.epochs and val is not None:
            hist.epochs[-1].update({f"val_{k}": v for k, v in model.evaluate(*val).items()})
        hist.n_epochs = info["n_iter"]
        settings = {k: v for k, v in clf.get_params().items()}
        meta["reference"] = {"library": "scikit-learn", "version": sklearn.__version__, "check": check}
    else:
        model, info = _engine_fit(run.params, run.seed, Xf, yf, n_classes, val)
        hist = model.history_
        settings = _engine_config(run.params, run.seed).to_dict()
    meta["fit"] = {k: v for k, v in info.items() if k != "loss_curve"}
    hist.seconds = time.perf_counter() - t0
    log.info("%s: cross-validated accuracy %.4f ± %.4f (%d folds); all fits %.1f s", run.where, cv["mean"], cv["sd"],
             cv["k"], hist.seconds)  # fmt: skip
    save_run(model, hist, run, settings, model_out, history_out, monitor, **meta)
    return hist


def evaluate_cv(
    run: RunSpec, model_path: str, history_path: str, data_npz: str, metrics_out: str, predictions_out: str
) -> dict[str, Any]:
    """The default evaluation of the saved (refit) model, plus the cross-validation results and the run scalars
    ``cv_acc`` (mean fold accuracy), ``cv_acc_sd`` (ddof=0) and ``cv_n_iter`` (mean epochs or iterations)."""
    result = evaluate_model(run, model_path, history_path, data_npz, metrics_out, predictions_out)
    cv = result["meta"]["cv"]
    result["cv"] = cv
    result["scalars"] = {"cv_acc": cv["mean"], "cv_acc_sd": cv["sd"],
                         "cv_n_iter": float(np.mean([f["n_iter"] for f in cv["folds"]]))}  # fmt: skip
    write_json(metrics_out, result)
    return result


# scikit-learn's refit records its loss per epoch, and the monitored part is evaluated once, at the last epoch
@run_kind("sklearn_grid_config", params=GRID_PARAMS, evaluate=evaluate_cv, scalars=CV_SCALARS,
          history=("epoch", "loss", "val_loss", "val_acc"))
def train_sklearn_grid_config(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> History:
    """One grid-search configuration with scikit-learn's MLPClassifier: k-fold CV, then a refit, saved in our
    format."""
    return _train_grid_config(run, data_npz, model_out, history_out, "sklearn")


@run_kind("engine_grid_config", GRID_PARAMS, evaluate_cv, validate=_engine_checks, scalars=CV_SCALARS,
          history=CLASSIFIER_HISTORY)
def train_engine_grid_config(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> History:
    """One grid-search configuration with our engine's MLPClassifier (adam, or sgd with classical momentum):
    k-fold CV on the same folds, then a refit."""
    return _train_grid_config(run, data_npz, model_out, history_out, "engine")
