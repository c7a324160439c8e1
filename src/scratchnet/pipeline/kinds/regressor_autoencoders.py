"""Autoencoders trained as MLP regressors on X -> X, by scikit-learn and by our engine in the same way, saved in
OUR model format (seed 003's Fashion-MNIST study).

``sklearn_autoencoder``
    ``MLPRegressor`` trained to reproduce its input (``fit(X, X)``), one ``partial_fit`` per epoch so that a
    per-epoch history like ours is recorded. ``hidden`` is scikit-learn's ``hidden_layer_sizes`` (e.g.
    ``[128, 64, 32, 64, 128]``); every hidden layer, the bottleneck included, has the same ``activation`` and the
    output is linear, exactly as in :class:`~scratchnet.models.Autoencoder` with ``latent_activation`` equal to
    ``activation`` and ``output_activation: identity``, into which the weights are copied after every epoch. Our
    engine then computes the losses (mean squared error over all pixels; scikit-learn's own ``loss_`` is half of
    that plus its penalty) and ``encode`` gives the bottleneck features. Settings: the keys of ``sklearn_mlp``
    (:func:`~scratchnet.pipeline.kinds.sklearn_mlp.sklearn_settings`).

``mlp_autoencoder``
    Our engine's twin of ``sklearn_autoencoder``, with the same parameters: an :class:`Autoencoder` with the same
    activation on every hidden layer and a linear output, trained on X -> X with ``l2 = alpha / batch_size``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from ...init import INITIALIZERS as INIT_NAMES
from ...models import Autoencoder
from ...persist import load_model
from ...train import History, TrainConfig
from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import RunSpec, run_kind
from ..run_steps import HISTORY, PARTS, monitored, save_run
from .sklearn_mlp import (
    OUR_ACTIVATION,
    SK_ACTIVATION,
    copy_weights,
    fit_epochwise,
    sklearn_settings,
)
from .sklearn_mlp import PARAMS as SK_MLP_PARAMS

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------------------------
# MLPRegressor autoencoder
# ----------------------------------------------------------------------------------------------------------------

AE_PARAMS: dict[str, Param] = {
    **{k: v for k, v in SK_MLP_PARAMS.items() if k != "output"},
    "hidden": Param("ints", "hidden_layer_sizes, encoder and decoder (e.g. [128, 64, 32, 64, 128])", min=1, min_len=1),
}


def autoencoder_sizes(n_features: int, hidden: list[int]) -> tuple[list[int], list[int]]:
    """Encoder and decoder sizes of our :class:`Autoencoder` for scikit-learn's ``hidden_layer_sizes``: the
    bottleneck is the (first) smallest hidden layer. ``784, [128, 64, 32, 64, 128]`` → ``[784, 128, 64, 32]``,
    ``[32, 64, 128, 784]``."""
    if not hidden:
        raise ValueError("sklearn_autoencoder: hidden must list at least one layer (the bottleneck)")
    k = int(np.argmin(hidden))
    return [n_features, *hidden[: k + 1]], [*hidden[k:], n_features]


def our_autoencoder(reg: Any, activation: str, dtype: str = "float32", seed: int = 0) -> Autoencoder:
    """Our :class:`Autoencoder` with a fitted scikit-learn ``MLPRegressor``'s weights (all hidden layers
    ``activation``, linear output)."""
    n_in = int(reg.coefs_[0].shape[0])
    hidden = [int(c.shape[1]) for c in reg.coefs_[:-1]]
    enc, dec = autoencoder_sizes(n_in, hidden)
    ours = OUR_ACTIVATION[SK_ACTIVATION[activation]]
    model = Autoencoder(enc, activation=ours, latent_activation=ours, output_activation="identity", loss="mse",
                        decoder_sizes=dec, dtype=dtype, seed=seed)  # fmt: skip
    copy_weights(reg, model)
    return model


def fit_sklearn_autoencoder(
    params: dict[str, Any], seed: int, X: np.ndarray, X_val: np.ndarray | None = None, where: str = "sklearn_ae"
) -> tuple[Any, Autoencoder, History, dict[str, Any]]:
    """Train scikit-learn's MLPRegressor on (X, X) epoch by epoch; return (estimator, our Autoencoder with its
    weights, history with our per-epoch ``train_loss`` / ``val_loss`` (MSE), settings)."""
    from sklearn.neural_network import MLPRegressor

    activation = params.get("activation", "relu")
    reg = MLPRegressor(**sklearn_settings(params, seed, len(X), where))
    model, hist, settings = fit_epochwise(
        reg,
        lambda: reg.partial_fit(X, X),
        lambda est, dtype, seed: our_autoencoder(est, activation, dtype=dtype, seed=seed),
        params,
        seed,
        X,
        X,
        None if X_val is None else (X_val, X_val),
        where,
    )
    return reg, model, hist, settings


def _ae_cross_checks(params: dict[str, Any]) -> list[str]:
    errors = []
    if "epochs" in params and params["epochs"] is None:
        errors.append("epochs: scikit-learn's reference needs a number of epochs, got null")
    if params.get("activation", "relu") not in SK_ACTIVATION:
        errors.append(f"activation: {params.get('activation')!r} has no scikit-learn equivalent")
    return errors


def evaluate_autoencoder(
    run: RunSpec, model_path: str, history_path: str, data_npz: str, metrics_out: str, predictions_out: str
) -> dict[str, Any]:
    """Reconstruction metrics of an autoencoder (any run kind saving one of ours): per part the mean squared error
    over all pixels (``loss``); predictions: the test part's reconstructions and per-image errors."""
    model = load_model(model_path)
    if not isinstance(model, Autoencoder):
        raise TypeError(f"{model_path}: expected an Autoencoder, got {type(model).__name__}")
    data = read_npz(data_npz)
    hist = read_json(history_path)
    result: dict[str, Any] = {"meta": model.metadata}
    preds: dict[str, np.ndarray] = {}
    for part in PARTS:
        X = data.get(f"X_{part}")
        if X is None or len(X) == 0:
            continue
        recon = model.reconstruct(X)
        per_image = np.mean((recon.astype(np.float64) - X) ** 2, axis=1)
        result[part] = {"n": int(len(X)), "loss": float(np.mean(per_image))}
        if part == "test":
            preds["test_recon"] = recon.astype(np.float32)
            preds["test_mse"] = per_image
    result["training"] = {
        k: hist.get(k) for k in ("n_updates", "n_epochs", "stopped", "best_epoch", "seconds", "batch_size")
    }
    if hist.get("epochs"):
        result["training"]["final"] = hist["epochs"][-1]
    if "test" in result:
        result["scalars"] = {"test_mse": result["test"]["loss"]}
    write_json(metrics_out, result)
    write_npz(predictions_out, **preds)
    return result


