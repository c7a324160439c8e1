"""Turn the raw files returned by :func:`~scratchnet.data.sources.fetch` into arrays.

All loaders return ``{"X_train": uint8 (N_train, 28, 28), "y_train": int64 (N_train,), "X_test": ...,
"y_test": ...}``; pixel values stay 0..255 (scaling belongs to
:class:`~scratchnet.data.split.Standardizer`).
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .errors import DataError
from .idx import read_idx

__all__ = ["fix_emnist_orientation", "letters_subset", "load_emnist_letters", "load_mnist_like"]

# "<prefix->(train|t10k|test)-(images|labels)-idx<k>-ubyte[.gz]"
_NAME_RE = re.compile(r"(?:^|-)(?P<split>train|t10k|test)-(?P<kind>images|labels)-idx\d-ubyte(?:\.gz)?$")
_SPLITS = {"train": "train", "t10k": "test", "test": "test"}


def _classify(files: Mapping[str, str | os.PathLike]) -> dict[tuple[str, str], Path]:
    """Map (split, kind) -> path from official file names; DataError if a role is missing or doubled."""
    roles: dict[tuple[str, str], Path] = {}
    for name, path in files.items():
        m = _NAME_RE.search(Path(name).name)
        if m is None:
            continue
        role = (_SPLITS[m["split"]], m["kind"])
        if role in roles:
            raise DataError(f"two files for {role[0]} {role[1]}: {roles[role]} and {path}")
        roles[role] = Path(path)
    wanted = [(s, k) for s in ("train", "test") for k in ("images", "labels")]
    absent = [f"{s} {k}" for s, k in wanted if (s, k) not in roles]
    if absent:
        raise DataError(
            f"raw file set lacks {', '.join(absent)}: got {sorted(files)} "
            "(expected names like train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)"
        )
    return roles


def _load_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    X = read_idx(images_path, ndim=3)
    y = read_idx(labels_path, ndim=1)
    if X.dtype != np.uint8:
        raise DataError(f"{images_path}: images must be uint8, got {X.dtype}")
    if X.shape[0] != y.shape[0]:
        raise DataError(
            f"image/label count mismatch: {images_path} has {X.shape[0]} images, {labels_path} has {y.shape[0]} labels"
        )
    return X, y.astype(np.int64)


def _load(files: Mapping[str, str | os.PathLike]) -> tuple[dict[str, np.ndarray], dict[str, Path]]:
    roles = _classify(files)
    out: dict[str, np.ndarray] = {}
    label_files: dict[str, Path] = {}
    for split in ("train", "test"):
        X, y = _load_pair(roles[(split, "images")], roles[(split, "labels")])
        out[f"X_{split}"], out[f"y_{split}"] = X, y
        label_files[split] = roles[(split, "labels")]
    return out, label_files


def load_mnist_like(files: Mapping[str, str | os.PathLike]) -> dict[str, np.ndarray]:
    """Load MNIST or Fashion-MNIST from its four IDX files.

    Parameters
    ----------
    files : mapping of str to path
        ``{official file name: path}`` as returned by :func:`~scratchnet.data.sources.fetch`.

    Returns
    -------
    dict
        ``X_train`` uint8 (60000, 28, 28), ``y_train`` int64 (60000,), ``X_test`` uint8 (10000, 28, 28),
        ``y_test`` int64 (10000,).

    Raises
    ------
    DataError
        A file is missing from ``files`` or malformed, or image and label counts differ (both files named).
    """
    out, _ = _load(files)
    return out


def fix_emnist_orientation(X: np.ndarray) -> np.ndarray:
    """Transpose EMNIST images so they display upright.

    EMNIST stores each image transposed relative to MNIST (rows and columns swapped), so ``X[i, r, c]`` of the
    file is pixel (c, r) of the upright letter.

    Parameters
    ----------
    X : ndarray, shape (N, H, W) or (H, W)

    Returns
    -------
    ndarray, shape (N, W, H) or (W, H)
        C-contiguous copy with the last two axes swapped.
    """
    X = np.asarray(X)
    if X.ndim not in (2, 3):
        raise DataError(f"fix_emnist_orientation expects images of shape (N, H, W) or (H, W), got {X.shape}")
    return np.ascontiguousarray(np.swapaxes(X, -1, -2))


def load_emnist_letters(files: Mapping[str, str | os.PathLike]) -> dict[str, np.ndarray]:
    """Load EMNIST Letters from its four IDX files, with images turned upright.

    Parameters
    ----------
    files : mapping of str to path
        ``{official file name: path}`` as returned by ``fetch("emnist_letters", ...)``.

    Returns
    -------
    dict
        ``X_train`` uint8 (124800, 28, 28), ``y_train`` int64 (124800,), ``X_test`` uint8 (20800, 28, 28),
        ``y_test`` int64 (20800,). Images are upright (:func:`fix_emnist_orientation` applied); labels are
        1..26 with 1 = A (upper and lower case share a label).

    Raises
    ------
    DataError
        As :func:`load_mnist_like`, or a label outside 1..26 (the file and the bad values are named).
    """
    out, label_files = _load(files)
    for split in ("train", "test"):
        y = out[f"y_{split}"]
        bad = np.unique(y[(y < 1) | (y > 26)])
        if bad.size:
            raise DataError(f"{label_files[split]}: EMNIST Letters labels must be 1..26, found {bad[:10].tolist()}")
        out[f"X_{split}"] = fix_emnist_orientation(out[f"X_{split}"])
    return out


def letters_subset(X: np.ndarray, y: np.ndarray, letters: Sequence[str] = ("F", "L")) -> tuple[np.ndarray, np.ndarray]:
    """Keep only some letters and relabel them 0, 1, ... in the given order.

    Parameters
    ----------
    X : ndarray, shape (N, ...)
        Images (any trailing shape).
    y : ndarray, shape (N,)
        EMNIST Letters labels, 1..26 (position in the alphabet: F = 6, L = 12).
    letters : sequence of str
        Distinct single letters A-Z (case-insensitive); ``letters[k]`` becomes label ``k``.

    Returns
    -------
    X_sub : ndarray, shape (M, ...)
        The kept rows, in their original order (a copy).
    y_sub : ndarray of int64, shape (M,)
        New labels in ``0 .. len(letters) - 1``.
    """
    y = np.asarray(y)
    X = np.asarray(X)
    if y.ndim != 1 or X.shape[:1] != y.shape:
        raise DataError(f"letters_subset needs X of shape (N, ...) and y of shape (N,), got {X.shape} and {y.shape}")
    if isinstance(letters, str):
        letters = tuple(letters)
    codes = []
    for letter in letters:
        if not (isinstance(letter, str) and len(letter) == 1 and letter.upper() in string.ascii_uppercase):
            raise DataError(f"letters_subset: {letter!r} is not a single letter A-Z")
        codes.append(string.ascii_uppercase.index(letter.upper()) + 1)
    if len(set(codes)) != len(codes):
        raise DataError(f"letters_subset: letters {tuple(letters)!r} repeat a letter")
    if not codes:
        raise DataError("letters_subset: no letters given")
    codes_arr = np.asarray(codes)
    keep = np.isin(y, codes_arr)
    y_kept = y[keep]
    y_new = np.searchsorted(np.sort(codes_arr), y_kept)
    order = np.argsort(codes_arr)  # sorted position -> given position
    return X[keep], order[y_new].astype(np.int64)
