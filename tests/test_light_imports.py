"""Cheap jobs: a train and an evaluate job of an engine kind, and the DAG build, import neither scikit-learn nor
matplotlib, pandas or SciPy (about 1-2 s of CPU per process). Each check runs in a fresh interpreter and reads
its ``sys.modules`` at the end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "matplotlib", "pandas", "scipy")

REPORT = f"""
import json, sys
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def heavy_modules(code: str, cwd: Path) -> list[str]:
    """The heavy packages in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code) + REPORT], cwd=cwd, capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_engine_train_and_evaluate_jobs_import_nothing_heavy(tmp_path: Path) -> None:
    code = """
    import numpy as np
    from scratchnet.pipeline.io import read_json, write_npz
    from scratchnet.pipeline.run_steps import evaluate_run, train_run
    from scratchnet.pipeline.runner import run_step  # noqa: F401 (the job scripts import it)

    rng = np.random.default_rng(0)
    parts = {}
    for part, n in (("train", 40), ("val", 10), ("test", 10)):
        parts[f"X_{part}"] = rng.standard_normal((n, 3)).astype(np.float32)
        parts[f"y_{part}"] = (parts[f"X_{part}"][:, 0] > 0).astype(np.int64)
    write_npz("data.npz", **parts)
    run = {"experiment": "e", "variant": "v", "seed": 0, "kind": "mlp_classifier",
           "params": {"split": "s", "hidden": [4], "epochs": 2, "batch_size": 8}}
    train_run(run, "data.npz", "model.json", "history.json")
    evaluate_run(run, "model.json", "history.json", "data.npz", "metrics.json", "predictions.npz")
    assert set(read_json("metrics.json")["test"]) >= {"acc", "auc", "confusion", "report"}
    """
    assert heavy_modules(code, tmp_path) == []


def test_dag_build_imports_nothing_heavy() -> None:
    code = """
    import sys
    sys.path.insert(0, "tests")
    from conftest import load_merged_config
    # the imports of workflow/rules/common.smk
    from scratchnet.pipeline import paths  # noqa: F401
    from scratchnet.pipeline.cluster import check_slurm_controller  # noqa: F401
    from scratchnet.pipeline.code import fingerprint  # noqa: F401
    from scratchnet.pipeline.dag import Dag
    from scratchnet.pipeline.runner import mark_snakemake_process  # noqa: F401
    from scratchnet.pipeline.scheduler import coalesce_reevaluation  # noqa: F401
    from scratchnet.pipeline.validate import validate_config
    from scratchnet.report import TEMPLATES
    from scratchnet.report.provenance import config_hash  # noqa: F401

    cfg = load_merged_config(reduced=True)
    validate_config(cfg, "workflow/schemas/config.schema.yaml", ["config/config.yaml"], TEMPLATES)
    assert Dag(cfg).all_targets()
    """
    assert heavy_modules(code, ROOT) == []


def test_no_kind_module_imports_anything_heavy() -> None:
    """The DAG build imports the module of every kind the configuration names (for its parameters)."""
    code = """
    import importlib
    from scratchnet.pipeline.kind_index import KIND_MODULES, PACKAGES
    for package, kinds in KIND_MODULES.items():
        for module in sorted(set(kinds.values())):
            importlib.import_module(f"{PACKAGES[package]}.{module}")
    """
    assert heavy_modules(code, ROOT) == []
