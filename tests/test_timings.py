"""The per-rule time breakdown read from Snakemake's benchmark files (scratchnet.pipeline.timings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scratchnet.pipeline import timings

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(root: Path, rel: str, seconds: float, mtime: float | None = None) -> None:
    f = root / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(HEADER + f"{seconds}\t0:00:01\t1\t1\t1\t1\t0\t0\t50\t{seconds / 2}\n")
    if mtime is not None:
        os.utime(f, (mtime, mtime))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    bench(tmp_path, "train/exp_a/default/seed0.tsv", 10.0, mtime=1_000)
    bench(tmp_path, "train/exp_a/default/seed1.tsv", 30.0)
    bench(tmp_path, "train/exp_b/v1/seed0.tsv", 5.0)
    bench(tmp_path, "evaluate/exp_a/default/seed0.tsv", 2.0)
    bench(tmp_path, "analysis/tsne.tsv", 7.0)
    bench(tmp_path, "reduced/train/exp_a/default/seed0.tsv", 99.0)  # another root: not counted
    return tmp_path


def test_sums_per_rule_with_a_total_row(root: Path) -> None:
    t = timings.summary(timings.collect(root)).set_index("rule")
    assert t.loc["train", "jobs"] == 3 and t.loc["train", "total_s"] == 45.0 and t.loc["train", "max_s"] == 30.0
    assert t.loc["analysis", "total_s"] == 7.0 and t.loc["evaluate", "mean_s"] == 2.0
    assert t.loc["all", "jobs"] == 5 and t.loc["all", "total_s"] == 54.0


def test_per_experiment_and_since(root: Path) -> None:
    t = timings.summary(timings.collect(root, since="1970-01-02T00:00:00"), by="experiment")
    rows = {(r.rule, r.experiment): r for r in t.itertuples()}
    assert rows[("train", "exp_a")].jobs == 1 and rows[("train", "exp_a")].total_s == 30.0  # the old file is left out
    assert rows[("analysis", "tsne")].total_s == 7.0


def test_bad_input_names_the_file(root: Path) -> None:
    (root / "train" / "exp_b" / "v1" / "seed0.tsv").write_text("not a benchmark\n")
    with pytest.raises(ValueError, match=r"exp_b/v1/seed0\.tsv: not a Snakemake benchmark file"):
        timings.collect(root)
    with pytest.raises(ValueError, match="neither a file nor an ISO date"):
        timings.collect(root, since="yesterday")
