"""Optimisers, string-keyed. State is keyed by parameter name; updates happen in place.

- ``sgd``: ``p -= lr * g``
- ``momentum``: ``v = mu * v - lr * g; p += v`` (classical momentum, v starts at 0)
- ``adam``: ``t += 1; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` (Kingma & Ba, 2015; t starts at 0 and is
  incremented before the bias correction)
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Optimizer:
    name = "optimizer"

    def __init__(self, lr: float) -> None:
        if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"{type(self).__name__}: learning rate must be a finite number > 0, got {lr!r}")
        self.lr = float(lr)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr}


class SGD(Optimizer):
    name = "sgd"

    def step(self, params, grads):
        lr = self.lr
        for k, p in params.items():
            g = grads[k]
            p -= lr * g


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"Momentum: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params, grads):
        lr, mu = self.lr, self.momentum
        for k, p in params.items():
            v = self.velocity.get(k)
            if v is None:
                v = self.velocity[k] = np.zeros_like(p)
            v *= mu
            v -= lr * grads[k]
            p += v

    def config(self):
        return {"name": self.name, "lr": self.lr, "momentum": self.momentum}


class Adam(Optimizer):
    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        for n, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= b < 1:
                raise ValueError(f"Adam: {n} must be in [0, 1), got {b!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}
        self._buf: dict[str, np.ndarray] = {}

    def step(self, params, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        # p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps), evaluated without temporaries beyond one buffer
        step_size = self.lr / c1
        inv_sqrt_c2 = 1.0 / np.sqrt(c2)
        for k, p in params.items():
            g = grads[k]
            if k not in self.m:
                self.m[k] = np.zeros_like(p)
                self.v[k] = np.zeros_like(p)
                self._buf[k] = np.empty_like(p)
            m, v, buf = self.m[k], self.v[k], self._buf[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            np.multiply(g, g, out=buf)
            buf *= 1 - b2
            v += buf
            np.sqrt(v, out=buf)
            buf *= inv_sqrt_c2
            buf += self.eps
            np.divide(m, buf, out=buf)
            buf *= step_size
            p -= buf

    def config(self):
        return {"name": self.name, "lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "gd": SGD, "momentum": Momentum, "adam": Adam}


def get_optimizer(spec: str | dict[str, Any] | Optimizer, **defaults: Any) -> Optimizer:
    """Build an optimiser from a name plus keyword arguments, or ``{"name": ..., **kwargs}``."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, dict):
        kwargs = {**defaults, **spec}
        name = kwargs.pop("name", None)
    else:
        name, kwargs = spec, dict(defaults)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimiser {name!r}; known: {sorted(OPTIMIZERS)}")
    try:
        return OPTIMIZERS[name](**kwargs)
    except TypeError as exc:
        raise ValueError(f"optimiser {name!r}: bad arguments {kwargs}: {exc}") from None
