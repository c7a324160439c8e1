"""Losses on a network's raw outputs (logits), and weight penalties.

A loss's ``value_and_grad(z, y)`` returns the loss (a Python float, the MEAN over the batch unless stated)
and its gradient with respect to ``z``, shape ``(N, K)``. Classification losses are fused with their output
non-linearity and numerically stable:

- :class:`BinaryCrossEntropy`: sigmoid + BCE from logits, the mean over all N*K elements of
  ``max(z, 0) - z y + log(1 + exp(-|z|))``, gradient ``(sigmoid(z) - y) / (N K)`` (K = 1 for a classifier; K = D
  for an autoencoder with ``loss="bce"``, the same per-element mean as :class:`MeanSquaredError`).
- :class:`SoftmaxCrossEntropy`: softmax + CE, ``mean_n [-log softmax(z)_{y_n}]``, gradient ``(p - onehot) / N``.
- :class:`MeanSquaredError`: ``mean over all N*K elements of (z - y)**2``, gradient ``2 (z - y) / (N K)``
  (for one output this is seed 003's ``1/N sum (yhat - y)**2``).
- :class:`PerceptronCriterion`: ``-sum_{n in M} y_n z_n`` over the misclassified set
  ``M = {n : sign(z_n) y_n < 0}`` with ``sign(0) = +1`` (seed 001), labels in {-1, +1}.

Penalties (:class:`L1Penalty`, :class:`L2Penalty`) act on weight matrices only (parameter names ending in
``"W"``); biases are never penalised. They are added to the mean batch loss:
``L2 = alpha / 2 * sum ||W||^2`` (gradient ``alpha * W``, i.e. weight decay of ``lr * alpha`` per step) and
``L1 = alpha * sum |W|`` (gradient ``alpha * sign(W)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import sigmoid, softmax


class Loss:
    """Base class. Subclasses implement :meth:`value_and_grad` and :meth:`output`."""

    name = "loss"

    def value_and_grad(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError

    def value(self, z: np.ndarray, y: np.ndarray) -> float:
        return self.value_and_grad(z, y)[0]

    def output(self, z: np.ndarray) -> np.ndarray:
        """Map logits to the model's output (probabilities, or the values themselves)."""
        return z

    def config(self) -> dict[str, Any]:
        return {"name": self.name}

    @staticmethod
    def _check(z: np.ndarray, y: np.ndarray) -> None:
        if len(z) != len(y):
            raise ValueError(f"{z.shape[0]} predictions but {len(y)} targets")
        if len(z) == 0:
            raise ValueError("loss of an empty batch")


class MeanSquaredError(Loss):
    """``mean((z - y)**2)`` over all elements; ``y`` has the shape of ``z`` (a 1-D ``y`` is a column)."""

    name = "mse"

    def value_and_grad(self, z, y):
        self._check(z, y)
        diff = z - y.reshape(z.shape)
        value = float(np.square(diff).sum(dtype=np.float64) / diff.size)  # the mean, accumulated in float64
        return value, diff * (z.dtype.type(2) / z.size)


class BinaryCrossEntropy(Loss):
    """Sigmoid + binary cross-entropy from logits ``z`` (N, K) and targets ``y`` in [0, 1] of the same shape
    (a 1-D ``y`` is a column); the mean over all N*K elements."""

    name = "bce"

    def value_and_grad(self, z, y):
        self._check(z, y)
        t = y.reshape(z.shape).astype(z.dtype, copy=False)
        per = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
        value = float(per.sum(dtype=np.float64) / per.size)  # the mean, accumulated in float64
        grad = sigmoid(z)
        grad -= t
        grad /= z.size  # the value is the mean over all N*K elements (was / N: K times too large for K > 1)
        return value, grad

    def output(self, z):
        return sigmoid(z)


