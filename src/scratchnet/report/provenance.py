"""Provenance of a report page: the code (git commit, dirty or not), the configuration (a hash of the merged
config), the software (package versions), the compute its jobs took (Snakemake benchmark files) and how many of its
inputs were verified against their manifests."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ..pipeline.manifest import verify_inputs

PACKAGES = ("numpy", "scikit-learn", "snakemake", "scratchnet")


def _canonical(obj: Any) -> Any:
    """JSON-able form with string keys, so the hash does not depend on key order or key types."""
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return str(obj)


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 (hex) of the configuration as canonical JSON (sorted keys)."""
    text = json.dumps(_canonical(config), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def git_state(repo_dir: str | Path = ".") -> dict[str, Any]:
    """``{"commit", "dirty", "changes", "error"}`` of the git work tree holding ``repo_dir``. Outside a git
    checkout (or without git) commit and dirty are None and ``error`` says why."""

    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(repo_dir), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            err = proc.stderr.strip()
            raise RuntimeError(err.splitlines()[0] if err else f"git {args[0]}: exit {proc.returncode}")
        return proc.stdout

    try:
        commit = git("rev-parse", "HEAD").strip()
        changes = [line for line in git("status", "--porcelain").splitlines() if line.strip()]
    except FileNotFoundError:
        return {"commit": None, "dirty": None, "changes": None, "error": "not a git checkout (git is not installed)"}
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        return {"commit": None, "dirty": None, "changes": None, "error": f"not a git checkout ({exc})"}
    return {"commit": commit, "dirty": bool(changes), "changes": len(changes), "error": None}


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Python and the installed versions of ``packages`` ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    if out.get("scratchnet") == "not installed":  # running from a source tree on PYTHONPATH
        from .. import __version__

        out["scratchnet"] = f"{__version__} (not installed)"
    return out


def compute_time(benchmark_files: Iterable[str | Path]) -> dict[str, Any]:
    """Sum of the ``s`` column (wall seconds; every row, so repeated benchmarks all count) and, when every file
    has it, of ``cpu_time`` over Snakemake benchmark TSV files: ``{"jobs", "seconds", "cpu_seconds"}``."""
    jobs, seconds, cpu, cpu_known = 0, 0.0, 0.0, True
    for f in benchmark_files:
        path = Path(f)
        try:
            with path.open(newline="") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
        except FileNotFoundError:
            raise FileNotFoundError(f"benchmark file {path} not found") from None
        if not rows or "s" not in rows[0]:
            raise ValueError(f"{path}: not a Snakemake benchmark file (no 's' column)")
        for row in rows:
            try:
                seconds += float(row["s"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}: column 's' holds {row['s']!r}, not a number") from None
            try:
                cpu += float(row.get("cpu_time"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                cpu_known = False
        jobs += 1
    return {"jobs": jobs, "seconds": seconds, "cpu_seconds": cpu if cpu_known and jobs else None}


def inputs_verified(inputs: Iterable[str | Path], roots: Iterable[str | Path]) -> dict[str, Any]:
    """Verify a page's input files (:func:`~scratchnet.pipeline.manifest.verify_inputs`; an edited or truncated one
    raises) and count them: ``{"n", "verified", "unverified", "other"}``. ``unverified`` lists the inputs under the
    output ``roots`` (results, reports) that have no manifest; ``other`` counts the inputs outside them (template,
    claims, seed text, benchmark files), which are not written by the pipeline's jobs and have none."""
    roots = [os.path.normpath(r) + os.sep for r in roots]
    checks = verify_inputs(inputs)
    ours = [c for p, c in checks.items() if any(os.path.normpath(p).startswith(r) for r in roots)]
    return {
        "n": len(ours),
        "verified": sum(c.verified for c in ours),
        "unverified": [c.path for c in ours if not c.verified],
        "other": len(checks) - len(ours),
    }


def provenance(
    config: Mapping[str, Any] | None,
    benchmark_files: Iterable[str | Path] = (),
    repo_dir: str | Path = ".",
    config_sha256: str | None = None,
) -> dict[str, Any]:
    """Everything the provenance section of a page states (``config_sha256``: the configuration's hash, when the
    caller has it instead of the configuration).

    config : the merged configuration (None: no hash); benchmark_files : the Snakemake benchmark TSVs of the
    page's train/evaluate jobs; repo_dir : a directory inside the git work tree of the code.
    Returns ``{"git": git_state(), "config_sha256", "versions": package_versions(), "machine": {"platform",
    "cpus"}, "compute": compute_time()}``.
    """
    return {
        "git": git_state(repo_dir),
        "config_sha256": config_sha256 if config is None else config_hash(config),
        "versions": package_versions(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "compute": compute_time(benchmark_files),
    }
