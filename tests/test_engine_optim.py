"""Optimisers against closed-form values worked by hand: SGD one step, Momentum and Adam two steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scratchnet.layers import Linear, ReLU, Sequential
from scratchnet.models import Autoencoder, MLPClassifier
from scratchnet.optim import SGD, Adam, Momentum, flat_layout, get_optimizer

P0 = [0.5, -1.0, 2.0]
G1 = [0.2, -0.4, 1.0]
G2 = [-0.1, 0.3, 0.5]


def _state() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    params = {"0.W": np.array(P0, dtype=np.float64)}
    grads = {"0.W": np.array(G1, dtype=np.float64)}
    return params, grads


def test_sgd_one_step() -> None:
    params, grads = _state()
    w = params["0.W"]
    SGD(lr=0.1).step(params, grads)
    assert params["0.W"] is w, "updates happen in place"
    np.testing.assert_allclose(w, [0.5 - 0.02, -1.0 + 0.04, 2.0 - 0.1], rtol=0, atol=1e-15)


def test_momentum_first_two_steps() -> None:
    lr, mu = 0.1, 0.9
    params, grads = _state()
    opt = Momentum(lr=lr, momentum=mu)
    opt.step(params, grads)
    # v1 = -lr g1 ; p1 = p0 + v1
    v1 = [-lr * g for g in G1]
    p1 = [p + v for p, v in zip(P0, v1, strict=True)]
    np.testing.assert_allclose(params["0.W"], p1, rtol=0, atol=1e-15)
    grads["0.W"][...] = G2
    opt.step(params, grads)
    # v2 = mu v1 - lr g2 ; p2 = p1 + v2
    v2 = [mu * v - lr * g for v, g in zip(v1, G2, strict=True)]
    p2 = [p + v for p, v in zip(p1, v2, strict=True)]
    np.testing.assert_allclose(opt.velocity["0.W"], v2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(params["0.W"], p2, rtol=0, atol=1e-15)


def test_adam_first_two_steps_closed_form() -> None:
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    params, grads = _state()
    opt = Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)
    assert opt.t == 0
    opt.step(params, grads)
    assert opt.t == 1
    # t = 1: m1 = (1 - b1) g1, v1 = (1 - b2) g1^2; bias correction divides by (1 - b1) and (1 - b2), so the
    # first step is lr * g1 / (|g1| + eps): every coordinate moves by almost exactly lr against its gradient.
    m1 = [(1 - b1) * g for g in G1]
    v1 = [(1 - b2) * g * g for g in G1]
    p1 = [p - lr * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps) for p, m, v in zip(P0, m1, v1, strict=True)]
    np.testing.assert_allclose(params["0.W"], p1, rtol=1e-13)
    np.testing.assert_allclose(params["0.W"], [0.49, -0.99, 1.99], rtol=0, atol=1e-7)
    grads["0.W"][...] = G2
    opt.step(params, grads)
    assert opt.t == 2
    # t = 2: m2 = b1 m1 + (1 - b1) g2, v2 = b2 v1 + (1 - b2) g2^2, corrections 1 - b1^2 and 1 - b2^2
    m2 = [b1 * m + (1 - b1) * g for m, g in zip(m1, G2, strict=True)]
    v2 = [b2 * v + (1 - b2) * g * g for v, g in zip(v1, G2, strict=True)]
    p2 = [p - lr * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps) for p, m, v in zip(p1, m2, v2, strict=True)]
    np.testing.assert_allclose(opt.m["0.W"], m2, rtol=1e-13)
    np.testing.assert_allclose(opt.v["0.W"], v2, rtol=1e-13)
    np.testing.assert_allclose(params["0.W"], p2, rtol=1e-13)
    # the hand-worked numbers for the first coordinate (g1 = 0.2, g2 = -0.1):
    # m2 = 0.9*0.02 - 0.01 = 0.008, mhat = 0.008/0.19; v2 = 0.999*4e-5 + 1e-5, vhat = v2/0.001999
    p1_0 = 0.5 - 0.01 * 0.2 / (0.2 + eps)
    mhat, vhat = 0.008 / 0.19, (0.999 * 4e-5 + 1e-5) / 0.001999
    assert params["0.W"][0] == pytest.approx(p1_0 - 0.01 * mhat / (math.sqrt(vhat) + eps), rel=1e-13)


def test_float32_parameters_stay_float32() -> None:
    for name in ("sgd", "momentum", "adam"):
        params = {"W": np.ones((3, 2), dtype=np.float32)}
        grads = {"W": np.full((3, 2), 0.5, dtype=np.float32)}
        opt = get_optimizer(name, lr=0.1)
        opt.step(params, grads)
        opt.step(params, grads)
        assert params["W"].dtype == np.float32, name


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rate_named(lr: float) -> None:
    for cls in (SGD, Momentum, Adam):
        with pytest.raises(ValueError, match=f"learning rate must be a finite number > 0, got {lr!r}"):
            cls(lr=lr)


def test_unknown_optimiser_named() -> None:
    with pytest.raises(ValueError, match="unknown optimiser 'rmsprop'"):
        get_optimizer("rmsprop", lr=0.1)


# --- flat parameter buffers (Sequential.flatten) -------------------------------------------------------------------


def test_models_keep_parameters_in_one_flat_buffer() -> None:
    for model in (MLPClassifier([5, 4, 3], seed=1), Autoencoder([6, 3, 2], seed=1)):
        params, grads = model.parameters(), model.gradients()
        layout = flat_layout(params, grads)
        assert layout is not None, type(model).__name__
        flat_p, flat_g, spans = layout
        assert flat_p.size == sum(p.size for p in params.values())
        assert set(spans) == set(params)
        for k, p in params.items():
            assert p.base is flat_p and grads[k].base is flat_g
    # flattening keeps the initial values: the same construction without flatten gives the same numbers
    rng = np.random.default_rng(1)
    plain = Sequential([Linear(5, 4, rng=rng), ReLU(), Linear(4, 3, rng=rng)])
    model = MLPClassifier([5, 4, 3], seed=1)
    for k, p in plain.params.items():
        assert np.array_equal(p, model.parameters()[k]), k


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_flat_and_per_parameter_updates_are_identical(name: str) -> None:
    model = MLPClassifier([6, 5, 4, 3], activation="tanh", seed=2)
    flat_params, flat_grads = model.parameters(), model.gradients()
    assert flat_layout(flat_params, flat_grads) is not None
    params = {k: v.copy() for k, v in flat_params.items()}  # separate arrays: the per-parameter path
    grads = {k: v.copy() for k, v in flat_grads.items()}
    assert flat_layout(params, grads) is None
    opt_flat, opt_each = get_optimizer(name, lr=0.05), get_optimizer(name, lr=0.05)
    rng = np.random.default_rng(3)
    for _ in range(3):
        for k in params:
            g = rng.standard_normal(params[k].shape).astype(np.float32)
            flat_grads[k][...] = g
            grads[k][...] = g
        opt_flat.step(flat_params, flat_grads)
        opt_each.step(params, grads)
    for k in params:
        assert flat_params[k].tobytes() == params[k].tobytes(), k
    # a subset of the parameters does not tile the buffer: the per-parameter path updates only those
    subset = {k: flat_params[k] for k in list(flat_params)[:2]}
    before = {k: v.copy() for k, v in flat_params.items()}
    opt_flat.step(subset, flat_grads)
    for k in flat_params:
        assert np.array_equal(flat_params[k], before[k]) == (k not in subset), k
    state = {"sgd": None, "momentum": "velocity", "adam": "m"}[name]
    if state is not None:
        for k, v in getattr(opt_flat, state).items():
            assert v.shape == flat_params[k].shape, k


@pytest.mark.parametrize("make", [lambda: Momentum(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1)])
def test_state_decayed_below_normal_floats_is_flushed(make, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under zero gradients the state decays into subnormal floats (slow arithmetic, and stuck there: 0.9 x the
    smallest subnormal rounds back to it); every FLUSH_EVERY steps they are set to 0, which moves no parameter."""
    import scratchnet.optim as optim

    def run(flush_every: int) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
        monkeypatch.setattr(optim, "FLUSH_EVERY", flush_every)
        opt = make()
        params = {"W": np.ones((4, 3), dtype=np.float32), "b": np.ones(3, dtype=np.float32)}
        grads = {"W": np.full((4, 3), 0.5, dtype=np.float32), "b": np.full(3, 0.5, dtype=np.float32)}
        opt.step(params, grads)
        for g in grads.values():
            g[...] = 0.0
        for _ in range(1600):  # 0.9^1600 ~ 1e-73: far below float32's smallest normal (1.2e-38)
            opt.step(params, grads)
        state = list(opt.velocity.values()) if isinstance(opt, Momentum) else [*opt.m.values(), *opt.v.values()]
        return params, state

    def subnormal(arrays: list[np.ndarray]) -> int:
        tiny = np.finfo(np.float32).tiny
        return sum(int(((a != 0) & (np.abs(a) < tiny)).sum()) for a in arrays)

    p_plain, s_plain = run(10**9)  # never flushed
    p_flush, s_flush = run(16)
    assert subnormal(s_plain) > 0  # the problem exists without the flush ...
    assert subnormal(s_flush) == 0  # ... and not with it
    for k in p_plain:
        np.testing.assert_array_equal(p_flush[k], p_plain[k])  # and no parameter moved differently
