"""Centred finite-difference gradient checks in float64 for every layer, loss, penalty and whole train steps.

Every check compares the analytic gradient ``a`` with ``n = (f(p + eps) - f(p - eps)) / (2 eps)`` elementwise by the
relative error ``|a - n| / max(|a| + |n|, TINY)`` and asserts the maximum is below ``BOUND`` (with ``EPS`` below).
Shapes are drawn from a seeded Generator. Run with ``pytest -s`` to print the measured maxima.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from scratchnet.layers import Identity, LeakyReLU, Linear, ReLU, Sigmoid, Softmax, Tanh
from scratchnet.losses import (
    BinaryCrossEntropy,
    L1Penalty,
    L2Penalty,
    MeanSquaredError,
    PerceptronCriterion,
    SoftmaxCrossEntropy,
)
from scratchnet.models import Autoencoder, MLPClassifier, MLPRegressor

EPS = 1e-5
BOUND = 1e-6
TINY = 1e-12
SEEDS = [0, 1, 2]


def rel_error(a: np.ndarray, n: np.ndarray) -> float:
    """Maximum elementwise ``|a - n| / max(|a| + |n|, TINY)``."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    assert a.shape == n.shape, (a.shape, n.shape)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), TINY)))


def numerical_grad(f: Callable[[], float], p: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Centred differences of the scalar ``f()`` with respect to ``p``, perturbed in place and restored."""
    grad = np.zeros_like(p, dtype=np.float64)
    it = np.nditer(p, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = p[i]
        p[i] = old + eps
        fp = f()
        p[i] = old - eps
        fm = f()
        p[i] = old
        grad[i] = (fp - fm) / (2 * eps)
    return grad


def report(component: str, errors: dict[str, float], case: str = "") -> float:
    """Print ``gradcheck[<component>] <case>: max rel error ...`` (grep-able) and assert the bound."""
    worst = max(errors.values())
    detail = ", ".join(f"{k} {v:.2e}" for k, v in errors.items())
    print(f"\ngradcheck[{component}] {case}: max rel error {worst:.2e} ({detail}; eps {EPS:g}, bound {BOUND:g})")
    assert worst < BOUND, f"{component}: max relative error {worst:.3e} >= {BOUND:g} ({detail})"
    return worst


def _shape(rng: np.random.Generator) -> tuple[int, int]:
    return int(rng.integers(2, 7)), int(rng.integers(2, 6))


# --- layers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("batch", ["random", "one"])
def test_linear_gradients(seed: int, batch: str) -> None:
    rng = np.random.default_rng(seed)
    n, d_in = _shape(rng)
    n = n if batch == "random" else 1  # one sample: Linear.backward's outer-product path (per-sample SGD)
    d_out = int(rng.integers(1, 6))
    normal = {"name": "random_normal", "scale": 1.0}
    layer = Linear(d_in, d_out, init=normal, bias_init=normal, rng=rng, dtype=np.float64)
    x = rng.standard_normal((n, d_in))
    w_out = rng.standard_normal((n, d_out))  # objective f = sum(out * w_out), so dout = w_out

    def f() -> float:
        return float(np.sum(layer.forward(x) * w_out))

    layer.forward(x)
    dx = layer.backward(w_out)
    analytic = {"dW": layer.grads["W"].copy(), "db": layer.grads["b"].copy(), "dx": dx.copy()}
    errors = {
        "dW": rel_error(analytic["dW"], numerical_grad(f, layer.params["W"])),
        "db": rel_error(analytic["db"], numerical_grad(f, layer.params["b"])),
        "dx": rel_error(analytic["dx"], numerical_grad(f, x)),
    }
    report("Linear", errors, f"({n}x{d_in} -> {d_out})")
    np.testing.assert_array_equal(analytic["dW"], x.T @ w_out)


ACTIVATION_LAYERS = {
    "Identity": Identity,
    "ReLU": ReLU,
    "LeakyReLU": lambda: LeakyReLU(0.1),
    "Sigmoid": Sigmoid,
    "Tanh": Tanh,
    "Softmax": Softmax,
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(ACTIVATION_LAYERS))
def test_activation_gradients(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = _shape(rng)
    layer = ACTIVATION_LAYERS[name]()
    x = 2 * rng.standard_normal(shape)
    if name in ("ReLU", "LeakyReLU"):  # keep away from the kink at 0
        x = np.where(np.abs(x) < 0.1, 0.1 * np.sign(x) + x, x)
    w_out = rng.standard_normal(shape)

    def f() -> float:
        return float(np.sum(layer.forward(x) * w_out))

    layer.forward(x)
    dx = layer.backward(w_out).copy()
    report(name, {"dx": rel_error(dx, numerical_grad(f, x))}, str(shape))


# --- losses -------------------------------------------------------------------------------------------------------


def _loss_check(loss, z: np.ndarray, y: np.ndarray, component: str, case: str) -> None:
    value, dz = loss.value_and_grad(z, y)
    dz = dz.copy()
    assert isinstance(value, float)
    report(component, {"dz": rel_error(dz, numerical_grad(lambda: loss.value(z, y), z))}, case)


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_gradient(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = _shape(rng)
    _loss_check(MeanSquaredError(), rng.standard_normal((n, k)), rng.standard_normal((n, k)), "MSE", f"({n}, {k})")
    _loss_check(MeanSquaredError(), rng.standard_normal((n, 1)), rng.standard_normal(n), "MSE", f"({n}, 1), 1-D y")


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_from_logits_gradient(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = _shape(rng)
    z1 = 2 * rng.standard_normal((n, 1))
    _loss_check(BinaryCrossEntropy(), z1, rng.integers(0, 2, n).astype(np.float64), "BCE", f"({n}, 1)")
    # several outputs (an autoencoder with loss="bce"): soft targets in [0, 1]
    zk, yk = 2 * rng.standard_normal((n, k)), rng.uniform(0, 1, (n, k))
    _loss_check(BinaryCrossEntropy(), zk, yk, "BCE", f"({n}, {k})")


def test_bce_value_is_stable_and_matches_definition() -> None:
    z = np.array([[-800.0], [-3.0], [0.0], [2.0], [800.0]])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    value, grad = BinaryCrossEntropy().value_and_grad(z, y)
    p = 1 / (1 + np.exp(-z[1:4, 0]))
    finite_part = -(y[1:4] * np.log(p) + (1 - y[1:4]) * np.log(1 - p)).sum()
    assert value == pytest.approx((800 + finite_part + 800) / 5, rel=1e-12)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("targets", ["integer", "one_hot"])
def test_softmax_cross_entropy_gradient(seed: int, targets: str) -> None:
    rng = np.random.default_rng(seed)
    n, k = _shape(rng)
    z = 2 * rng.standard_normal((n, k))
    labels = rng.integers(0, k, n)
    y = labels if targets == "integer" else np.eye(k)[labels]
    _loss_check(SoftmaxCrossEntropy(), z, y, f"softmax CE, {targets} labels", f"({n}, {k})")


def test_softmax_cross_entropy_integer_and_one_hot_agree() -> None:
    rng = np.random.default_rng(5)
    z = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    v1, g1 = SoftmaxCrossEntropy().value_and_grad(z, labels)
    v2, g2 = SoftmaxCrossEntropy().value_and_grad(z, np.eye(4)[labels])
    assert v1 == pytest.approx(v2, rel=1e-14)
    np.testing.assert_allclose(g1, g2, rtol=1e-14, atol=1e-16)
    big = SoftmaxCrossEntropy().value(z + 1000.0, labels)  # max-shift: no overflow, shift invariant
    assert big == pytest.approx(v1, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reduction", ["sum", "mean_misclassified"])
def test_perceptron_criterion_gradient(seed: int, reduction: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 10))
    z = rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 2.0, n)  # |z| >= 0.5: no point near the boundary z = 0
    z = z.reshape(n, 1)
    y = rng.choice([-1.0, 1.0], n)
    y[0] = -np.sign(z[0, 0])  # at least one misclassified point
    loss = PerceptronCriterion(reduction)
    _loss_check(loss, z, y, f"perceptron criterion, {reduction}", f"({n}, 1)")
    mis = np.sign(z[:, 0]) * y < 0
    assert loss.n_misclassified == int(mis.sum())
    expected = -np.sum(y[mis] * z[mis, 0])
    if reduction == "mean_misclassified":
        expected /= mis.sum()
    assert loss.value(z, y) == pytest.approx(expected, rel=1e-14)


# --- penalties ----------------------------------------------------------------------------------------------------


def _params(rng: np.random.Generator) -> dict[str, np.ndarray]:
    shapes = [_shape(rng), _shape(rng)]
    params: dict[str, np.ndarray] = {}
    for i, (a, b) in enumerate(shapes):
        w = rng.standard_normal((a, b))
        params[f"{2 * i}.W"] = np.where(np.abs(w) < 0.1, w + 0.2 * np.sign(w), w)  # L1: away from W = 0
        params[f"{2 * i}.b"] = rng.standard_normal(b)
    return params


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("penalty_cls", [L1Penalty, L2Penalty])
def test_penalty_gradients(seed: int, penalty_cls) -> None:
    rng = np.random.default_rng(seed)
    params = _params(rng)
    penalty = penalty_cls(0.3)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    penalty.add_grad(params, grads)
    errors = {k: rel_error(grads[k], numerical_grad(lambda: penalty.value(params), p)) for k, p in params.items()}
    for k in params:
        if k.endswith("b"):
            assert not grads[k].any(), "biases are never penalised"
    report(penalty_cls.__name__, errors, str({k: v.shape for k, v in params.items()}))


# --- whole train steps --------------------------------------------------------------------------------------------


def _check_train_step(model, X: np.ndarray, y: np.ndarray, component: str, case: str) -> None:
    model.train_step(X, y)
    analytic = {k: g.copy() for k, g in model.gradients().items()}
    params = model.parameters()
    assert set(analytic) == set(params)
    for p in params.values():
        assert p.dtype == np.float64
    errors = {k: rel_error(analytic[k], numerical_grad(lambda: model.train_step(X, y), p)) for k, p in params.items()}
    report(component, errors, case)


def _random_init(scale: float = 0.5) -> dict:
    return {"name": "random_normal", "scale": scale}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_mlp_classifier_train_step(seed: int, activation: str) -> None:
    rng = np.random.default_rng(seed)
    n, d = _shape(rng)
    k = int(rng.integers(2, 5))
    sizes = [d, int(rng.integers(2, 6)), int(rng.integers(2, 6)), k]
    model = MLPClassifier(
        sizes, activation=activation, bias_init=_random_init(0.1), l2=0.05, dtype="float64", seed=seed
    )
    X = rng.standard_normal((n, d))
    y = model.encode_targets(rng.integers(0, k, n), fitting=True)
    _check_train_step(model, X, y, f"MLPClassifier {activation} + L2 train_step", str(sizes))


@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_classifier_sigmoid_output_and_l1(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, d = _shape(rng)
    sizes = [d, 4, 1]
    init = {"name": "constant", "value": 0.0}  # replaced below by values away from 0 (L1's kink)
    model = MLPClassifier(sizes, activation="tanh", init=init, l1=0.02, dtype="float64", seed=seed)
    for k, p in model.parameters().items():
        w = rng.standard_normal(p.shape)
        p[...] = np.where(np.abs(w) < 0.2, w + 0.4 * np.sign(w), w) if k.endswith("W") else w
    X = rng.standard_normal((n, d))
    y = model.encode_targets(np.r_[0, 1, rng.integers(0, 2, n - 2)], fitting=True)
    _check_train_step(model, X, y, "MLPClassifier sigmoid/BCE output + L1 train_step", str(sizes))


@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_regressor_train_step(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, d = _shape(rng)
    sizes = [d, 5, 3, 2]
    leaky = {"name": "leaky_relu", "slope": 0.1}
    model = MLPRegressor(sizes, activation=leaky, bias_init=_random_init(0.1), dtype="float64", seed=seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal((n, 2))
    _check_train_step(model, X, y, "MLPRegressor leaky_relu train_step", str(sizes))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_autoencoder_train_step(seed: int, loss: str) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7))
    d = int(rng.integers(4, 8))
    sizes = [d, 3, 2]
    model = Autoencoder(
        sizes, "tanh", latent_activation="sigmoid", loss=loss, bias_init=_random_init(0.1), dtype="float64", seed=seed
    )
    X = rng.uniform(0, 1, (n, d))
    _check_train_step(model, X, X, f"Autoencoder loss={loss} train_step", str(sizes))
