"""Data steps: obtain raw files, prepare a dataset, split it, standardise it."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..data import (
    DataError,
    Standardizer,
    fetch,
    generate,
    holdout_split,
    letters_subset,
    load_emnist_letters,
    load_mnist_like,
    random_split,
    stratified_split,
)
from .io import read_json, read_npz, write_json, write_npz

log = logging.getLogger(__name__)

RAW_SOURCES = ("mnist", "fashion_mnist", "emnist_letters")


def mirror_from(data_cfg: dict[str, Any]) -> Path | None:
    """The offline mirror: ``data.mirror`` in config, else ``$SCRATCHNET_DATA_MIRROR``, else none."""
    m = data_cfg.get("mirror") or os.environ.get("SCRATCHNET_DATA_MIRROR")
    return Path(m).expanduser() if m else None


def fetch_raw(source: str, data_cfg: dict[str, Any], status_path: str | Path) -> dict[str, Any]:
    """Obtain and verify the raw files of ``source``; write a status file saying whether they are available.

    A missing source is not an error here (the rest of the pipeline must still run): the status records the
    reason and the error is logged; steps that need the files fail with that reason (:func:`require_raw`).
    """
    status_path = Path(status_path)
    dest = status_path.parent
    cache = data_cfg.get("emnist_zip_cache")
    try:
        files = fetch(
            source,
            dest,
            mirror=mirror_from(data_cfg),
            allow_download=bool(data_cfg.get("allow_download", True)),
            emnist_zip_cache=Path(cache).expanduser() if cache else None,
        )
        status = {"source": source, "available": True, "files": {k: str(v) for k, v in files.items()}}
        log.info("%s: %d files verified in %s", source, len(files), dest)
    except DataError as exc:
        status = {"source": source, "available": False, "reason": str(exc)}
        log.error("%s is NOT available, experiments that need it will not run: %s", source, exc)
    write_json(status_path, status)
    return status


def require_raw(status_path: str | Path) -> dict[str, Path]:
    status = read_json(status_path)
    if not status.get("available"):
        raise DataError(f"raw data {status.get('source')!r} is not available: {status.get('reason')}")
    return {k: Path(v) for k, v in status["files"].items()}


def _subset(X: np.ndarray, y: np.ndarray, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    return (X, y) if n is None else (X[:n], y[:n])


def prepare_dataset(name: str, spec: dict[str, Any], status_path: str | Path | None, out: str | Path) -> None:
    """Build ``out`` (.npz) with ``X`` (N, D) (flattened images keep uint8), ``y`` (N,) and ``is_test`` (N,):
    membership of the source's official test set (all False for synthetic data)."""
    source = spec["source"]
    if source == "synthetic":
        X, y = generate(spec["generator"], dict(spec.get("params", {})), int(spec["seed"]))
        write_npz(out, X=X, y=y, is_test=np.zeros(len(y), dtype=bool))
        return
    if source not in RAW_SOURCES:
        raise DataError(
            f"datasets.{name}.source: unknown source {source!r}; known: synthetic, {', '.join(RAW_SOURCES)}"
        )
    files = require_raw(status_path)
    arrays = load_emnist_letters(files) if source == "emnist_letters" else load_mnist_like(files)
    subset = spec.get("subset") or {}
    parts = []
    for part in ("train", "test"):
        X, y = _subset(arrays[f"X_{part}"], arrays[f"y_{part}"], subset.get(part))
        if source == "emnist_letters" and spec.get("letters"):
            X, y = letters_subset(X, y, tuple(spec["letters"]))
        parts.append((X.reshape(len(X), -1), y, np.full(len(y), part == "test")))
    X, y, is_test = (np.concatenate(a) for a in zip(*parts, strict=True))
    log.info("%s: %d samples (%d official test), %d features", name, len(y), int(is_test.sum()), X.shape[1])
    write_npz(out, X=X, y=y.astype(np.int64), is_test=is_test)


def make_split(name: str, spec: dict[str, Any], dataset_npz: str | Path, out: str | Path) -> None:
    """Write index arrays ``train``, ``val``, ``test`` into ``out`` (.npz)."""
    d = read_npz(dataset_npz)
    y, is_test = d["y"], d["is_test"]
    method = spec.get("method", "stratified")
    seed = int(spec["seed"])
    if method == "stratified":
        parts = stratified_split(y, dict(spec["fractions"]), seed)
    elif method == "random":  # no stratification: regression targets
        parts = random_split(len(y), dict(spec["fractions"]), seed)
    elif method == "holdout":
        train_idx = np.flatnonzero(~is_test)
        test_idx = np.flatnonzero(is_test)
        if len(test_idx) == 0:
            raise DataError(f"splits.{name}: method 'holdout' needs a dataset with an official test set")
        h = holdout_split(y[train_idx], int(spec["n_val"]), seed)
        parts = {"train": train_idx[h["train"]], "val": train_idx[h["val"]], "test": test_idx}
    else:
        raise DataError(f"splits.{name}.method: unknown method {method!r}; use 'stratified', 'random' or 'holdout'")
    for required in ("train", "test"):
        if required not in parts:
            raise DataError(f"splits.{name}: no {required!r} part (got {sorted(parts)})")
    parts.setdefault("val", np.zeros(0, dtype=np.int64))
    log.info("%s: %s", name, ", ".join(f"{k} {len(v)}" for k, v in parts.items()))
    write_npz(out, **{k: np.asarray(v, dtype=np.int64) for k, v in parts.items()})


def standardise(name: str, spec: dict[str, Any], dataset_npz: str | Path, split_npz: str | Path, out: str | Path):
    """Scale and standardise with statistics of the TRAINING part only; write X_/y_ per part plus the statistics."""
    d = read_npz(dataset_npz)
    idx = read_npz(split_npz)
    mode = spec.get("standardise", "feature")
    scale = spec.get("scale")
    arrays: dict[str, np.ndarray] = {}
    if mode in (None, "none", False):
        for part, ix in idx.items():
            X = d["X"][ix].astype(np.float32)
            arrays[f"X_{part}"] = X * np.float32(scale) if scale else X
            arrays[f"y_{part}"] = d["y"][ix]
        write_npz(out, **arrays)
        return
    st = Standardizer(mode=mode, scale=scale or 1.0, min_std=float(spec.get("min_std", 0.0))).fit(d["X"][idx["train"]])
    for part, ix in idx.items():
        arrays[f"X_{part}"] = st.transform(d["X"][ix], dtype=np.float32)
        arrays[f"y_{part}"] = d["y"][ix]
    stats = {f"stat_{k}": np.asarray(v) for k, v in st.to_dict().items() if v is not None}
    write_npz(out, **arrays, **stats)


def load_split_data(path: str | Path) -> dict[str, np.ndarray]:
    return read_npz(path)
