"""Our NumPy engine's models as run kinds: perceptron, logistic_regression, mlp_classifier, mlp_regressor.

A run's flat parameters split into training settings (the fields of :class:`~scratchnet.train.TrainConfig`), run
keys (``split``, ``monitor``, and ``hidden`` / ``output``, which build ``layer_sizes`` from the data) and model
constructor arguments."""

from __future__ import annotations

import inspect
import logging
import time
from typing import Any

import numpy as np

from ...init import INITIALIZERS as INIT_NAMES
from ...layers import ACTIVATIONS as ACTIVATION_NAMES
from ...models import build_model
from ...optim import OPTIMIZERS as OPTIMIZER_NAMES
from ...train import TrainConfig
from ..io import read_npz
from ..params import Param
from ..registry import RunSpec, run_kind
from ..run_steps import CLASSIFIER_HISTORY, HISTORY, PARTS, RUN_PARAMS, evaluate_model, monitored, save_run

log = logging.getLogger(__name__)


def _optimizer_options(name: str) -> dict[str, Param]:
    """The keys an optimiser given as a mapping accepts: its constructor's arguments, specified as run parameters."""
    accepted = inspect.signature(OPTIMIZER_NAMES[name]).parameters
    return {k: TRAIN_PARAMS.get(k, Param("any")) for k in accepted}


TRAIN_PARAMS: dict[str, Param] = {
    "optimizer": Param("name", "sgd, momentum or adam", choices=OPTIMIZER_NAMES, mapping_ok=True,
                       options=lambda name: _optimizer_options(name)),  # fmt: skip
    "lr": Param("float", "learning rate", min=0, exclusive_min=True),
    "momentum": Param("float", "momentum coefficient", min=0, max=1),
    "beta1": Param("float", "Adam's first-moment decay", min=0, max=1),
    "beta2": Param("float", "Adam's second-moment decay", min=0, max=1),
    "eps": Param("float", "Adam's epsilon", min=0, exclusive_min=True),
    "batch_size": Param("int", "samples per update (null or 'full': full batch)", min=1, nullable=True,
                        also=("full",)),  # fmt: skip
    "epochs": Param("int", "passes over the training set", min=1, nullable=True),
    "max_updates": Param("int", "update budget", min=1, nullable=True),
    "shuffle": Param("bool", "reshuffle every epoch"),
    "patience": Param("int", "early stopping: epochs without improvement", min=1, nullable=True),
    "min_delta": Param("float", "early stopping: smallest improvement", min=0),
    "stop_when_converged": Param("bool", "stop when the model reports convergence (perceptron)"),
    "eval_train": Param("bool", "evaluate the training set every epoch"),
    "eval_every": Param("int", "evaluate every N epochs", min=1),
    "eval_initial": Param("bool", "record losses before the first update (epoch 0)"),
}
assert set(TRAIN_PARAMS) | {"seed"} == {f for f in TrainConfig.__dataclass_fields__}, "TRAIN_PARAMS out of date"

_layer_init = Param("any", "initialiser name, {name: ..., **kwargs}, or one per layer")
_common = {"l1": Param("float", "L1 strength (alpha sum |W|)", min=0),
           "l2": Param("float", "L2 strength (alpha/2 sum ||W||^2)", min=0),
           "dtype": Param("name", "float32 or float64", choices=("float32", "float64"))}  # fmt: skip
_activation = Param("name", "hidden activation", choices=ACTIVATION_NAMES, mapping_ok=True)
_mlp = {
    "hidden": Param("ints", "hidden layer sizes", min=1),
    "output": Param("name", "output units", choices=("sigmoid", "softmax", "identity")),
    "layer_sizes": Param("ints", "all layer sizes (instead of hidden)", min=1, min_len=2),
    "activation": _activation,
    "init": _layer_init,
    "bias_init": _layer_init,
}

# Classifiers and regressors fitted to labels. Autoencoders (fitted to their inputs, evaluated by reconstruction)
# are run kinds of their own: mnist_autoencoder (kinds/autoencoder.py), mlp_autoencoder
# (kinds/regressor_autoencoders.py).
MODEL_PARAMS: dict[str, dict[str, Param]] = {
    "perceptron": {
        "init": _layer_init,
        "reduction": Param("name", "criterion reduction", choices=("sum", "mean", "mean_misclassified")),
    },
    "logistic_regression": {"init": _layer_init},
    "mlp_classifier": _mlp,
    "mlp_regressor": _mlp,
}


