"""Save and load models as ``<stem>.npz`` (weights, by parameter name) plus ``<stem>.json`` (class, constructor
arguments, classes, metadata such as hyperparameters and seed). No pickle: ``np.load(allow_pickle=False)``.

The JSON records two SHA-256 digests (format ``scratchnet-model/2``):

- ``weights_sha256``: of the arrays (see :func:`weights_digest`), so a ``.npz`` swapped for another is refused;
- ``content_sha256``: of the JSON document itself (every key but this one, canonical form), so a hand-edited JSON
  is refused.

Loading checks both, the parameter names, shapes and dtypes against the rebuilt model, and that every weight is
finite; each error names the file(s) at fault. Both files are written to temporary names and moved into place, so a
crash never leaves a half-written model.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .atomic import atomic_write_bytes
from .models import Model, build_model

__all__ = ["FORMAT", "atomic_write_bytes", "content_digest", "load_model", "save_model", "weights_digest"]

FORMAT = "scratchnet-model/2"
_OLD_FORMATS = ("scratchnet-model/1",)
_ZIP_MAGIC = b"PK\x03\x04"


def _stem(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.with_suffix("") if p.suffix in (".npz", ".json") else p


def weights_digest(arrays: Mapping[str, np.ndarray]) -> str:
    """SHA-256 (hex) of named arrays: for each name in sorted order, the name, dtype (``dtype.str``, with byte
    order), shape and C-order bytes, each field length-prefixed so no two different sets of arrays collide."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        arr = np.ascontiguousarray(arrays[name])
        for field in (name.encode(), arr.dtype.str.encode(), repr(tuple(arr.shape)).encode()):
            h.update(len(field).to_bytes(8, "little"))
            h.update(field)
        h.update(arr.nbytes.to_bytes(8, "little"))
        h.update(arr.reshape(-1).view(np.uint8))
    return h.hexdigest()


