"""The workflow as a user meets it (issue 8, items 4-7 and 11), through real Snakemake runs in scratch copies of the
workflow: the default profile is loaded, a code edit reruns exactly the jobs that use the edited file, a dry run lists
every training job of the full configuration, the reduced configuration writes under its own roots, and the rules
are snakefmt-clean. Dry runs wherever possible; $SCRATCHNET_DATA_MIRROR is passed on from the environment."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_workflow, load_merged_config

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

REDUCED_ROOTS = ("results/reduced/", "reports/reduced/", "logs/reduced/", "benchmarks/reduced/")
DATA_RULES = ("fetch_raw", "prepare_dataset", "split", "standardise")


def snakemake(workdir: Path, *args: str, reduced: bool = True, env: dict | None = None) -> str:
    """Run snakemake in ``workdir`` (targets and flags first: --configfile would swallow a target after it); return
    stdout + stderr, failing the test on a non-zero exit."""
    cmd = [str(BIN / "snakemake"), *args, "--cores", "2"]
    if reduced:
        cmd += ["--configfile", "config/ci.yaml"]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=1800, env=env or os.environ.copy())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-8000:]}"
    return out


def job_counts(out: str) -> dict[str, int]:
    """The 'Job stats' table of a (dry) run: rule -> number of jobs ({} when there is nothing to do)."""
    if "Job stats:" not in out:
        assert "Nothing to be done" in out, out[-4000:]
        return {}
    table = out.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    counts = {name: int(n) for name, n in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}
    assert counts.pop("total") == sum(counts.values())
    return counts


def listed_files(out: str, key: str) -> list[str]:
    """Every path on the ``<key>:`` lines of a dry run's job listing."""
    return [p for line in re.findall(rf"^\s+{key}: (.*)$", out, re.M) for p in line.split(", ")]


# --------------------------------------------------------------------------------------------- reduced dry run
@pytest.fixture(scope="module")
def reduced_dry_run(tmp_path_factory) -> str:
    return snakemake(copy_workflow(tmp_path_factory.mktemp("reduced")), "-n")


def test_default_profile_is_loaded(reduced_dry_run: str) -> None:
    assert "Using workflow specific profile profiles/default" in reduced_dry_run


def test_reduced_configuration_writes_under_its_own_roots(reduced_dry_run: str) -> None:
    counts = job_counts(reduced_dry_run)
    assert counts.get("train", 0) > 0 and counts.get("report", 0) > 0
    written = {key: listed_files(reduced_dry_run, key) for key in ("output", "log", "benchmark")}
    assert len(written["output"]) >= sum(counts.values()) - 1  # every job but `all` has an output
    assert len(written["benchmark"]) == counts["train"] + counts["evaluate"] + counts.get("analysis", 0)
    for key, files in written.items():
        outside = [f for f in files if not f.startswith(REDUCED_ROOTS)]
        assert not outside, f"{key} outside the reduced roots: {outside[:10]}"


# --------------------------------------------------------------------------------------------- full dry run
def test_full_dry_run_lists_every_training_job(tmp_path: Path, monkeypatch) -> None:
    workdir = copy_workflow(tmp_path / "full")
    counts = job_counts(snakemake(workdir, "-n", reduced=False))
    # what the configuration asks for, less the runs whose raw data cannot be had here (looked up from the same
    # folder and the same environment as the dry run)
    from scratchnet.pipeline.dag import Dag

    monkeypatch.chdir(workdir)
    config = load_merged_config()
    dag = Dag(copy.deepcopy(config))
    expected = 0
    for name, spec in config["experiments"].items():
        if dag.missing(name):
            continue
        if spec.get("variants"):
            n_variants = len(spec["variants"])
        elif spec.get("grid"):
            n_variants = 1
            for values in spec["grid"].values():
                n_variants *= len(values)
        else:
            n_variants = 1
        expected += n_variants * len(spec.get("seeds", config["seeds"]))
    assert counts["train"] == expected
    assert counts["evaluate"] == expected
    assert counts["report"] == len(config["reports"])
    print(f"full configuration: {counts['train']} training jobs listed by snakemake -n ({counts})")


# --------------------------------------------------------------------------------------------- code edits
TABLE = "results/reduced/tables/s001_mlp_moons.csv"
FIGURE = "results/reduced/figures/001/fig2_moons_boundary.png"


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of the workflow AND the package sources (run with PYTHONPATH=<copy>/src, so edits to the copy's code
    are the code Snakemake fingerprints and runs), with one reduced experiment's table and one figure built."""
    workdir = copy_workflow(tmp_path_factory.mktemp("code"), with_sources=True)
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    out = snakemake(workdir, TABLE, FIGURE, env=env)
    assert (workdir / TABLE).is_file() and (workdir / FIGURE).is_file()
    probe = subprocess.run([sys.executable, "-c", "import scratchnet; print(scratchnet.__file__)"], env=env,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert probe.stdout.strip().startswith(str(workdir / "src")), probe.stdout
    assert job_counts(out).get("train") == 1
    return workdir, env


def dry_run_after_edit(workdir: Path, env: dict, file: str) -> tuple[dict[str, int], str]:
    """Append a comment line to ``src/scratchnet/<file>``, dry-run the two targets, restore the file."""
    assert job_counts(snakemake(workdir, TABLE, FIGURE, "-n", env=env)) == {}, "not up to date before the edit"
    path = workdir / "src" / "scratchnet" / file
    original = path.read_text()
    try:
        path.write_text(original + "# a comment that changes nothing\n")
        out = snakemake(workdir, TABLE, FIGURE, "-n", env=env)
    finally:
        path.write_text(original)
    return job_counts(out), out


def test_engine_edit_reruns_training_and_what_follows_but_no_data_job(built_copy) -> None:
    workdir, env = built_copy
    counts, out = dry_run_after_edit(workdir, env, "layers.py")
    # the figure draws the model's decision boundary with the engine, so it reruns too
    assert counts == {"train": 1, "evaluate": 1, "aggregate": 1, "figure": 1}
    assert not any(rule in counts for rule in DATA_RULES)
    assert re.search(r"rule train:(?:\n\s+.*)*?\n\s+reason: .*Params have changed", out), out[-4000:]


def test_figure_code_edit_reruns_only_figures(built_copy) -> None:
    workdir, env = built_copy
    counts, _ = dry_run_after_edit(workdir, env, "pipeline/figures/classification.py")
    assert counts == {"figure": 1}


def test_data_code_edit_reruns_the_data_steps_and_everything_after(built_copy) -> None:
    workdir, env = built_copy
    counts, _ = dry_run_after_edit(workdir, env, "data/split.py")
    assert counts == {"prepare_dataset": 1, "split": 1, "standardise": 1, "train": 1, "evaluate": 1,
                      "aggregate": 1, "figure": 1}  # fmt: skip


def test_restored_code_needs_no_rerun(built_copy) -> None:
    workdir, env = built_copy
    dry_run_after_edit(workdir, env, "optim.py")
    assert job_counts(snakemake(workdir, TABLE, FIGURE, "-n", env=env)) == {}


# --------------------------------------------------------------------------------------------- formatting
def test_snakefmt_check_is_clean() -> None:
    snakefmt = BIN / "snakefmt"
    if not snakefmt.exists():
        pytest.skip(f"snakefmt is not installed next to {sys.executable}")
    proc = subprocess.run([str(snakefmt), "--check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
