"""Weight initialisers, string-keyed so configuration can say ``init: he_normal``.

Every initialiser is a callable ``init(shape, rng, dtype) -> ndarray`` where ``shape`` is
``(fan_in, fan_out)`` for a weight matrix (or ``(fan_out,)`` for a bias) and ``rng`` is an explicit
:class:`numpy.random.Generator`. Build one with :func:`get_initializer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .registry import build

Initializer = Callable[[tuple[int, ...], np.random.Generator, np.dtype], np.ndarray]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


def zeros() -> Initializer:
    """All zeros (biases; the perceptron's weights)."""
    return lambda shape, rng, dtype: np.zeros(shape, dtype=dtype)


def constant(value: float | list | np.ndarray = 0.0) -> Initializer:
    """A constant, or an explicit array of the right shape (to reproduce a worked example exactly)."""

    def init(shape, rng, dtype):
        arr = np.asarray(value, dtype=dtype)
        if arr.ndim == 0:
            return np.full(shape, arr, dtype=dtype)
        if arr.shape != tuple(shape):
            raise ValueError(f"constant initialiser: value has shape {arr.shape}, parameter needs {tuple(shape)}")
        return arr.copy()

    return init


def random_uniform(scale: float = 0.01) -> Initializer:
    """U(-scale, scale)."""
    return lambda shape, rng, dtype: rng.uniform(-scale, scale, size=shape).astype(dtype)


def random_normal(scale: float = 0.01) -> Initializer:
    """scale * N(0, 1): the classic "small random" initialisation (seed 003's "random" uses 0.01)."""
    return lambda shape, rng, dtype: (scale * rng.standard_normal(shape)).astype(dtype)


def he_normal() -> Initializer:
    """N(0, 2 / fan_in) (He / Kaiming)."""

    def init(shape, rng, dtype):
        fan_in, _ = _fans(shape)
        return (np.sqrt(2.0 / fan_in) * rng.standard_normal(shape)).astype(dtype)

    return init


def he_uniform() -> Initializer:
    """U(-sqrt(6 / fan_in), sqrt(6 / fan_in))."""

    def init(shape, rng, dtype):
        fan_in, _ = _fans(shape)
        limit = np.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape).astype(dtype)

    return init


def glorot_uniform() -> Initializer:
    """U(-sqrt(6 / (fan_in + fan_out)), +...) (Glorot / Xavier uniform; seed 004's "glorot")."""

    def init(shape, rng, dtype):
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype(dtype)

    return init


def glorot_normal() -> Initializer:
    """N(0, 2 / (fan_in + fan_out)) (Glorot / Xavier normal)."""

    def init(shape, rng, dtype):
        fan_in, fan_out = _fans(shape)
        return (np.sqrt(2.0 / (fan_in + fan_out)) * rng.standard_normal(shape)).astype(dtype)

    return init


INITIALIZERS: dict[str, Callable[..., Initializer]] = {
    "zeros": zeros,
    "constant": constant,
    "random_uniform": random_uniform,
    "random_normal": random_normal,
    "random": random_normal,
    "gaussian": random_normal,
    "he_normal": he_normal,
    "he": he_normal,
    "kaiming": he_normal,
    "he_uniform": he_uniform,
    "glorot_uniform": glorot_uniform,
    "glorot": glorot_uniform,
    "xavier": glorot_uniform,
    "xavier_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "xavier_normal": glorot_normal,
}


def get_initializer(spec: str | dict[str, Any] | Initializer) -> Initializer:
    """Build an initialiser from a name (``"he_normal"``), a dict (``{"name": "random_normal", "scale": 0.1}``)
    or pass a callable through."""
    if callable(spec):
        return spec
    return build(INITIALIZERS, spec, "initialiser")
