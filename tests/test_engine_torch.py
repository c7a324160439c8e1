"""Cross-check against PyTorch autograd in float64 (skipped when torch is not installed: it is never a dependency)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchnet.models import MLPClassifier

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_three_layer_mlp_loss_and_gradients_match_torch(activation: str) -> None:
    rng = np.random.default_rng(0)
    sizes = [7, 6, 5, 4]
    n = 9
    bias_init = {"name": "random_normal", "scale": 0.1}
    model = MLPClassifier(sizes, activation=activation, bias_init=bias_init, l2=0.01, dtype="float64", seed=1)
    X = rng.standard_normal((n, sizes[0]))
    y = rng.integers(0, sizes[-1], n)
    value = model.train_step(X, y)
    grads = model.gradients()
    params = model.parameters()

    linears = [k[:-2] for k in params if k.endswith(".W")]
    tw = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    h = torch.tensor(X, dtype=torch.float64)
    for i, name in enumerate(linears):
        h = h @ tw[f"{name}.W"] + tw[f"{name}.b"]
        if i < len(linears) - 1:
            h = act(h)
    loss = torch.nn.functional.cross_entropy(h, torch.tensor(y)) + 0.5 * 0.01 * sum(
        (tw[f"{name}.W"] ** 2).sum() for name in linears
    )
    loss.backward()

    assert value == pytest.approx(loss.item(), rel=1e-12)
    worst = 0.0
    for k, g in grads.items():
        tg = tw[k].grad.numpy()
        np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-13, err_msg=k)
        worst = max(worst, float(np.max(np.abs(g - tg) / np.maximum(np.abs(g) + np.abs(tg), 1e-12))))
    print(
        f"\ntorch cross-check {sizes} {activation}: loss {value:.12f} vs {loss.item():.12f}, max rel error {worst:.1e}"
    )
