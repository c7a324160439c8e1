"""Save and load models as ``<stem>.npz`` (weights, by parameter name) plus ``<stem>.json`` (class, constructor
arguments, classes, metadata such as hyperparameters and seed). No pickle: ``np.load(allow_pickle=False)``.

Both files are written to temporary names and moved into place, so a crash never leaves a half-written model.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .models import Model, build_model

FORMAT = "scratchnet-model/1"


def _stem(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".npz", ".json") else p


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model: Model, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` and ``<stem>.json``; returns their paths."""
    stem = _stem(path)
    npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    buf = io.BytesIO()
    np.savez(buf, **model.parameters())
    doc = {
        "format": FORMAT,
        "scratchnet_version": __version__,
        **model.get_config(),
        "classes": None if getattr(model, "classes_", None) is None else np.asarray(model.classes_).tolist(),
        "parameters": {k: list(v.shape) for k, v in model.parameters().items()},
        "metadata": metadata or {},
    }
    atomic_write_bytes(npz, buf.getvalue())
    atomic_write_bytes(meta, (json.dumps(doc, indent=2, default=_json_default) + "\n").encode())
    return npz, meta


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in model metadata")


def load_model(path: str | os.PathLike) -> Model:
    """Rebuild a model saved by :func:`save_model` (give either file or the common stem)."""
    stem = _stem(path)
    npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    for f in (npz, meta):
        if not f.exists():
            raise FileNotFoundError(f"model file {f} not found")
    try:
        doc = json.loads(meta.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{meta}: not valid JSON ({exc})") from None
    if doc.get("format") != FORMAT:
        raise ValueError(f"{meta}: format {doc.get('format')!r} is not {FORMAT!r}")
    model = build_model(doc["class"], **doc["kwargs"])
    if doc.get("classes") is not None:
        model.classes_ = np.asarray(doc["classes"])
    params = model.parameters()
    with np.load(npz, allow_pickle=False) as data:
        missing, extra = set(params) - set(data.files), set(data.files) - set(params)
        if missing or extra:
            raise ValueError(
                f"{npz}: parameters do not match the model (missing {sorted(missing)}, extra {sorted(extra)})"
            )
        for k, arr in params.items():
            if data[k].shape != arr.shape:
                raise ValueError(f"{npz}: parameter {k!r} has shape {data[k].shape}, model needs {arr.shape}")
            arr[...] = data[k]  # in place: layers, Sequential and optimisers keep references to these arrays
    model.metadata = doc.get("metadata", {})
    return model
