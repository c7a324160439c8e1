"""The compute floor: the floating-point work of every training and evaluation job, against this machine's peak.

    python -m scratchnet.pipeline.floor [benchmarks/] [--results results/] [--cores N] [--peak GFLOPS] [--wall S]

For every run under ``<results>/runs/<experiment>/<variant>/seed<N>/`` it counts, from what the run saved
(``model.json``: kind, layer shapes, cross-validation folds; ``metrics.json``: samples per part;
``history.json``: epochs and updates actually run, so early stopping counts, and the evaluations made during
training), the FLOP of its ``train`` and ``evaluate`` jobs:

- a dense layer ``in -> out`` costs ``2 in out`` FLOP per sample forward and twice that backward
  (``dx`` and ``dW``), so a training sample costs 3 forward passes;
- training: the samples trained (epochs × training samples, or updates × batch size where a budget cut an epoch
  short) plus one forward pass per sample of every part evaluated during training (``eval_train``,
  ``eval_every``, ``eval_initial``, read from the recorded epochs); a cross-validated grid configuration adds its
  folds' fits and held-out predictions;
- evaluation: one forward pass per sample of every part (the least an evaluation needs).

Activations, losses and optimiser steps (O(units), not O(weights)) are left out: it is a floor. Runs of
scikit-learn kinds (and the analysis jobs) count at their measured time. Beside each rule and experiment: measured
wall seconds and CPU seconds from the Snakemake benchmarks (``benchmarks/<rule>/<experiment>/<variant>/seed<N>.tsv``)
and the GFLOP/s achieved. The peak: a 2048 × 2048 float32 matmul on one BLAS thread, best of 5, beside the
theoretical peak from ``/proc/cpuinfo`` (clock × vector lanes × 2 for FMA × 2 FMA units). The floor on N cores:
engine FLOP / (N × measured peak) + the other jobs' measured wall time / N.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

PARTS = ("train", "val", "test")
SKLEARN_KINDS = frozenset({"sklearn_mlp", "sklearn_grid_config", "sklearn_autoencoder"})
BACKWARD_FACTOR = 2  # backward of a dense layer: dx = dout W^T and dW = x^T dout, each 2 in out per sample


def dense_shapes(parameters: dict[str, list[int]]) -> list[tuple[int, int]]:
    """``(in, out)`` of every dense layer: the 2-D weights ``*.W`` of a model's ``parameters`` (name -> shape)."""
    return [(int(s[0]), int(s[1])) for k, s in parameters.items() if k.endswith("W") and len(s) == 2]


def forward_flop(shapes: list[tuple[int, int]]) -> int:
    """FLOP of one sample's forward pass through dense layers: sum of 2 in out."""
    return sum(2 * i * o for i, o in shapes)


def trained_samples(n_train: int, n_epochs: int, n_updates: int = 0, batch_size: int | None = None) -> int:
    """Samples that went forward and backward: epochs × n_train, or updates × batch size if fewer (a budget that
    stopped an epoch short)."""
    full = n_epochs * n_train
    if n_updates and batch_size:
        return min(full, n_updates * min(int(batch_size), n_train))
    return full


def evaluated_samples(epochs: list[dict[str, Any]], sizes: dict[str, int]) -> int:
    """Samples forwarded by the evaluations made during training: per recorded epoch, each part whose loss it
    holds (``train_loss``, ``val_loss``, ``test_loss``: the monitored part is named after itself)."""
    return sum(sizes.get(p, 0) for e in epochs for p in PARTS if f"{p}_loss" in e)


