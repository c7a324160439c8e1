"""Atomic file writes: data goes to a temporary file in the destination folder, which is then moved into place
with ``os.replace``, so a crash never leaves a half-written file under its final name.

The temporary file is created with ``os.open(..., 0o666)``, so the process umask applies exactly as for a plain
``open(path, "wb")``: under the usual umask 022 the final file is ``rw-r--r--`` (0644), readable by others.
(``tempfile.mkstemp`` would create it 0600 and the renamed output would stay private.)

A write that fails because the disk is full (or a quota is reached) raises an ``OSError`` with the same ``errno``
that names the file being written, e.g. ``[Errno 28] No space left on device: 'results/runs/.../history.json'``
(a bare ``write`` error names no file at all); the temporary file is removed and ``path`` is left as it was.

Code that runs the writes may add a *commit guard* (:func:`commit_guard`): a check called with the final path just
before each move into place, which can refuse the write by raising.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NoReturn

__all__ = ["atomic_open", "atomic_write_bytes", "commit", "commit_guard", "naming_path", "raise_naming_path"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
# errors only a write can raise (a failed read of something else inside the ``with`` block is never renamed)
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_GUARDS: list[Callable[[Path], None]] = []


def _create_temp(path: Path, suffix: str) -> tuple[int, Path]:
    """Create ``.<name>.<random><suffix>`` beside ``path`` (mode ``0o666 & ~umask``); return its fd and path."""
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}"
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}: 100 random names were taken")


def naming_path(exc: OSError, path: str | os.PathLike, tmp: str | os.PathLike | None = None) -> OSError:
    """``exc`` naming ``path`` when it is a disk-full error (which names no file) or an error on the temporary file
    ``tmp``; otherwise ``exc`` itself. The type and ``errno`` are kept."""
    if (exc.errno in _FULL and exc.filename is None) or (tmp is not None and exc.filename == os.fspath(tmp)):
        return type(exc)(exc.errno, exc.strerror, os.fspath(path))
    return exc


def raise_naming_path(exc: OSError, path: str | os.PathLike, tmp: str | os.PathLike | None = None) -> NoReturn:
    """Raise ``exc`` as :func:`naming_path` makes it (``exc`` itself, with its traceback, when it is unchanged)."""
    named = naming_path(exc, path, tmp)
    if named is exc:
        raise exc
    raise named from None


@contextmanager
def commit_guard(check: Callable[[Path], None]) -> Iterator[None]:
    """Within the block, ``check(path)`` runs before every file is moved into place; an exception it raises
    abandons that write (the temporary file is removed, ``path`` keeps its old content)."""
    _GUARDS.append(check)
    try:
        yield
    finally:
        _GUARDS.remove(check)


def commit(tmp: str | os.PathLike, path: str | os.PathLike) -> None:
    """Move the finished temporary file ``tmp`` to ``path`` (``os.replace``), after the commit guards' checks."""
    for check in list(_GUARDS):
        check(Path(path))
    os.replace(tmp, path)


@contextmanager
def atomic_open(path: str | os.PathLike, suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """Open a binary file handle whose content replaces ``path`` when the ``with`` block ends without error.

    Parent folders are created. On an exception the temporary file is deleted and ``path`` is left untouched; an
    error of the write itself names ``path`` (see :func:`naming_path`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        fd, tmp = _create_temp(path, suffix)
        with os.fdopen(fd, "wb") as fh:
            yield fh
        commit(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise_naming_path(exc, path, tmp)
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`); the file gets mode ``0o666 & ~umask``."""
    with atomic_open(path) as fh:
        fh.write(data)
