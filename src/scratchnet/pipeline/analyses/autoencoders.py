"""Analyses of seed 002's autoencoders: the latent size × depth × loss study (``ae_grid``) and reconstructions
(``ae_reconstructions``); the helpers here are shared with :mod:`.ae_codes` (t-SNE, KNN, centroid interpolation)
and :mod:`.ae_denoise`.

Each analysis writes ``result.json`` with a ``table`` (a list of row dicts for the report page) and ``measures``
(the numbers the claims audit reads, by dotted path, e.g. ``measures.latent_monotone_share.mse``), and
``arrays.npz`` with what its figures draw.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from ...models import EVAL_CHUNK, Autoencoder, Model
from ...persist import load_model
from ..io import read_json, read_npz, write_json, write_npz
from ..params import Param
from ..registry import AnalysisJob, RunFiles, analysis_kind

PARTS = ("train", "val", "test")
PART = Param("name", "which part of the split", choices=PARTS)


# --- shared helpers -----------------------------------------------------------------------------------------------

EPS = 1e-7  # the evaluation's clip of a reconstruction before its BCE (kinds/autoencoder.py; a test keeps both)


def target_entropy(X: np.ndarray) -> float:
    """The mean binary entropy of the pixels ``X`` (shape (N, D), in [0, 1]; clipped to [EPS, 1 - EPS] as the
    evaluation clips a reconstruction): the BCE of a perfect reconstruction, the least any model can reach here."""
    per_image = []
    for i in range(0, len(X), EVAL_CHUNK):
        x = X[i : i + EVAL_CHUNK].astype(np.float64)
        xc = np.clip(x, EPS, 1 - EPS)
        per_image.append(-np.mean(x * np.log(xc) + (1 - x) * np.log1p(-xc), axis=1))
    return float(np.concatenate(per_image).mean()) if per_image else 0.0


def load_autoencoder(run: RunFiles, where: str) -> Autoencoder:
    """The run's model, which must be an :class:`Autoencoder` (else a ValueError naming the file)."""
    model = load_model(run.model)
    if not isinstance(model, Autoencoder):
        raise ValueError(f"{where}: {run.model} holds a {type(model).__name__}, not an Autoencoder")
    return model


def load_classifier(run: RunFiles, where: str) -> Model:
    """The run's model, which must be a classifier over the same pixels (it has ``classes_``)."""
    model = load_model(run.model)
    if getattr(model, "classes_", None) is None or not hasattr(model, "predict_proba"):
        raise ValueError(f"{where}: {run.model} holds a {type(model).__name__}, not a classifier")
    return model


