"""Optimisers, string-keyed. State is keyed by parameter name; updates happen in place.

- ``sgd``: ``p -= lr * g``
- ``momentum``: ``v = mu * v - lr * g; p += v`` (classical momentum, v starts at 0)
- ``adam``: ``t += 1; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` (Kingma & Ba, 2015; t starts at 0 and is
  incremented before the bias correction)

Updates are elementwise, in the parameters' dtype (float32 stays float32), through scratch buffers that are reused
(no allocation per step). Models keep their parameters in one flat buffer (``Sequential.flatten``); the optimisers
detect that layout and update everything with a handful of whole-buffer operations.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .registry import build

Layout = tuple[np.ndarray, np.ndarray, dict[str, tuple[int, int, tuple[int, ...]]]]


def flat_layout(params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> Layout | None:
    """``(flat_params, flat_grads, {name: (start, size, shape)})`` when the parameters are views that tile one
    contiguous 1-D buffer exactly and each gradient sits at the same offset of a second buffer of the same shape
    (as :meth:`~scratchnet.layers.Sequential.flatten` makes them); None otherwise."""
    if not params:
        return None
    first = next(iter(params))
    P, G = params[first].base, grads[first].base if first in grads else None
    if not (isinstance(P, np.ndarray) and isinstance(G, np.ndarray)):
        return None
    if P.ndim != 1 or not P.flags.c_contiguous or G.shape != P.shape or G.dtype != P.dtype or not G.flags.c_contiguous:
        return None
    p0, g0, item = P.ctypes.data, G.ctypes.data, P.itemsize
    spans = []
    for k, p in params.items():
        g = grads.get(k)
        if g is None or p.base is not P or g.base is not G or p.shape != g.shape or p.dtype != P.dtype:
            return None
        if not (p.flags.c_contiguous and g.flags.c_contiguous):
            return None
        off = p.ctypes.data - p0
        if off != g.ctypes.data - g0 or off % item:
            return None
        spans.append((off // item, p.size, p.shape, k))
    spans.sort(key=lambda sp: sp[0])
    pos = 0
    for start, size, _, _ in spans:
        if start != pos:
            return None
        pos += size
    if pos != P.size:
        return None
    return P, G, {k: (start, size, shape) for start, size, shape, k in spans}


class Optimizer:
    """Base class. ``step(params, grads)`` updates ``params`` in place from ``grads`` (dicts keyed by name).

    When the parameters and gradients live in one flat buffer each (models do this, see
    :meth:`~scratchnet.layers.Sequential.flatten`), the update runs on the whole buffers at once: the same elementwise
    arithmetic in a few calls instead of a few per parameter. The state stays keyed by parameter name (views into
    flat state buffers).
    """

    name = "optimizer"

    def __init__(self, lr: float) -> None:
        if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"{type(self).__name__}: learning rate must be a finite number > 0, got {lr!r}")
        self.lr = float(lr)
        self._layout_key: tuple[tuple[str, ...], list[np.ndarray]] = ((), [])
        self._layout: Layout | None = None
        self._flat_state: dict[str, np.ndarray] = {}
        self._buf: dict[str, np.ndarray] = {}  # per-parameter scratch arrays: the hot loop allocates nothing

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "lr": self.lr}

    def _flat(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> Layout | None:
        """The flat layout of (params, grads), cached for the very same arrays (held, so ids cannot be reused)."""
        names, arrays = tuple(params), [*params.values(), *grads.values()]
        old_names, old_arrays = self._layout_key
        if names != old_names or len(arrays) != len(old_arrays) or not all(map(operator.is_, arrays, old_arrays)):
            layout = flat_layout(params, grads)
            if self._layout is None or layout is None or layout[0] is not self._layout[0]:
                self._flat_state = {}  # state buffers belong to one layout
            self._layout_key, self._layout = (names, arrays), layout
        return self._layout

    def _state(self, name: str, store: dict[str, np.ndarray] | None, layout: Layout) -> np.ndarray:
        """A flat state buffer for ``layout`` (zeros, or the per-name state already in ``store``); ``store`` is
        rebound to views of it, so the state stays keyed by parameter name. ``store=None``: scratch space."""
        flat = self._flat_state.get(name)
        if flat is None:
            P, _, spans = layout
            if store is None:
                flat = np.empty_like(P)
            else:
                flat = np.zeros_like(P)
                for k, (start, size, shape) in spans.items():
                    view = flat[start : start + size].reshape(shape)
                    if k in store:
                        view[...] = store[k]
                    store[k] = view
            self._flat_state[name] = flat
        return flat

    def _scratch(self, k: str, p: np.ndarray) -> np.ndarray:
        buf = self._buf.get(k)
        if buf is None or buf.shape != p.shape or buf.dtype != p.dtype:
            buf = self._buf[k] = np.empty_like(p)
        return buf


class SGD(Optimizer):
    name = "sgd"

    def step(self, params, grads):
        lr = self.lr
        layout = self._flat(params, grads)
        if layout is not None:
            P, G, _ = layout
            buf = self._state("buf", None, layout)
            np.multiply(G, lr, out=buf)
            P -= buf
            return
        for k, p in params.items():
            buf = self._scratch(k, p)
            np.multiply(grads[k], lr, out=buf)
            p -= buf


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
        layout = self._flat(params, grads)
        if layout is not None:
            P, G, _ = layout
            pairs = [(P, G, self._state("velocity", self.velocity, layout), self._state("buf", None, layout))]
        else:
            pairs = []
            for k, p in params.items():
                v = self.velocity.get(k)
                if v is None:
                    v = self.velocity[k] = np.zeros_like(p)
                pairs.append((p, grads[k], v, self._scratch(k, p)))
        for p, g, v, buf in pairs:
            v *= mu
            np.multiply(g, lr, out=buf)
            v -= buf
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

    def step(self, params, grads):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1 = 1.0 - b1**self.t
        c2 = 1.0 - b2**self.t
        # lr * (m / c1) / (sqrt(v / c2) + eps) == step_size * m / (sqrt(v) + eps_hat) with
        # step_size = lr * sqrt(c2) / c1 and eps_hat = eps * sqrt(c2) (the ordering Kingma & Ba suggest): one pass
        # fewer. Python floats throughout, so float32 parameters are updated in float32 (no float64 upcast).
        sqrt_c2 = math.sqrt(c2)
        step_size = self.lr * sqrt_c2 / c1
        eps_hat = self.eps * sqrt_c2
        layout = self._flat(params, grads)
        if layout is not None:
            P, G, _ = layout
            m, v = self._state("m", self.m, layout), self._state("v", self.v, layout)
            groups = [(P, G, m, v, self._state("buf", None, layout))]
        else:
            groups = []
            for k, p in params.items():
                if k not in self.m:
                    self.m[k] = np.zeros_like(p)
                    self.v[k] = np.zeros_like(p)
                groups.append((p, grads[k], self.m[k], self.v[k], self._scratch(k, p)))
        for p, g, m, v, buf in groups:
            m *= b1
            np.multiply(g, 1 - b1, out=buf)
            m += buf
            v *= b2
            np.multiply(g, g, out=buf)
            buf *= 1 - b2
            v += buf
            np.sqrt(v, out=buf)
            buf += eps_hat
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
    return build(OPTIMIZERS, spec, "optimiser", **defaults)
