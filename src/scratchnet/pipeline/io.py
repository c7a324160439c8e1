"""Atomic writers for the pipeline's outputs (a crash never leaves a half-written file under its final name), and
readers that verify a file against its manifest before reading it (:func:`.manifest.check`)."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_write_bytes
from .manifest import check


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(path: str | Path, obj: Any) -> None:
    atomic_write_bytes(Path(path), (json.dumps(_plain(obj), indent=2) + "\n").encode())


def read_json(path: str | Path) -> Any:
    """The JSON document in ``path``, verified against its manifest when it has one."""
    path = Path(path)
    try:
        check(path)
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not found") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


def write_npz(path: str | Path, **arrays: np.ndarray) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(Path(path), buf.getvalue())


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file (no pickled objects), verified against its manifest when it has one; every
    error names the file."""
    try:
        check(path)
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not found") from None
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not a readable .npz array file ({type(exc).__name__}: {exc})") from None


def write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(Path(path), text.encode())
