"""Aggregate an experiment's runs: mean ± sd over seeds per variant, and the variant selected by validation."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .io import read_json, write_json, write_text
from .spec import Experiment

if TYPE_CHECKING:
    import pandas as pd

PARTS = ("train", "val", "test")
SCALARS = ("acc", "loss", "auc", "n")
TRAINING = ("seconds", "n_epochs", "n_updates", "converged_epoch", "best_epoch")
FINAL = ("train_loss", "val_loss", "loss")  # final-epoch losses of the training history, as final_<key>


def _stats(values: list[float]) -> dict[str, Any]:
    vals = [v for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return {"mean": None, "sd": None, "values": values}
    arr = np.asarray(vals, dtype=float)
    return {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, "values": values}


def run_scalars(m: dict[str, Any]) -> dict[str, float | None]:
    """Flat scalar metrics of one run: ``<part>_<metric>`` plus training figures, final epoch losses and the run
    kind's own ``scalars``."""
    out: dict[str, float | None] = {}
    for part in PARTS:
        for s in SCALARS:
            if part in m and s in m[part]:
                out[f"{part}_{s}"] = m[part][s]
    tr = m.get("training", {})
    for k in TRAINING:
        out[k] = tr.get(k)
    final = tr.get("final") or {}
    for k in FINAL:
        if k in final:
            out[f"final_{k}"] = final[k]
    out.update(m.get("scalars") or {})  # extra scalars a run kind exports (e.g. cv_acc of a grid configuration)
    return out


def scalar_names(kind_scalars: Iterable[str] = ()) -> set[str]:
    """Every name :func:`run_scalars` can give (a run has those its parts and training recorded), plus a run
    kind's own ``kind_scalars``; ``job_seconds`` is added by :func:`aggregate` from the benchmark files."""
    return (
        {f"{p}_{s}" for p in PARTS for s in SCALARS}
        | {*TRAINING, "job_seconds"}
        | {f"final_{k}" for k in FINAL}
        | set(kind_scalars)
    )


def job_seconds(benchmark_tsv: str | Path) -> float | None:
    """Wall-clock seconds of a job from its Snakemake benchmark file (column ``s``)."""
    import pandas as pd  # here, not at module level: the DAG build imports this module (validate), pandas ~0.5 s

    try:
        return float(pd.read_csv(benchmark_tsv, sep="\t")["s"].iloc[0])
    except (FileNotFoundError, KeyError, IndexError, ValueError):
        return None


def aggregate(
    experiment: dict[str, Any],
    metric_files: list[str],
    benchmark_files: list[str] | None,
    csv_out: str | Path,
    json_out: str | Path,
) -> dict[str, Any]:
    """Summarise an experiment's runs. ``experiment``: :meth:`Experiment.to_dict`; ``metric_files`` and
    ``benchmark_files``: one per run, in the order of :meth:`Experiment.runs`."""
    exp = Experiment.from_dict(experiment)
    metric_by_run = dict(zip(exp.runs(), metric_files, strict=True))
    bench_by_run = dict(zip(exp.runs(), benchmark_files, strict=True)) if benchmark_files else None
    variants: dict[str, Any] = {}
    for variant in exp.variants:
        runs = {seed: read_json(metric_by_run[(variant, seed)]) for seed in exp.seeds}
        scalars = {seed: run_scalars(m) for seed, m in runs.items()}
        if bench_by_run:
            for seed in exp.seeds:
                scalars[seed]["job_seconds"] = job_seconds(bench_by_run[(variant, seed)])
        keys = sorted({k for s in scalars.values() for k in s})
        stats = {k: _stats([scalars[s].get(k) for s in exp.seeds]) for k in keys}
        confusion = {}
        for part in ("train", "val", "test"):
            mats = [
                np.asarray(m[part]["confusion"], dtype=float) for m in runs.values() if "confusion" in m.get(part, {})
            ]
            if mats:
                confusion[part] = {
                    "mean": np.mean(mats, axis=0).tolist(),
                    "first_seed": mats[0].tolist(),
                    "labels": runs[exp.seeds[0]][part]["labels"],
                }
        reports = {
            part: runs[exp.seeds[0]][part]["report"]
            for part in ("train", "val", "test")
            if "report" in runs[exp.seeds[0]].get(part, {})
        }
        per_seed_reports = {  # every seed's report, so that a claim on one cell is judged against our spread
            part: [runs[s][part]["report"] for s in exp.seeds if "report" in runs.get(s, {}).get(part, {})]
            for part in reports
        }
        variants[variant] = {
            "overrides": exp.variants[variant],
            "params": exp.run_params(variant),
            "seeds": list(exp.seeds),
            "metrics": stats,
            "confusion": confusion,
            "report_first_seed": reports,
            "report_per_seed": per_seed_reports,
        }
    key = exp.select_by
    scored = [(v, variants[v]["metrics"].get(key, {}).get("mean")) for v in exp.variants]
    scored = [(v, s) for v, s in scored if s is not None]
    selected = None
    if scored:
        higher_better = not key.endswith("loss")
        best = max(s for _, s in scored) if higher_better else min(s for _, s in scored)
        selected = next(v for v, s in scored if s == best)  # ties: first in declaration order
    summary = {
        "experiment": exp.name,
        "report": exp.report,
        "description": exp.description,
        "select_by": key,
        "selected": selected,
        "variants": variants,
    }
    write_json(json_out, summary)
    write_text(csv_out, table(summary).to_csv(index=False))
    return summary


def table(summary: dict[str, Any], columns: tuple[str, ...] = ("train_acc", "val_acc", "test_acc")) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for v, d in summary["variants"].items():
        row: dict[str, Any] = {"variant": v, "seeds": len(d["seeds"])}
        for c in columns:
            st = d["metrics"].get(c)
            row[f"{c}_mean"] = None if st is None else st["mean"]
            row[f"{c}_sd"] = None if st is None else st["sd"]
        row["selected"] = v == summary["selected"]
        rows.append(row)
    return pd.DataFrame(rows)