def _check_init_names(params: dict[str, Any]) -> list[str]:
    errors = []
    for key in ("init", "bias_init"):
        values = params.get(key)
        for v in values if isinstance(values, list) else [values]:
            name = v.get("name") if isinstance(v, dict) else v
            if v is not None and name not in INIT_NAMES:
                errors.append(f"{key}: unknown initialiser {name!r} (known: {', '.join(sorted(INIT_NAMES))})")
    if params.get("epochs") is None and params.get("max_updates") is None and "epochs" in params:
        errors.append("epochs: null needs max_updates (a budget is required)")
    return errors


def resolve(
    params: dict[str, Any], n_features: int, n_classes: int, n_targets: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split flat run parameters into (model kwargs, train kwargs), building ``layer_sizes`` from ``hidden``.

    ``output``: ``"sigmoid"`` (one output unit; the default for two classes), ``"softmax"`` (one unit per class) or
    ``"identity"`` (regression: one unit per target, ``n_targets``).
    """
    model_kw: dict[str, Any] = {}
    train_kw: dict[str, Any] = {}
    for k, v in params.items():
        if k in TRAIN_PARAMS:
            train_kw[k] = v
        elif k not in RUN_PARAMS and k not in ("hidden", "output"):
            model_kw[k] = v
    if "hidden" in params:
        output = params.get("output", "sigmoid" if n_classes == 2 else "softmax")
        if output not in ("sigmoid", "softmax", "identity"):
            raise ValueError(f"output: unknown output {output!r} (known: identity, sigmoid, softmax)")
        n_out = {"sigmoid": 1, "identity": n_targets}.get(output, n_classes)
        model_kw["layer_sizes"] = [n_features, *list(params["hidden"] or []), n_out]
    return model_kw, train_kw


def build_run(run: RunSpec, data: dict[str, np.ndarray]):
    """The model and training configuration of one run; the run seed drives initialisation and shuffling."""
    X, y = data["X_train"], data["y_train"]
    params = dict(run.params)
    if run.kind == "mlp_regressor":  # targets, not classes: the output size is the target dimension
        params.setdefault("output", "identity")
        if params["output"] != "identity":
            raise ValueError(f"{run.where}: output {params['output']!r}: a regressor's output is 'identity'")
        n_classes = 0
    else:
        n_classes = len(np.unique(np.concatenate([data[f"y_{p}"] for p in PARTS if f"y_{p}" in data])))
    model_kw, train_kw = resolve(params, X.shape[1], n_classes, n_targets=1 if y.ndim == 1 else y.shape[1])
    if "layer_sizes" not in model_kw and run.kind in ("logistic_regression", "perceptron"):
        model_kw["n_features"] = X.shape[1]
    model = build_model(run.kind, **model_kw, seed=run.seed)
    return model, TrainConfig.from_dict({**train_kw, "seed": run.seed})


def train_engine(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> None:
    """Train one run with our NumPy engine."""
    data = read_npz(data_npz)
    model, config = build_run(run, data)
    monitor, val = monitored(run, data)
    log.info("%s: %r, %s", run.where, model, config)
    t0 = time.perf_counter()
    model.fit(data["X_train"], data["y_train"], validation_data=val, config=config)
    hist = model.history_
    log.info("trained %d updates / %d epochs in %.2f s (stopped: %s)", hist.n_updates, hist.n_epochs,
             time.perf_counter() - t0, hist.stopped)  # fmt: skip
    save_run(model, hist, run, config.to_dict(), model_out, history_out, monitor)


for _kind, _spec in MODEL_PARAMS.items():
    run_kind(
        _kind,
        params={**RUN_PARAMS, **TRAIN_PARAMS, **_common, **_spec},
        evaluate=evaluate_model,
        validate=_check_init_names,
        history=HISTORY if _kind == "mlp_regressor" else CLASSIFIER_HISTORY,
    )(train_engine)
