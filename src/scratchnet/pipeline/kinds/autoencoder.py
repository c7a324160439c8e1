"""Autoencoders on pixels in [0, 1] (seed 002): run kind ``mnist_autoencoder``.

A run names its architecture by three numbers instead of a list of sizes:

- ``latent``: the code size; ``depth``: the number of Linear layers of the encoder (the decoder mirrors it, so the
  network has ``2 * depth`` Linear layers; the seed does not define depth, this is OUR definition);
- ``widths``: how the hidden widths fall from the input size to ``latent`` — ``geometric`` (default: a constant
  ratio per layer, ``n_in * (latent / n_in) ** (i / depth)`` rounded) or ``linear`` (equal steps);
- ``loss``: ``mse`` or ``bce`` (per-pixel binary cross-entropy); the output is a sigmoid for both by default
  (``output_activation``), so the two losses differ only in the loss.

Denoising (``noise_std`` > 0): the inputs of training (and of the monitored validation part) get Gaussian noise of
that standard deviation, clipped to [0, 1] unless ``noise_clip: false``; the targets stay clean. Each training image
gets ``noise_copies`` fixed noise draws (the training loop has no per-epoch data hook, so the noise is drawn once),
from a generator seeded by the run seed.

The evaluation writes, per part, the reconstruction loss the model was trained with (``loss``), both ``mse`` and
``bce`` of the reconstruction of the clean images; for a denoising model also ``noisy_loss`` (noisy inputs at the
training noise level, clean targets). It saves the test codes and per-image test errors, not the reconstructions.
The smallest BCE any reconstruction can reach, the mean binary entropy of the pixels, depends on the images
alone: the analysis that needs it (``ae_grid``) computes it once per split, not every evaluation.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from ...models import EVAL_CHUNK, Autoencoder
from ...noise import add_noise
from ...persist import load_model
from ...train import TrainConfig
from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import RunSpec, run_kind
from ..run_steps import HISTORY, PARTS, RUN_PARAMS, monitored, save_run
from .engine import TRAIN_PARAMS, _activation, _check_init_names, _common, _layer_init

log = logging.getLogger(__name__)

NOISE_STREAM = 7_002  # second entropy word of the noise generators, so noise never shares a stream with shuffling
EPS = 1e-7  # probabilities are clipped to [EPS, 1 - EPS] when a cross-entropy is computed from reconstructions
CHUNK = EVAL_CHUNK  # the engine's evaluation chunks: a reconstruction made here equals one made by the model

PARAMS: dict[str, Param] = {
    **RUN_PARAMS,
    **TRAIN_PARAMS,
    **_common,
    "latent": Param("int", "code size", min=1),
    "depth": Param("int", "Linear layers in the encoder (the decoder mirrors them)", min=1, max=12),
    "widths": Param("name", "hidden widths from the input size down to latent", choices=("geometric", "linear")),
    "loss": Param("name", "reconstruction loss", choices=("mse", "bce")),
    "activation": _activation,
    "latent_activation": _activation,
    "output_activation": Param("name", "output unit", choices=("sigmoid", "identity")),
    "init": _layer_init,
    "bias_init": _layer_init,
    "noise_std": Param("float", "std of the Gaussian noise on training inputs (0: plain autoencoder)", min=0),
    "noise_clip": Param("bool", "clip noisy inputs to [0, 1]"),
    "noise_copies": Param("int", "noisy copies of each training image (denoising)", min=1),
}
MODEL_KEYS = ("activation", "latent_activation", "output_activation", "loss", "init", "bias_init", "l1", "l2", "dtype")


def _cross_checks(params: dict[str, Any]) -> list[str]:
    errors = _check_init_names(params)
    if params.get("loss") == "bce" and params.get("output_activation", "sigmoid") != "sigmoid":
        errors.append(f"output_activation: loss 'bce' needs a sigmoid output, got {params['output_activation']!r}")
    if params.get("noise_copies", 1) > 1 and not params.get("noise_std"):
        errors.append("noise_copies: only meaningful with noise_std > 0")
    return errors


def encoder_sizes(n_in: int, latent: int, depth: int, widths: str = "geometric") -> list[int]:
    """Layer sizes of the encoder, ``[n_in, ..., latent]`` (``depth + 1`` entries).

    ``geometric``: ``round(n_in * (latent / n_in) ** (i / depth))``; ``linear``: ``round(n_in + (latent - n_in) * i /
    depth)``; the end points are exact. E.g. ``encoder_sizes(784, 32, 5) == [784, 414, 218, 115, 61, 32]``.
    """
    if n_in < 1 or latent < 1 or depth < 1:
        raise ValueError(f"encoder_sizes: n_in, latent and depth must be >= 1, got {n_in}, {latent}, {depth}")
    if widths == "geometric":
        inner = [n_in * (latent / n_in) ** (i / depth) for i in range(1, depth)]
    elif widths == "linear":
        inner = [n_in + (latent - n_in) * i / depth for i in range(1, depth)]
    else:
        raise ValueError(f"widths: unknown progression {widths!r} (known: geometric, linear)")
    return [int(n_in), *(max(1, int(round(w))) for w in inner), int(latent)]


def noise_rng(seed: int, stream: int = 0) -> np.random.Generator:
    """The generator of a run's (``stream`` 0: training, 1: validation/evaluation) noise draws."""
    return np.random.default_rng([int(seed), NOISE_STREAM, int(stream)])


