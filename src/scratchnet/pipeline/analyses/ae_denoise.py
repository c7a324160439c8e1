"""Denoising (seed 002, Figs. 14-15): a denoising autoencoder and an MNIST classifier of this project on test
images with Gaussian noise of increasing standard deviation (``ae_denoising``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...noise import add_noise
from ..io import write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from .autoencoders import PART, load_autoencoder, load_classifier, part_data, write_result


def sigma_key(sigma: float) -> str:
    """``sigma060`` for 0.6: a key without a dot, so claims can reach it by a dotted path."""
    return f"sigma{int(round(sigma * 100)):03d}"


@analysis_kind(
    "ae_denoising",
    params={
        "part": PART,
        "sigmas": Param("floats", "noise standard deviations on the [0, 1] pixel scale", min=0, min_len=1),
        "example_sigmas": Param("floats", "noise levels of the example pairs (figures)", min=0),
        "clip": Param("bool", "clip noisy images to [0, 1]"),
        "seed": Param("int", "seed of the noise", min=0),
    },
    roles=("autoencoder", "classifier"),
)
def ae_denoising(job: AnalysisJob) -> dict[str, Any]:
    """For every noise level σ: the mean squared error against the clean images of the noisy images and of their
    reconstructions, and the classifier's accuracy on the clean, the noisy and the denoised images. Measures per σ
    (keys ``sigma020`` etc.): ``retained_accuracy`` = accuracy on denoised / accuracy on clean, ``denoising_gain``
    = accuracy on denoised - accuracy on noisy, ``error_ratio`` = reconstruction error / noisy-image error.
    Arrays: for each example σ, the first image of every class, noisy and reconstructed."""
    run = job.one("autoencoder")
    model = load_autoencoder(run, job.where)
    clf = load_classifier(job.one("classifier"), job.where)
    part = job.params.get("part", "test")
    X, y = part_data(run, part, job.where)
    sigmas = [float(s) for s in job.params.get("sigmas", [0.0, 0.2, 0.4, 0.6, 0.8])]
    examples = [float(s) for s in job.params.get("example_sigmas", [0.2, 0.6])]
    clip = bool(job.params.get("clip", True))
    seed = int(job.params.get("seed", 0))
    acc_clean = float(np.mean(clf.predict(X) == y))
    labels = np.unique(y)
    ex_idx = np.array([np.flatnonzero(y == c)[0] for c in labels])
    table, measures = [], {"accuracy_clean": acc_clean, "n": int(len(X))}
    ex_noisy, ex_recon = {}, {}
    for k, s in enumerate(sorted(set(sigmas) | set(examples))):
        noisy = add_noise(X, s, np.random.default_rng([seed, k]), clip)
        R = model.reconstruct(noisy)
        row = {
            "sigma": s,
            "mse_noisy": float(np.mean((noisy.astype(np.float64) - X) ** 2)),
            "mse_denoised": float(np.mean((R.astype(np.float64) - X) ** 2)),
            "acc_clean": acc_clean,
            "acc_noisy": float(np.mean(clf.predict(noisy) == y)),
            "acc_denoised": float(np.mean(clf.predict(R) == y)),
        }
        if s in examples:
            ex_noisy[s], ex_recon[s] = noisy[ex_idx], R[ex_idx]
        if s in sigmas:
            table.append(row)
            measures[sigma_key(s)] = {
                "retained_accuracy": row["acc_denoised"] / acc_clean if acc_clean else None,
                "denoising_gain": row["acc_denoised"] - row["acc_noisy"],
                "error_ratio": row["mse_denoised"] / row["mse_noisy"] if row["mse_noisy"] > 0 else None,
                "acc_noisy": row["acc_noisy"],
                "acc_denoised": row["acc_denoised"],
                "mse_denoised": row["mse_denoised"],
            }
    result = {
        "run": f"{run.experiment}/{run.variant}/seed{run.seed}",
        "classifier": f"{job.one('classifier').experiment}/{job.one('classifier').variant}",
        "part": part,
        "clip": clip,
        "table": table,
        "measures": measures,
    }
    write_result(job, result)
    shape = (0, len(labels), X.shape[1])
    write_npz(
        job.npz_out,
        example_sigmas=np.array(examples, dtype=float),
        clean=X[ex_idx],
        labels=labels,
        noisy=np.stack([ex_noisy[s] for s in examples]) if examples else np.zeros(shape, np.float32),
        reconstructions=np.stack([ex_recon[s] for s in examples]) if examples else np.zeros(shape, np.float32),
    )
    return result