def run_flop(run_dir: str | Path) -> dict[str, Any]:
    """Kind and FLOP of one run's ``train`` and ``evaluate`` jobs (``None`` for scikit-learn kinds), from the files
    the run saved. Raises ``ValueError`` naming the file that is missing or lacks a key."""
    run_dir = Path(run_dir)
    docs = {}
    for name in ("model.json", "metrics.json", "history.json"):
        try:
            docs[name] = json.loads((run_dir / name).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{run_dir / name}: cannot read ({exc})") from None
    model, metrics, hist = docs["model.json"], docs["metrics.json"], docs["history.json"]
    try:
        kind = model["metadata"]["kind"]
        shapes = dense_shapes(model["parameters"])
    except KeyError as exc:
        raise ValueError(f"{run_dir / 'model.json'}: no key {exc}") from None
    if kind in SKLEARN_KINDS:
        return {"kind": kind, "train": None, "evaluate": None}
    fwd = forward_flop(shapes)
    sizes = {p: int(metrics[p]["n"]) for p in PARTS if isinstance(metrics.get(p), dict)}
    n_train = sizes.get("train", 0)
    if "n_epochs" not in hist:
        raise ValueError(f"{run_dir / 'history.json'}: no key 'n_epochs'")
    samples = trained_samples(n_train, int(hist["n_epochs"]), int(hist.get("n_updates") or 0), hist.get("batch_size"))
    train = (1 + BACKWARD_FACTOR) * fwd * samples + fwd * evaluated_samples(hist.get("epochs") or [], sizes)
    for fold in model["metadata"].get("cv", {}).get("folds", []):  # cross-validated grid: the folds' fits
        train += (1 + BACKWARD_FACTOR) * fwd * int(fold["n_train"]) * int(fold["n_iter"]) + fwd * int(fold["n_test"])
    return {"kind": kind, "train": train, "evaluate": fwd * sum(sizes.values())}


def measured_peak(n: int = 2048, repeats: int = 5) -> float:
    """Single-core float32 FLOP/s: an ``n × n`` matmul (2 n^3 FLOP) on one BLAS thread, best of ``repeats``."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    best = math.inf
    with threadpool_limits(limits=1):
        a @ b  # warm-up
        for _ in range(repeats):
            t0 = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best


def other_runnable(loadavg: str) -> int:
    """Processes runnable besides this one, from ``/proc/loadavg`` (its fourth field, ``running/total``): a peak
    measured beside them is too low."""
    return max(0, int(loadavg.split()[3].split("/")[0]) - 1)


def theoretical_peak(cpuinfo: str) -> dict[str, Any]:
    """Model name, cores, clock (MHz), float32 FLOP per cycle per core and the per-core peak (FLOP/s) from the
    text of ``/proc/cpuinfo``: 16 float32 lanes with avx512f, 8 with avx2 or avx, 4 otherwise; × 2 with fma
    (a multiply-add), × 2 FMA units (assumed, as on current server cores; without fma, one add and one
    multiply unit)."""
    fields: dict[str, str] = {}
    cores = 0
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "processor":
            cores += 1
        fields.setdefault(key, value.strip())
    flags = set(fields.get("flags", "").split())
    lanes = 16 if "avx512f" in flags else 8 if flags & {"avx2", "avx"} else 4
    per_cycle = lanes * 2 * 2  # (FMA: 2 FLOP per lane) or (separate add and multiply), on two units
    try:
        mhz = float(fields["cpu MHz"])
    except (KeyError, ValueError):
        raise ValueError(f"/proc/cpuinfo: no readable 'cpu MHz' line ({fields.get('cpu MHz')!r})") from None
    vector = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "avx" if "avx" in flags else "sse"
    return {"model": fields.get("model name", "?"), "cores": cores, "mhz": mhz, "vector": vector,
            "fma": "fma" in flags, "flop_per_cycle": per_cycle, "peak": mhz * 1e6 * per_cycle}  # fmt: skip


def job_table(benchmarks: str | Path, results: str | Path):
    """One row per benchmarked job: rule, experiment, variant, seed, kind, FLOP (NaN for scikit-learn kinds and
    analyses: counted at their measured time), ``s`` and ``cpu_time``."""
    from .timings import collect

    df = collect(benchmarks)
    kinds, flops = [], []
    for r in df.itertuples():
        if r.rule not in ("train", "evaluate"):
            kinds.append(r.rule)
            flops.append(float("nan"))
            continue
        counted = run_flop(Path(results) / "runs" / r.experiment / r.variant / r.seed)
        kinds.append(counted["kind"])
        flops.append(float("nan") if counted[r.rule] is None else float(counted[r.rule]))
    return df.assign(kind=kinds, flop=flops)


def summarise(jobs, keys: list[str]):
    """Per ``keys``: jobs, GFLOP, wall and CPU seconds, achieved GFLOP/s (FLOP over the wall time of the
    counted jobs), and the wall seconds of jobs counted at their time (scikit-learn kinds, analyses)."""
    counted = jobs["flop"].notna()
    jobs = jobs.assign(counted_s=jobs["s"].where(counted, 0.0), timed_s=jobs["s"].where(~counted, 0.0))
    out = jobs.groupby(keys).agg(jobs=("s", "count"), gflop=("flop", "sum"), s=("s", "sum"),
                                 cpu_s=("cpu_time", "sum"), counted_s=("counted_s", "sum"),
                                 timed_s=("timed_s", "sum")).reset_index()  # fmt: skip
    out["gflop"] /= 1e9
    out["gflop_per_s"] = (out["gflop"] / out["counted_s"]).where(out["counted_s"] > 0)
    return out.drop(columns="counted_s").sort_values("s", ascending=False)


def pipeline_floor(jobs, cores: int, peak: float) -> dict[str, float]:
    """The floor on ``cores`` cores: engine FLOP / (cores × peak) + the other jobs' wall time / cores; beside it
    the measured job time / cores."""
    counted = jobs["flop"].notna()
    engine = float(jobs.loc[counted, "flop"].sum()) / (cores * peak)
    timed = float(jobs.loc[~counted, "s"].sum()) / cores
    return {"engine_s": engine, "timed_s": timed, "floor_s": engine + timed, "jobs_s": float(jobs["s"].sum()) / cores}


def report(jobs, cores: int, peak: float, theory: dict[str, Any] | None, wall: float | None, busy: int = 0) -> str:
    """The printed tables: jobs, per rule, per experiment, the peak and the floor."""
    fmt = {"float_format": lambda x: f"{x:.4g}", "index": False, "na_rep": "-"}
    shown = jobs.assign(gflop=jobs["flop"] / 1e9).drop(columns="flop")
    lines = [
        "Jobs (GFLOP: counted from each run's saved files; '-': counted at its measured time)",
        shown.to_string(**fmt),
        "",
        "Per rule",
        summarise(jobs, ["rule"]).to_string(**fmt),
        "",
        "Per experiment",
        summarise(jobs, ["experiment"]).to_string(**fmt),
        "",
        f"Measured single-core float32 peak (2048 x 2048 matmul, 1 thread, best of 5): {peak / 1e9:.1f} GFLOP/s",
    ]
    if busy:
        lines.append(f"  (measured while {busy} other process(es) were running: too low; measure on an idle machine, "
                     "or give --peak)")  # fmt: skip
    if theory:
        t, fma = theory, ", fma" if theory["fma"] else ""
        lines.append(
            f"Theoretical peak per core: {t['model']}, {t['mhz']:.0f} MHz x {t['flop_per_cycle']} FLOP/cycle "
            f"({t['vector']}{fma}, 2 units) = {t['peak'] / 1e9:.1f} GFLOP/s; {t['cores']} cores"
        )
    f = pipeline_floor(jobs, cores, peak)
    engine = f"engine {jobs['flop'].sum() / 1e9:.4g} GFLOP / ({cores} x {peak / 1e9:.1f} GFLOP/s)"
    timed = f"other jobs' measured time / {cores} = {f['timed_s']:.2f} s"
    lines.append(f"Floor on {cores} cores: {engine} = {f['engine_s']:.2f} s + {timed} -> {f['floor_s']:.2f} s")
    ratio = f["jobs_s"] / f["floor_s"]
    lines.append(f"Measured job wall time / {cores}: {f['jobs_s']:.2f} s ({ratio:.1f} x the floor)")
    if wall is not None:
        lines.append(f"Measured pipeline wall time: {wall:.1f} s ({wall / f['floor_s']:.1f} x the floor)")
    else:
        lines.append("Measured pipeline wall time: not known (give --wall SECONDS)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default="benchmarks", help="benchmarks folder (default: benchmarks)")
    ap.add_argument("--results", default="results", help="results folder holding runs/ (default: results)")
    ap.add_argument("--cores", type=int, default=2, help="cores of the floor (default: 2)")
    ap.add_argument("--peak", type=float, help="single-core peak in GFLOP/s instead of measuring it")
    ap.add_argument("--wall", type=float, help="the pipeline's measured wall time in seconds, if known")
    args = ap.parse_args(argv)
    for folder in (args.root, Path(args.results) / "runs"):
        if not Path(folder).is_dir():
            ap.error(f"{folder}: no such folder")
    if args.cores < 1:
        ap.error(f"--cores {args.cores}: at least 1")
    try:
        jobs = job_table(args.root, args.results)
    except ValueError as exc:
        ap.error(str(exc))
    loadavg = Path("/proc/loadavg")
    busy = other_runnable(loadavg.read_text()) if not args.peak and loadavg.exists() else 0
    peak = args.peak * 1e9 if args.peak else measured_peak()
    cpuinfo = Path("/proc/cpuinfo")
    theory = theoretical_peak(cpuinfo.read_text()) if cpuinfo.exists() else None
    print(report(jobs, args.cores, peak, theory, args.wall, busy))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