def check_pixels(X: np.ndarray, where: str) -> None:
    """Autoencoder targets must be pixels in [0, 1] (a sigmoid output cannot reach anything else)."""
    if X.size and (float(X.min()) < 0 or float(X.max()) > 1):
        raise ValueError(
            f"{where}: inputs lie in [{float(X.min()):.3g}, {float(X.max()):.3g}], not [0, 1]; use a split with "
            "'scale: 1/255' and 'standardise: none'"
        )


def build_autoencoder(params: dict[str, Any], n_in: int, seed: int) -> Autoencoder:
    """The :class:`~scratchnet.models.Autoencoder` of a run's parameters."""
    sizes = encoder_sizes(n_in, int(params["latent"]), int(params["depth"]), params.get("widths", "geometric"))
    kw = {k: params[k] for k in MODEL_KEYS if k in params}
    kw.setdefault("activation", "relu")
    kw.setdefault("output_activation", "sigmoid")
    return Autoencoder(sizes, seed=seed, **kw)


def train_autoencoder(run: RunSpec, data_npz: str, model_out: str, history_out: str) -> None:
    """Train one autoencoder (or denoising autoencoder) with our engine."""
    data = read_npz(data_npz)
    X = data["X_train"]
    check_pixels(X, f"{run.where}: split {run.params.get('split')!r}, X_train")
    model = build_autoencoder(run.params, X.shape[1], run.seed)
    train_kw = {k: v for k, v in run.params.items() if k in TRAIN_PARAMS}
    config = TrainConfig.from_dict({**train_kw, "seed": run.seed})
    monitor, val = monitored(run, data)
    std = float(run.params.get("noise_std", 0.0))
    clip = bool(run.params.get("noise_clip", True))
    if std > 0:
        rng = noise_rng(run.seed, 0)
        copies = int(run.params.get("noise_copies", 1))
        inputs = np.concatenate([add_noise(X, std, rng, clip) for _ in range(copies)])
        targets = np.tile(X, (copies, 1))
        val_data = None if val is None else (add_noise(val[0], std, noise_rng(run.seed, 1), clip), val[0])
    else:
        inputs, targets = X, None
        val_data = None if val is None else (val[0], val[0])
    log.info("%s: %r, %s, noise_std %s", run.where, model, config, std)
    t0 = time.perf_counter()
    model.fit(inputs, targets, validation_data=val_data, config=config)
    hist = model.history_
    log.info("trained %d updates / %d epochs in %.2f s", hist.n_updates, hist.n_epochs, time.perf_counter() - t0)
    arch = {"encoder_sizes": model.get_config()["kwargs"]["layer_sizes"], "noise_std": std, "noise_clip": clip}
    save_run(model, hist, run, config.to_dict(), model_out, history_out, monitor, architecture=arch)


