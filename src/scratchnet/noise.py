"""Input corruption for denoising autoencoders: additive Gaussian noise on pixels in [0, 1], optionally clipped.
Shared by training (the noisy inputs of a denoising run) and by the denoising analysis (noisy test images)."""

from __future__ import annotations

import numpy as np


def add_noise(X: np.ndarray, std: float, rng: np.random.Generator, clip: bool = True) -> np.ndarray:
    """``X + std * N(0, 1)`` (float32), clipped to [0, 1] when ``clip``. X : ndarray, shape (N, D)."""
    if std < 0:
        raise ValueError(f"noise standard deviation must be >= 0, got {std!r}")
    noisy = X.astype(np.float32, copy=True)
    if std > 0:
        noisy += (std * rng.standard_normal(X.shape)).astype(np.float32)
    if clip:
        np.clip(noisy, 0.0, 1.0, out=noisy)
    return noisy