class SoftmaxCrossEntropy(Loss):
    """Softmax + cross-entropy from logits ``z`` (N, K); ``y`` integer classes (N,) or one-hot (N, K)."""

    name = "softmax_ce"

    def value_and_grad(self, z, y):
        self._check(z, y)
        n = len(z)
        # log-softmax (max-shift, then log-sum-exp) and softmax with two temporaries, in place
        logp = z - z.max(axis=1, keepdims=True)
        grad = np.exp(logp)
        lse = grad.sum(axis=1, keepdims=True)
        np.log(lse, out=lse)
        logp -= lse
        np.exp(logp, out=grad)
        if y.ndim == 1:
            idx = y.astype(np.intp, copy=False)
            lo, hi = idx.min(), idx.max()
            if lo < 0 or hi >= z.shape[1]:
                raise ValueError(f"class labels must lie in [0, {z.shape[1] - 1}], got [{lo}, {hi}]")
            rows = np.arange(n)
            value = -float(logp[rows, idx].sum(dtype=np.float64) / n)  # the mean, accumulated in float64
            grad[rows, idx] -= 1
        else:
            if y.shape != z.shape:
                raise ValueError(f"one-hot targets have shape {y.shape}, logits {z.shape}")
            value = -float(np.sum(y * logp, dtype=np.float64) / n)
            grad -= y
        grad /= n
        return value, grad

    def output(self, z):
        return softmax(z)


class PerceptronCriterion(Loss):
    """Perceptron criterion ``-sum_{n in M} y_n z_n`` on pre-activations ``z`` (N, 1), ``y`` in {-1, +1}.

    ``reduction="sum"`` is the criterion itself (gradient ``-y_n`` on misclassified points);
    ``reduction="mean_misclassified"`` divides value and gradient by ``|M|`` — seed 001's update, which
    averages the gradient over the misclassified points. With no misclassified point the loss is 0.
    """

    name = "perceptron"

    def __init__(self, reduction: str = "sum") -> None:
        if reduction not in ("sum", "mean_misclassified"):
            raise ValueError(f"PerceptronCriterion: unknown reduction {reduction!r}; use 'sum' or 'mean_misclassified'")
        self.reduction = reduction
        self.n_misclassified: int | None = None

    def value_and_grad(self, z, y):
        self._check(z, y)
        t = y.reshape(z.shape).astype(z.dtype, copy=False)
        pred = np.where(z >= 0, 1, -1)
        mis = pred * t < 0
        grad = np.where(mis, -t, z.dtype.type(0))
        value = -float(np.sum(t * z * mis, dtype=np.float64))
        n_mis = self.n_misclassified = int(mis.sum())
        if self.reduction == "mean_misclassified" and n_mis:
            value /= n_mis
            grad /= n_mis
        return value, grad

    def output(self, z):
        return np.where(z >= 0, z.dtype.type(1), z.dtype.type(-1))

    def config(self):
        return {"name": self.name, "reduction": self.reduction}


class Penalty:
    """A weight penalty over parameters whose name ends in ``"W"`` (biases excluded)."""

    def __init__(self, alpha: float) -> None:
        if not (isinstance(alpha, (int, float)) and alpha >= 0 and np.isfinite(alpha)):
            raise ValueError(f"{type(self).__name__}: alpha must be a finite number >= 0, got {alpha!r}")
        self.alpha = float(alpha)

    @staticmethod
    def weights(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: v for k, v in params.items() if k.endswith("W")}

    def value(self, params: dict[str, np.ndarray]) -> float:
        raise NotImplementedError

    def add_grad(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Add the penalty's gradient to ``grads`` in place."""
        raise NotImplementedError


class L2Penalty(Penalty):
    """``alpha / 2 * sum ||W||^2``; gradient ``alpha * W``."""

    def value(self, params):
        return 0.5 * self.alpha * sum(float(np.sum(w * w, dtype=np.float64)) for w in self.weights(params).values())

    def add_grad(self, params, grads):
        a = self.alpha
        for k, w in self.weights(params).items():
            grads[k] += a * w


class L1Penalty(Penalty):
    """``alpha * sum |W|``; gradient ``alpha * sign(W)``."""

    def value(self, params):
        return self.alpha * sum(float(np.sum(np.abs(w), dtype=np.float64)) for w in self.weights(params).values())

    def add_grad(self, params, grads):
        a = self.alpha
        for k, w in self.weights(params).items():
            grads[k] += a * np.sign(w)
