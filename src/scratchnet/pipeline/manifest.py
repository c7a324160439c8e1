"""Content integrity of the pipeline's artefacts: every file a job writes is recorded, with its SHA-256, in a
manifest beside it, and every job verifies the files it reads against their manifests before using them.

**Where.** One manifest per artefact: a hidden sidecar ``.<name>.manifest.json`` in the artefact's folder, so it
travels with the file when a folder is copied and ``python -m scratchnet.pipeline.verify`` works on any subtree. It
is not a declared output (Snakemake neither removes nor checks it): the job that owns an artefact removes its
manifest when it starts (:func:`forget`) and writes it, atomically, once its step has returned (:func:`record`), so
a manifest stands only beside an artefact whose job completed.

**What.** ``{"format", "artefact" (the file name), "sha256", "size", "mtime_ns", "job": {"rule", "wildcards",
"code" (the rule's code fingerprint), "outputs": {path: sha256}, "inputs": {path: sha256}}}``: the artefact, its
sibling outputs, and the digests of what it was made from, as the job verified them.

**When verified.** The job runner verifies every declared input before the step runs (:func:`verify_inputs`), and
:func:`~.io.read_json` and :func:`~.io.read_npz` verify what they read (:func:`check`), so a step that reads a file
its rule does not declare still checks it. Results are cached per process by the file's size, mtime and inode, so a
file is hashed at most once per job.

**How cheap.** SHA-256 costs about 0.08 s of CPU per 100 MB on our machines (1.3 GB/s). A file up to
:data:`TRUST_STAT_ABOVE` (1 MiB: metrics, histories, most models, tables, figures, pages) is hashed at every check. A
larger one (prepared datasets and standardised splits, up to 220 MB with MNIST, read by every train job of their
split; the predictions of MNIST runs) is trusted when its size and mtime (in ns) equal those in its manifest, and
hashed in full when either differs (an edit, a truncation, a copy that did not keep times, and Snakemake's own
touch of every output after its job); a full hash that matches records the file's new mtime in the manifest, so a
large file is hashed once after it is written, not once per reader. ``verify`` hashes everything.

**A mismatch** raises :class:`IntegrityError`, naming the file, its manifest, both digests and the job that wrote it.
The job that found it marks the file for rebuilding (:func:`reject`: a marker ``.<name>.rebuild``, and a copy
``<name>.rejected`` kept for inspection) and fails. The bad file stays where it is, so other jobs of the same run that
read it fail with the same message (a file taken away under a running Snakemake would stop the whole run with a
"missing files" error instead). The next DAG build rebuilds every marked file, and every file whose manifest
outlives it (:func:`to_rebuild`, :mod:`.rebuild`); the job that rewrites a file removes its marker.
A file without a manifest (written by hand, or before manifests were recorded) is read, and counted as unverified.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes

__all__ = [
    "FORMAT",
    "SUFFIX",
    "REBUILD",
    "REJECTED",
    "TRUST_STAT_ABOVE",
    "Check",
    "IntegrityError",
    "artefact_of",
    "marker_path",
    "check",
    "file_sha256",
    "forget",
    "manifest_path",
    "read_manifest",
    "record",
    "reject",
    "to_rebuild",
    "verify_inputs",
]

FORMAT = "scratchnet-manifest/1"
SUFFIX = ".manifest.json"
REBUILD = ".rebuild"  # marker suffix: .<name>.rebuild, a file a job found edited or truncated
REJECTED = ".rejected"  # <name>.rejected: the bad content, kept for inspection
TRUST_STAT_ABOVE = 1 << 20  # bytes; larger files are trusted by size and mtime when both match the manifest


def manifest_path(path: str | os.PathLike) -> Path:
    """The manifest of ``path``: ``.<name>.manifest.json`` in the same folder."""
    p = Path(path)
    return p.with_name(f".{p.name}{SUFFIX}")


def marker_path(path: str | os.PathLike) -> Path:
    """The rebuild marker of ``path``: ``.<name>.rebuild`` in the same folder (see :func:`reject`)."""
    p = Path(path)
    return p.with_name(f".{p.name}{REBUILD}")


def artefact_of(name: str | os.PathLike, suffix: str = SUFFIX) -> Path | None:
    """The artefact a manifest (or, with ``suffix=REBUILD``, a rebuild marker) describes; None if ``name`` is not
    named like one."""
    m = Path(name)
    if not (m.name.startswith(".") and m.name.endswith(suffix)) or len(m.name) <= len(suffix) + 1:
        return None
    return m.with_name(m.name[1 : -len(suffix)])


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes, read in chunks."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class IntegrityError(Exception):
    """A file does not match its manifest (or its manifest cannot be read). Not a ``ValueError``, so that code
    which treats an unreadable file as absent cannot swallow it. ``path`` is the file at fault; ``kind`` says how:
    ``edited``, ``truncated`` (smaller than recorded), ``missing`` (its manifest remains) or ``manifest`` (the
    manifest is unreadable)."""

    def __init__(self, path: str | os.PathLike, kind: str, message: str) -> None:
        super().__init__(message)
        self.path = str(path)
        self.kind = kind


@dataclass(frozen=True)
class Check:
    """The outcome of checking one file: its digest, whether a manifest vouched for it, and the bytes hashed."""

    path: str
    sha256: str
    verified: bool  # True: the digest matches the manifest its job wrote; False: the file has no manifest
    hashed: int = 0  # bytes hashed by this check (0: cached, or trusted by size and mtime)


_CACHE: dict[str, tuple[tuple[int, int, int], Check]] = {}  # absolute path -> (size, mtime_ns, inode), check


def _signature(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


def read_manifest(path: str | os.PathLike) -> dict[str, Any] | None:
    """The manifest of ``path`` (None when it has none); :class:`IntegrityError` naming it when it is unreadable."""
    m = manifest_path(path)
    try:
        doc = json.loads(m.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        why = f"{type(exc).__name__}: {exc}"
        raise IntegrityError(path, "manifest", f"{path}: its manifest {m} cannot be read ({why})") from None
    keys = ("format", "sha256", "size", "mtime_ns", "job")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or any(k not in doc for k in keys):
        raise IntegrityError(path, "manifest", f"{path}: its manifest {m} is not a {FORMAT} manifest (edited?)")
    return doc


def _mismatch(path: str | os.PathLike, doc: Mapping[str, Any], actual: str, size: int) -> IntegrityError:
    """The error of a file whose content differs from its manifest: ``truncated`` when it is shorter than written
    (which an edit that shortens it also is: the message says both), else ``edited``."""
    rule = (doc.get("job") or {}).get("rule") or "?"
    kind, how = ("truncated", "truncated or edited") if size < doc["size"] else ("edited", "edited")
    return IntegrityError(
        path,
        kind,
        f"{path}: {how} after the {rule} job wrote it: SHA-256 {doc['sha256']} ({doc['size']} bytes) in its manifest "
        f"{manifest_path(path)}, {actual} ({size} bytes) now",
    )


def check(path: str | os.PathLike, *, hash_unrecorded: bool = False, full: bool = False) -> Check | None:
    """Verify ``path`` against its manifest.

    Returns the :class:`Check`; for a file without a manifest, a check with ``verified=False`` when
    ``hash_unrecorded`` (its digest computed, to be recorded as an input), else None. ``full``: hash even a large
    file whose size and mtime match.

    Raises
    ------
    IntegrityError
        The file differs from its manifest (edited or truncated, both digests named), its manifest is unreadable,
        or the file is gone while its manifest remains.
    FileNotFoundError
        Neither the file nor a manifest exists.
    """
    key = os.path.abspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        doc = read_manifest(path)
        if doc is None:
            raise FileNotFoundError(f"{path}: not found") from None
        rule = (doc.get("job") or {}).get("rule") or "?"
        raise IntegrityError(
            path,
            "missing",
            f"{path}: missing, though its manifest {manifest_path(path)} records it as written by the {rule} job "
            f"(SHA-256 {doc['sha256']}): deleted after it was written",
        ) from None
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == _signature(st) and not full:
        return Check(str(path), cached[1].sha256, cached[1].verified)
    doc = read_manifest(path)
    if doc is None:
        if not hash_unrecorded:
            return None
        result = Check(str(path), file_sha256(path), verified=False, hashed=st.st_size)
    elif not full and st.st_size > TRUST_STAT_ABOVE and (st.st_size, st.st_mtime_ns) == (doc["size"], doc["mtime_ns"]):
        result = Check(str(path), doc["sha256"], verified=True)
    else:
        actual = file_sha256(path)
        if actual != doc["sha256"]:
            raise _mismatch(path, doc, actual, st.st_size)
        result = Check(str(path), actual, verified=True, hashed=st.st_size)
        if st.st_size > TRUST_STAT_ABOVE and st.st_mtime_ns != doc["mtime_ns"]:
            _refresh(path, doc, st)
    _CACHE[key] = (_signature(st), result)
    return result


def _refresh(path: str | os.PathLike, doc: dict[str, Any], st: os.stat_result) -> None:
    """Record the mtime of a large file just verified in full, when it has not changed while it was hashed, so that
    the jobs after this one trust it by size and mtime again. Snakemake touches every output after its job (to
    order mtimes), so the mtime a job records is always stale: without this, every train job would hash its split.
    A manifest that cannot be written (read-only results) is left as it is."""
    if _signature(os.stat(path)) != _signature(st):
        return
    try:
        _write(path, {**doc, "mtime_ns": st.st_mtime_ns})
    except OSError:
        pass


def _write(path: str | os.PathLike, doc: dict[str, Any]) -> None:
    atomic_write_bytes(manifest_path(path), (json.dumps(doc, indent=1) + "\n").encode())


def verify_inputs(paths: Iterable[str | os.PathLike]) -> dict[str, Check]:
    """:func:`check` every input of a job (each once), hashing those without a manifest to record their digest."""
    out: dict[str, Check] = {}
    for p in paths:
        if str(p) not in out:
            out[str(p)] = check(p, hash_unrecorded=True)  # type: ignore[assignment]
    return out


def forget(outputs: Iterable[str | os.PathLike]) -> None:
    """Remove the manifests and rebuild markers of a job's outputs (when it starts: they are about to be rewritten)."""
    for o in outputs:
        manifest_path(o).unlink(missing_ok=True)
        marker_path(o).unlink(missing_ok=True)
        _CACHE.pop(os.path.abspath(o), None)


