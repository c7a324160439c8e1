"""A grid search's table: the cross-validated configurations of an experiment sorted by their accuracy, with
the held-out scores of the refitted winners (seed 003 section C.3).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io import read_json, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, RunFiles, analysis_kind
from . import columns

GRID_KEYS = ("solver", "lr", "batch_size")


@analysis_kind(
    "grid_search_table",
    params={"keys": Param("strs", "the configuration's parameters shown as columns", min_len=1)},
    roles=("configs", "engine_configs"),
)
def grid_search_table(job: AnalysisJob) -> dict[str, Any]:
    """One row per configuration (scikit-learn's ``configs``; our engine's ``engine_configs`` beside it where it ran
    the same configuration): mean ± sd of the fold accuracies, epochs or iterations, test accuracy of the refit;
    sorted by scikit-learn's CV accuracy; the winner; how many configurations gave identical results."""
    keys = list(job.params.get("keys", GRID_KEYS))

    def collect(runs: list[RunFiles]) -> dict[tuple, list[dict[str, Any]]]:
        out: dict[tuple, list[dict[str, Any]]] = {}
        for r in runs:
            m = read_json(r.metrics)
            if "cv" not in m:
                raise ValueError(f"{r.metrics}: no cross-validation results (not a grid-config run)")
            out.setdefault(tuple(r.params.get(k) for k in keys), []).append(m)
        return out

    sk, eng = collect(job.inputs.get("configs", [])), collect(job.inputs.get("engine_configs", []))
    if not sk:
        raise ValueError(f"{job.where}: needs the scikit-learn configurations under inputs.configs")

    def summary(ms: list[dict[str, Any]]) -> dict[str, Any]:
        accs = [m["cv"]["mean"] for m in ms]
        return {"cv_acc": float(np.mean(accs)), "cv_acc_sd_folds": float(np.mean([m["cv"]["sd"] for m in ms])),
                "cv_fold_accs": [f["acc"] for f in ms[0]["cv"]["folds"]],
                "n_iter": float(np.mean([f["n_iter"] for m in ms for f in m["cv"]["folds"]])),
                "test_acc": float(np.mean([m["test"]["acc"] for m in ms])) if all("test" in m for m in ms) else None,
                "ignored": ms[0]["cv"].get("ignored", []), "seeds": len(ms)}  # fmt: skip

    rows = []
    for key, ms in sk.items():
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        s = summary(ms)
        row.update({"cv_acc": s["cv_acc"], "cv_acc_sd": s["cv_acc_sd_folds"], "n_iter": s["n_iter"],
                    "test_acc": s["test_acc"], "ignored": ", ".join(s["ignored"])})  # fmt: skip
        if key in eng:
            e = summary(eng[key])
            row.update({"engine_cv_acc": e["cv_acc"], "engine_cv_acc_sd": e["cv_acc_sd_folds"],
                        "engine_test_acc": e["test_acc"]})  # fmt: skip
        else:
            row.update({"engine_cv_acc": None, "engine_cv_acc_sd": None, "engine_test_acc": None})
        rows.append(row)
    rows.sort(key=lambda r: -r["cv_acc"])
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    winner = rows[0]
    distinct = len({round(r["cv_acc"], 12) for r in rows})
    eng_rows = [r for r in rows if r["engine_cv_acc"] is not None]
    out = {
        "description": "grid search: cross-validated accuracy per configuration, sorted",
        "keys": keys,
        "n_configs": len(rows),
        "n_distinct_cv_acc": distinct,
        "winner": {**{k: winner[k] for k in keys}, "cv_acc": winner["cv_acc"], "cv_acc_sd": winner["cv_acc_sd"]},
        "n_engine_configs": len(eng_rows),
        "engine_winner": (
            {k: max(eng_rows, key=lambda r: r["engine_cv_acc"])[k] for k in [*keys, "engine_cv_acc"]} if eng_rows
            else None
        ),
        "columns": columns("rank", "solver", "lr", "batch_size=batch", "cv_acc=CV acc (scikit-learn)",
                           "cv_acc_sd=sd over folds", "n_iter=epochs/iterations", "test_acc=test acc (refit)",
                           "engine_cv_acc=CV acc (our engine)", "engine_cv_acc_sd=sd over folds",
                           "ignored=settings the solver ignores"),
        "table": rows,
    }
    write_json(job.json_out, out)
    write_npz(job.npz_out, cv_acc=np.array([r["cv_acc"] for r in rows]))
    return out
