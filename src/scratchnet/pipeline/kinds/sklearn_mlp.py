"""Reference runs with scikit-learn's ``MLPClassifier``, stored in OUR model format (seed 004's "Package").

An experiment with ``model: sklearn_mlp`` is trained by scikit-learn, one epoch per
``partial_fit`` call, so a per-epoch history like ours can be recorded. After every evaluated epoch the estimator's
``coefs_`` / ``intercepts_`` are copied into a :class:`~scratchnet.models.MLPClassifier` of the same architecture and
our engine computes the training and validation loss and accuracy (our definitions: mean cross-entropy without the
penalty). At the end that model is saved with :func:`~scratchnet.persist.save_model` and the history written in the
shape of :class:`~scratchnet.train.History`, so the ordinary evaluate step, tables and figures work unchanged.
Nothing is pickled.

Run parameters (the same flat mapping as our experiments; anything else is an error naming the key):

- ``split``, ``hidden``, ``output`` (``softmax``; two classes get scikit-learn's single logistic unit, which is
  our one-sigmoid-unit classifier), ``monitor`` (``val`` or ``test``);
- ``activation``: our names ``sigmoid`` (scikit-learn's ``logistic``), ``tanh``, ``relu``, ``identity``;
- ``optimizer``: ``sgd`` (momentum 0, no Nesterov: plain gradient descent), ``momentum`` (with ``momentum``,
  no Nesterov) or ``adam`` (``beta1``, ``beta2``, ``eps``); ``lr`` (constant), ``batch_size`` (null = full batch),
  ``epochs``, ``shuffle``, ``eval_every``, ``eval_train``;
- ``alpha``: scikit-learn's own L2 strength. Its loss adds ``alpha / (2 n) * sum ||W||^2`` per batch of ``n``
  samples, i.e. ``alpha / n`` in our scaling (``l2``), so ``l1`` / ``l2`` are refused rather than silently converted.

Where scikit-learn cannot match our runs: it initialises with its own Glorot variant (uniform with bound
``sqrt(6 / (fan_in + fan_out))``, ``sqrt(2 / ...)`` for logistic units, and uniform, not zero, biases); it shuffles
with its own ``RandomState`` stream (seeded from the run seed; passed as an instance, because an integer
``random_state`` is re-seeded on every ``partial_fit`` call and would repeat the same batch order every epoch); and
its reported epoch loss is the mean objective of the epoch's batches including its penalty.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ...layers import Linear
from ...models import MLPClassifier
from ...train import History
from ..io import read_npz
from ..params import Param
from ..registry import RunSpec, run_kind
from ..run_steps import CLASSIFIER_HISTORY, RUN_PARAMS, evaluate_model, monitored, save_run
from .engine import TRAIN_PARAMS

log = logging.getLogger(__name__)

SK_ACTIVATION = {"sigmoid": "logistic", "logistic": "logistic", "tanh": "tanh", "relu": "relu", "identity": "identity"}
OUR_ACTIVATION = {"logistic": "sigmoid", "tanh": "tanh", "relu": "relu", "identity": "identity"}
PARAMS: dict[str, Param] = {
    **RUN_PARAMS,
    **{k: TRAIN_PARAMS[k] for k in ("lr", "momentum", "beta1", "beta2", "eps", "batch_size", "epochs", "shuffle",
                                    "eval_every", "eval_train")},  # fmt: skip
    "optimizer": Param("name", "sgd (no momentum), momentum or adam", choices=("sgd", "momentum", "adam")),
    "hidden": Param("ints", "hidden layer sizes", min=1),
    "output": Param("name", "softmax (scikit-learn picks its own output unit)", choices=("softmax",)),
    "activation": Param("name", "hidden activation (our names)", choices=SK_ACTIVATION),
    "alpha": Param("float", "scikit-learn's L2 strength, alpha / (2 n_batch) sum ||W||^2", min=0),
}
ALLOWED = set(PARAMS)


def _cross_checks(params: dict[str, Any]) -> list[str]:
    if "epochs" in params and params["epochs"] is None:
        return ["epochs: scikit-learn's reference needs a number of epochs, got null"]
    return []


def sklearn_settings(params: dict[str, Any], seed: int, n_samples: int, where: str = "sklearn_mlp") -> dict[str, Any]:
    """Keyword arguments of ``sklearn.neural_network.MLPClassifier`` for our flat run parameters
    (``n_samples``: the training-set size, the batch size of ``batch_size: null``).

    ``random_state`` is a ``np.random.RandomState`` seeded by ``seed`` (see the module docstring for why).
    Raises ``ValueError`` naming an unsupported key or value.
    """
    unknown = sorted(set(params) - ALLOWED)
    if unknown:
        hint = " (scikit-learn's L2 is 'alpha', scaled alpha / (2 n_batch))" if {"l1", "l2"} & set(unknown) else ""
        raise ValueError(f"{where}: parameter(s) {unknown} not supported by the scikit-learn reference{hint}")
    activation = params.get("activation", "relu")
    if activation not in SK_ACTIVATION:
        known = sorted(SK_ACTIVATION)
        raise ValueError(f"{where}: activation {activation!r} has no scikit-learn equivalent; use one of {known}")
    if params.get("output", "softmax") != "softmax":
        raise ValueError(f"{where}: output must be 'softmax' (scikit-learn picks its own output unit)")
    batch_size = params.get("batch_size", 32)
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"{where}: batch_size must be a positive integer or null (full batch), got {batch_size!r}")
    kw: dict[str, Any] = {
        "hidden_layer_sizes": tuple(int(h) for h in params.get("hidden", [100])),
        "activation": SK_ACTIVATION[activation],
        "alpha": float(params.get("alpha", 0.0)),
        "batch_size": batch_size if batch_size is not None else n_samples,
        "learning_rate": "constant",
        "learning_rate_init": float(params.get("lr", 0.01)),
        "shuffle": bool(params.get("shuffle", True)),
        "random_state": np.random.RandomState(seed),
        "early_stopping": False,
        "max_iter": 1,
    }
    optimizer = params.get("optimizer", "sgd")
    if optimizer == "sgd":
        kw.update(solver="sgd", momentum=0.0, nesterovs_momentum=False)
    elif optimizer == "momentum":
        kw.update(solver="sgd", momentum=float(params.get("momentum", 0.9)), nesterovs_momentum=False)
    elif optimizer == "adam":
        kw.update(
            solver="adam",
            beta_1=float(params.get("beta1", 0.9)),
            beta_2=float(params.get("beta2", 0.999)),
            epsilon=float(params.get("eps", 1e-8)),
        )
    else:
        raise ValueError(f"{where}: optimizer {optimizer!r} not available in scikit-learn; use sgd, momentum or adam")
    return kw


def scratchnet_model(clf: Any, dtype: str = "float32", seed: int = 0) -> MLPClassifier:
    """Our :class:`MLPClassifier` holding a fitted scikit-learn ``MLPClassifier``'s weights and classes."""
    sizes = [int(clf.coefs_[0].shape[0])] + [int(c.shape[1]) for c in clf.coefs_]
    model = MLPClassifier(sizes, activation=OUR_ACTIVATION[clf.activation], dtype=dtype, seed=seed)
    copy_weights(clf, model)
    return model


