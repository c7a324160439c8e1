"""Numbers of loss curves: where early stopping kept the weights, how far the validation loss rose after its
minimum and how often it spiked, per run and per variant (seed 003 section B's reading of its curves).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, analysis_kind
from . import columns


def curve_numbers(history: dict[str, Any], y_train: np.ndarray, spike: float) -> dict[str, Any]:
    """Numbers of one run's loss curves: where early stopping kept the weights, how far the validation loss rose
    after its minimum (``val_rise_rel``: (last − min) / min), how many epochs raised the validation loss by more
    than ``spike`` (relative), and the last training loss against the entropy of the training labels (the loss of
    predicting the class frequencies: a network that learns nothing but the output biases ends there)."""
    epochs = history.get("epochs", [])
    val = np.array([e.get("val_loss", np.nan) for e in epochs], dtype=float)
    train = np.array([e.get("train_loss", np.nan) for e in epochs], dtype=float)
    freq = np.bincount(y_train) / len(y_train)
    prior_entropy = float(-np.sum(freq[freq > 0] * np.log(freq[freq > 0])))
    ok = np.isfinite(val)
    out: dict[str, Any] = {"n_epochs": int(history.get("n_epochs") or len(epochs)),
                           "best_epoch": history.get("best_epoch"), "stopped": history.get("stopped"),
                           "prior_entropy": prior_entropy}  # fmt: skip
    if ok.any():
        v = val[ok]
        out.update(min_val_loss=float(v.min()), final_val_loss=float(v[-1]),
                   val_rise_rel=float((v[-1] - v.min()) / v.min()),
                   spikes=int(np.sum(v[1:] > v[:-1] * (1 + spike))))  # fmt: skip
    if np.isfinite(train).any():
        t = train[np.isfinite(train)]
        out.update(final_train_loss=float(t[-1]), train_loss_minus_prior=float(t[-1] - prior_entropy))
    return out


@analysis_kind(
    "curve_numbers",
    params={
        "spike": Param("float", "a validation-loss rise above this fraction of the previous epoch's is a spike", min=0),
        "groups": Param("mapping", "group name -> variant names whose runs are averaged"),
        "differences": Param("mapping", "name -> [group a, group b, number]: a's mean minus b's"),
    },
    roles=("runs",),
)
def curve_numbers_analysis(job: AnalysisJob) -> dict[str, Any]:
    """Per run, per variant (mean over seeds), per named group of variants and for named differences of groups:
    the numbers of :func:`curve_numbers`, plus each run's test accuracy."""
    spike = float(job.params.get("spike", 0.1))
    rows = []
    for r in job.inputs.get("runs", []):
        row = {"variant": r.variant, "seed": r.seed,
               **curve_numbers(read_json(r.history), read_npz(r.data)["y_train"], spike)}  # fmt: skip
        row["test_acc"] = read_json(r.metrics).get("test", {}).get("acc")
        rows.append(row)
    if not rows:
        raise ValueError(f"{job.where}: needs runs under inputs.runs")
    numeric = [k for k in rows[0] if k not in ("variant", "seed", "stopped", "best_epoch")]

    def mean_of(sel: list[dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {"n_runs": len(sel)}
        for k in numeric:
            vals = [s[k] for s in sel if isinstance(s.get(k), (int, float))]
            out[k] = float(np.mean(vals)) if vals else None
        return out

    by_variant = {v: mean_of([r for r in rows if r["variant"] == v]) for v in dict.fromkeys(r["variant"] for r in rows)}
    groups = {}
    for g, members in (job.params.get("groups") or {}).items():
        sel = [r for r in rows if r["variant"] in set(members)]
        groups[g] = mean_of(sel) if sel else None
    differences = {}
    for name, spec in (job.params.get("differences") or {}).items():
        if not (isinstance(spec, list) and len(spec) == 3):
            raise ValueError(f"{job.where}.params.differences.{name}: expected [group a, group b, number]")
        a, b, k = spec
        for gname in (a, b):
            if gname not in (job.params.get("groups") or {}):
                raise ValueError(f"{job.where}.params.differences.{name}: unknown group {gname!r}")
        ga, gb = groups.get(a), groups.get(b)
        differences[name] = (ga[k] - gb[k]) if ga and gb and ga.get(k) is not None and gb.get(k) is not None else None
    out = {"description": "numbers of the loss curves", "spike": spike, "by_variant": by_variant, "groups": groups,
           "differences": differences, "table": [{"variant": v, **s} for v, s in by_variant.items()],
           "columns": columns("variant", "n_runs=runs", "test_acc=test acc", "n_epochs=epochs",
                              "min_val_loss=min val loss", "final_val_loss=last val loss",
                              "val_rise_rel=rise above min (rel.)", "spikes=spikes per run",
                              "final_train_loss=last train loss",
                              "train_loss_minus_prior=last train loss - label entropy")}  # fmt: skip
    write_json(job.json_out, out)
    write_npz(job.npz_out, test_acc=np.array([r["test_acc"] or np.nan for r in rows], dtype=float))
    return out
