"""Atomic file writes: data goes to a temporary file in the destination folder, which is then moved into place
with ``os.replace``, so a crash never leaves a half-written file under its final name.

The temporary file is created with ``os.open(..., 0o666)``, so the process umask applies exactly as for a plain
``open(path, "wb")``: under the usual umask 022 the final file is ``rw-r--r--`` (0644), readable by others.
(``tempfile.mkstemp`` would create it 0600 and the renamed output would stay private.)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_open", "atomic_write_bytes"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _create_temp(path: Path, suffix: str) -> tuple[int, Path]:
    """Create ``.<name>.<random><suffix>`` beside ``path`` (mode ``0o666 & ~umask``); return its fd and path."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}: 100 random names were taken")


@contextmanager
def atomic_open(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Open a binary file handle whose content replaces ``path`` when the ``with`` block ends without error.

    Parent folders are created. On an exception the temporary file is deleted and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path, suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`); the file gets mode ``0o666 & ~umask``."""
    with atomic_open(path) as fh:
        fh.write(data)
