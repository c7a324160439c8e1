"""The worked backpropagation step (seed 003 Q1(a)): one full-batch SGD step of a 1-1-1 ReLU network with a
linear output and MSE, computed by our engine line by line, beside the values the seed typed (``seed_values``,
from configuration) with how each relates to ours (exact, rounded, truncated, sign slip, ...).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np

from ...models import MLPRegressor
from ...optim import SGD
from ..io import write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from . import columns

# ----------------------------------------------------------------------------------------------------------------
# Q1(a): one full-batch gradient step of a 1-1-1 ReLU network with a linear output and MSE, by our engine
# ----------------------------------------------------------------------------------------------------------------

# quantity -> (line of the worked example, what it is). Vector quantities have one value per data point.
Q1A_LINES: dict[str, tuple[str, str]] = {
    "z1": ("forward", "z1 = x w1 + b1"),
    "y1": ("forward", "y1 = max(0, z1)"),
    "yhat": ("forward", "ŷ = y1 w2 + b2"),
    "residual": ("loss", "y − ŷ (inside the squares of the MSE)"),
    "loss": ("loss", "E = (1/N) Σ (ŷ − y)²"),
    "sum_residual": ("backprop", "Σ (ŷ − y) in ∂E/∂ŷ = (2/N) Σ (ŷ − y)"),
    "dE_dyhat": ("backprop", "∂E/∂ŷ = (2/N) Σ (ŷ − y)"),
    "grad_w2": ("backprop", "∂E/∂w2 = (2/N) Σ (ŷ − y) y1"),
    "grad_b2": ("backprop", "∂E/∂b2 = (2/N) Σ (ŷ − y)"),
    "grad_w1": ("backprop", "∂E/∂w1 = (2/N) Σ (ŷ − y) w2 ReLU'(z1) x"),
    "grad_b1": ("backprop", "∂E/∂b1 = (2/N) Σ (ŷ − y) w2 ReLU'(z1)"),
    "w1_new": ("update", "w1 − η ∂E/∂w1"),
    "b1_new": ("update", "b1 − η ∂E/∂b1"),
    "w2_new": ("update", "w2 − η ∂E/∂w2"),
    "b2_new": ("update", "b2 − η ∂E/∂b2"),
    "z1_after": ("after the step", "z1 = x w1 + b1 (= y1, all positive)"),
    "yhat_after": ("after the step", "ŷ = y1 w2 + b2"),
    "residual_after": ("after the step", "y − ŷ"),
    "loss_after": ("after the step", "E after one step"),
}


def _one_step(x: np.ndarray, y: np.ndarray, p: dict[str, float], lr: float) -> dict[str, Any]:
    """Every quantity of :data:`Q1A_LINES` computed by our engine (float64): forward layer by layer, the loss, the
    gradients of ``train_step``, one :class:`~scratchnet.optim.SGD` step, and the forward pass after it."""
    model = MLPRegressor(
        [1, 1, 1],
        activation="relu",
        init=[{"name": "constant", "value": p["w1"]}, {"name": "constant", "value": p["w2"]}],
        bias_init=[{"name": "constant", "value": p["b1"]}, {"name": "constant", "value": p["b2"]}],
        dtype="float64",
    )
    hidden, relu, out = model.net.layers
    X = x.reshape(-1, 1)

    def forward() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z1 = hidden.forward(X)
        y1 = relu.forward(z1)
        return z1[:, 0], y1[:, 0], out.forward(y1)[:, 0]

    z1, y1, yhat = forward()
    loss = model.train_step(X, model.encode_targets(y))  # forward + backward; gradients now in model.gradients()
    g = {k: float(v.item()) for k, v in model.gradients().items()}
    SGD(lr=lr).step(model.parameters(), model.gradients())
    new = {k: float(v.item()) for k, v in model.parameters().items()}
    z1a, _, yhat_a = forward()
    loss_after = model.evaluate(X, y)["loss"]
    n = len(x)
    # parameter names of the Sequential: "0.W", "0.b" (hidden Linear), "2.W", "2.b" (output Linear; "1" is ReLU)
    return {
        "z1": z1,
        "y1": y1,
        "yhat": yhat,
        "residual": y - yhat,
        "loss": float(loss),
        "sum_residual": float(np.sum(yhat - y)),
        "dE_dyhat": float(2.0 / n * np.sum(yhat - y)),
        "grad_w2": g["2.W"],
        "grad_b2": g["2.b"],
        "grad_w1": g["0.W"],
        "grad_b1": g["0.b"],
        "w1_new": new["0.W"],
        "b1_new": new["0.b"],
        "w2_new": new["2.W"],
        "b2_new": new["2.b"],
        "z1_after": z1a,
        "yhat_after": yhat_a,
        "residual_after": y - yhat_a,
        "loss_after": float(loss_after),
    }


def _decimals(text: str) -> int:
    return max(0, -Decimal(text).as_tuple().exponent)


def _truncate(v: float, k: int) -> float:
    f = 10.0**k
    return math.trunc(v * f + math.copysign(1e-9, v)) / f


FOLLOWS = "follows from the seed's previous line"


def line_status(seed_text: str, ours: float, from_seed: float | None = None) -> str:
    """How a value the seed typed (``seed_text``, as typed: ``"3.30"`` has two decimals) relates to ours.

    ``exact``; ``rounded`` (ours rounded to the typed decimals); ``truncated`` (cut, not rounded, to the typed
    decimals; rounding would differ); ``sign slip`` (the negative of ours); ``follows from the seed's previous
    line`` (``from_seed``, the value recomputed from the seed's own typed inputs, rounds to it); else ``differs``.
    """
    s = float(Decimal(seed_text))
    k = _decimals(seed_text)
    if abs(s - ours) <= 1e-9:
        return "exact"
    if abs(round(ours, k) - s) <= 1e-9:
        return "rounded"
    if abs(_truncate(ours, k) - s) <= 1e-9:
        return f"truncated (rounded: {round(ours, k):.{k}f})"
    if abs(s + ours) <= 1e-9:
        return "sign slip"
    if from_seed is not None and abs(round(from_seed, k) - s) <= 1e-9:
        return FOLLOWS
    return "differs"


def _as_texts(value: Any, where: str) -> list[str]:
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ValueError(f"{where}: expected a number or a number as text, got {v!r}")
        try:
            Decimal(str(v))
        except ArithmeticError:
            raise ValueError(f"{where}: {v!r} is not a number") from None
        out.append(str(v))
    return out


@analysis_kind(
    "backprop_step",
    params={
        "x": Param("floats", "inputs, one per data point", min_len=1),
        "y": Param("floats", "targets, one per data point", min_len=1),
        "w1": Param("float", "hidden weight"),
        "b1": Param("float", "hidden bias"),
        "w2": Param("float", "output weight"),
        "b2": Param("float", "output bias"),
        "lr": Param("float", "learning rate", min=0, exclusive_min=True),
        "seed_values": Param("mapping", "the seed's typed value per quantity (text keeps its decimals: '3.30')"),
        "notes": Param("mapping", "a note per quantity, shown beside the audit row"),
    },
    roles=(),
    required=("x", "y", "w1", "b1", "w2", "b2", "lr"),
)
def backprop_step(job: AnalysisJob) -> dict[str, Any]:
    """Seed 003 Q1(a): one full-batch SGD step of x → ReLU(x w1 + b1) w2 + b2 with MSE, by our engine; each line the
    seed typed beside ours, and the loss after the step recomputed from the seed's own typed predictions."""
    p = job.params
    x = np.asarray(p["x"], dtype=np.float64)
    y = np.asarray(p["y"], dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"{job.where}.params: x has {x.size} values but y has {y.size}")
    ours = _one_step(x, y, {k: float(p[k]) for k in ("w1", "b1", "w2", "b2")}, float(p["lr"]))
    seed_values = dict(p.get("seed_values") or {})
    notes = dict(p.get("notes") or {})  # keyed by quantity, or by one element of a vector: "yhat_after[1]"
    unknown = sorted((set(seed_values) | {k.split("[")[0] for k in notes}) - set(Q1A_LINES))
    if unknown:
        raise ValueError(f"{job.where}.params: unknown quantities {unknown}; known: {', '.join(Q1A_LINES)}")

    # The loss after the step from the seed's own typed predictions, and from ours rounded to the same decimals.
    from_seed: dict[str, Any] = {}
    rounded: dict[str, Any] = {}
    if "yhat_after" in seed_values:
        texts = _as_texts(seed_values["yhat_after"], f"{job.where}.params.seed_values.yhat_after")
        typed = np.array([float(Decimal(t)) for t in texts])
        k = max(_decimals(t) for t in texts)
        from_seed["residual_after"] = y - typed
        from_seed["loss_after"] = float(np.mean((y - typed) ** 2))
        ours_rounded = np.round(ours["yhat_after"], k)
        rounded = {"decimals": k, "yhat_after": ours_rounded, "loss_after": float(np.mean((y - ours_rounded) ** 2))}
    if "yhat" in seed_values:
        typed = np.array([float(Decimal(t)) for t in _as_texts(seed_values["yhat"], "seed_values.yhat")])
        from_seed["residual"] = y - typed
        from_seed["loss"] = float(np.mean((y - typed) ** 2))

    rows = []
    for q, (section, what) in Q1A_LINES.items():
        ours_v = np.atleast_1d(np.asarray(ours[q], dtype=np.float64))
        texts = _as_texts(seed_values[q], f"{job.where}.params.seed_values.{q}") if q in seed_values else None
        if texts is not None and len(texts) != len(ours_v):
            raise ValueError(f"{job.where}.params.seed_values.{q}: {len(texts)} values, ours has {len(ours_v)}")
        fs = np.atleast_1d(from_seed[q]) if q in from_seed else None
        for i, o in enumerate(ours_v):
            name = q if len(ours_v) == 1 else f"{q}[{i + 1}]"
            status = line_status(texts[i], float(o), None if fs is None else float(fs[i])) if texts else ""
            note = [notes.get(name, notes.get(q, ""))]
            if status == FOLLOWS:
                note.append(f"from the seed's typed values: {float(fs[i]):.6g}")
            rows.append({"step": section, "quantity": name, "formula": what, "ours": float(o),
                         "seed": texts[i] if texts else None, "status": status,
                         "note": "; ".join(n for n in note if n)})  # fmt: skip
    slips = [r for r in rows if r["status"] not in ("", "exact", "rounded")]
    values = {}  # flat: one number per key (vectors as <name>_1, <name>_2, ...), for claims
    for q, v in ours.items():
        arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
        values.update({q: float(arr[0])} if np.ndim(v) == 0 else {f"{q}_{i + 1}": float(x) for i, x in enumerate(arr)})
    result = {
        "description": "Seed 003 Q1(a): one full-batch gradient step computed by our engine (float64)",
        "values": values,
        "ours": ours,
        "from_seed_values": from_seed,
        "ours_rounded": rounded,
        "n_lines": sum(1 for r in rows if r["seed"] is not None),
        "n_slips": len(slips),
        "slips": [f"{r['quantity']}: {r['status']}" for r in slips],
        "columns": columns("step", "quantity", "formula", "seed=seed (as typed)", "ours", "status", "note"),
        "table": rows,
    }
    write_json(job.json_out, result)
    write_npz(job.npz_out, x=x, y=y, yhat=ours["yhat"], yhat_after=ours["yhat_after"])
    return result