def record(
    outputs: Iterable[str | os.PathLike],
    inputs: Mapping[str, Check],
    rule: str,
    wildcards: Mapping[str, Any] | None = None,
    code: str | None = None,
) -> list[Check]:
    """Hash a job's outputs and write each one's manifest atomically; returns their checks (``hashed``: bytes).

    An output that does not exist is skipped (Snakemake reports a missing output itself). A file that changes while
    it is hashed (size or mtime differ before and after) is an error naming it.
    """
    checks: list[tuple[Path, os.stat_result, Check]] = []
    for o in outputs:
        p = Path(o)
        try:
            before = os.stat(p)
        except FileNotFoundError:
            continue
        digest = file_sha256(p)
        after = os.stat(p)
        if _signature(before) != _signature(after):
            raise RuntimeError(f"{p}: changed while its digest was computed (written by another process?)")
        checks.append((p, after, Check(str(o), digest, verified=True, hashed=after.st_size)))
    job = {
        "rule": rule,
        "wildcards": {k: str(v) for k, v in (wildcards or {}).items()},
        "code": code,
        "outputs": {c.path: c.sha256 for _, _, c in checks},
        "inputs": {path: c.sha256 for path, c in inputs.items()},
    }
    for p, st, c in checks:
        doc = {"format": FORMAT, "artefact": p.name, "sha256": c.sha256, "size": st.st_size,
               "mtime_ns": st.st_mtime_ns, "job": job}  # fmt: skip
        _write(p, doc)
        _CACHE[os.path.abspath(p)] = (_signature(st), c)
    return [c for _, _, c in checks]


