"""The static index of kinds (scratchnet.pipeline.kind_index) against what the modules register, and the lazy lookup
it allows: resolving one kind imports only its own module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scratchnet.pipeline import registry
from scratchnet.pipeline.kind_index import KIND_MODULES, PACKAGES

PIPELINE = Path(registry.__file__).resolve().parent
SEED_NAMED = ("seed0", "seed1", "seed2", "seed3", "seed4", "seed_")


def test_index_matches_what_the_modules_register() -> None:
    registered = registry.load_all()
    for what in PACKAGES:
        missing = {k: m for k, m in registered[what].items() if KIND_MODULES[what].get(k) != m}
        stale = sorted(set(KIND_MODULES[what]) - set(registered[what]))
        assert not missing, f"kind_index.KIND_MODULES[{what!r}] lacks or misplaces: {missing}"
        assert not stale, f"kind_index.KIND_MODULES[{what!r}] names kinds no module registers: {stale}"


def test_unknown_kind_names_the_nearest_without_importing() -> None:
    with pytest.raises(ValueError, match=r"unknown figure kind 'rocc'; did you mean 'roc'\?"):
        registry.get_figure_kind("rocc")


def test_resolving_one_kind_imports_only_its_module() -> None:
    """In a fresh interpreter: one kind of each step resolves by importing its own module and no other kind module;
    a run kind of our engine imports neither matplotlib, pandas, SciPy nor scikit-learn."""
    script = """
import json, sys
from scratchnet.pipeline.registry import get_analysis_kind, get_figure_kind, get_run_kind
get_run_kind("mlp_classifier")
heavy = sorted(m for m in ("matplotlib", "pandas", "scipy", "sklearn") if m in sys.modules)
get_analysis_kind("backprop_step")
get_figure_kind("roc")
print(json.dumps({"heavy": heavy, "modules": sorted(sys.modules)}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    assert got["heavy"] == [], f"resolving run kind mlp_classifier imported {got['heavy']}"
    kind_modules = {m for m in got["modules"] for pkg in PACKAGES.values() if m.startswith(pkg + ".")}
    assert kind_modules == {
        "scratchnet.pipeline.kinds.engine",
        "scratchnet.pipeline.analyses.backprop_step",
        "scratchnet.pipeline.figures.classification",
    }


def test_no_pipeline_module_is_named_after_a_seed_or_oversized() -> None:
    for f in sorted(PIPELINE.rglob("*.py")):
        rel = f.relative_to(PIPELINE)
        assert not f.stem.startswith(SEED_NAMED), f"pipeline/{rel} is named after a seed report"
        n = len(f.read_text().splitlines())
        assert n <= 420, f"pipeline/{rel} has {n} lines (split it by concept)"
