"""Layers with explicit forward and backward passes.

Every layer keeps ``params`` and ``grads`` as dicts with the same keys. ``forward(x)`` stores what
``backward`` needs; ``backward(dout)`` returns ``dx`` and OVERWRITES ``grads`` (gradients never accumulate
silently across calls).

Shapes: ``x`` is ``(N, D_in)``, outputs are ``(N, D_out)``; ``N`` is the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .init import get_initializer
from .registry import build


class Layer:
    """Base class: a layer without parameters is the identity."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def config(self) -> dict[str, Any]:
        """JSON-serialisable description (for persistence and reports)."""
        return {"type": type(self).__name__}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


class Linear(Layer):
    """Affine map ``out = x @ W + b``.

    Parameters ``W`` (D_in, D_out) and ``b`` (D_out,). Backward:
    ``dW = x.T @ dout``, ``db = sum_n dout``, ``dx = dout @ W.T``.
    Set ``need_input_grad = False`` on a first layer to skip computing ``dx``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str | dict = "glorot_uniform",
        bias_init: str | dict = "zeros",
        rng: np.random.Generator | None = None,
        dtype: np.dtype | str = np.float32,
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.init, self.bias_init = init, bias_init
        rng = rng if rng is not None else np.random.default_rng(0)
        dtype = np.dtype(dtype)
        self.params["W"] = get_initializer(init)((self.in_features, self.out_features), rng, dtype)
        self.params["b"] = get_initializer(bias_init)((self.out_features,), rng, dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.need_input_grad = True
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}): input has shape {x.shape}, "
                f"expected (N, {self.in_features})"
            )
        self._x = x
        out = x @ self.params["W"]
        out += self.params["b"]
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        x = self._x
        if x is None:
            raise RuntimeError("Linear.backward called before forward")
        if len(x) == 1:
            # one sample (per-sample SGD): dW is an outer product; a broadcast multiply gives the same values as
            # matmul with an inner dimension of 1, several times faster
            np.multiply(x.T, dout, out=self.grads["W"])
        else:
            np.matmul(x.T, dout, out=self.grads["W"])
        dout.sum(axis=0, out=self.grads["b"])
        if not self.need_input_grad:
            return None
        return dout @ self.params["W"].T

    def config(self) -> dict[str, Any]:
        return {
            "type": "Linear",
            "in_features": self.in_features,
            "out_features": self.out_features,
            "init": self.init,
            "bias_init": self.bias_init,
        }


class Identity(Layer):
    """``out = x``."""


class ReLU(Layer):
    """``out = max(0, x)``; ``dx = dout * 1[x > 0]``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = np.maximum(x, 0)  # one pass; +0 for x <= 0 (a NaN input stays NaN)
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (self._out > 0)  # out > 0 exactly where x > 0


class LeakyReLU(Layer):
    """``out = x if x > 0 else slope * x``."""

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if not slope >= 0:
            raise ValueError(f"LeakyReLU: slope must be >= 0, got {slope!r}")
        self.slope = float(slope)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._mask = x > 0
        return np.where(self._mask, x, self.slope * x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return np.where(self._mask, dout, self.slope * dout)

    def config(self) -> dict[str, Any]:
        return {"type": "LeakyReLU", "slope": self.slope}


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function ``1 / (1 + exp(-x))``, computed as ``0.5 * (1 + tanh(x / 2))``
    (no overflow for any finite x; keeps the input's dtype)."""
    out = np.multiply(x, 0.5)
    np.tanh(out, out=out)
    out += 1
    out *= 0.5
    return out


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax with the max-shift: ``exp(x - max) / sum exp(x - max)``."""
    z = x - x.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class Sigmoid(Layer):
    """``out = sigmoid(x)``; ``dx = dout * out * (1 - out)``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = sigmoid(x)
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        s = self._out
        dx = dout * s
        dx *= 1 - s
        return dx


class Tanh(Layer):
    """``out = tanh(x)``; ``dx = dout * (1 - out**2)``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = np.tanh(x)
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        t = self._out
        dx = t * t
        np.subtract(1, dx, out=dx)
        dx *= dout
        return dx


class Softmax(Layer):
    """Row-wise softmax as a standalone layer; ``dx = s * (dout - sum(dout * s))``.

    For training a classifier prefer the fused :class:`~scratchnet.losses.SoftmaxCrossEntropy` on logits.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._out = softmax(x)
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        s = self._out
        return s * (dout - (dout * s).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, type[Layer]] = {
    "identity": Identity,
    "linear": Identity,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
}


def get_activation(spec: str | dict[str, Any]) -> Layer:
    """Build an activation layer from a name (``"relu"``) or a dict (``{"name": "leaky_relu", "slope": 0.1}``)."""
    return build(ACTIVATIONS, spec, "activation")


class Sequential(Layer):
    """Layers applied in order. Parameters are exposed as ``"<index>.<name>"`` (e.g. ``"0.W"``)."""

    def __init__(self, layers: list[Layer]) -> None:
        super().__init__()
        self.layers = list(layers)
        self._link()

    def _link(self) -> None:
        """(Re)build ``params`` and ``grads`` from the layers' dicts, in place (callers may hold the dicts)."""
        self.params.clear()
        self.grads.clear()
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Sequential):
                layer._link()
            for key in layer.params:
                self.params[f"{i}.{key}"] = layer.params[key]
                self.grads[f"{i}.{key}"] = layer.grads[key]

    def flatten(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Move every parameter into one contiguous 1-D buffer, and every gradient into another, at the same offsets.

        The dicts keep their names, shapes and values; their arrays become views of the two buffers, so an optimiser
        can update all parameters with a few whole-buffer operations instead of a few per parameter (the same
        elementwise arithmetic, so the same results). Returns ``(flat_params, flat_grads)``, or None (and changes
        nothing) when there are no parameters, they do not share one dtype, or a layer appears twice.
        """
        leaves: list[Layer] = []

        def collect(seq: Sequential) -> None:
            for layer in seq.layers:
                if isinstance(layer, Sequential):
                    collect(layer)
                elif layer.params:
                    leaves.append(layer)

        collect(self)
        arrays = [layer.params[k] for layer in leaves for k in layer.params]
        if not arrays or len({id(layer) for layer in leaves}) != len(leaves):
            return None
        if len({a.dtype for a in arrays}) != 1:
            return None
        flat_p = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
        flat_g = np.zeros_like(flat_p)
        off = 0
        for layer in leaves:
            for key, p in list(layer.params.items()):
                pv = flat_p[off : off + p.size].reshape(p.shape)
                gv = flat_g[off : off + p.size].reshape(p.shape)
                pv[...] = p
                gv[...] = layer.grads[key]
                layer.params[key], layer.grads[key] = pv, gv
                off += p.size
        self._link()
        return flat_p, flat_g

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
            if dout is None:
                return None
        return dout

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __len__(self) -> int:
        return len(self.layers)

    def config(self) -> dict[str, Any]:
        return {"type": "Sequential", "layers": [layer.config() for layer in self.layers]}