def linear_layers(net: Any) -> list[Linear]:
    """The Linear layers of a (possibly nested) Sequential in forward order (an autoencoder: encoder, decoder)."""
    out: list[Linear] = []
    for layer in getattr(net, "layers", []):
        out += [layer] if isinstance(layer, Linear) else linear_layers(layer)
    return out


def copy_weights(clf: Any, model: Any) -> None:
    """Copy ``clf.coefs_`` / ``clf.intercepts_`` into ``model``'s Linear layers (in place) and, for a classifier,
    set ``classes_``.

    scikit-learn's ``coefs_[i]`` has shape (fan_in, fan_out), as our ``W``; ``intercepts_[i]`` is our ``b``.
    """
    linears = linear_layers(model.net)
    if len(linears) != len(clf.coefs_):
        raise ValueError(f"scikit-learn model has {len(clf.coefs_)} weight matrices, ours {len(linears)} Linear layers")
    for i, (layer, W, b) in enumerate(zip(linears, clf.coefs_, clf.intercepts_, strict=True)):
        if layer.params["W"].shape != W.shape or layer.params["b"].shape != b.shape:
            raise ValueError(
                f"layer {i}: scikit-learn W {W.shape}, b {b.shape}; ours W {layer.params['W'].shape}, "
                f"b {layer.params['b'].shape}"
            )
        layer.params["W"][...] = W
        layer.params["b"][...] = b
    if hasattr(clf, "classes_"):
        model.classes_ = np.asarray(clf.classes_)


def fit_sklearn(
    params: dict[str, Any],
    seed: int,
    X: np.ndarray,
    y: np.ndarray,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    where: str = "sklearn_mlp",
) -> tuple[Any, MLPClassifier, History, dict[str, Any]]:
    """Train scikit-learn's MLPClassifier epoch by epoch; return (estimator, our model with its weights, history,
    settings). The history's epoch records have our keys: ``epoch``, ``updates``, ``loss`` (scikit-learn's mean
    batch objective of the epoch), ``train_loss``/``train_acc``, ``val_loss``/``val_acc`` (computed by our engine)."""
    from sklearn.neural_network import MLPClassifier as SkMLPClassifier

    clf = SkMLPClassifier(**sklearn_settings(params, seed, len(X), where))
    classes = np.unique(y)
    fit_epoch = lambda: clf.partial_fit(X, y, classes=classes)  # noqa: E731
    model, hist, settings = fit_epochwise(clf, fit_epoch, scratchnet_model, params, seed, X, y, validation_data, where)
    return clf, model, hist, settings


