"""EMNIST Letters read through the ``emnist`` PyPI package (the seed's starter code), on a checksum-verified zip.

The package (``pip install -e ".[emnist]"``) reads NIST's ``gzip.zip`` from its cache, ``~/.cache/emnist/emnist.zip``,
and downloads it there, without a checksum, when the cache is absent. Here the package's cache path is pointed, for the
duration of the call, at a ``gzip.zip`` that we have verified first (the md5 of
:data:`~scratchnet.data.sources.EMNIST_ZIP`): so it never downloads by itself and offline mirrors keep working.
:func:`locate_emnist_zip` finds such a zip where :func:`~scratchnet.data.sources.fetch` looks for one (the mirror, a
downloaded copy, the package's own cache).

The package's own IDX parser fails on NumPy 2.4 (``int()`` of a one-element array is a ``TypeError``); it is replaced,
for the call, by :func:`parse_idx_bytes`, which also checks the header against the data length. Everything else (zip
member names, decompression, the transposition that turns the letters upright, the image/label count check) is the
package's.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

from .errors import DataError
from .idx import IDX_DTYPES
from .sources import DEFAULT_EMNIST_ZIP_CACHE, EMNIST_ZIP, MIRROR_ENV, verify

__all__ = ["load_emnist_letters_via_package", "locate_emnist_zip", "parse_idx_bytes"]


def _import_emnist() -> ModuleType:
    try:
        return importlib.import_module("emnist")
    except ImportError as exc:
        raise DataError('the emnist package is not installed: pip install -e ".[emnist]"') from exc


def parse_idx_bytes(data: bytes, where: str = "IDX data") -> np.ndarray:
    """Parse an uncompressed IDX file held in memory.

    Parameters
    ----------
    data : bytes
        Magic (two zero bytes, a type code, the number of dimensions), one big-endian uint32 per dimension, the data.
    where : str
        Named in error messages (e.g. the zip member).

    Returns
    -------
    ndarray, shape from the header
        In native byte order.

    Raises
    ------
    DataError
        Bad magic, unknown type code, zero dimensions, or a data length that does not match the header.
    """
    data = bytes(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{where}: not an IDX file (magic {data[:4].hex()})")
    dtype = IDX_DTYPES.get(data[2])
    if dtype is None:
        raise DataError(f"{where}: unknown IDX type code {data[2]:#04x}")
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{where}: IDX header with {ndim} dimensions is truncated or empty")
    shape = tuple(int(v) for v in np.frombuffer(data[4:header], dtype=">u4"))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataError(f"{where}: header says shape {shape} ({expected} bytes), found {len(data) - header} bytes")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


@contextlib.contextmanager
def _package_reading(emnist: ModuleType, zip_path: Path) -> Iterator[None]:
    """Point the package's cache at ``zip_path`` and give it our IDX parser; restore both afterwards."""
    saved = emnist.CACHE_FILE_PATH, emnist.parse_idx
    emnist.CACHE_FILE_PATH = str(zip_path)
    emnist.parse_idx = lambda data: parse_idx_bytes(data, where=f"a letters member of {zip_path}")
    try:
        yield
    finally:
        emnist.CACHE_FILE_PATH, emnist.parse_idx = saved


def load_emnist_letters_via_package(
    zip_path: str | os.PathLike, *, known_hash: str = EMNIST_ZIP.known_hash
) -> dict[str, np.ndarray]:
    """Load EMNIST Letters with ``emnist.extract_training_samples('letters')`` / ``extract_test_samples('letters')``.

    Parameters
    ----------
    zip_path : path
        NIST's ``gzip.zip`` (or the package's ``emnist.zip``, the same file). Verified against ``known_hash`` before
        the package reads it.
    known_hash : str
        pooch-style hash of the archive; the official md5 by default.

    Returns
    -------
    dict
        As :func:`~scratchnet.data.loaders.load_emnist_letters`: ``X_train`` uint8 (124800, 28, 28), ``y_train``
        int64 (124800,), ``X_test`` uint8 (20800, 28, 28), ``y_test`` int64 (20800,); images upright, labels 1..26.

    Raises
    ------
    DataError
        The package is missing, the zip is absent or fails its checksum, a member is missing or malformed, or a label
        lies outside 1..26 (the archive and the values are named).
    """
    emnist = _import_emnist()
    zip_path = Path(zip_path).expanduser()
    if not zip_path.is_file():
        raise DataError(f"EMNIST archive {zip_path} not found")
    verify(zip_path, known_hash)
    out: dict[str, np.ndarray] = {}
    with _package_reading(emnist, zip_path):
        for part, extract in (("train", emnist.extract_training_samples), ("test", emnist.extract_test_samples)):
            try:
                X, y = extract("letters")
            except KeyError as exc:  # zipfile: no such member
                raise DataError(f"{zip_path}: {exc.args[0]}") from exc
            except (OSError, RuntimeError, EOFError, zipfile.BadZipFile) as exc:
                raise DataError(f"{zip_path}: the emnist package could not read letters {part}: {exc}") from exc
            if X.dtype != np.uint8 or X.ndim != 3:
                raise DataError(f"{zip_path}: letters {part} images must be uint8 (N, H, W), got {X.dtype} {X.shape}")
            bad = np.unique(y[(y < 1) | (y > 26)])
            if bad.size:
                raise DataError(f"{zip_path}: letters {part} labels must be 1..26, found {bad[:10].tolist()}")
            out[f"X_{part}"] = np.ascontiguousarray(X)
            out[f"y_{part}"] = np.asarray(y, dtype=np.int64)
    return out


def locate_emnist_zip(
    dest: str | os.PathLike | None = None,
    *,
    mirror: str | os.PathLike | None = None,
    emnist_zip_cache: str | os.PathLike | None = None,
    known_hash: str = EMNIST_ZIP.known_hash,
) -> Path:
    """The first verified copy of NIST's ``gzip.zip`` among the places :func:`~scratchnet.data.sources.fetch` uses.

    Looks in ``<mirror>/emnist/gzip.zip``, ``<mirror>/gzip.zip`` (``mirror`` or ``$SCRATCHNET_DATA_MIRROR``),
    ``<dest>/gzip.zip`` (where ``fetch`` downloads it) and the ``emnist`` package's cache. Never downloads.

    Raises
    ------
    DataError
        Listing every place looked and why each was not used.
    """
    if mirror is None and os.environ.get(MIRROR_ENV, "").strip():
        mirror = os.environ[MIRROR_ENV].strip()
    candidates = []
    if mirror is not None:
        m = Path(mirror).expanduser()
        candidates += [m / EMNIST_ZIP.subdir / EMNIST_ZIP.name, m / EMNIST_ZIP.name]
    if dest is not None:
        candidates.append(Path(dest) / EMNIST_ZIP.name)
    candidates.append(Path(emnist_zip_cache or DEFAULT_EMNIST_ZIP_CACHE).expanduser())
    looked = []
    for cand in candidates:
        if not cand.is_file():
            looked.append(f"{cand} (absent)")
            continue
        try:
            verify(cand, known_hash)
        except DataError as exc:
            looked.append(f"{cand} (unusable: {exc})")
            continue
        return cand
    raise DataError(f"no verified EMNIST archive {EMNIST_ZIP.name}; looked in: " + "; ".join(looked))
