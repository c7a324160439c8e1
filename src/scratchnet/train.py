"""The training loop: per-sample SGD (``batch_size=1``), mini-batch and full-batch (``batch_size=None``).

Shuffling draws from an explicit ``np.random.Generator`` seeded by ``TrainConfig.seed``. A mini-batch is
fancy-indexed from the caller's arrays (one batch is copied at a time, never the dataset); a per-sample batch is a
one-row view (no copy). The budget is a number of epochs,
a number of updates, or both (whichever ends first).

The returned :class:`History` holds the objective (data loss + penalties) of every update, from which the running
cost and seed 000's "stopping signal" (change of running cost between checkpoints) are derived, and per-epoch
loss/accuracy on the training and validation sets (data loss only, without penalties).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from .optim import get_optimizer

if TYPE_CHECKING:
    from .models import Model


class TrainingDiverged(RuntimeError):
    """Raised when the loss becomes NaN or infinite."""


@dataclass
class TrainConfig:
    """Training hyperparameters. ``batch_size=None`` means full batch; ``patience`` enables early stopping on the
    validation loss (the best weights are restored); ``stop_when_converged`` stops when the model reports
    convergence (the perceptron: no misclassified training point); ``eval_initial`` adds an epoch-0 record, the
    losses and accuracies before the first update (seed 001 reports them as "step 0")."""

    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    batch_size: int | None = 32
    epochs: int | None = 10
    max_updates: int | None = None
    shuffle: bool = True
    seed: int = 0
    patience: int | None = None
    min_delta: float = 0.0
    stop_when_converged: bool = False
    eval_train: bool = True
    eval_every: int = 1
    eval_initial: bool = False

    def __post_init__(self) -> None:
        if self.batch_size == "full":
            self.batch_size = None
        if self.batch_size is not None and (not isinstance(self.batch_size, (int, np.integer)) or self.batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None (full batch), got {self.batch_size!r}")
        if self.epochs is None and self.max_updates is None:
            raise ValueError("give a budget: epochs or max_updates")
        for name in ("epochs", "max_updates", "patience", "eval_every"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, np.integer)) or v < 1):
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"learning rate must be a finite number > 0, got {self.lr!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown training setting(s) {unknown}; known: {sorted(known)}")
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def make_optimizer(self):
        name = self.optimizer
        kwargs: dict[str, Any] = {"lr": self.lr}
        if name == "momentum":
            kwargs["momentum"] = self.momentum
        elif name == "adam":
            kwargs.update(beta1=self.beta1, beta2=self.beta2, eps=self.eps)
        return get_optimizer(name, **kwargs)


@dataclass
class History:
    """What happened during training."""

    update_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    epochs: list[dict[str, float]] = field(default_factory=list)
    n_updates: int = 0
    n_epochs: int = 0
    batch_size: int = 0
    stopped: str = "budget"
    best_epoch: int | None = None
    converged_epoch: int | None = None
    seconds: float = 0.0

    def running_cost(self, window: int = 100, every: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Mean objective over the last ``window`` updates, at checkpoints every ``every`` updates
        (default: 100 checkpoints over the run). Returns ``(update_index, running_cost)``."""
        losses = self.update_loss[: self.n_updates]
        n = len(losses)
        if n == 0:
            return np.zeros(0, dtype=int), np.zeros(0)
        every = every or max(1, n // 100)
        window = max(1, min(window, n))
        csum = np.concatenate([[0.0], np.cumsum(losses, dtype=np.float64)])
        ends = np.arange(every, n + 1, every)
        if len(ends) == 0 or ends[-1] != n:
            ends = np.append(ends, n)
        starts = np.maximum(ends - window, 0)
        return ends, (csum[ends] - csum[starts]) / (ends - starts)

    def stopping_signal(self, window: int = 100, every: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Absolute change of the running cost between consecutive checkpoints (seed 000's convergence check)."""
        idx, rc = self.running_cost(window, every)
        return idx[1:], np.abs(np.diff(rc))

    def epoch_series(self, key: str) -> np.ndarray:
        return np.array([e.get(key, np.nan) for e in self.epochs], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "update_loss"}
        d["update_loss"] = [float(v) for v in self.update_loss[: self.n_updates]]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        d = dict(d)
        d["update_loss"] = np.asarray(d.get("update_loss", []), dtype=float)
        return cls(**d)


def _check_data(X: np.ndarray, y: np.ndarray, what: str) -> None:
    if len(X) == 0:
        raise ValueError(f"{what}: empty data (0 samples)")
    if len(X) != len(y):
        raise ValueError(f"{what}: X has {len(X)} samples but y has {len(y)}")


def _evaluate_epoch(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    validation_data: tuple[np.ndarray, np.ndarray] | None,
    record: dict[str, float],
) -> dict[str, float]:
    """``record`` plus ``train_*`` (when ``config.eval_train``) and ``val_*`` losses/accuracies of the model now."""
    if config.eval_train:
        record.update({f"train_{k}": v for k, v in model.evaluate(X, y, encoded=True).items()})
    if validation_data is not None:
        record.update({f"val_{k}": v for k, v in model.evaluate(*validation_data, encoded=True).items()})
    return record


def fit(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
) -> History:
    """Train ``model`` in place on encoded targets ``y`` (as produced by ``model.encode_targets``).

    X : ndarray, shape (N, D); y : ndarray, shape (N,) or (N, K).
    """
    _check_data(X, y, "training data")
    if validation_data is not None:
        _check_data(*validation_data, "validation data")
    n = len(X)
    bs = n if config.batch_size is None else min(int(config.batch_size), n)
    steps_per_epoch = math.ceil(n / bs)
    max_epochs = config.epochs if config.epochs is not None else math.ceil(config.max_updates / steps_per_epoch)
    total = max_epochs * steps_per_epoch
    if config.max_updates is not None:
        total = min(total, config.max_updates)

    optimizer = config.make_optimizer()
    params, grads = model.parameters(), model.gradients()
    rng = np.random.default_rng(config.seed)
    hist = History(update_loss=np.empty(total, dtype=np.float64), batch_size=bs)
    best_loss, best_params, wait = math.inf, None, 0
    shuffle = config.shuffle and bs < n
    t0 = time.perf_counter()
    if config.eval_initial:
        hist.epochs.append(_evaluate_epoch(model, X, y, config, validation_data, {"epoch": 0, "updates": 0}))
    u = 0
    for epoch in range(1, max_epochs + 1):
        order = rng.permutation(n) if shuffle else None
        batch_losses = 0.0
        steps = 0
        for start in range(0, n, bs):
            if bs == 1:  # per-sample SGD: a one-row view, no fancy-indexing copy
                i = int(order[start]) if order is not None else start
                xb, yb = X[i : i + 1], y[i : i + 1]
            elif order is not None:
                idx = order[start : start + bs]
                xb, yb = X[idx], y[idx]
            else:
                xb, yb = X[start : start + bs], y[start : start + bs]
            value = model.train_step(xb, yb)
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"non-finite loss {value} at update {u + 1} (epoch {epoch}); "
                    f"try a smaller learning rate than {config.lr}"
                )
            if config.stop_when_converged and model.converged():
                hist.converged_epoch = epoch
                hist.stopped = "converged"
                break
            optimizer.step(params, grads)
            hist.update_loss[u] = value
            batch_losses += value
            steps += 1
            u += 1
            if u >= total:
                break
        hist.n_updates, hist.n_epochs = u, epoch if steps else epoch - 1
        if steps:
            record: dict[str, float] = {"epoch": epoch, "updates": u, "loss": batch_losses / steps}
            if epoch % config.eval_every == 0 or u >= total:
                record = _evaluate_epoch(model, X, y, config, validation_data, record)
            hist.epochs.append(record)
        if hist.stopped == "converged":
            break
        if config.patience is not None and validation_data is not None and "val_loss" in hist.epochs[-1]:
            vl = hist.epochs[-1]["val_loss"]
            if vl < best_loss - config.min_delta:
                best_loss, wait, hist.best_epoch = vl, 0, epoch
                best_params = {k: v.copy() for k, v in params.items()}
            else:
                wait += 1
                if wait >= config.patience:
                    hist.stopped = "early_stopping"
                    break
        if u >= total:
            break
    if best_params is not None:
        for k, v in best_params.items():
            params[k][...] = v
    hist.seconds = time.perf_counter() - t0
    return hist