def part_data(run: RunFiles, part: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of one part of the run's split data."""
    data = read_npz(run.data)
    if f"X_{part}" not in data or len(data[f"X_{part}"]) == 0:
        raise ValueError(f"{where}: split data {run.data} has no (or an empty) part {part!r}")
    return data[f"X_{part}"], data[f"y_{part}"]


def image_side(n_pixels: int, where: str) -> int:
    side = int(round(np.sqrt(n_pixels)))
    if side * side != n_pixels:
        raise ValueError(f"{where}: images of {n_pixels} pixels are not square")
    return side


def roughness(X: np.ndarray, side: int) -> np.ndarray:
    """Mean squared difference between horizontally and vertically adjacent pixels, per image.

    X : ndarray, shape (N, side * side). Returns shape (N,). Lower is smoother.
    """
    img = X.reshape(len(X), side, side).astype(np.float64)
    dh = np.diff(img, axis=2) ** 2
    dv = np.diff(img, axis=1) ** 2
    return (dh.sum(axis=(1, 2)) + dv.sum(axis=(1, 2))) / (dh[0].size + dv[0].size)


def pair_ranks(matrix: np.ndarray, labels: list[Any], largest_first: bool = False) -> dict[tuple[Any, Any], int]:
    """Rank of every unordered class pair by ``matrix[i, j]`` (symmetrised), 1 = smallest (``largest_first``:
    1 = largest). matrix : ndarray, shape (K, K). Ties keep the order of the labels."""
    m = (np.asarray(matrix, dtype=float) + np.asarray(matrix, dtype=float).T) / 2
    pairs = [(i, j) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    values = np.array([m[i, j] for i, j in pairs])
    order = np.argsort(-values if largest_first else values, kind="stable")
    return {(labels[pairs[k][0]], labels[pairs[k][1]]): rank + 1 for rank, k in enumerate(order)}


def claimed_pairs_share(ranks: dict[tuple[Any, Any], int], pairs: list[list[Any]]) -> tuple[float, list[dict]]:
    """Share of the claimed ``pairs`` ranked in the top quarter of all pairs (rank <= n_pairs // 4), and a row per
    claimed pair (its rank, and whether it is in the top quarter)."""
    top = len(ranks) // 4
    rows = []
    for a, b in pairs:
        rank = ranks.get((a, b), ranks.get((b, a)))
        if rank is None:
            raise ValueError(f"pair ({a}, {b}) is not a pair of the classes {sorted({x for p in ranks for x in p})}")
        rows.append({"pair": f"{a}-{b}", "rank": rank, "of": len(ranks), "top_quarter": rank <= top})
    return (float(np.mean([r["top_quarter"] for r in rows])) if rows else float("nan")), rows


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one mapping with dotted keys (the paths claims use)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def write_result(job: AnalysisJob, result: dict[str, Any]) -> None:
    """Write ``result`` to the job's JSON output, with ``measures_table``: one row per measure (its dotted path
    under ``measures``, as claims name it, and its value), for the report page."""
    rows = [{"measure": k, "value": v} for k, v in flatten(result.get("measures", {})).items()]
    write_json(job.json_out, {**result, "measures_table": rows})


# --- the latent size x depth x loss study (seed Fig. 10) ----------------------------------------------------------
def _stats(values: list[float]) -> dict[str, Any]:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, "n": len(arr)}


def grid_cells(runs: list[dict[str, Any]]) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Mean, sd and count over seeds per (loss, latent, depth); ``runs``: dicts with those keys, ``value`` and
    ``floor`` (the smallest value the loss can reach: the pixels' binary entropy for BCE, 0 for MSE)."""
    groups: dict[tuple[str, int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        groups[(r["loss"], r["latent"], r["depth"])].append(r)
    cells = {}
    for key, rs in groups.items():
        cells[key] = {**_stats([r["value"] for r in rs]), "floor": float(np.mean([r["floor"] for r in rs]))}
    return cells


def grid_measures(
    cells: dict[tuple[str, int, int], dict[str, Any]], mid_depth: int, best_depths: list[int]
) -> dict[str, Any]:
    """The checkable forms of the seed's statements about Fig. 10 (all on means over seeds; None where the grid
    lacks what a measure needs):

    - ``latent_monotone_share[loss]``: share of (depth, consecutive latent sizes a < b) with loss(b) < loss(a);
    - ``best_depth[loss][latent]`` and ``best_depth_in_range_share``: share of (loss, latent) whose best depth is in
      ``best_depths``;
    - ``deeper_better_share``: share of (loss, latent) where the deepest network beats the shallowest;
    - ``plateau_ratio``: mean relative gain from ``mid_depth`` to the deepest, over the mean relative gain from the
      shallowest to ``mid_depth``; ``diminishing_returns``: 1 when that ratio lies in [0, 1) (deeper still helps,
      but less), 0 otherwise (a negative ratio: the deepest networks are worse);
    - ``latent_gain[loss]``: relative drop of the excess loss (loss minus its floor) from the smallest to the largest
      latent size, mean over depths; ``latent_gain_abs[loss]`` the absolute drop; ``sensitivity_ratio`` =
      ``latent_gain[bce] / latent_gain[mse]`` (> 1: cross-entropy more sensitive to latent size).
    """
    losses = sorted({k[0] for k in cells})
    latents = sorted({k[1] for k in cells})
    depths = sorted({k[2] for k in cells})

    def mean(loss: str, a: int, d: int) -> float | None:
        c = cells.get((loss, a, d))
        return None if c is None else c["mean"]

    out: dict[str, Any] = {"losses": losses, "latents": latents, "depths": depths}
    mono: dict[str, float | None] = {}
    gain: dict[str, float | None] = {}
    gain_abs: dict[str, float | None] = {}
    best: dict[str, dict[str, int]] = {}
    for loss in losses:
        steps = [
            (mean(loss, b, d) < mean(loss, a, d))
            for d in depths
            for a, b in zip(latents, latents[1:], strict=False)
            if mean(loss, a, d) is not None and mean(loss, b, d) is not None
        ]
        mono[loss] = float(np.mean(steps)) if steps else None
        rel, ab = [], []
        for d in depths:
            lo, hi = cells.get((loss, latents[0], d)), cells.get((loss, latents[-1], d))
            if lo and hi and len(latents) > 1:
                excess_lo, excess_hi = lo["mean"] - lo["floor"], hi["mean"] - hi["floor"]
                rel.append((excess_lo - excess_hi) / excess_lo if excess_lo > 0 else np.nan)
                ab.append(lo["mean"] - hi["mean"])
        gain[loss] = float(np.nanmean(rel)) if rel else None
        gain_abs[loss] = float(np.mean(ab)) if ab else None
        best[loss] = {}
        for a in latents:
            vals = [(mean(loss, a, d), d) for d in depths if mean(loss, a, d) is not None]
            if vals:
                best[loss][str(a)] = min(vals)[1]
    out.update(latent_monotone_share=mono, latent_gain=gain, latent_gain_abs=gain_abs, best_depth=best)
    bests = [d for per in best.values() for d in per.values()]
    out["best_depth_in_range_share"] = float(np.mean([d in best_depths for d in bests])) if bests else None
    out["best_depths"] = list(best_depths)
    d_lo, d_hi = depths[0], depths[-1]
    deeper = [mean(lo, a, d_hi) < mean(lo, a, d_lo) for lo in losses for a in latents
              if len(depths) > 1 and mean(lo, a, d_hi) is not None and mean(lo, a, d_lo) is not None]  # fmt: skip
    out["deeper_better_share"] = float(np.mean(deeper)) if deeper else None
    early, late = [], []
    if d_lo < mid_depth < d_hi:
        for loss in losses:
            for a in latents:
                v_lo, v_mid, v_hi = mean(loss, a, d_lo), mean(loss, a, mid_depth), mean(loss, a, d_hi)
                if None not in (v_lo, v_mid, v_hi):
                    early.append((v_lo - v_mid) / v_lo)
                    late.append((v_mid - v_hi) / v_mid)
    out["mid_depth"] = mid_depth
    out["gain_early"] = float(np.mean(early)) if early else None
    out["gain_late"] = float(np.mean(late)) if late else None
    ok = early and np.mean(early) > 0
    out["plateau_ratio"] = float(np.mean(late) / np.mean(early)) if ok else None
    # diminishing returns: deeper still helps (late gain >= 0), but less than the early depths did
    out["diminishing_returns"] = float(bool(ok) and 0 <= np.mean(late) < np.mean(early)) if early else None
    g_b, g_m = gain.get("bce"), gain.get("mse")
    out["sensitivity_ratio"] = float(g_b / g_m) if g_b is not None and g_m else None
    a_b, a_m = gain_abs.get("bce"), gain_abs.get("mse")
    out["sensitivity_ratio_abs"] = float(a_b / a_m) if a_b is not None and a_m else None
    return out


@analysis_kind(
    "ae_grid",
    params={
        "part": PART,
        "metric": Param("name", "loss (the one trained on), mse or bce", choices=("loss", "mse", "bce")),
        "mid_depth": Param("int", "the depth splitting early and late gains (plateau measure)", min=1),
        "best_depths": Param("ints", "depths the seed calls best", min=1),
    },
    roles=("grid",),
)
def ae_grid(job: AnalysisJob) -> dict[str, Any]:
    """Reconstruction loss of every autoencoder of the study (input role ``grid``: every variant and seed; each
    run's parameters give its ``latent``, ``depth`` and ``loss``), mean and sd over seeds per cell, and the
    measures of :func:`grid_measures`."""
    part = job.params.get("part", "test")
    metric = job.params.get("metric", "loss")
    entropies: dict[tuple[str, str], float] = {}

    def entropy_of(data: str, part: str) -> float:  # the BCE floor: once per split and part, not per run
        if (data, part) not in entropies:
            entropies[data, part] = target_entropy(read_npz(data)[f"X_{part}"])
        return entropies[data, part]

    runs = []
    for rf in job.inputs.get("grid", []):
        for key in ("latent", "depth", "loss"):
            if key not in rf.params:
                raise ValueError(f"{job.where}: run {rf.experiment}/{rf.variant}/seed{rf.seed} has no {key!r}")
        m = read_json(rf.metrics).get(part)
        if not m or metric not in m:
            raise ValueError(f"{job.where}: {rf.metrics} has no {part}.{metric}")
        metric_loss = rf.params["loss"] if metric == "loss" else metric
        floor = entropy_of(rf.data, part) if metric_loss == "bce" else 0.0
        runs.append({"loss": rf.params["loss"], "latent": int(rf.params["latent"]), "depth": int(rf.params["depth"]),
                     "seed": rf.seed, "value": float(m[metric]), "floor": float(floor)})  # fmt: skip
    if not runs:
        raise ValueError(f"{job.where}: no input runs (role 'grid')")
    cells = grid_cells(runs)
    measures = grid_measures(cells, int(job.params.get("mid_depth", 3)), list(job.params.get("best_depths", [3, 4, 5])))
    losses, latents, depths = measures["losses"], measures["latents"], measures["depths"]
    mean = np.full((len(losses), len(latents), len(depths)), np.nan)
    sd = np.full_like(mean, np.nan)
    table = []
    for i, loss in enumerate(losses):
        for j, a in enumerate(latents):
            row: dict[str, Any] = {"loss": loss, "latent": a}
            for k, d in enumerate(depths):
                c = cells.get((loss, a, d))
                if c is not None:
                    mean[i, j, k], sd[i, j, k] = c["mean"], c["sd"]
                    row[f"depth {d}"] = {"mean": c["mean"], "sd": c["sd"], "n": c["n"]}
            table.append(row)
    result = {
        "part": part,
        "metric": metric,
        "n_runs": len(runs),
        "table": table,
        "cells": [{"loss": k[0], "latent": k[1], "depth": k[2], **v} for k, v in sorted(cells.items())],
        "measures": measures,
    }
    write_result(job, result)
    write_npz(job.npz_out, losses=np.array(losses), latent=np.array(latents), depth=np.array(depths), mean=mean, sd=sd)
    return result


# --- reconstructions (seed Fig. 11) -------------------------------------------------------------------------------
@analysis_kind(
    "ae_reconstructions",
    params={"part": PART, "per_class": Param("int", "examples of each class", min=1)},
    roles=("autoencoder", "classifier"),
)
def ae_reconstructions(job: AnalysisJob) -> dict[str, Any]:
    """Originals and reconstructions of the first ``per_class`` images of each class, and over the whole part: the
    reconstruction error; ``smoothness_ratio`` = mean roughness of the reconstructions / mean roughness of the
    originals (roughness: mean squared difference of adjacent pixels; < 1: the reconstructions are smoother); and a
    classifier's accuracy on the originals and on the reconstructions (``retained_accuracy``: their ratio), a
    measure of whether the reconstructions keep what makes each digit that digit."""
    run = job.one("autoencoder")
    model = load_autoencoder(run, job.where)
    clf = load_classifier(job.one("classifier"), job.where)
    part = job.params.get("part", "test")
    X, y = part_data(run, part, job.where)
    side = image_side(X.shape[1], job.where)
    R = model.reconstruct(X)
    rough_x, rough_r = roughness(X, side), roughness(R, side)
    mse = np.mean((R.astype(np.float64) - X) ** 2, axis=1)
    acc_x, acc_r = float(np.mean(clf.predict(X) == y)), float(np.mean(clf.predict(R) == y))
    per_class = int(job.params.get("per_class", 1))
    idx = np.concatenate([np.flatnonzero(y == c)[:per_class] for c in np.unique(y)])
    table = [{"index": int(i), "class": int(y[i]), "mse": float(mse[i]), "roughness_original": float(rough_x[i]),
              "roughness_reconstruction": float(rough_r[i])} for i in idx]  # fmt: skip
    measures = {
        "n": int(len(X)),
        "mse": float(mse.mean()),
        "roughness_original": float(rough_x.mean()),
        "roughness_reconstruction": float(rough_r.mean()),
        "smoothness_ratio": float(rough_r.mean() / rough_x.mean()),
        "smoother_share": float(np.mean(rough_r < rough_x)),
        "accuracy_original": acc_x,
        "accuracy_reconstruction": acc_r,
        "retained_accuracy": acc_r / acc_x if acc_x else None,
    }
    result = {"run": f"{run.experiment}/{run.variant}/seed{run.seed}", "part": part, "table": table,
              "measures": measures}  # fmt: skip
    write_result(job, result)
    write_npz(job.npz_out, originals=X[idx], reconstructions=R[idx], labels=y[idx], index=idx)
    return result
