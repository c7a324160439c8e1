"""The compute floor (scratchnet.pipeline.floor): FLOP from a run's saved files, benchmark parsing, the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scratchnet.models import build_model
from scratchnet.persist import save_model
from scratchnet.pipeline import floor, timings

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
CPUINFO = """processor\t: 0
model name\t: Test CPU
cpu MHz\t\t: 2000.000
flags\t\t: fpu sse2 avx avx2 fma
processor\t: 1
model name\t: Test CPU
cpu MHz\t\t: 2000.000
flags\t\t: fpu sse2 avx avx2 fma
"""


def bench(root: Path, rel: str, s: float, cpu: float) -> None:
    f = root / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(HEADER + f"{s}\t0:00:01\t1\t1\t1\t1\t0\t0\t50\t{cpu}\n")


def write_run(results: Path, experiment: str, kind: str = "mlp_classifier") -> Path:
    """A 2-3-1 MLP trained 2 epochs on 10 samples (batch 2, 10 updates), train and val evaluated at epoch 1, val
    only at epoch 2; parts of 10, 4 and 5 samples."""
    run = results / "runs" / experiment / "default" / "seed0"
    run.mkdir(parents=True)
    model = build_model("mlp_classifier", layer_sizes=[2, 3, 1], seed=0)
    save_model(model, run / "model.json", metadata={"kind": kind})
    metrics = {"train": {"n": 10}, "val": {"n": 4}, "test": {"n": 5}}
    (run / "metrics.json").write_text(json.dumps(metrics))
    epochs = [
        {"epoch": 1, "loss": 0.7, "train_loss": 0.6, "val_loss": 0.65},
        {"epoch": 2, "loss": 0.5, "val_loss": 0.6},
    ]
    hist = {"n_epochs": 2, "n_updates": 10, "batch_size": 2, "epochs": epochs}
    (run / "history.json").write_text(json.dumps(hist))
    return run


def test_flop_of_a_tiny_mlp_matches_a_hand_count(tmp_path: Path) -> None:
    run = write_run(tmp_path, "exp")
    # forward per sample: 2*2*3 + 2*3*1 = 18; a training sample 3 * 18 = 54 (forward + backward twice the forward)
    # training: 2 epochs x 10 samples = 20 trained (10 updates x batch 2 agrees) -> 1080;
    # evaluations in training: epoch 1 train (10) + val (4), epoch 2 val (4) = 18 samples x 18 = 324 -> 1404
    # evaluation: one forward pass over 10 + 4 + 5 samples = 342
    assert floor.run_flop(run) == {"kind": "mlp_classifier", "train": 1404, "evaluate": 342}


def test_a_budget_or_early_stop_counts_what_ran() -> None:
    assert floor.trained_samples(800, 1, n_updates=30, batch_size=16) == 480  # a budget cut the epoch short
    assert floor.trained_samples(800, 3, n_updates=3, batch_size=800) == 2400  # full batch
    assert floor.trained_samples(100, 4, n_updates=0, batch_size=None) == 400


def test_scikit_learn_kinds_are_not_counted_in_flop(tmp_path: Path) -> None:
    run = write_run(tmp_path, "exp", kind="sklearn_mlp")
    assert floor.run_flop(run) == {"kind": "sklearn_mlp", "train": None, "evaluate": None}


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    run = write_run(tmp_path, "exp")
    (run / "history.json").unlink()
    with pytest.raises(ValueError, match="history.json"):
        floor.run_flop(run)


def test_benchmark_file_parsed(tmp_path: Path) -> None:
    bench(tmp_path, "train/exp/default/seed0.tsv", 1.25, 0.5)
    assert timings.read_benchmark(tmp_path / "train/exp/default/seed0.tsv") == {"s": 1.25, "cpu_time": 0.5}
    (tmp_path / "bad.tsv").write_text("x\ty\n1\t2\n")
    with pytest.raises(ValueError, match="bad.tsv: not a Snakemake benchmark"):
        timings.read_benchmark(tmp_path / "bad.tsv")


def test_theoretical_peak_from_cpuinfo() -> None:
    t = floor.theoretical_peak(CPUINFO)
    assert (t["model"], t["cores"], t["vector"], t["fma"], t["flop_per_cycle"]) == ("Test CPU", 2, "avx2", True, 32)
    assert t["peak"] == pytest.approx(2000e6 * 32)


def test_table_printed_from_a_small_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, benchmarks = tmp_path / "results", tmp_path / "benchmarks"
    write_run(results, "exp")
    write_run(results, "sk", kind="sklearn_mlp")
    bench(benchmarks, "train/exp/default/seed0.tsv", 2.0, 1.0)
    bench(benchmarks, "evaluate/exp/default/seed0.tsv", 1.0, 0.5)
    bench(benchmarks, "train/sk/default/seed0.tsv", 4.0, 3.0)
    bench(benchmarks, "analysis/tsne.tsv", 3.0, 2.0)
    # peak 1e-6 GFLOP/s = 1000 FLOP/s: engine 1746 FLOP / (2 x 1000) = 0.873 s; others (4 + 3) / 2 = 3.5 s
    assert floor.main([str(benchmarks), "--results", str(results), "--peak", "1e-6", "--wall", "8.746"]) == 0
    out = capsys.readouterr().out
    rule = {line.split()[0]: line.split() for line in out.split("Per rule")[1].split("Per experiment")[0].splitlines()
            if line.strip() and not line.split()[0] == "rule"}  # fmt: skip
    assert rule["train"][1:6] == ["2", "1.404e-06", "6", "4", "4"]  # jobs, GFLOP, s, cpu s, s at measured time
    assert rule["train"][6] == "7.02e-07"  # 1404 FLOP in 2 s
    assert rule["evaluate"][1:3] == ["1", "3.42e-07"]
    assert rule["analysis"][-1] == "-"
    assert "= 0.87 s + other jobs' measured time / 2 = 3.50 s -> 4.37 s" in out
    assert "Measured pipeline wall time: 8.7 s (2.0 x the floor)" in out


def test_a_peak_measured_beside_other_processes_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """/proc/loadavg's running count includes the reader: "3/215" is two others. A peak measured then is flagged."""
    assert floor.other_runnable("2.10 1.29 1.43 3/215 8476") == 2
    assert floor.other_runnable("0.01 0.05 0.10 1/180 8476") == 0
    results, benchmarks = tmp_path / "results", tmp_path / "benchmarks"
    write_run(results, "exp")
    bench(benchmarks, "train/exp/default/seed0.tsv", 2.0, 1.0)
    jobs = floor.job_table(benchmarks, results)
    assert "2 other process(es) were running: too low" in floor.report(jobs, 2, 1e9, None, None, busy=2)
    assert "too low" not in floor.report(jobs, 2, 1e9, None, None)
