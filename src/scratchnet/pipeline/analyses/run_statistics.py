"""Analyses over many runs of one setting (seed 002): per-epoch interquartile mean and range over runs with the
median and the worst run picked out (``runs_over_seeds``), and the distribution of a final metric per setting of a
sweep (``sweep_stats``: median with its bootstrap interval, IQM, IQR, mean ± sd, min, max).

Both write a ``table`` (a list of row dicts, with ``columns`` saying how to show them) into ``result.json``, for
the report's ``{{analysis_table:NAME}}``; the arrays figures draw go into ``arrays.npz``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ...persist import load_model
from ...stats import bootstrap_ci, describe, iqm
from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, RunFiles, analysis_kind

# --- helpers ------------------------------------------------------------------------------------------------------


def metric_value(metrics: Mapping[str, Any], path: str, where: str = "metrics") -> float:
    """A number from a run's metrics.json by dotted path (``test.acc``, ``training.final.train_loss``)."""
    node: Any = metrics
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            known = sorted(node) if isinstance(node, Mapping) else []
            raise KeyError(f"{where}: no {part!r} on the path {path!r} (known here: {known})")
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        raise ValueError(f"{where}: {path!r} is {node!r}, not a number")
    return float(node)


def _series(history: Mapping[str, Any], key: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(epochs, values) of a history key over the epoch records that have it."""
    recs = [e for e in history.get("epochs", []) if e.get(key) is not None]
    if not recs:
        raise KeyError(f"{where}: history has no epoch records with {key!r}")
    return np.array([e["epoch"] for e in recs], dtype=float), np.array([e[key] for e in recs], dtype=float)


def _label(run: RunFiles) -> str:
    return f"{run.experiment}/{run.variant}/seed{run.seed}"


def _fraction_of_change(values: np.ndarray, at: int) -> float | None:
    """``(v[at] - v[0]) / (v[-1] - v[0])``: how much of the whole run's change had happened by index ``at``."""
    total = values[-1] - values[0]
    if at >= len(values) or total == 0 or not np.isfinite(total):
        return None
    return float((values[at] - values[0]) / total)


def _given_back(runs: np.ndarray) -> float | None:
    """IQM over runs of the share of a curve's best improvement lost again by its end: for a curve that falls
    overall (a loss), ``(v[-1] - min v) / (v[0] - min v)``; for one that rises (an accuracy), the mirror image.
    0: the end is the best point; near 1: all the gain is gone. runs : (n, E)."""
    shares = []
    for v in runs:
        u = v if v[-1] >= v[0] else -v  # rising
        if u.max() > u[0]:
            shares.append(float((u.max() - u[-1]) / (u.max() - u[0])))
    return iqm(shares) if shares else None


def _errors(metrics: Mapping[str, Any], part: str) -> int | None:
    m = metrics.get(part, {})
    if "acc" not in m or not m.get("n"):
        return None
    return int(round((1 - m["acc"]) * m["n"]))


def _regression_fit(run: RunFiles) -> dict[str, float]:
    """R^2 of the run's model on its training part, and the least-squares optimum (closed form) for reference."""
    data = read_npz(run.data)
    X, y = data["X_train"].astype(np.float64), data["y_train"].astype(np.float64)
    model = load_model(run.model)
    pred = np.asarray(model.predict(X), dtype=np.float64).reshape(y.shape)
    A = np.c_[X, np.ones(len(X))]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    ls_pred = A @ coef
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return {
        "r2_train": 1 - float(np.sum((y - pred) ** 2)) / ss_tot if ss_tot > 0 else math.nan,
        "least_squares_mse": float(np.mean((y - ls_pred) ** 2)),
        "least_squares_r2": 1 - float(np.sum((y - ls_pred) ** 2)) / ss_tot if ss_tot > 0 else math.nan,
        "least_squares_coef": [float(c) for c in coef],
    }


def linear_boundary_normal(model: Any) -> np.ndarray | None:
    """The normal of a linear two-class model's decision line, pointing to the second class (W shape (2, K)):
    ``W[:, 1] - W[:, 0]`` for softmax outputs, ``W[:, 0]`` for one sigmoid output; None for anything else."""
    layers = getattr(getattr(model, "net", None), "layers", [])
    if len(layers) != 1 or "W" not in getattr(layers[0], "params", {}):
        return None
    W = np.asarray(layers[0].params["W"], dtype=np.float64)
    if W.shape[0] != 2 or W.shape[1] not in (1, 2):
        return None
    return W[:, 0] if W.shape[1] == 1 else W[:, 1] - W[:, 0]


def max_margin_normal(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Normal of the widest-margin separating line (a linear SVM with a large C: hard margin on separable data),
    pointing to the larger label. X : (N, 2), y : (N,) with two labels."""
    from sklearn.svm import SVC

    svm = SVC(kernel="linear", C=1e6).fit(X.astype(np.float64), y)
    return np.asarray(svm.coef_[0], dtype=np.float64)


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two vectors in degrees, 0 to 180 (orientation matters: 180 = the classes swapped)."""
    cos = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


# --- runs over seeds ----------------------------------------------------------------------------------------------

CURVE_PARAMS = {
    "series": Param("strs", "history keys summarised per epoch (IQM, quartiles) over the runs", min_len=1),
    "rank_by": Param("str", "history key whose final value ranks the runs; the highest is the worst run"),
    "progress_epochs": Param("ints", "epochs at which the share of the whole run's change is reported", min=1),
    "solved_acc": Param("float", "final training accuracy at or above which a run counts as solved", min=0, max=1),
}


def curve_summary(histories: list[dict[str, Any]], labels: list[str], series: list[str]) -> dict[str, np.ndarray]:
    """Per-epoch statistics over runs: ``epoch`` (E,), and per key ``<key>_runs`` (n, E), ``_iqm``, ``_q25``,
    ``_q75``, ``_median`` (E,). Every run must have the same epochs for the key."""
    out: dict[str, np.ndarray] = {}
    for key in series:
        curves = [_series(h, key, lab) for h, lab in zip(histories, labels, strict=True)]
        epochs = curves[0][0]
        for (e, _), lab in zip(curves, labels, strict=True):
            if not np.array_equal(e, epochs):
                raise ValueError(f"{lab}: epochs of {key!r} differ from {labels[0]}'s; runs of one setting must match")
        runs = np.stack([v for _, v in curves])
        if not np.all(np.isfinite(runs)):
            bad = labels[int(np.argwhere(~np.isfinite(runs))[0, 0])]
            raise ValueError(f"{bad}: non-finite {key!r} in its history")
        out.setdefault("epoch", epochs)
        out[f"{key}_epoch"] = epochs
        out[f"{key}_runs"] = runs
        out[f"{key}_iqm"] = np.asarray(iqm(runs, axis=0), dtype=float)
        out[f"{key}_q25"], out[f"{key}_median"], out[f"{key}_q75"] = np.percentile(runs, [25, 50, 75], axis=0)
    return out


def pick_runs(final: np.ndarray, seeds: list[int]) -> dict[str, int]:
    """Seeds of the median, worst (highest ``final``) and best run. The median run of an even number of runs is
    the lower of the middle two; ties go to the smaller seed."""
    order = sorted(range(len(seeds)), key=lambda i: (final[i], seeds[i]))
    return {
        "best": seeds[order[0]],
        "median": seeds[order[(len(order) - 1) // 2]],
        "worst": seeds[order[-1]],
    }


def _boundary_angles(result: dict[str, Any], runs: list[RunFiles], seeds: list[int]) -> None:
    """For linear two-class models on 2-D data: the angle between each picked run's decision line and the
    widest-margin line of its training data (``angle_to_max_margin_deg``), and the worst run's minus the median's."""
    best_line: dict[str, np.ndarray] = {}  # per split data file: runs of one setting share it
    for which in ("median", "worst", "best"):
        run = runs[seeds.index(result[which]["seed"])]
        normal = linear_boundary_normal(load_model(run.model))
        if normal is None:
            return
        if run.data not in best_line:
            data = read_npz(run.data)
            best_line[run.data] = max_margin_normal(data["X_train"], data["y_train"])
        result[which]["angle_to_max_margin_deg"] = angle_deg(normal, best_line[run.data])
    result["worst_minus_median_angle_deg"] = (
        result["worst"]["angle_to_max_margin_deg"] - result["median"]["angle_to_max_margin_deg"]
    )


@analysis_kind("runs_over_seeds", params=CURVE_PARAMS, roles=("runs",))
def runs_over_seeds(job: AnalysisJob) -> dict[str, Any]:
    """Training curves of many runs of one setting: per-epoch IQM and interquartile range, the median and worst
    run (by the final value of ``rank_by``, default ``train_loss``), how early the curves settle, and how many
    runs solved the task (``solved_acc``)."""
    runs = sorted(job.inputs.get("runs", []), key=lambda r: (r.experiment, r.variant, r.seed))
    if not runs:
        raise ValueError(f"{job.where}: no input runs (inputs.runs)")
    series = list(job.params.get("series", ["train_loss"]))
    rank_by = job.params.get("rank_by", "train_loss")
    keys = series + [rank_by] if rank_by not in series else series
    labels = [_label(r) for r in runs]
    histories = [read_json(r.history) for r in runs]
    metrics = [read_json(r.metrics) for r in runs]
    arrays = curve_summary(histories, labels, keys)
    seeds = [r.seed for r in runs]
    final_rank = arrays[f"{rank_by}_runs"][:, -1]
    picked = pick_runs(final_rank, seeds)

    result: dict[str, Any] = {
        "experiments": sorted({r.experiment for r in runs}),
        "variants": sorted({r.variant for r in runs}),
        "n_runs": len(runs),
        "seeds": seeds,
        "rank_by": rank_by,
        "epochs": int(arrays["epoch"][-1]),
        **{f"{k}_seed": v for k, v in picked.items()},
        "final": {k: describe(arrays[f"{k}_runs"][:, -1]) for k in keys},
    }
    regression = all("acc" not in m.get("train", {}) for m in metrics)
    for which in ("median", "worst", "best"):
        i = seeds.index(picked[which])
        info: dict[str, Any] = {"seed": picked[which]}
        info.update({f"final_{k}": float(arrays[f"{k}_runs"][i, -1]) for k in keys})
        for part in ("train", "val", "test"):
            m = metrics[i].get(part, {})
            if "acc" in m:
                info[f"{part}_acc"] = m["acc"]
                info[f"{part}_errors"] = _errors(metrics[i], part)
            if "loss" in m:
                info[f"{part}_loss"] = m["loss"]
        if regression:
            info.update(_regression_fit(runs[i]))
        result[which] = info
    if not regression:
        result["worst_minus_median_train_errors"] = result["worst"]["train_errors"] - result["median"]["train_errors"]
        _boundary_angles(result, runs, seeds)
    else:
        result["least_squares_mse"] = result["median"]["least_squares_mse"]
        result["worst_excess_mse"] = result["worst"]["final_train_loss"] - result["worst"]["least_squares_mse"]

    progress: dict[str, dict[str, float | None]] = {}
    tail: dict[str, float | None] = {}
    for k in keys:
        runs_k, epochs = arrays[f"{k}_runs"], arrays[f"{k}_epoch"]
        progress[k] = {}
        for at in job.params.get("progress_epochs", []):
            idx = np.flatnonzero(epochs == at)
            fr = [_fraction_of_change(v, int(idx[0])) for v in runs_k] if len(idx) else []
            fr = [f for f in fr if f is not None]
            progress[k][f"epoch{at}"] = iqm(fr) if fr else None
        # change over the last 10 % of the epochs, as a share of the whole run's change (IQM over runs)
        start = int(np.searchsorted(epochs, epochs[-1] - max(1, int(round(0.1 * epochs[-1])))))
        tails = [abs(v[-1] - v[start]) / abs(v[-1] - v[0]) for v in runs_k if v[-1] != v[0] and start < len(v) - 1]
        tail[k] = iqm(tails) if tails else None
    result["progress"] = progress
    result["tail_change"] = tail
    result["given_back"] = {k: _given_back(arrays[f"{k}_runs"]) for k in keys}
    threshold = job.params.get("solved_acc")
    if threshold is not None and not regression:
        solved = [m["train"]["acc"] >= threshold for m in metrics]
        result["solved"] = {"threshold": threshold, "count": int(sum(solved)), "fraction": float(np.mean(solved))}

    rows = []
    for k in keys:
        d = result["final"][k]
        rows.append({"quantity": f"final {k}", "median run": result["median"][f"final_{k}"],
                     "worst run": result["worst"][f"final_{k}"], "IQM": d["iqm"], "IQR": d["iqr"],
                     "min": d["min"], "max": d["max"]})  # fmt: skip
    for part in ("train", "test"):
        if f"{part}_errors" in result["median"]:
            errs = [_errors(m, part) for m in metrics]
            d = describe(errs)
            rows.append({"quantity": f"{part} errors", "median run": result["median"][f"{part}_errors"],
                         "worst run": result["worst"][f"{part}_errors"], "IQM": d["iqm"], "IQR": d["iqr"],
                         "min": d["min"], "max": d["max"]})  # fmt: skip
    if "angle_to_max_margin_deg" in result["median"]:
        rows.append({"quantity": "angle to the widest-margin line (degrees)",
                     "median run": result["median"]["angle_to_max_margin_deg"],
                     "worst run": result["worst"]["angle_to_max_margin_deg"]})  # fmt: skip
    if regression:
        r2 = [_regression_fit(r)["r2_train"] for r in runs]
        d = describe(r2)
        rows.append({"quantity": "R² (training part)", "median run": result["median"]["r2_train"],
                     "worst run": result["worst"]["r2_train"], "IQM": d["iqm"], "IQR": d["iqr"],
                     "min": d["min"], "max": d["max"]})  # fmt: skip
    result["table"] = rows
    result["columns"] = [{"key": c} for c in ("quantity", "median run", "worst run", "IQM", "IQR", "min", "max")]
    write_json(job.json_out, result)
    write_npz(job.npz_out, seeds=np.asarray(seeds), **arrays)
    return result


# --- sweep statistics ---------------------------------------------------------------------------------------------

SWEEP_PARAMS = {
    "metric": Param("str", "dotted path into each run's metrics.json (default test.acc)"),
    "settings": Param(
        "any",
        "the settings in the order shown: a list of {variant, experiment (optional), label, extra (bool)}; "
        "default: every input (experiment, variant), in input order, labelled by the variant",
    ),
    "level": Param("float", "confidence level of the median's bootstrap interval", min=0, max=1, exclusive_min=True),
    "n_boot": Param("int", "bootstrap samples", min=1),
    "bootstrap_seed": Param("int", "seed of the bootstrap", min=0),
}


def _settings(job: AnalysisJob, runs: list[RunFiles]) -> list[dict[str, Any]]:
    given = job.params.get("settings")
    if given is None:
        seen: dict[tuple[str, str], None] = {}
        for r in runs:
            seen.setdefault((r.experiment, r.variant), None)
        return [{"experiment": e, "variant": v, "label": v, "extra": False} for e, v in seen]
    if not isinstance(given, list) or not given:
        raise ValueError(f"{job.where}.params.settings: must be a non-empty list, got {given!r}")
    experiments = sorted({r.experiment for r in runs})
    out = []
    for i, s in enumerate(given):
        if not isinstance(s, Mapping) or "variant" not in s:
            raise ValueError(f"{job.where}.params.settings[{i}]: needs at least 'variant', got {s!r}")
        unknown = sorted(set(s) - {"variant", "experiment", "label", "extra"})
        if unknown:
            raise ValueError(f"{job.where}.params.settings[{i}]: unknown key(s) {unknown}")
        exp = s.get("experiment")
        if exp is None:
            if len(experiments) != 1:
                raise ValueError(f"{job.where}.params.settings[{i}]: name the experiment (inputs span {experiments})")
            exp = experiments[0]
        out.append({"experiment": exp, "variant": str(s["variant"]), "label": str(s.get("label", s["variant"])),
                    "extra": bool(s.get("extra", False))})  # fmt: skip
    return out


@analysis_kind("sweep_stats", params=SWEEP_PARAMS, roles=("runs",))
def sweep_stats(job: AnalysisJob) -> dict[str, Any]:
    """The distribution of one final metric (default ``test.acc``) over the runs of each setting of a sweep:
    n, median (with a percentile bootstrap interval), IQM, quartiles and IQR, mean ± sd, min and max."""
    runs = list(job.inputs.get("runs", []))
    if not runs:
        raise ValueError(f"{job.where}: no input runs (inputs.runs)")
    metric = job.params.get("metric", "test.acc")
    level = float(job.params.get("level", 0.95))
    seed = int(job.params.get("bootstrap_seed", 0))  # afresh per setting: the same runs, the same interval
    rows, arrays = [], {}
    for i, s in enumerate(_settings(job, runs)):
        mine = sorted((r for r in runs if (r.experiment, r.variant) == (s["experiment"], s["variant"])),
                      key=lambda r: r.seed)  # fmt: skip
        if not mine:
            have = sorted({f"{r.experiment}:{r.variant}" for r in runs})
            raise ValueError(f"{job.where}: setting {s['experiment']}:{s['variant']} has no input runs (have {have})")
        values = np.array([metric_value(read_json(r.metrics), metric, r.metrics) for r in mine])
        d = describe(values)
        low, high = (
            bootstrap_ci(values, np.median, level=level, n_boot=int(job.params.get("n_boot", 2000)), seed=seed)
            if len(values) > 1
            else (d["median"], d["median"])
        )
        rows.append({"setting": s["label"] + (" (extra)" if s["extra"] else ""), **s,
                     **{k: d[k] for k in ("n", "median")}, "median_low": low, "median_high": high,
                     **{k: d[k] for k in ("iqm", "q25", "q75", "iqr", "mean", "sd", "min", "max")},
                     "seeds": [r.seed for r in mine]})  # fmt: skip
        arrays[f"values{i}"] = values
    by_median = sorted(rows, key=lambda r: -r["median"])
    # consecutive settings (extras left out): the median's gain over the previous setting, and that gain divided by
    # the previous one (below 1: diminishing returns), e.g. hidden sizes 16 -> 32 -> 64 -> 128
    steps: dict[str, dict[str, Any]] = {}
    main = [r for r in rows if not r["extra"]]
    for prev, cur in zip(main, main[1:], strict=False):
        gain = cur["median"] - prev["median"]
        before = steps.get(prev["variant"], {}).get("median_gain")
        steps[cur["variant"]] = {"from": prev["variant"], "median_gain": gain,
                                 "gain_ratio": gain / before if before else None}  # fmt: skip
    result = {
        "metric": metric,
        "level": level,
        "table": rows,
        "columns": [
            {"key": "setting"},
            {"key": "n"},
            {"key": "median"},
            {"keys": ["median_low", "median_high"], "title": f"median {level:.0%} CI", "join": "interval"},
            {"key": "iqm", "title": "IQM"},
            {"key": "iqr", "title": "IQR"},
            {"keys": ["mean", "sd"], "title": "mean ± sd", "join": "pm"},
            {"key": "min"},
            {"key": "max"},
        ],
        "by_median": [r["setting"] for r in by_median],
        "best_by_median": by_median[0]["setting"],
        "best_variant_by_median": by_median[0]["variant"],
        "steps": steps,
        # by variant name (no dots, so claims can address e.g. ``stats.bs64.median``)
        "stats": {r["variant"]: {k: r[k] for k in ("n", "median", "iqm", "iqr", "mean", "sd", "min", "max")}
                  for r in rows},  # fmt: skip
    }
    if len(result["stats"]) != len(rows):
        raise ValueError(f"{job.where}: two settings share a variant name; give each setting its own variant")
    write_json(job.json_out, result)
    write_npz(job.npz_out, **arrays)
    return result