def reject(path: str | os.PathLike, why: str) -> Path | None:
    """Mark a file that failed verification for rebuilding: write ``.<name>.rebuild`` (holding ``why``) and keep its
    content as ``<name>.rejected`` (a hard link where the file system allows it, else a copy; an older one is
    replaced). The file itself stays, so that other jobs reading it fail the same way. Returns the kept copy (None
    when the file is gone)."""
    p = Path(path)
    kept = p.with_name(p.name + REJECTED)
    kept.unlink(missing_ok=True)
    try:
        os.link(p, kept)
    except FileNotFoundError:
        kept = None
    except OSError:  # no hard links on this file system
        shutil.copyfile(p, kept)
    atomic_write_bytes(marker_path(p), (why.rstrip("\n") + "\n").encode())
    return kept


def to_rebuild(roots: Iterable[str | os.PathLike]) -> dict[str, str]:
    """The artefacts under ``roots`` to rebuild, with why: a job found it edited or truncated (its rebuild marker),
    or it is gone while its manifest remains (deleted, or removed by Snakemake after a failed run). Paths under the
    given roots; reads folder listings only: no file is opened."""
    out: dict[str, str] = {}
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            names = set(files)
            for name in files:
                if (a := artefact_of(name, REBUILD)) is not None:
                    out[os.path.join(folder, a.name)] = f"it failed verification; the bad copy is {a.name}{REJECTED}"
                elif (a := artefact_of(name)) is not None and a.name not in names:
                    out.setdefault(os.path.join(folder, a.name), "deleted")
    return dict(sorted(out.items()))
