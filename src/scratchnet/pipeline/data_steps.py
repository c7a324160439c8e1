"""Data steps: obtain raw files, prepare a dataset, split it, standardise it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..data import (
    DataError,
    Standardizer,
    download_allowed,
    fetch,
    generate,
    holdout_split,
    letters_subset,
    load_emnist_letters,
    load_mnist_like,
    locate,
    resolve_emnist_zip_cache,
    resolve_mirror,
    stratified_split,
)
from . import paths
from .io import read_json, read_npz, write_json, write_npz

log = logging.getLogger(__name__)

RAW_SOURCES = ("mnist", "fashion_mnist", "emnist_letters")


def raw_settings(data_cfg: dict[str, Any]) -> dict[str, Any]:
    """The resolved ``data`` settings: mirror (config, else ``$SCRATCHNET_DATA_MIRROR``), whether to download
    (``allow_download: auto`` = only without a mirror) and the ``emnist`` package's cache."""
    mirror = resolve_mirror(data_cfg.get("mirror"))
    return {
        "mirror": mirror,
        "allow_download": download_allowed(data_cfg.get("allow_download", "auto"), mirror),
        "emnist_zip_cache": resolve_emnist_zip_cache(data_cfg.get("emnist_zip_cache")),
    }


def raw_availability(source: str, data_cfg: dict[str, Any]) -> dict[str, Any]:
    """Whether ``source``'s raw files can be had (found locally, in the mirror or the emnist cache, or downloadable),
    decided by looking only, at DAG build: ``{"available", "plan", "reason"}`` (see :func:`~scratchnet.data.locate`)."""
    return locate(source, paths.RAW_DIR.format(source=source), **raw_settings(data_cfg))


def fetch_raw(source: str, data_cfg: dict[str, Any], status_path: str | Path) -> dict[str, Any]:
    """Obtain and checksum-verify the raw files of ``source`` into ``resources/raw/<source>/``; write a status file
    listing them. A file that cannot be obtained fails the job (DataError naming every place looked), leaving no
    status behind, so the next run tries again."""
    files = fetch(source, paths.RAW_DIR.format(source=source), **raw_settings(data_cfg))
    status = {"source": source, "available": True, "files": {k: str(v) for k, v in files.items()}}
    log.info("%s: %d files verified in %s", source, len(files), paths.RAW_DIR.format(source=source))
    write_json(status_path, status)
    return status


def require_raw(status_path: str | Path) -> dict[str, Path]:
    status = read_json(status_path)
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
    elif method == "holdout":
        train_idx = np.flatnonzero(~is_test)
        test_idx = np.flatnonzero(is_test)
        if len(test_idx) == 0:
            raise DataError(f"splits.{name}: method 'holdout' needs a dataset with an official test set")
        h = holdout_split(y[train_idx], int(spec["n_val"]), seed)
        parts = {"train": train_idx[h["train"]], "val": train_idx[h["val"]], "test": test_idx}
    else:
        raise DataError(f"splits.{name}.method: unknown method {method!r}; use 'stratified' or 'holdout'")
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
