"""Fingerprints of the package code each kind of job runs, passed to the rules as a parameter so that Snakemake's
params trigger reruns exactly the jobs whose code changed (the workflow scripts themselves are covered by
Snakemake's own code trigger). A fingerprint is the SHA-256 of the relevant source files (paths relative to the
package and contents), so it works the same for an editable and a released install."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # src/scratchnet

_ENGINE = (
    "atomic.py", "init.py", "layers.py", "losses.py", "models.py", "noise.py", "optim.py", "persist.py", "registry.py",
    "train.py",
)  # fmt: skip
_IO = ("pipeline/io.py", "pipeline/paths.py", "atomic.py")
_REGISTRY = ("pipeline/registry.py", "pipeline/kind_index.py")
_SPEC = ("pipeline/spec.py", *_REGISTRY)  # experiments and their variants; spec imports the registry

# step -> package files or folders (relative to the package) whose content its outputs depend on; every package module
# a step's script reaches by import is listed (tests/test_dag.py checks it), and every entry exists
GROUPS: dict[str, tuple[str, ...]] = {
    "data": ("data", "pipeline/data_steps.py", *_IO),
    "train": (*_ENGINE, "pipeline/kinds", "pipeline/run_steps.py", "pipeline/scores.py", *_REGISTRY, *_IO),
    "aggregate": ("pipeline/aggregate.py", "stats.py", *_SPEC, *_IO),
    "analysis": (*_ENGINE, "pipeline/analyses", "pipeline/analysis_steps.py", "pipeline/kinds", "pipeline/run_steps.py",
                 "pipeline/scores.py", *_REGISTRY, "stats.py", "svm.py", *_IO),  # fmt: skip
    "figure": ("pipeline/figures", *_ENGINE, *_SPEC, *_IO),
    "report": ("report", "stats.py", *_SPEC, *_IO),
}


def _files(entry: str) -> list[Path]:
    p = PACKAGE / entry
    if p.is_dir():
        return sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in (".py", ".md"))
    return [p] if p.is_file() else []


@cache
def fingerprint(step: str) -> str:
    """SHA-256 (first 16 hex digits) of the package sources ``step`` uses (a key of :data:`GROUPS`)."""
    h = hashlib.sha256()
    for entry in GROUPS[step]:
        for f in _files(entry):
            h.update(str(f.relative_to(PACKAGE)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]
