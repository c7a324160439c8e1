"""Models with the estimator API scikit-learn users know: ``fit``, ``predict``, ``predict_proba``, ``score``.

A model is a :class:`~scratchnet.layers.Sequential` network producing logits ``z``, a loss on ``z`` (fused with
the output non-linearity), and optional L1/L2 weight penalties. Architecture and penalties are constructor
arguments (saved with the model); training settings are :class:`~scratchnet.train.TrainConfig` fields passed
to ``fit``.

- :class:`Perceptron`: ``sign(w.x + b)``, trained with the perceptron criterion (seed 001).
- :class:`LogisticRegression`: no hidden layer, one sigmoid output, binary cross-entropy.
- :class:`MLPClassifier`: any list of layer sizes; one output unit → sigmoid + BCE, K ≥ 2 → softmax + CE.
- :class:`MLPRegressor`: identity output, mean squared error.
- :class:`Autoencoder`: encoder → latent → decoder, with ``encode`` and ``decode``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import Linear, Sequential, Sigmoid, get_activation
from .losses import (
    BinaryCrossEntropy,
    L1Penalty,
    L2Penalty,
    Loss,
    MeanSquaredError,
    PerceptronCriterion,
    SoftmaxCrossEntropy,
)
from .registry import build
from .train import History, TrainConfig, fit

EVAL_CHUNK = 8192


def _per_layer(spec: Any, n: int, what: str) -> list[Any]:
    """A single spec for every layer, or a list with one spec per Linear layer."""
    if isinstance(spec, list):
        if len(spec) != n:
            raise ValueError(f"{what}: {len(spec)} entries given for {n} linear layers")
        return spec
    return [spec] * n


def _check_sizes(layer_sizes: Any, min_len: int = 2) -> list[int]:
    if not isinstance(layer_sizes, (list, tuple)) or len(layer_sizes) < min_len:
        raise ValueError(f"layer_sizes must be a list of at least {min_len} positive integers, got {layer_sizes!r}")
    for s in layer_sizes:
        if not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"layer_sizes must hold positive integers, got {s!r} in {list(layer_sizes)}")
    return [int(s) for s in layer_sizes]


def build_mlp(
    layer_sizes: list[int],
    activation: str | dict,
    init: Any,
    bias_init: Any,
    rng: np.random.Generator,
    dtype: np.dtype,
    final_activation: str | dict | None = None,
) -> list:
    """Linear layers between consecutive sizes, ``activation`` after every hidden one."""
    n_lin = len(layer_sizes) - 1
    inits, binits = _per_layer(init, n_lin, "init"), _per_layer(bias_init, n_lin, "bias_init")
    layers: list = []
    for i in range(n_lin):
        layers.append(Linear(layer_sizes[i], layer_sizes[i + 1], inits[i], binits[i], rng=rng, dtype=dtype))
        if i < n_lin - 1:
            layers.append(get_activation(activation))
        elif final_activation is not None:
            layers.append(get_activation(final_activation))
    return layers


class Model:
    """Base class. Subclasses set ``self.net`` and ``self.loss`` in ``__init__`` via :meth:`_setup`."""

    def __init__(self, *, l1: float = 0.0, l2: float = 0.0, dtype: str = "float32", seed: int = 0) -> None:
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = np.dtype(dtype)
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.penalties = [p for p in (L1Penalty(l1), L2Penalty(l2)) if p.alpha > 0]
        self._kwargs: dict[str, Any] = {"l1": l1, "l2": l2, "dtype": self.dtype.name, "seed": self.seed}
        self.history_: History | None = None
        self.classes_: np.ndarray | None = None

    def _setup(self, layers: list, loss: Loss, **kwargs: Any) -> None:
        self.net = Sequential(layers)
        self.net.flatten()  # parameters in one buffer: optimisers update them in a few whole-buffer operations
        first = next((layer for layer in self.net.layers if isinstance(layer, Linear)), None)
        if first is not None and first is self.net.layers[0]:
            first.need_input_grad = False
        self.loss = loss
        self._kwargs.update(kwargs)

    # --- parameters -----------------------------------------------------------------------------------------
    def parameters(self) -> dict[str, np.ndarray]:
        return self.net.params

    def gradients(self) -> dict[str, np.ndarray]:
        return self.net.grads

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (JSON-serialisable) to rebuild this model."""
        return {"class": type(self).__name__, "kwargs": dict(self._kwargs)}

    # --- core -----------------------------------------------------------------------------------------------
    def _as_input(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim == 1:
            X = X.reshape(1, -1) if self.n_features_in > 1 else X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[1] != self.n_features_in:
            raise ValueError(f"{type(self).__name__}: X has shape {X.shape}, expected (N, {self.n_features_in})")
        return X.astype(self.dtype, copy=False)

    @property
    def n_features_in(self) -> int:
        return self.net.layers[0].in_features

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Logits, shape (N, K)."""
        return self.net.forward(self._as_input(X))

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """Forward, loss, backward on one batch; leaves gradients in ``self.gradients()``. Returns the objective."""
        z = self.net.forward(xb.astype(self.dtype, copy=False))
        value, dz = self.loss.value_and_grad(z, yb)
        self.net.backward(dz)
        if self.penalties:
            params, grads = self.parameters(), self.gradients()
            for p in self.penalties:
                value += p.value(params)
                p.add_grad(params, grads)
        return value

    def converged(self) -> bool:
        return False

    def _logits_chunked(self, X: np.ndarray) -> np.ndarray:
        X = self._as_input(X)
        if len(X) <= EVAL_CHUNK:
            return self.net.forward(X)
        return np.concatenate([self.net.forward(X[i : i + EVAL_CHUNK]) for i in range(0, len(X), EVAL_CHUNK)])

    def encode_targets(self, y: np.ndarray, fitting: bool = False) -> np.ndarray:
        return np.asarray(y, dtype=self.dtype)

    def evaluate(self, X: np.ndarray, y: np.ndarray, encoded: bool = False) -> dict[str, float]:
        """Data loss (no penalty) and, for classifiers, accuracy."""
        t = y if encoded else self.encode_targets(y)
        z = self._logits_chunked(X)
        return {"loss": self.loss.value(z, t)}

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        config: TrainConfig | None = None,
        **train_kwargs: Any,
    ) -> Model:
        """Train on (X, y). Training settings come from ``config`` or keyword arguments (TrainConfig fields)."""
        if config is None:
            config = TrainConfig.from_dict({"seed": self.seed, **train_kwargs})
        elif train_kwargs:
            raise ValueError("give training settings either as config= or as keyword arguments, not both")
        if len(X) == 0 or len(y) == 0:
            raise ValueError(f"{type(self).__name__}.fit: empty training data ({len(X)} samples, {len(y)} targets)")
        if len(X) != len(y):
            raise ValueError(f"{type(self).__name__}.fit: X has {len(X)} samples but y has {len(y)}")
        X = self._as_input(X)
        t = self.encode_targets(y, fitting=True)
        val = None
        if validation_data is not None:
            Xv, yv = validation_data
            val = (self._as_input(Xv), self.encode_targets(yv))
        self.history_ = fit(self, X, t, config, val)
        return self

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({args})"


class _Classifier(Model):
    """Label handling shared by the classifiers: ``classes_`` holds the sorted labels seen in ``fit``."""

    def _check_y_classes(self, classes: np.ndarray) -> None:
        n_out = self.net.layers[-1].out_features if isinstance(self.net.layers[-1], Linear) else None
        k = 2 if n_out == 1 else n_out
        if len(classes) > k:
            raise ValueError(
                f"{type(self).__name__}: y has {len(classes)} classes {list(classes)}, model has {k} outputs"
            )

    def encode_targets(self, y: np.ndarray, fitting: bool = False) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"{type(self).__name__}: y must be a 1-D array of labels, got shape {y.shape}")
        if fitting:
            classes = np.unique(y)
            self._check_y_classes(classes)
            if self.n_outputs > 1 and len(classes) < self.n_outputs and np.issubdtype(classes.dtype, np.integer):
                classes = np.arange(self.n_outputs)  # integer labels 0..K-1 with some class absent from y
            self.classes_ = classes
        if self.classes_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit first")
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        bad = self.classes_[idx] != y
        if bad.any():
            raise ValueError(
                f"unknown label(s) {sorted(set(np.asarray(y)[bad].tolist()))[:5]}; known {list(self.classes_)}"
            )
        return self._encode_index(idx)

    @property
    def n_outputs(self) -> int:
        return self.net.layers[-1].out_features

    def _encode_index(self, idx: np.ndarray) -> np.ndarray:
        if self.n_outputs == 1:
            return idx.astype(self.dtype)
        return idx.astype(np.intp)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        z = self._logits_chunked(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, n_classes) (two columns for a single sigmoid output)."""
        p = self.loss.output(self._logits_chunked(X))
        if p.shape[1] == 1:
            p = np.hstack([1 - p, p])
        return p

    def _predict_index(self, z: np.ndarray) -> np.ndarray:
        return (z[:, 0] >= 0).astype(np.intp) if z.shape[1] == 1 else z.argmax(axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.classes_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit first")
        return self.classes_[self._predict_index(self._logits_chunked(X))]

    def evaluate(self, X, y, encoded=False):
        t = y if encoded else self.encode_targets(y)
        z = self._logits_chunked(X)
        if z.shape[1] == 1:
            correct = self._predict_index(z) == (t.reshape(-1) > 0)
        else:
            correct = self._predict_index(z) == t
        return {"loss": self.loss.value(z, t), "acc": float(np.mean(correct))}

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


class Perceptron(_Classifier):
    """``f(x) = sign(w.x + b)`` (sign(0) = +1), weights start at zero; labels mapped to -1 / +1 in sorted order.

    Trained full-batch by default with the criterion averaged over misclassified points (seed 001), stopping
    when no training point is misclassified.
    """

    def __init__(self, n_features: int, init: Any = "zeros", reduction: str = "mean_misclassified", **kw: Any):
        super().__init__(**kw)
        layers = [Linear(n_features, 1, init, "zeros", rng=self.rng, dtype=self.dtype)]
        self._setup(layers, PerceptronCriterion(reduction), n_features=n_features, init=init, reduction=reduction)

    def _encode_index(self, idx):
        return np.where(idx == 1, 1, -1).astype(self.dtype)

    def _check_y_classes(self, classes):
        if len(classes) != 2:
            raise ValueError(f"Perceptron needs exactly two classes, got {list(classes)}")

    def converged(self) -> bool:
        return self.loss.n_misclassified == 0

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Hard 0/1 "probabilities", shape (N, 2): a perceptron has no calibrated scores (``decision_function``
        gives ``w.x + b`` for ranking). The generic version returned ``[1 - sign, sign]``, i.e. 2 and -1."""
        p = (self.decision_function(X) >= 0).astype(self.dtype)[:, None]
        return np.hstack([1 - p, p])

    def fit(self, X, y, validation_data=None, config=None, **train_kwargs):
        if config is None:
            train_kwargs = {"batch_size": None, "epochs": 100, "lr": 1.0, "stop_when_converged": True, **train_kwargs}
        return super().fit(X, y, validation_data, config, **train_kwargs)


class LogisticRegression(_Classifier):
    """No hidden layer and one sigmoid output: ``p(y=1|x) = sigmoid(w.x + b)``, binary cross-entropy."""

    def __init__(self, n_features: int, init: Any = "zeros", **kw: Any):
        super().__init__(**kw)
        layers = [Linear(n_features, 1, init, "zeros", rng=self.rng, dtype=self.dtype)]
        self._setup(layers, BinaryCrossEntropy(), n_features=n_features, init=init)

    def _check_y_classes(self, classes):
        if len(classes) > 2:
            raise ValueError(f"LogisticRegression is binary; y has classes {list(classes)}")


class MLPClassifier(_Classifier):
    """Fully connected classifier. ``layer_sizes = [n_in, h1, ..., n_out]``; ``n_out = 1`` → sigmoid output and
    binary cross-entropy; ``n_out = K ≥ 2`` → softmax and cross-entropy."""

    def __init__(
        self,
        layer_sizes: list[int],
        activation: str | dict = "relu",
        init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        **kw: Any,
    ):
        super().__init__(**kw)
        sizes = _check_sizes(layer_sizes)
        layers = build_mlp(sizes, activation, init, bias_init, self.rng, self.dtype)
        loss = BinaryCrossEntropy() if sizes[-1] == 1 else SoftmaxCrossEntropy()
        self._setup(layers, loss, layer_sizes=sizes, activation=activation, init=init, bias_init=bias_init)


class MLPRegressor(Model):
    """Fully connected regressor with identity output and mean squared error."""

    def __init__(
        self,
        layer_sizes: list[int],
        activation: str | dict = "relu",
        init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        **kw: Any,
    ):
        super().__init__(**kw)
        sizes = _check_sizes(layer_sizes)
        layers = build_mlp(sizes, activation, init, bias_init, self.rng, self.dtype)
        self._setup(
            layers, MeanSquaredError(), layer_sizes=sizes, activation=activation, init=init, bias_init=bias_init
        )

    def encode_targets(self, y, fitting=False):
        y = np.asarray(y, dtype=self.dtype)
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def predict(self, X: np.ndarray) -> np.ndarray:
        z = self._logits_chunked(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Coefficient of determination R^2 (as scikit-learn's regressors)."""
        y = np.asarray(y, dtype=np.float64)
        pred = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)
        ss_res = np.sum((y - pred) ** 2)
        ss_tot = np.sum((y - y.mean(axis=0)) ** 2)
        return float(1 - ss_res / ss_tot) if ss_tot > 0 else float("nan")


class Autoencoder(Model):
    """Encoder ``layer_sizes = [n_in, ..., n_latent]`` and a mirrored decoder (or ``decoder_sizes``).

    ``output_activation="sigmoid"`` with ``loss="bce"`` uses the fused sigmoid + BCE on logits (targets in [0, 1]);
    with ``loss="mse"`` the sigmoid is a layer and MSE applies to its output; ``"identity"`` gives a linear output.
    """

    def __init__(
        self,
        layer_sizes: list[int],
        activation: str | dict = "relu",
        latent_activation: str | dict = "identity",
        output_activation: str = "sigmoid",
        loss: str = "mse",
        decoder_sizes: list[int] | None = None,
        init: Any = "glorot_uniform",
        bias_init: Any = "zeros",
        **kw: Any,
    ):
        super().__init__(**kw)
        enc = _check_sizes(layer_sizes)
        dec = _check_sizes(decoder_sizes) if decoder_sizes is not None else enc[::-1]
        if dec[0] != enc[-1] or dec[-1] != enc[0]:
            raise ValueError(
                f"decoder_sizes {dec} must go from the latent size {enc[-1]} back to the input size {enc[0]}"
            )
        if loss not in ("mse", "bce"):
            raise ValueError(f"Autoencoder: loss must be 'mse' or 'bce', got {loss!r}")
        if loss == "bce" and output_activation != "sigmoid":
            raise ValueError("Autoencoder: loss 'bce' needs output_activation 'sigmoid'")
        latent = None if latent_activation in ("identity", "linear") else latent_activation
        self.encoder = Sequential(build_mlp(enc, activation, init, bias_init, self.rng, self.dtype, latent))
        dec_layers = build_mlp(dec, activation, init, bias_init, self.rng, self.dtype)
        if output_activation == "sigmoid" and loss == "mse":
            dec_layers.append(Sigmoid())
        elif output_activation not in ("sigmoid", "identity", "linear"):
            dec_layers.append(get_activation(output_activation))
        self.decoder = Sequential(dec_layers)
        self.encoder.layers[0].need_input_grad = False
        self.net = Sequential([self.encoder, self.decoder])
        self.net.flatten()
        self.loss = BinaryCrossEntropy() if loss == "bce" else MeanSquaredError()
        self._kwargs.update(
            layer_sizes=enc,
            activation=activation,
            latent_activation=latent_activation,
            output_activation=output_activation,
            loss=loss,
            decoder_sizes=decoder_sizes,
            init=init,
            bias_init=bias_init,
        )

    @property
    def n_features_in(self) -> int:
        return self.encoder.layers[0].in_features

    def encode(self, X: np.ndarray) -> np.ndarray:
        """Latent codes, shape (N, n_latent)."""
        return self.encoder.forward(self._as_input(X))

    def codes_and_logits(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Latent codes, shape (N, n_latent), and the decoder's logits, shape (N, n_in), from one pass in the
        evaluation chunks: the logits equal ``_logits_chunked(X)`` (the same layers on the same chunks)."""
        X = self._as_input(X)
        codes, logits = [], []
        for i in range(0, max(len(X), 1), EVAL_CHUNK):
            codes.append(self.encoder.forward(X[i : i + EVAL_CHUNK]))
            logits.append(self.decoder.forward(codes[-1]))
        return np.concatenate(codes), np.concatenate(logits)

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Reconstructions from latent codes, shape (N, n_in)."""
        return self.loss.output(self.decoder.forward(np.asarray(codes, dtype=self.dtype)))

    def reconstruct(self, X: np.ndarray) -> np.ndarray:
        return self.loss.output(self._logits_chunked(X))

    def fit(self, X, y=None, validation_data=None, config=None, **train_kwargs):
        """Unsupervised: the target is the input (pass ``y`` for a denoising autoencoder: noisy X, clean y)."""
        if validation_data is not None and not isinstance(validation_data, tuple):
            validation_data = (validation_data, validation_data)
        return super().fit(X, X if y is None else y, validation_data, config, **train_kwargs)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.reconstruct(X)

    def score(self, X: np.ndarray, y: np.ndarray | None = None) -> float:
        """Negative reconstruction loss (higher is better)."""
        return -self.evaluate(X, X if y is None else y)["loss"]


MODELS: dict[str, type[Model]] = {
    "perceptron": Perceptron,
    "logistic_regression": LogisticRegression,
    "mlp_classifier": MLPClassifier,
    "mlp_regressor": MLPRegressor,
    "autoencoder": Autoencoder,
}


def build_model(kind: str, **kwargs: Any) -> Model:
    """Build a model from a registry name (``"mlp_classifier"``) and constructor arguments."""
    by_class = {cls.__name__: cls for cls in MODELS.values()}  # saved models name their class
    return build(by_class if kind in by_class else MODELS, {"name": kind, **kwargs}, "model")