def reconstruction_errors(
    model: Autoencoder, X: np.ndarray, inputs: np.ndarray | None = None, reconstructed: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per-image errors of the reconstruction of ``inputs`` (default ``X``) against the clean images ``X``;
    ``reconstructed``: that reconstruction, if the caller already has it.

    X : ndarray, shape (N, D), pixels in [0, 1]. Returns arrays of shape (N,): ``mse`` (mean squared error per
    pixel) and ``bce`` (mean binary cross-entropy per pixel, reconstruction clipped to [1e-7, 1 - 1e-7]).
    """
    inputs = X if inputs is None else inputs
    out: dict[str, list[np.ndarray]] = {"mse": [], "bce": []}
    for i in range(0, len(X), CHUNK):
        x = X[i : i + CHUNK].astype(np.float64)
        r = model.reconstruct(inputs[i : i + CHUNK]) if reconstructed is None else reconstructed[i : i + CHUNK]
        r = r.astype(np.float64)
        out["mse"].append(np.mean((r - x) ** 2, axis=1))
        rc = np.clip(r, EPS, 1 - EPS)
        out["bce"].append(-np.mean(x * np.log(rc) + (1 - x) * np.log1p(-rc), axis=1))
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}


def evaluate_autoencoder(
    run: RunSpec, model_path: str, history_path: str, data_npz: str, metrics_out: str, predictions_out: str
) -> dict[str, Any]:
    """Reconstruction losses per part (see the module docstring), test codes and per-image test errors."""
    model = load_model(model_path)
    if not isinstance(model, Autoencoder):
        raise ValueError(f"{model_path}: a {type(model).__name__}, not an Autoencoder")
    data = read_npz(data_npz)
    hist = read_json(history_path)
    std = float(run.params.get("noise_std", 0.0))
    clip = bool(run.params.get("noise_clip", True))
    result: dict[str, Any] = {"meta": model.metadata}
    preds: dict[str, np.ndarray] = {}
    for k, part in enumerate(PARTS):
        X = data.get(f"X_{part}")
        if X is None:
            continue
        if len(X) == 0:
            result[part] = {"n": 0}
            continue
        # one forward pass for the codes, the loss and the reconstruction (what encode, evaluate and reconstruct
        # each computed): the same chunks (CHUNK is EVAL_CHUNK), so the same numbers
        codes, z = model.codes_and_logits(X)
        err = reconstruction_errors(model, X, reconstructed=model.loss.output(z))
        m = {
            "n": int(len(X)),
            "loss": float(model.loss.value(z, model.encode_targets(X))),
            "mse": float(err["mse"].mean()),
            "bce": float(err["bce"].mean()),
        }
        if std > 0:
            noisy = add_noise(X, std, noise_rng(run.seed, 10 + k), clip)
            m["noisy_loss"] = float(model.evaluate(noisy, X)["loss"])
        result[part] = m
        if part == "test":
            preds.update(test_codes=codes, test_mse=err["mse"], test_bce=err["bce"],
                         test_y=data["y_test"])  # fmt: skip
    keys = ("n_updates", "n_epochs", "stopped", "best_epoch", "seconds", "batch_size")
    result["training"] = {k: hist.get(k) for k in keys}
    if hist.get("epochs"):
        result["training"]["final"] = hist["epochs"][-1]
    write_json(metrics_out, result)
    write_npz(predictions_out, **preds)
    return result


run_kind(
    "mnist_autoencoder",
    params=PARAMS,
    evaluate=evaluate_autoencoder,
    required=("split", "latent", "depth", "loss"),
    validate=_cross_checks,
    history=HISTORY,
)(train_autoencoder)
