"""Where a run's time went: the benchmark files Snakemake wrote, summed per rule and per experiment.

    python -m scratchnet.pipeline.timings [benchmarks/] [--since FILE|TIME] [--by rule|experiment]

reads every ``<rule>/<experiment>/<variant>/seed<N>.tsv`` (train, evaluate) and ``analysis/<name>.tsv`` under the
folder (``benchmarks/reduced/`` for the reduced configuration), optionally only those written after ``FILE`` or an
ISO date and time (the start of the run in question), and prints the number of jobs, their summed, mean and largest
wall time (column ``s``) per rule, or per rule and experiment. A benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import pandas as pd


def _timestamp(since: str) -> float:
    """Seconds since the epoch of a file's modification time, or of an ISO date and time (local time)."""
    if Path(since).exists():
        return Path(since).stat().st_mtime
    try:
        return datetime.fromisoformat(since).timestamp()
    except ValueError:
        raise ValueError(f"--since {since!r}: neither a file nor an ISO date and time (2026-11-25T16:18)") from None


def collect(root: str | Path, since: str | None = None) -> pd.DataFrame:
    """One row per benchmark file under ``root`` (written after ``since``, a file or an ISO time): rule,
    experiment (or analysis name), variant and seed (empty for analyses), wall seconds ``s`` and ``cpu_time``
    (NaN where the file has no such column)."""
    root = Path(root)
    after = _timestamp(since) if since else None
    rows = []
    for f in sorted(root.rglob("*.tsv")):
        if after is not None and f.stat().st_mtime < after:
            continue
        parts = f.relative_to(root).parts
        if parts[0] == "reduced" and root.name != "reduced":
            continue  # the reduced configuration's own root
        rule = parts[0]
        name = parts[1] if len(parts) > 2 else Path(parts[1]).stem
        variant, seed = (parts[2], Path(parts[3]).stem) if len(parts) == 4 else ("", "")
        rows.append({"rule": rule, "experiment": name, "variant": variant, "seed": seed, **read_benchmark(f)})
    return pd.DataFrame(rows, columns=["rule", "experiment", "variant", "seed", "s", "cpu_time"])


def read_benchmark(path: str | Path) -> dict[str, float]:
    """Wall seconds ``s`` and ``cpu_time`` (NaN if absent) of one Snakemake benchmark file (first row)."""
    try:
        row = pd.read_csv(path, sep="\t").iloc[0]
        return {"s": float(row["s"]), "cpu_time": float(row.get("cpu_time", float("nan")))}
    except (KeyError, IndexError, ValueError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{path}: not a Snakemake benchmark file ({exc})") from None


def summary(df: pd.DataFrame, by: str = "rule") -> pd.DataFrame:
    """Jobs, total, mean and largest wall seconds per ``rule`` or per ``rule`` and ``experiment``; a total row."""
    keys = ["rule"] if by == "rule" else ["rule", "experiment"]
    out = df.groupby(keys)["s"].agg(jobs="count", total_s="sum", mean_s="mean", max_s="max").reset_index()
    out = out.sort_values("total_s", ascending=False)
    s = df["s"]
    total = {**{k: "" for k in keys}, keys[0]: "all", "jobs": len(s), "total_s": s.sum(), "mean_s": s.mean(),
             "max_s": s.max()}  # fmt: skip
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", nargs="?", default="benchmarks", help="benchmarks folder (default: benchmarks)")
    ap.add_argument("--since", help="only files written after this file's modification time, or this ISO time")
    ap.add_argument("--by", choices=("rule", "experiment"), default="rule")
    args = ap.parse_args(argv)
    if not Path(args.root).is_dir():
        ap.error(f"{args.root}: no such folder")
    try:
        table = summary(collect(args.root, args.since), args.by)
    except ValueError as exc:
        ap.error(str(exc))
    print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
