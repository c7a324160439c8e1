"""Seed 000's EMNIST code path (prepare → split → standardise → train → evaluate) on small EMNIST-format files.

The official EMNIST Letters images can't be had on the development machines, so this test writes IDX files in the
official format: the genuine F and L test images from the offline mirror's sample file when it is present, else
synthetic strokes. It checks what the real run relies on: the letters subset and relabelling (F = 0, L = 1), the
orientation fix, and that seed 000's task-5 configuration trains and evaluates through the pipeline's steps."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import write_idx
from scratchnet.pipeline.data_steps import make_split, prepare_dataset, standardise
from scratchnet.pipeline.io import read_json, read_npz, write_json
from scratchnet.pipeline.run_steps import evaluate_run, train_run
from scratchnet.pipeline.spec import load_experiments

MIRROR = Path(os.environ.get("SCRATCHNET_DATA_MIRROR", "/work/shared/datasets"))
SAMPLES = MIRROR / "emnist-samples" / "letters-test-F-L.npz"


def _stored_images(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Images as stored in the IDX file (transposed) and their labels 1..26 (6 = F, 12 = L, plus other letters)."""
    if SAMPLES.exists():
        d = np.load(SAMPLES)
        X, y = d["images"][::4], d["labels"][::4].astype(np.uint8)  # 400 genuine F / L images
    else:
        upright = np.zeros((2, 28, 28), dtype=np.uint8)
        upright[0, 4:24, 6:9] = 255  # F: stem, top bar, middle bar
        upright[0, 4:7, 6:20] = 255
        upright[0, 12:15, 6:16] = 255
        upright[1, 4:24, 6:9] = 255  # L: stem, bottom bar
        upright[1, 21:24, 6:20] = 255
        idx = rng.integers(0, 2, 400)
        X = np.clip(upright[idx] + rng.integers(0, 40, (400, 28, 28)), 0, 255).astype(np.uint8).transpose(0, 2, 1)
        y = np.where(idx == 0, 6, 12).astype(np.uint8)
    others = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)  # letters that must be dropped (A and B)
    return np.concatenate([X, others]), np.concatenate([y, np.tile(np.array([1, 2], dtype=np.uint8), 20)])


@pytest.fixture()
def emnist_status(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    X, y = _stored_images(rng)
    files = {}
    for part, sl in (("train", slice(0, 340)), ("test", slice(340, None))):
        for kind, arr, dims in (("images", X[sl], 3), ("labels", y[sl], 1)):
            name = f"emnist-letters-{part}-{kind}-idx{dims}-ubyte.gz"
            files[name] = str(write_idx(tmp_path / "raw" / name, arr))
    status = tmp_path / "raw" / "status.json"
    write_json(status, {"source": "emnist_letters", "available": True, "files": files})
    return status


def test_seed000_emnist_steps_run_on_emnist_format_files(tmp_path: Path, emnist_status: Path, merged_config) -> None:
    cfg = merged_config()
    ds, sp = cfg["datasets"]["emnist_fl"], cfg["splits"]["emnist_fl"]
    prepare_dataset("emnist_fl", ds, emnist_status, tmp_path / "ds.npz")
    d = read_npz(tmp_path / "ds.npz")
    assert set(np.unique(d["y"])) == {0, 1}  # F -> 0, L -> 1; other letters dropped
    assert d["X"].shape[1] == 784 and len(d["y"]) == 400
    # upright after the fix: an L has more ink in its bottom rows than its top rows
    L = d["X"][d["y"] == 1].reshape(-1, 28, 28).astype(float).mean(axis=0)
    assert L[18:26].sum() > L[2:10].sum()

    make_split("emnist_fl", sp, tmp_path / "ds.npz", tmp_path / "idx.npz")
    standardise("emnist_fl", sp, tmp_path / "ds.npz", tmp_path / "idx.npz", tmp_path / "data.npz")
    data = read_npz(tmp_path / "data.npz")
    assert [len(data[f"y_{p}"]) for p in ("train", "val", "test")] == [280, 60, 60]
    assert abs(float(data["X_train"].mean())) < 1e-3  # standardised with training statistics

    exp = load_experiments(cfg)["s000_t5_deep"]
    exp = type(exp)(**{**exp.__dict__, "params": {**exp.params, "epochs": 2}})  # a short run of the same model
    run = tmp_path / "run"
    spec = exp.run_spec("h128-64_l2", 0).to_dict()
    train_run(spec, tmp_path / "data.npz", run / "model.npz", run / "history.json")
    data = tmp_path / "data.npz"
    m = evaluate_run(spec, run / "model.npz", run / "history.json", data, run / "m.json", run / "p.npz")
    assert m["meta"]["params"]["l2"] > 0 and m["meta"]["params"]["hidden"] == [128, 64]
    assert m["test"]["n"] == 60 and 0.0 <= m["test"]["acc"] <= 1.0 and "auc" in m["test"]
    if SAMPLES.exists():  # genuine F and L images are easy to tell apart even after two epochs
        assert m["test"]["acc"] > 0.8
    assert len(read_json(run / "history.json")["epochs"]) == 2