def content_digest(doc: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a model's JSON document without its ``content_sha256`` key, in canonical form
    (sorted keys, no whitespace), as parsed back from JSON."""
    body = {k: v for k, v in doc.items() if k != "content_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _non_finite(arr: np.ndarray) -> int:
    return int(arr.size - np.count_nonzero(np.isfinite(arr))) if arr.dtype.kind in "fc" else 0


def save_model(model: Model, path: str | os.PathLike, metadata: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write ``<stem>.npz`` and ``<stem>.json`` (``path`` is either file or the stem); returns their paths.

    Raises
    ------
    ValueError
        If a weight is NaN or infinite (naming the parameter and the file it was going to), or the metadata holds
        something JSON cannot store.
    """
    stem = _stem(path)
    npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    params = model.parameters()
    for k, v in params.items():
        if n := _non_finite(v):
            raise ValueError(
                f"cannot save model to {npz}: parameter {k!r} holds non-finite weights (NaN or inf): {n} of {v.size}"
            )
    buf = io.BytesIO()
    np.savez(buf, **params)
    doc = {
        "format": FORMAT,
        "scratchnet_version": __version__,
        **model.get_config(),
        "classes": None if getattr(model, "classes_", None) is None else np.asarray(model.classes_).tolist(),
        "parameters": {k: list(v.shape) for k, v in params.items()},
        "metadata": metadata or {},
        "weights_sha256": weights_digest(params),
    }
    doc = json.loads(json.dumps(doc, default=_json_default))  # the form load_model will see (tuples -> lists, ...)
    doc["content_sha256"] = content_digest(doc)
    atomic_write_bytes(npz, buf.getvalue())
    atomic_write_bytes(meta, (json.dumps(doc, indent=2) + "\n").encode())
    return npz, meta


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot store {type(obj).__name__} in model metadata")


def _read_doc(meta: Path, npz: Path) -> dict[str, Any]:
    """The checked JSON document of a model (format, keys, content digest)."""
    try:
        doc = json.loads(meta.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{meta}: not a scratchnet model metadata file (not valid JSON: {exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{meta}: not a scratchnet model metadata file (a JSON {type(doc).__name__}, not an object)")
    fmt = doc.get("format")
    if fmt in _OLD_FORMATS:
        raise ValueError(
            f"{meta}: model format {fmt!r} is no longer read (this scratchnet reads {FORMAT!r}, which records "
            f"SHA-256 digests of the weights and metadata); train the model again to rewrite {meta.name} and {npz.name}"
        )
    if fmt != FORMAT:
        raise ValueError(f"{meta}: not a scratchnet model metadata file (format {fmt!r}, expected {FORMAT!r})")
    missing = [k for k in ("class", "kwargs", "weights_sha256", "content_sha256") if k not in doc]
    if missing:
        raise ValueError(f"{meta}: not a scratchnet model metadata file (missing keys {missing})")
    if content_digest(doc) != doc["content_sha256"]:
        raise ValueError(
            f"{meta}: edited after it was saved (its content no longer matches the SHA-256 recorded in it), so it may "
            f"not describe the weights in {npz}; train or save the model again instead of editing its files"
        )
    return doc


def _read_weights(npz: Path) -> dict[str, np.ndarray]:
    """All arrays of a ``.npz`` weights file, without pickle; ValueError naming the file if it is not one."""
    with open(npz, "rb") as fh:
        head = fh.read(4)
    if head != _ZIP_MAGIC:
        raise ValueError(
            f"{npz}: not a scratchnet model weights file (an .npz is a zip archive starting with {_ZIP_MAGIC!r}; "
            f"this file starts with {head!r})"
        )
    try:
        with np.load(npz, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"{npz}: not a scratchnet model weights file ({type(exc).__name__}: {exc})") from None


def load_model(path: str | os.PathLike) -> Model:
    """Rebuild a model saved by :func:`save_model` (give either file or the common stem).

    Raises
    ------
    FileNotFoundError
        If either file is missing (naming it).
    ValueError
        Naming the file(s) at fault: not a model JSON or ``.npz`` (invalid JSON, random bytes, corrupt zip), an old
        format, a JSON edited after saving, parameter names/shapes/dtypes that do not fit the model, non-finite
        weights (naming the parameter), or weights whose SHA-256 differs from the one the JSON records (the two
        files do not belong together).
    """
    stem = _stem(path)
    npz, meta = stem.with_suffix(".npz"), stem.with_suffix(".json")
    for f in (meta, npz):
        if not f.is_file():
            raise FileNotFoundError(f"{f}: model file not found (a model is {meta.name} + {npz.name})")
    doc = _read_doc(meta, npz)
    try:
        model = build_model(doc["class"], **doc["kwargs"])
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{meta}: cannot rebuild the model: {exc}") from None
    if doc.get("classes") is not None:
        model.classes_ = np.asarray(doc["classes"])
    params = model.parameters()
    data = _read_weights(npz)
    missing, extra = set(params) - set(data), set(data) - set(params)
    if missing or extra:
        raise ValueError(
            f"{npz}: parameters do not match the model described in {meta} "
            f"(missing {sorted(missing)}, extra {sorted(extra)})"
        )
    for k, arr in params.items():
        if data[k].shape != arr.shape or data[k].dtype != arr.dtype:
            raise ValueError(
                f"{npz}: parameter {k!r} is {data[k].dtype} {data[k].shape}, "
                f"the model described in {meta} needs {arr.dtype} {arr.shape}"
            )
        if n := _non_finite(data[k]):
            raise ValueError(f"{npz}: parameter {k!r} holds non-finite weights (NaN or inf): {n} of {data[k].size}")
    digest = weights_digest(data)
    if digest != doc["weights_sha256"]:
        raise ValueError(
            f"{npz} and {meta} do not belong together: the weights' SHA-256 is {digest[:16]}..., the metadata "
            f"records {str(doc['weights_sha256'])[:16]}... (was one of the two files replaced?)"
        )
    for k, arr in params.items():
        arr[...] = data[k]  # in place: layers, Sequential and optimisers keep references to these arrays
    model.metadata = doc.get("metadata", {})
    return model
