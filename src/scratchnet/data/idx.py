"""Read and write IDX files (the MNIST format), plain or gzip-compressed.

Layout (all integers big-endian): two zero bytes, a one-byte type code, a one-byte number of dimensions
``ndim``, then ``ndim`` unsigned 32-bit sizes, then the items in C order. Type codes::

    0x08 uint8   0x09 int8   0x0B int16   0x0C int32   0x0D float32   0x0E float64

A ``.gz`` suffix means gzip; anything else is read as plain bytes.
"""

from __future__ import annotations

import gzip
import math
import os
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..atomic import atomic_open
from .errors import DataError

__all__ = ["IDX_DTYPES", "read_idx", "write_idx"]

#: IDX type code -> big-endian NumPy dtype.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_BY_KIND: dict[tuple[str, int], int] = {(dt.kind, dt.itemsize): code for code, dt in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


def _is_gzip_name(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


@contextmanager
def _open_for_read(path: Path) -> Iterator[BinaryIO]:
    try:
        fh: BinaryIO = gzip.open(path, "rb") if _is_gzip_name(path) else open(path, "rb")
    except FileNotFoundError as exc:
        raise DataError(f"IDX file {path} does not exist") from exc
    except OSError as exc:
        raise DataError(f"cannot open IDX file {path}: {exc}") from exc
    with fh:
        yield fh


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = fh.read(n - len(out))
        if not chunk:
            break
        out += chunk
    return bytes(out)


def _readinto_full(fh: BinaryIO, buf: memoryview) -> int:
    """Fill ``buf`` from ``fh``; return the number of bytes read (less than ``len(buf)`` only at EOF)."""
    got = 0
    while got < len(buf):
        n = fh.readinto(buf[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _count_rest(fh: BinaryIO) -> int:
    extra = 0
    while chunk := fh.read(_CHUNK):
        extra += len(chunk)
    return extra


def _read_at_most(fh: BinaryIO, limit: int) -> bytearray:
    """Up to ``limit`` bytes of ``fh``, in a buffer that grows only as bytes arrive (nothing is allocated up front)."""
    out = bytearray()
    while len(out) < limit and (chunk := fh.read(min(_CHUNK, limit - len(out)))):
        out += chunk
    return out


def _truncated(path: Path, dims: tuple[int, ...], dtype: np.dtype, expected: int, actual: int, what: str) -> DataError:
    return DataError(
        f"IDX file {path}: truncated payload: the header declares dims {dims} of {dtype.name}, i.e. {expected} bytes "
        f"after the header, but {what} holds {actual}"
    )


def read_idx(path: str | os.PathLike, *, ndim: int | None = None) -> np.ndarray:
    """Read an IDX file (plain, or gzip if the name ends in ``.gz``).

    Parameters
    ----------
    path : path-like
        The file.
    ndim : int, optional
        If given, the number of dimensions the header must declare (3 for images, 1 for labels).

    Returns
    -------
    ndarray, shape given by the header, e.g. (N, 28, 28) for images or (N,) for labels
        Native-endian, writable, C-contiguous; dtype from the type code (uint8 for MNIST).

    Raises
    ------
    DataError
        Naming the file when the gzip stream is corrupt, the magic number or dims header is malformed, or the
        payload is not exactly ``prod(dims) * itemsize`` bytes (truncated or trailing bytes: expected vs
        actual byte counts are given). The declared size is checked against the file before the array is
        allocated (for gzip: by reading at most declared + 1 bytes), so a header announcing a huge array is a
        DataError, not a MemoryError.
    """
    path = Path(path)
    try:
        with _open_for_read(path) as fh:
            magic = _read_exact(fh, 4)
            if len(magic) < 4:
                raise DataError(f"IDX file {path}: only {len(magic)} bytes, too short for the 4-byte magic number")
            if magic[:2] != b"\x00\x00":
                hint = ""
                if magic[:2] == _GZIP_MAGIC and not _is_gzip_name(path):
                    hint = " (the file looks gzip-compressed but its name does not end in .gz)"
                raise DataError(
                    f"IDX file {path}: bad magic number 0x{magic.hex()}: the first two bytes must be zero{hint}"
                )
            code, nd = magic[2], magic[3]
            if code not in IDX_DTYPES:
                known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
                raise DataError(f"IDX file {path}: unknown type code 0x{code:02X} (known: {known})")
            if nd == 0:
                raise DataError(f"IDX file {path}: header declares 0 dimensions")
            if ndim is not None and nd != ndim:
                raise DataError(f"IDX file {path}: header declares {nd} dimensions, expected {ndim}")
            header = _read_exact(fh, 4 * nd)
            if len(header) < 4 * nd:
                raise DataError(
                    f"IDX file {path}: dims header truncated: {nd} dimensions need {4 * nd} bytes, got {len(header)}"
                )
            dims = tuple(int(d) for d in np.frombuffer(header, dtype=">u4"))
            dtype = IDX_DTYPES[code]
            expected = math.prod(dims) * dtype.itemsize
            native = dtype.newbyteorder("=")
            if isinstance(fh, gzip.GzipFile):
                # the decompressed length is unknown: read at most declared + 1 bytes, so a header announcing a
                # huge array costs only what the stream really holds
                payload = _read_at_most(fh, expected + 1)
                if len(payload) < expected:
                    raise _truncated(path, dims, dtype, expected, len(payload), "the decompressed stream")
                extra = len(payload) - expected
                if extra:
                    extra += _count_rest(fh)
                else:
                    out = np.frombuffer(payload, dtype=native).reshape(dims)  # writable: a bytearray's buffer
            else:
                # compare with the file size BEFORE allocating: no MemoryError for a lying header
                header_len = 4 + 4 * nd
                actual = os.fstat(fh.fileno()).st_size - header_len
                if actual < expected:
                    raise _truncated(path, dims, dtype, expected, actual, "the file")
                out = np.empty(dims, dtype=native)
                got = _readinto_full(fh, memoryview(out.reshape(-1).view(np.uint8)))
                if got < expected:  # the file shrank while we read it
                    raise _truncated(path, dims, dtype, expected, got, "the file")
                extra = _count_rest(fh)
            if extra:
                raise DataError(
                    f"IDX file {path}: trailing bytes: dims {dims} of {dtype.name} need {expected} bytes "
                    f"after the header, got {expected + extra} ({extra} extra)"
                )
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DataError(f"IDX file {path}: corrupt or truncated gzip stream: {exc}") from exc
    except OSError as exc:
        raise DataError(f"IDX file {path}: read error: {exc}") from exc
    if dtype.itemsize > 1 and sys.byteorder == "little":
        out.byteswap(inplace=True)  # bytes were big-endian on disk; now values are native
    return out


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzip if ``path`` ends in ``.gz``), atomically.

    Parameters
    ----------
    path : path-like
        Destination; written through a temporary file in the same folder and moved into place (mode
        ``0o666 & ~umask``, as a plain ``open`` would give).
    array : ndarray, any shape with 1-255 dimensions
        dtype uint8, int8, int16, int32, float32 or float64.

    Returns
    -------
    Path
        ``path``. The gzip header carries mtime 0, so equal arrays give byte-identical files.
    """
    path = Path(path)
    arr = np.asarray(array)
    code = _CODE_BY_KIND.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None or arr.dtype.kind not in "uif" or (arr.dtype.kind == "u" and arr.dtype.itemsize != 1):
        raise DataError(f"cannot write {path}: dtype {arr.dtype} has no IDX type code")
    if not 1 <= arr.ndim <= 255:
        raise DataError(f"cannot write {path}: IDX needs 1 to 255 dimensions, got {arr.ndim}")
    if any(d >= 2**32 for d in arr.shape):
        raise DataError(f"cannot write {path}: shape {arr.shape} does not fit 32-bit IDX sizes")
    payload = np.ascontiguousarray(arr, dtype=IDX_DTYPES[code])
    blob = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes() + payload.tobytes()
    with atomic_open(path, suffix=".part") as raw:
        if _is_gzip_name(path):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write(blob)
        else:
            raw.write(blob)
    return path