def fit_epochwise(
    est: Any,
    fit_epoch: Callable[[], Any],
    to_ours: Callable[..., Any],
    params: dict[str, Any],
    seed: int,
    X: np.ndarray,
    y: np.ndarray,
    validation_data: tuple[np.ndarray, np.ndarray] | None,
    where: str,
) -> tuple[Any, History, dict[str, Any]]:
    """Train a scikit-learn estimator one epoch per ``fit_epoch()`` call (a ``partial_fit``), copying its weights
    after every epoch into our model (``to_ours(est, dtype=..., seed=...)`` builds it the first time) so that our
    engine computes the per-epoch ``train_*`` / ``val_*`` records. Returns (our model, history, settings)."""
    epochs = params.get("epochs", 10)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"{where}: epochs must be a positive integer, got {epochs!r}")
    eval_every = int(params.get("eval_every", 1))
    eval_train = bool(params.get("eval_train", True))
    n = len(X)
    bs = min(int(est.get_params()["batch_size"]), n)
    steps = math.ceil(n / bs)
    hist = History(update_loss=np.zeros(0), batch_size=bs)
    dtype = X.dtype.name if X.dtype in (np.float32, np.float64) else "float32"
    model = None
    fit_seconds = 0.0
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        t1 = time.perf_counter()
        fit_epoch()
        fit_seconds += time.perf_counter() - t1
        record: dict[str, float] = {"epoch": epoch, "updates": epoch * steps, "loss": float(est.loss_)}
        if not math.isfinite(record["loss"]):
            raise FloatingPointError(f"{where}: scikit-learn's loss became {record['loss']} at epoch {epoch}")
        if model is None:
            model = to_ours(est, dtype=dtype, seed=seed)
        else:
            copy_weights(est, model)
        if epoch % eval_every == 0 or epoch == epochs:
            if eval_train:
                record.update({f"train_{k}": v for k, v in model.evaluate(X, y).items()})
            if validation_data is not None:
                record.update({f"val_{k}": v for k, v in model.evaluate(*validation_data).items()})
        hist.epochs.append(record)
    hist.seconds = time.perf_counter() - t0
    hist.n_epochs, hist.n_updates = epochs, epochs * steps
    settings = {k: v for k, v in est.get_params().items() if k != "random_state"}
    settings.update(random_state=f"np.random.RandomState({seed})", epochs=epochs, fit_seconds=fit_seconds)
    return model, hist, settings


def agreement(clf: Any, model: MLPClassifier, X: np.ndarray) -> dict[str, float]:
    """How closely our model with the copied weights reproduces scikit-learn: share of equal predictions and the
    largest absolute difference of predicted probabilities."""
    p_sk = clf.predict_proba(X)
    p_ours = model.predict_proba(X)
    return {
        "pred_agreement": float(np.mean(clf.predict(X) == model.predict(X))),
        "max_abs_proba_diff": float(np.max(np.abs(p_sk.astype(np.float64) - p_ours.astype(np.float64)))),
        "n": int(len(X)),
    }


@run_kind("sklearn_mlp", params=PARAMS, evaluate=evaluate_model, validate=_cross_checks, history=CLASSIFIER_HISTORY)
def train_sklearn_run(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> History:
    """scikit-learn's MLPClassifier, one ``partial_fit`` per epoch, saved in our model format."""
    import sklearn

    data = read_npz(data_npz)
    monitor, val = monitored(run, data)
    log.info("%s: scikit-learn %s MLPClassifier, %s", run.where, sklearn.__version__, run.params)
    clf, model, hist, settings = fit_sklearn(run.params, run.seed, data["X_train"], data["y_train"], val, run.where)
    check = agreement(clf, model, val[0] if val is not None else data["X_train"])
    log.info(
        "trained %d epochs in %.2f s (scikit-learn's partial_fit: %.2f s); our model with its weights: %s",
        hist.n_epochs,
        hist.seconds,
        settings["fit_seconds"],
        check,
    )
    if check["pred_agreement"] < 0.999:
        raise RuntimeError(f"{run.where}: our model with scikit-learn's weights disagrees with it: {check}")
    save_run(
        model,
        hist,
        run,
        settings,
        model_out,
        history_out,
        monitor,
        reference={"library": "scikit-learn", "version": sklearn.__version__, "check": check},
    )
    return hist