AE_SCALARS = ("test_mse",)  # the run scalars evaluate_autoencoder adds


@run_kind("sklearn_autoencoder", AE_PARAMS, evaluate_autoencoder, validate=_ae_cross_checks, scalars=AE_SCALARS,
          history=HISTORY)
def train_sklearn_autoencoder(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> History:
    """scikit-learn's MLPRegressor fitted to reproduce its input, one ``partial_fit`` per epoch, saved as our
    Autoencoder."""
    import sklearn

    data = read_npz(data_npz)
    monitor, val = monitored(run, data)
    X = data["X_train"]
    log.info("%s: scikit-learn %s MLPRegressor(X -> X), %s", run.where, sklearn.__version__, run.params)
    reg, model, hist, settings = fit_sklearn_autoencoder(
        run.params, run.seed, X, None if val is None else val[0], run.where
    )
    probe = X[: min(len(X), 500)]
    diff = float(np.max(np.abs(reg.predict(probe) - model.reconstruct(probe))))
    log.info("trained %d epochs in %.2f s; our model with its weights: max |difference| %.2e", hist.n_epochs,
             hist.seconds, diff)  # fmt: skip
    if diff > 1e-3:
        raise RuntimeError(f"{run.where}: our autoencoder with scikit-learn's weights differs from it by {diff:.3g}")
    check = {"max_abs_recon_diff": diff, "n": int(len(probe))}
    save_run(model, hist, run, settings, model_out, history_out, monitor,
             reference={"library": "scikit-learn", "version": sklearn.__version__, "check": check})  # fmt: skip
    return hist


ENGINE_AE_PARAMS: dict[str, Param] = {
    **{k: v for k, v in AE_PARAMS.items() if k not in ("activation", "optimizer")},
    "activation": Param("name", "every hidden layer's activation (our or scikit-learn's names)",
                        choices=("sigmoid", "logistic", "tanh", "relu", "identity")),  # fmt: skip
    "optimizer": Param("name", "sgd, momentum or adam", choices=("sgd", "momentum", "adam")),
    "init": Param("name", "weight initialiser", choices=INIT_NAMES),
}


@run_kind("mlp_autoencoder", ENGINE_AE_PARAMS, evaluate_autoencoder, validate=_ae_cross_checks, scalars=AE_SCALARS,
          history=HISTORY)
def train_mlp_autoencoder(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> History:
    """Our engine's twin of ``sklearn_autoencoder``: the same parameters (``hidden`` as scikit-learn's
    ``hidden_layer_sizes``, ``alpha`` as its L2, applied as ``l2 = alpha / batch_size``), an
    :class:`Autoencoder` with the same activation on every hidden layer and a linear output, trained on X -> X."""
    data = read_npz(data_npz)
    monitor, val = monitored(run, data)
    p = run.params
    X = data["X_train"]
    enc, dec = autoencoder_sizes(X.shape[1], list(p.get("hidden", [100])))
    act = OUR_ACTIVATION.get(p.get("activation", "relu"), p.get("activation", "relu"))
    bs = p.get("batch_size", 32)
    model = Autoencoder(enc, activation=act, latent_activation=act, output_activation="identity", loss="mse",
                        decoder_sizes=dec, init=p.get("init", "glorot_uniform"),
                        l2=float(p.get("alpha", 0.0)) / (bs if bs else len(X)), seed=run.seed)  # fmt: skip
    train_kw = {k: p[k] for k in ("optimizer", "lr", "momentum", "beta1", "beta2", "eps", "batch_size", "epochs",
                                  "shuffle", "eval_every", "eval_train") if k in p}  # fmt: skip
    config = TrainConfig.from_dict({**train_kw, "seed": run.seed})
    log.info("%s: %r, %s", run.where, model, config)
    model.fit(X, validation_data=None if val is None else val[0], config=config)
    hist = model.history_
    log.info("trained %d epochs in %.2f s", hist.n_epochs, hist.seconds)
    save_run(model, hist, run, config.to_dict(), model_out, history_out, monitor)
    return hist


# ----------------------------------------------------------------------------------------------------------------
# One grid-search configuration: k-fold cross-validation (+ refit), scikit-learn or our engine
