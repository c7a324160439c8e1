"""Models and the training loop: seed 003's worked backprop step, XOR, determinism, persistence, L2, early stopping,
divergence, argument errors, History's running cost, and the perceptron's convergence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scratchnet.layers import Linear
from scratchnet.models import Autoencoder, LogisticRegression, MLPClassifier, MLPRegressor, Perceptron
from scratchnet.optim import SGD
from scratchnet.persist import load_model, save_model
from scratchnet.train import History, TrainConfig, TrainingDiverged

# --- seed 003, Q1(a): one backprop step by hand -------------------------------------------------------------------


def _seed003_model() -> MLPRegressor:
    return MLPRegressor(
        [1, 1, 1],
        activation="relu",
        init={"name": "constant", "value": 0.5},
        bias_init={"name": "constant", "value": 1},
        dtype="float64",
    )


X003 = np.array([[1.0], [2.0], [3.0]])
Y003 = np.array([3.0, 4.0, 5.0])


def test_seed003_backprop_step_by_hand() -> None:
    model = _seed003_model()
    y = model.encode_targets(Y003)
    before = model.train_step(X003, y)
    assert before == pytest.approx(4.375, abs=1e-12)
    g = model.gradients()
    # parameter names: "0.W", "0.b" (hidden Linear), "2.W", "2.b" (output Linear; "1" is the ReLU)
    assert g["2.W"].item() == pytest.approx(-8.5, abs=1e-12)
    assert g["2.b"].item() == pytest.approx(-4.0, abs=1e-12)
    assert g["0.W"].item() == pytest.approx(-4.5, abs=1e-12)
    assert g["0.b"].item() == pytest.approx(-2.0, abs=1e-12)
    SGD(lr=0.01).step(model.parameters(), g)
    p = model.parameters()
    assert p["0.W"].item() == pytest.approx(0.545, abs=1e-12)
    assert p["0.b"].item() == pytest.approx(1.02, abs=1e-12)
    assert p["2.W"].item() == pytest.approx(0.585, abs=1e-12)
    assert p["2.b"].item() == pytest.approx(1.04, abs=1e-12)
    after = model.evaluate(X003, Y003)["loss"]
    print(f"\nseed 003 Q1(a): MSE before {before:.6f}, after one SGD step {after:.6f} (the seed rounds to ~3.30)")
    assert after < before
    assert after == pytest.approx(3.3, abs=0.05)
    # the same step through fit (full batch, one epoch)
    fitted = _seed003_model().fit(X003, Y003, epochs=1, batch_size=None, lr=0.01, optimizer="sgd")
    for k, v in fitted.parameters().items():
        assert np.array_equal(v, p[k]), k
    assert fitted.history_.update_loss[0] == pytest.approx(4.375, abs=1e-12)


# --- learning and determinism -------------------------------------------------------------------------------------

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
Y_XOR = np.array([0, 1, 1, 0])


def _xor_model(seed: int) -> MLPClassifier:
    return MLPClassifier([2, 8, 1], activation="tanh", seed=seed)


def _fit_xor(seed: int) -> MLPClassifier:
    return _xor_model(seed).fit(X_XOR, Y_XOR, optimizer="adam", lr=0.05, epochs=300, batch_size=None)


def test_mlp_learns_xor() -> None:
    model = _fit_xor(0)
    assert model.score(X_XOR, Y_XOR) == 1.0
    np.testing.assert_array_equal(model.predict(X_XOR), Y_XOR)
    assert model.history_.epochs[-1]["train_acc"] == 1.0


def test_same_seed_bit_identical_different_seed_differs() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] > 0).astype(int)

    def run(seed: int) -> dict[str, np.ndarray]:
        model = MLPClassifier([5, 6, 2], seed=seed).fit(X, y, epochs=3, batch_size=8, lr=0.1)
        return {k: v.copy() for k, v in model.parameters().items()}

    a, b, c = run(7), run(7), run(8)
    for k in a:
        assert a[k].tobytes() == b[k].tobytes(), f"{k} differs between two runs with the same seed"
    assert any(not np.array_equal(a[k], c[k]) for k in a), "a different seed gave the same weights"


# --- persistence --------------------------------------------------------------------------------------------------


def _fitted_models() -> list:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4)).astype(np.float32)
    y_bin = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    y_multi = np.argmax(X[:, :3], axis=1)
    kw = {"epochs": 2, "batch_size": 8}
    return [
        (Perceptron(4).fit(X, y_bin), X),
        (LogisticRegression(4).fit(X, y_bin, lr=0.1, **kw), X),
        (MLPClassifier([4, 5, 3], activation="tanh", l2=0.01).fit(X, y_multi, **kw), X),
        (MLPClassifier([4, 5, 1], activation={"name": "leaky_relu", "slope": 0.2}).fit(X, y_bin, **kw), X),
        (MLPRegressor([4, 6, 2], dtype="float64").fit(X, X[:, :2] * 2, **kw), X),
        (Autoencoder([4, 3, 2], activation="sigmoid").fit(X, **kw), X),
        (Autoencoder([4, 2], loss="bce", init="he_normal").fit(1 / (1 + np.exp(-X)), **kw), X),
    ]


def test_save_load_round_trip_predicts_identically(tmp_path: Path) -> None:
    for i, (model, X) in enumerate(_fitted_models()):
        npz, meta = save_model(model, tmp_path / f"model{i}", metadata={"seed": 0, "note": "test"})
        assert npz.exists() and meta.exists()
        loaded = load_model(npz)
        assert type(loaded) is type(model)
        assert loaded.metadata == {"seed": 0, "note": "test"}
        for k, v in model.parameters().items():
            assert loaded.parameters()[k].dtype == v.dtype
            assert np.array_equal(loaded.parameters()[k], v), (type(model).__name__, k)
        assert np.array_equal(loaded.predict(X), model.predict(X)), type(model).__name__
        if hasattr(model, "predict_proba"):
            assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
        assert loaded.score(X, model.predict(X)) == model.score(X, model.predict(X))


# --- regularisation and early stopping ----------------------------------------------------------------------------


def test_l2_shrinks_weights() -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 6)).astype(np.float32)
    y = (X[:, 0] - X[:, 2] > 0).astype(int)

    def weight_norm(l2: float) -> float:
        model = MLPClassifier([6, 16, 2], l2=l2, seed=2).fit(X, y, epochs=20, batch_size=20, lr=0.1)
        return sum(float(np.sum(v.astype(np.float64) ** 2)) for k, v in model.parameters().items() if k.endswith("W"))

    none, with_l2 = weight_norm(0.0), weight_norm(0.05)
    assert with_l2 < 0.8 * none, (with_l2, none)


def test_early_stopping_restores_best_validation_weights() -> None:
    # Train on y = x and validate on y = -x: as the weight grows towards +1 the validation loss only rises,
    # so the best validation epoch is the first; patience 3 stops after epoch 4 and restores epoch 1's weights.
    x = np.linspace(-1, 1, 21, dtype=np.float32).reshape(-1, 1)
    kw = {"lr": 0.05, "batch_size": 7, "seed": 4}
    model = MLPRegressor([1, 1], init="zeros", seed=4)
    model.fit(x, x[:, 0], validation_data=(x, -x[:, 0]), epochs=50, patience=3, **kw)
    hist = model.history_
    val = hist.epoch_series("val_loss")
    assert np.all(np.diff(val) > 0), val
    assert hist.stopped == "early_stopping"
    assert hist.best_epoch == 1
    assert hist.n_epochs == 4
    one_epoch = MLPRegressor([1, 1], init="zeros", seed=4).fit(x, x[:, 0], epochs=1, **kw)
    for k, v in model.parameters().items():
        assert np.array_equal(v, one_epoch.parameters()[k]), k
    assert model.evaluate(x, -x[:, 0])["loss"] == pytest.approx(val[0], rel=1e-6)


# --- failures -----------------------------------------------------------------------------------------------------


def test_non_finite_loss_raises_training_diverged() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 3.0], dtype=np.float32)
    model = MLPRegressor([3, 8, 1], activation="identity")
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged) as info:
        model.fit(X, y, lr=1e6, epochs=50, batch_size=8)
    msg = str(info.value)
    print(f"\nTrainingDiverged: {msg}")
    assert "non-finite loss" in msg
    assert "at update " in msg and ("inf" in msg or "nan" in msg)
    assert "1000000.0" in msg


@pytest.fixture
def tiny() -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    return X, np.array([0, 1, 1, 0])


def test_bad_arguments_name_the_value(tiny) -> None:
    X, y = tiny
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLPClassifier([2, 3, 2], activation="swish")
    with pytest.raises(ValueError, match="unknown initialiser 'lecun'"):
        MLPClassifier([2, 3, 2], init="lecun")
    with pytest.raises(ValueError, match="unknown optimiser 'rmsprop'"):
        MLPClassifier([2, 3, 2]).fit(X, y, optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"input has shape \(4, 5\), expected \(N, 3\)"):
        Linear(3, 2).forward(np.zeros((4, 5)))
    fitted = MLPClassifier([2, 3, 2]).fit(X, y, epochs=1)
    with pytest.raises(ValueError, match=r"X has shape \(4, 5\), expected \(N, 2\)"):
        fitted.predict(np.zeros((4, 5)))
    for lr in (0, -0.5):
        with pytest.raises(ValueError, match=f"learning rate must be a finite number > 0, got {lr}"):
            MLPClassifier([2, 3, 2]).fit(X, y, lr=lr)
    with pytest.raises(ValueError, match=r"empty training data \(0 samples, 0 targets\)"):
        MLPClassifier([2, 3, 2]).fit(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="X has 4 samples but y has 3"):
        MLPClassifier([2, 3, 2]).fit(X, y[:3])
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) \['learning_rate'\]"):
        MLPClassifier([2, 3, 2]).fit(X, y, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) \['epoch'\]"):
        TrainConfig.from_dict({"epoch": 3})
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None .* got 0"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match=r"layer_sizes must hold positive integers, got 0"):
        MLPClassifier([2, 0, 2])
    with pytest.raises(ValueError, match=r"unknown label\(s\) \[7\]"):
        fitted.evaluate(X, np.array([0, 1, 7, 0]))


# --- History ------------------------------------------------------------------------------------------------------


def test_history_running_cost_and_stopping_signal() -> None:
    losses = np.arange(1.0, 11.0)  # 1, 2, ..., 10
    hist = History(update_loss=losses, n_updates=10)
    idx, rc = hist.running_cost(window=2, every=2)
    np.testing.assert_array_equal(idx, [2, 4, 6, 8, 10])
    np.testing.assert_allclose(rc, [1.5, 3.5, 5.5, 7.5, 9.5])
    sidx, sig = hist.stopping_signal(window=2, every=2)
    np.testing.assert_array_equal(sidx, [4, 6, 8, 10])
    np.testing.assert_allclose(sig, [2.0, 2.0, 2.0, 2.0])
    # window 3 every 4: checkpoints 4, 8 and the last update 10
    idx, rc = hist.running_cost(window=3, every=4)
    np.testing.assert_array_equal(idx, [4, 8, 10])
    np.testing.assert_allclose(rc, [3.0, 7.0, 9.0])
    # a window longer than the run averages everything so far
    idx, rc = hist.running_cost(window=100, every=5)
    np.testing.assert_allclose(rc, [3.0, 5.5])
    # only the first n_updates count (the buffer may be longer when training stopped early)
    partial = History(update_loss=np.r_[losses, np.nan, np.nan], n_updates=10)
    np.testing.assert_allclose(partial.running_cost(window=2, every=2)[1], [1.5, 3.5, 5.5, 7.5, 9.5])
    assert History().running_cost()[0].size == 0


# --- perceptron ---------------------------------------------------------------------------------------------------


def test_perceptron_converges_on_separable_data() -> None:
    rng = np.random.default_rng(11)
    a = rng.normal([2.0, 2.0], 0.5, size=(30, 2))
    b = rng.normal([-2.0, -2.0], 0.5, size=(30, 2))
    X = np.vstack([a, b]).astype(np.float32)
    y = np.r_[np.ones(30, dtype=int), np.zeros(30, dtype=int)]
    model = Perceptron(2).fit(X, y)
    hist = model.history_
    assert hist.stopped == "converged"
    assert hist.converged_epoch is not None and hist.converged_epoch >= 2
    assert hist.n_epochs == hist.converged_epoch - 1  # the converged epoch finds no error and makes no update
    assert model.score(X, y) == 1.0
    assert model.loss.n_misclassified == 0
    proba = model.predict_proba(X)  # hard 0/1 columns (it used to return 1 - sign and sign: 2 and -1)
    assert proba.shape == (60, 2) and set(np.unique(proba)) <= {0.0, 1.0}
    np.testing.assert_array_equal(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))


# --- dtype discipline ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", {"name": "leaky_relu", "slope": 0.1}])
@pytest.mark.parametrize("n_out", [1, 3])
def test_float32_stays_float32_through_forward_loss_backward(activation, n_out: int) -> None:
    rng = np.random.default_rng(0)
    model = MLPClassifier([6, 5, 4, n_out], activation=activation, l2=0.01, l1=0.01)
    X = rng.standard_normal((7, 6)).astype(np.float32)
    y = model.encode_targets(np.r_[0, 1, rng.integers(0, max(n_out, 2), 5)], fitting=True)
    h = X
    for layer in model.net.layers:
        h = layer.forward(h)
        assert h.dtype == np.float32, layer
    value, d = model.loss.value_and_grad(h, y)
    assert isinstance(value, float) and d.dtype == np.float32
    for layer in reversed(model.net.layers[1:]):
        d = layer.backward(d)
        assert d.dtype == np.float32, layer
    model.fit(X, y if n_out > 1 else y.astype(int), epochs=2, batch_size=3, optimizer="adam")
    for k, p in model.parameters().items():
        assert p.dtype == np.float32 and model.gradients()[k].dtype == np.float32, k
    assert model.predict_proba(X).dtype == np.float32
